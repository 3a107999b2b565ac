package tokenizer

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// FromTiktoken reads a tiktoken rank file (one "base64(token bytes) rank"
// line per token, as OpenAI's *.tiktoken files and Llama 3's tokenizer.model)
// and returns a rank-merging BPE Spec with the given split pattern and
// special tokens (text → id). BOS and EOS are left at -1 for the caller.
func FromTiktoken(r io.Reader, pattern string, special map[string]int) (*Spec, error) {
	ranks := map[int]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		b64, rankStr, ok := strings.Cut(text, " ")
		if !ok {
			return nil, fmt.Errorf("tiktoken line %d: want \"base64 rank\": %w", line, ErrInvalid)
		}
		if err := addRank(ranks, b64, rankStr); err != nil {
			return nil, fmt.Errorf("tiktoken line %d: %w", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("tiktoken: reading: %w", err)
	}
	return tiktokenSpec(ranks, pattern, special)
}

// addRank decodes one token and records it at its rank.
func addRank(ranks map[int]string, b64, rankStr string) error {
	tok, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return fmt.Errorf("token %q: %v: %w", b64, err, ErrInvalid)
	}
	rank, err := strconv.Atoi(strings.TrimSpace(rankStr))
	if err != nil || rank < 0 || rank >= maxVocab {
		return fmt.Errorf("rank %q: want an integer in [0, %d): %w", rankStr, maxVocab, ErrInvalid)
	}
	if _, dup := ranks[rank]; dup {
		return fmt.Errorf("rank %d given twice: %w", rank, ErrInvalid)
	}
	ranks[rank] = string(tok)
	return nil
}

// tiktokenSpec builds the Spec of a rank table.
func tiktokenSpec(ranks map[int]string, pattern string, special map[string]int) (*Spec, error) {
	if len(ranks) == 0 {
		return nil, fmt.Errorf("tiktoken: no tokens: %w", ErrInvalid)
	}
	n := 0
	for r := range ranks {
		n = max(n, r+1)
	}
	for _, id := range special {
		if id < 0 || id >= maxVocab {
			return nil, fmt.Errorf("tiktoken: special token id %d outside [0, %d): %w", id, maxVocab, ErrInvalid)
		}
		n = max(n, id+1)
	}
	if n > 2*(len(ranks)+len(special))+1024 {
		return nil, fmt.Errorf("tiktoken: ids up to %d for %d tokens: %w", n-1, len(ranks)+len(special), ErrInvalid)
	}
	s := &Spec{
		Model: ModelBPE, Vocab: make([]string, n), RankMerge: true, IgnoreMerges: true,
		BOS: -1, EOS: -1, UNK: -1, PAD: -1,
	}
	for r, tok := range ranks {
		s.Vocab[r] = tok
	}
	setPattern(s, pattern)
	names := make([]string, 0, len(special))
	for name := range special {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool { return special[names[i]] < special[names[j]] })
	for _, name := range names {
		id := special[name]
		if name == "" {
			return nil, fmt.Errorf("tiktoken: empty special token (id %d): %w", id, ErrInvalid)
		}
		if s.Vocab[id] != "" && s.Vocab[id] != name {
			return nil, fmt.Errorf("tiktoken: special token %q id %d already holds a token: %w", name, id, ErrInvalid)
		}
		s.Vocab[id] = name
		s.Added = append(s.Added, AddedToken{ID: id, Content: name, Special: true})
	}
	return s, nil
}

// setPattern stores a split pattern as its preset when it is one.
func setPattern(s *Spec, pattern string) {
	for _, pre := range []string{PreLlama3, PreQwen2, PreO200K, PreGPT2} {
		if p := presetPatterns[pre]; len(p) == 1 && p[0] == pattern {
			s.Pre = pre
			return
		}
	}
	if pattern != "" {
		s.SplitRegexes = []string{pattern}
	}
}

// tiktokenJSON is the npm tiktoken package's encoder file.
type tiktokenJSON struct {
	PatStr        string         `json:"pat_str"`
	SpecialTokens map[string]int `json:"special_tokens"`
	BPERanks      string         `json:"bpe_ranks"`
}

// FromTiktokenJSON reads an encoder JSON of the npm tiktoken package
// ({"pat_str", "special_tokens", "bpe_ranks"}), where bpe_ranks packs lines
// of "<ignored> <first rank> <base64 token> <base64 token> ..." with
// consecutive ranks. EOS is set to <|endoftext|> when present.
func FromTiktokenJSON(data []byte) (*Spec, error) {
	var j tiktokenJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("tiktoken JSON: %v: %w", err, ErrInvalid)
	}
	ranks := map[int]string{}
	for ln, line := range bytes.Split([]byte(j.BPERanks), []byte("\n")) {
		fields := strings.Fields(string(line))
		if len(fields) == 0 {
			continue
		}
		if len(fields) < 2 {
			return nil, fmt.Errorf("tiktoken JSON: bpe_ranks line %d: no first rank: %w", ln+1, ErrInvalid)
		}
		first, err := strconv.Atoi(fields[1])
		if err != nil || first < 0 || first >= maxVocab {
			return nil, fmt.Errorf("tiktoken JSON: bpe_ranks line %d: first rank %q: %w", ln+1, fields[1], ErrInvalid)
		}
		for i, b64 := range fields[2:] {
			if err := addRank(ranks, b64, strconv.Itoa(first+i)); err != nil {
				return nil, fmt.Errorf("tiktoken JSON: bpe_ranks line %d: %w", ln+1, err)
			}
		}
	}
	s, err := tiktokenSpec(ranks, j.PatStr, j.SpecialTokens)
	if err != nil {
		return nil, err
	}
	if id, ok := j.SpecialTokens["<|endoftext|>"]; ok {
		s.EOS = id
	}
	return s, nil
}

// llama3Specials returns Llama 3's 256 special tokens from id base (128000),
// named as in meta-llama/llama3's tokenizer.py.
func llama3Specials(base int) map[string]int {
	named := []string{
		"<|begin_of_text|>", "<|end_of_text|>",
		"<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
		"<|reserved_special_token_2|>", "<|reserved_special_token_3|>",
		"<|start_header_id|>", "<|end_header_id|>",
		"<|reserved_special_token_4|>", "<|eot_id|>",
	}
	m := make(map[string]int, 256)
	for i, name := range named {
		m[name] = base + i
	}
	for i := len(named); i < 256; i++ {
		m[fmt.Sprintf("<|reserved_special_token_%d|>", i-len(named)+5)] = base + i
	}
	return m
}

// FromLlama3Tiktoken reads Llama 3's tokenizer.model (tiktoken ranks) and
// adds its 256 special tokens after the last rank, <|begin_of_text|> as BOS
// (added when encoding with AddSpecial) and <|end_of_text|> as EOS.
func FromLlama3Tiktoken(r io.Reader) (*Spec, error) {
	s, err := FromTiktoken(r, PatternLlama3, nil)
	if err != nil {
		return nil, err
	}
	base := len(s.Vocab)
	special := llama3Specials(base)
	s.Vocab = append(s.Vocab, make([]string, len(special))...)
	for name, id := range special {
		s.Vocab[id] = name
	}
	for id := base; id < len(s.Vocab); id++ {
		s.Added = append(s.Added, AddedToken{ID: id, Content: s.Vocab[id], Special: true})
	}
	s.BOS, s.EOS, s.AddBOS = base, base+1, true
	return s, nil
}
