// Package stories260k embeds the stories260K model (Karpathy's tinyllamas,
// MIT license, trained on TinyStories) as a Hugging Face directory: a
// LlamaForCausalLM config.json, an F32 model.safetensors, tokenizer.json,
// tokenizer_config.json and generation_config.json. It is upg's built-in
// default model for demos and end-to-end tests.
//
// The files are produced by package importer from the llama2.c checkpoint
// stories260K.bin and its tokenizer tok512.bin (see SOURCE.md); `go generate`
// in this directory regenerates them, and a test checks that the committed
// files equal a fresh import.
//
//	dir := t.TempDir()
//	if err := stories260k.WriteTo(dir); err != nil { ... }
//	// dir now loads like any HF model directory.
package stories260k
