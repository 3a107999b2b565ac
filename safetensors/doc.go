// Package safetensors reads, validates and writes the safetensors tensor file
// format (https://github.com/huggingface/safetensors, "Format" section of its
// README; the reference validator is safetensors/src/tensor.rs).
//
// A file is an 8-byte little-endian unsigned header length N, N bytes of
// UTF-8 JSON mapping tensor names to {"dtype", "shape", "data_offsets"} (plus
// an optional "__metadata__" object of string to string), then the data
// region. Offsets are relative to the start of the data region.
//
// ParseHeader validates a header before any offset is trusted, with the same
// rules as the reference: the header is at most 100 MB and starts with '{',
// all arithmetic is overflow-checked, names are unique, every byte span equals
// element count × dtype size, and, sorted by offset, the tensors tile the data
// region exactly (no gaps, overlaps or trailing bytes). Every violation is a
// *FormatError naming the file, tensor and byte offset and wrapping one of the
// sentinel errors (ErrTruncated, ErrOverlap, ...).
//
// Reading maps the file read-only and hands out zero-copy views:
//
//	f, err := safetensors.Open("model.safetensors")
//	if err != nil { ... }
//	defer f.Close()
//	info, data, ok := f.Tensor("model.embed_tokens.weight")
//
// Writing is streaming and deterministic, one tensor at a time:
//
//	w, err := safetensors.NewWriter(out, infos, meta, safetensors.WriterOptions{})
//	for i, t := range infos { err = w.WriteTensor(t.Name, data[i]) }
//	err = w.Close()
//
// WriteFile does the same through a temporary file that is synced and renamed,
// so a half-written file never appears under the final name.
package safetensors
