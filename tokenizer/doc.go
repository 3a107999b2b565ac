// Package tokenizer turns text into token ids and back for the LLM
// vocabularies upg runs: byte-level BPE (GPT-2, Llama 3, Qwen2, DeepSeek),
// tiktoken rank files (cl100k_base, o200k_base, Llama 3 tokenizer.model) and
// SentencePiece-style BPE (Llama 2, Mistral, Phi-3).
//
// Every file format is first read into a format-neutral Spec, and New builds
// the runnable Tokenizer from it, so each encoding algorithm exists once:
//
//	tok, err := tokenizer.Load("path/to/model")   // tokenizer.json, tokenizer.model or vocab.json+merges.txt
//	ids := tok.Encode("Hello world", tokenizer.EncodeOptions{AddSpecial: true})
//	text := tok.Decode(ids, true)
//
// Implemented specifications:
//   - Hugging Face tokenizers' tokenizer.json (model BPE with its normalizers,
//     pre-tokenizers, post-processors and decoders; see FromJSON for the
//     supported subset) and transformers' tokenizer_config.json.
//   - OpenAI tiktoken: "base64 rank" files (FromTiktoken) and the npm
//     package's encoder JSON (FromTiktokenJSON); BPE merging by token rank.
//   - SentencePiece BPE as llama.cpp's llm_tokenizer_spm runs it: merge the
//     adjacent pair whose concatenation has the highest score, byte fallback
//     to <0xNN> tokens.
//   - GPT-2 vocab.json + merges.txt (FromVocabMerges).
//
// Pre-tokenizer regular expressions run on github.com/dlclark/regexp2, which
// supports the look-ahead these patterns use, with Unicode \s, \p{L} and \p{N}
// classes as in the reference implementations.
//
// A Tokenizer is safe for concurrent use; a StreamDecoder is not.
package tokenizer
