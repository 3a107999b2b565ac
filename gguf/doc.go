// Package gguf reads and writes GGUF files, the single-file model format of
// ggml and llama.cpp, as specified in ggml-org/ggml docs/gguf.md (versions 2
// and 3, little-endian).
//
// A GGUF file is a header (magic "GGUF", version, tensor count, metadata
// count), typed metadata key/value pairs, tensor infos (name, dimensions,
// ggml type, offset) and a data section aligned to general.alignment (default
// 32). Parse validates every count, length, type, dimension and offset before
// trusting it: counts are bounded by the bytes left in the file, tensor spans
// must be aligned, inside the data section, sized by their ggml type and must
// not overlap.
//
//	f, err := gguf.Open("model.gguf")
//	if err != nil { ... }
//	defer f.Close()
//	arch, _ := f.GetString("general.architecture")
//	data, info, err := f.TensorData("token_embd.weight")
//	w, err := gguf.ToFloat32(info, data)
//
// Write produces GGUF v3 files (used by tests across upg to build small
// fixtures, e.g. Q8_0 models).
package gguf
