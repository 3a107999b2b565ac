package tokenizer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Load reads the tokenizer of a model directory and builds it. It uses, in
// order: tokenizer.json (with tokenizer_config.json when present);
// tokenizer.model in tiktoken format (Llama 3, with its special tokens);
// vocab.json + merges.txt (byte-level BPE; Qwen2's split pattern when
// tokenizer_config.json names a Qwen2 tokenizer class, else GPT-2's).
// tokenizer_config.json supplies the chat template, bos/eos tokens,
// add_bos_token/add_eos_token and added tokens in every case.
func Load(dir string) (*Tokenizer, error) {
	cfgPath := filepath.Join(dir, "tokenizer_config.json")
	cfg, err := readOptional(cfgPath)
	if err != nil {
		return nil, err
	}
	spec, err := loadSpec(dir, cfg)
	if err != nil {
		return nil, err
	}
	tok, err := New(spec)
	if err != nil {
		return nil, fmt.Errorf("tokenizer in %s: %w", dir, err)
	}
	return tok, nil
}

// loadSpec picks the tokenizer files of dir and reads them into a Spec.
func loadSpec(dir string, cfg []byte) (*Spec, error) {
	jsonPath := filepath.Join(dir, "tokenizer.json")
	js, err := readOptional(jsonPath)
	if err != nil {
		return nil, err
	}
	if js != nil {
		spec, err := FromJSON(js, cfg)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", jsonPath, err)
		}
		return spec, nil
	}
	modelPath := filepath.Join(dir, "tokenizer.model")
	model, err := readOptional(modelPath)
	if err != nil {
		return nil, err
	}
	if model != nil {
		if !looksTiktoken(model) {
			return nil, fmt.Errorf("reading %s: not a tiktoken rank file (SentencePiece protobuf models need a tokenizer.json): %w", modelPath, ErrUnsupported)
		}
		spec, err := FromLlama3Tiktoken(bytes.NewReader(model))
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", modelPath, err)
		}
		return withConfig(spec, cfg, dir)
	}
	vocab, err := readOptional(filepath.Join(dir, "vocab.json"))
	if err != nil {
		return nil, err
	}
	merges, err := readOptional(filepath.Join(dir, "merges.txt"))
	if err != nil {
		return nil, err
	}
	if vocab == nil || merges == nil {
		return nil, fmt.Errorf("%s: no tokenizer.json, tokenizer.model or vocab.json+merges.txt: %w", dir, fs.ErrNotExist)
	}
	spec, err := FromVocabMerges(vocab, merges)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	return withConfig(spec, cfg, dir)
}

// withConfig applies tokenizer_config.json (when present) to spec.
func withConfig(spec *Spec, cfg []byte, dir string) (*Spec, error) {
	if cfg == nil {
		return spec, nil
	}
	class, err := applyConfig(spec, cfg)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(dir, configName), err)
	}
	if spec.ByteLevel && (class == "Qwen2Tokenizer" || class == "Qwen2TokenizerFast") {
		spec.Pre = PreQwen2
	}
	return spec, nil
}

// readOptional reads path, returning nil without error when it is absent.
func readOptional(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return b, nil
}

// looksTiktoken reports whether data starts with a "base64 rank" line.
func looksTiktoken(data []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(data))
	if !sc.Scan() {
		return false
	}
	f := bytes.Fields(sc.Bytes())
	if len(f) != 2 {
		return false
	}
	for _, c := range f[1] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
