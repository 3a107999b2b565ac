// Package importer converts llama2.c checkpoints and GGUF files of the llama
// architecture into a Hugging Face model directory that the rest of upg (and
// transformers) loads like any other:
//
//	config.json             LlamaForCausalLM config (hidden_size, ...)
//	model.safetensors       HF tensor names (model.layers.N.self_attn.q_proj.weight, ...)
//	tokenizer.json          from the source vocabulary
//	tokenizer_config.json
//	generation_config.json
//
// Formats read:
//
//   - llama2.c checkpoints as written by karpathy/llama2.c export.py:
//     legacy_export (version 0: seven int32 header fields, then float32
//     weights; a negative vocab_size means an unshared classifier) and
//     version1_export (magic "ak42", version 1, a 256-byte header). The
//     header and the exact file size are validated before any weight is read.
//     Tokenizers are llama2.c tokenizer.bin files.
//   - GGUF files (ggml-org/ggml docs/gguf.md) with general.architecture
//     "llama", tensors in F32, F16, BF16 or Q8_0, and hyperparameters from the
//     llama.* keys.
//
// Both sources store the q and k projections in Meta's interleaved RoPE
// layout; they are permuted to Hugging Face's rotate-half layout (see
// permuteRoPE). Everything is read and validated, and every tensor converted,
// before anything is written; the directory is then written as
// outDir.tmp-* and renamed into place, and an existing non-empty outDir is
// never overwritten.
//
//	err := importer.FromLlama2C(ctx, "stories260K.bin", "tok512.bin", "out", importer.Options{})
//	err = importer.FromGGUF(ctx, "model.gguf", "out2", importer.Options{DType: "BF16"})
package importer
