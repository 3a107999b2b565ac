package tokenizer

import (
	"encoding/json"
	"fmt"
	"strings"
)

// FromVocabMerges reads a GPT-2 style vocab.json (token → id) and merges.txt
// (one "a b" merge per line in rank order; "#version" lines are skipped) into
// a byte-level BPE Spec with the GPT-2 split pattern. Callers set Pre for
// other models (Qwen2: PreQwen2); Load does so from tokenizer_config.json.
func FromVocabMerges(vocabJSON, merges []byte) (*Spec, error) {
	var vocab map[string]int
	if err := json.Unmarshal(vocabJSON, &vocab); err != nil {
		return nil, fmt.Errorf("vocab.json: %v: %w", err, ErrInvalid)
	}
	words, err := vocabSlice(vocab, "vocab.json")
	if err != nil {
		return nil, err
	}
	s := &Spec{
		Model: ModelBPE, Vocab: words, ByteLevel: true, Pre: PreGPT2,
		BOS: -1, EOS: -1, UNK: -1, PAD: -1,
	}
	for ln, line := range strings.Split(string(merges), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || (ln == 0 && strings.HasPrefix(line, "#version")) {
			continue
		}
		a, b, ok := strings.Cut(line, " ")
		if !ok || a == "" || b == "" || strings.Contains(b, " ") {
			return nil, fmt.Errorf("merges.txt line %d %q: want \"a b\": %w", ln+1, line, ErrInvalid)
		}
		s.Merges = append(s.Merges, [2]string{a, b})
	}
	if id, ok := vocab["<|endoftext|>"]; ok {
		s.EOS = id
	}
	return s, nil
}

// vocabSlice turns a token → id map into a slice by id, bounding the ids.
func vocabSlice(vocab map[string]int, where string) ([]string, error) {
	if len(vocab) == 0 {
		return nil, fmt.Errorf("%s: empty vocabulary: %w", where, ErrInvalid)
	}
	n := 0
	for tok, id := range vocab {
		if id < 0 || id >= maxVocab {
			return nil, fmt.Errorf("%s: token %q id %d outside [0, %d): %w", where, tok, id, maxVocab, ErrInvalid)
		}
		n = max(n, id+1)
	}
	if n > 2*len(vocab)+1024 {
		return nil, fmt.Errorf("%s: ids up to %d for %d tokens: %w", where, n-1, len(vocab), ErrInvalid)
	}
	words := make([]string, n)
	for tok, id := range vocab {
		if words[id] != "" && words[id] != tok {
			return nil, fmt.Errorf("%s: id %d given to both %q and %q: %w", where, id, words[id], tok, ErrInvalid)
		}
		words[id] = tok
	}
	return words, nil
}
