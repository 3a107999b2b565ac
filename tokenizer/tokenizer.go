package tokenizer

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
)

// maxVocab bounds vocabulary sizes read from files (the largest real
// vocabularies hold about 260k tokens).
const maxVocab = 1 << 22

// Tokenizer encodes text to token ids and decodes them back. Build one with
// New (or a loader such as Load); it is safe for concurrent use.
type Tokenizer struct {
	spec *Spec

	// charLevel: initial symbols are UTF-8 characters looked up as vocab
	// strings (ModelSPM, or BPE that is neither byte-level nor tiktoken).
	// Otherwise initial symbols are single bytes and keys are raw bytes.
	charLevel bool
	escape    bool // ' ' → '▁' before the model runs
	rankMerge bool // tiktoken: pair rank = rank of the merged token

	keyToID map[string]int32 // model key (see charLevel) → id
	single  [256]int32       // byte modes: id of the token holding exactly that byte
	byteTok [256]int32       // id of the <0xNN> byte-fallback token, or -1
	pairs   map[uint64]pairMerge
	scores  []float32

	splitters []splitter
	added     *addedMatcher

	pieces  [][]byte // TokenBytes by id
	special []bool   // skipped by Decode(skipSpecial=true)
	eog     map[int]bool
	names   map[string]int // TokenID lookup: added contents, then vocab strings

	cache      sync.Map // word → []int32, BPE results
	cacheCount atomic.Int64
}

// pairMerge is one BPE merge: its rank and the id it produces.
type pairMerge struct{ rank, id int32 }

const maxCacheEntries = 1 << 17

// New validates s and builds the Tokenizer it describes. The Tokenizer keeps
// s; do not modify it afterwards. Errors wrap ErrInvalid or ErrUnsupported.
func New(s *Spec) (*Tokenizer, error) {
	if err := validateSpec(s); err != nil {
		return nil, err
	}
	t := &Tokenizer{
		spec:      s,
		charLevel: s.Model == ModelSPM || (!s.ByteLevel && !(s.RankMerge && len(s.Merges) == 0)),
		escape:    s.Model == ModelSPM || s.EscapeSpaces,
		rankMerge: s.Model == ModelBPE && s.RankMerge && len(s.Merges) == 0,
	}
	if s.Model == ModelSPM {
		t.scores = s.Scores
	}
	t.buildVocab()
	if err := t.buildMerges(); err != nil {
		return nil, err
	}
	var err error
	if t.splitters, err = compileSplitters(s); err != nil {
		return nil, err
	}
	t.added = newAddedMatcher(s.Added)
	t.buildEOG()
	return t, nil
}

// validateSpec checks the fields New relies on.
func validateSpec(s *Spec) error {
	if s == nil {
		return fmt.Errorf("tokenizer: nil Spec: %w", ErrInvalid)
	}
	n := len(s.Vocab)
	switch {
	case s.Model != ModelBPE && s.Model != ModelSPM:
		return fmt.Errorf("tokenizer: Spec.Model %q: %w", s.Model, ErrUnsupported)
	case n == 0:
		return fmt.Errorf("tokenizer: empty vocabulary: %w", ErrInvalid)
	case n > maxVocab:
		return fmt.Errorf("tokenizer: vocabulary of %d tokens exceeds %d: %w", n, maxVocab, ErrInvalid)
	case s.Model == ModelSPM && len(s.Scores) != n:
		return fmt.Errorf("tokenizer: SPM needs %d scores, have %d: %w", n, len(s.Scores), ErrInvalid)
	case s.TokenTypes != nil && len(s.TokenTypes) != n:
		return fmt.Errorf("tokenizer: %d token types for %d tokens: %w", len(s.TokenTypes), n, ErrInvalid)
	case s.SplitRemoved != nil && len(s.SplitRemoved) != len(s.SplitRegexes):
		return fmt.Errorf("tokenizer: %d SplitRemoved flags for %d SplitRegexes: %w", len(s.SplitRemoved), len(s.SplitRegexes), ErrInvalid)
	}
	for _, f := range []struct {
		name string
		id   int
	}{{"BOS", s.BOS}, {"EOS", s.EOS}, {"UNK", s.UNK}, {"PAD", s.PAD}} {
		if f.id < -1 || f.id >= n {
			return fmt.Errorf("tokenizer: %s id %d outside vocabulary of %d: %w", f.name, f.id, n, ErrInvalid)
		}
	}
	if s.AddBOS && s.BOS < 0 {
		return fmt.Errorf("tokenizer: AddBOS set without a BOS token: %w", ErrInvalid)
	}
	if s.AddEOS && s.EOS < 0 {
		return fmt.Errorf("tokenizer: AddEOS set without an EOS token: %w", ErrInvalid)
	}
	for i, a := range s.Added {
		if a.ID < 0 || a.ID >= n {
			return fmt.Errorf("tokenizer: added token %d (%q) id %d outside vocabulary of %d: %w", i, a.Content, a.ID, n, ErrInvalid)
		}
		if a.Content == "" {
			return fmt.Errorf("tokenizer: added token %d (id %d) has empty content: %w", i, a.ID, ErrInvalid)
		}
	}
	return nil
}

// tokenType returns the type of id, TypeNormal when the spec has none.
func (t *Tokenizer) tokenType(id int) int {
	if t.spec.TokenTypes == nil {
		return TypeNormal
	}
	return t.spec.TokenTypes[id]
}

// byteTokenValue parses "<0xNN>" and reports the byte.
func byteTokenValue(s string) (byte, bool) {
	if len(s) != 6 || s[:3] != "<0x" || s[5] != '>' {
		return 0, false
	}
	for _, c := range s[3:5] {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(s[3:5], 16, 8)
	return byte(v), err == nil
}

// isByteToken reports whether id is a <0xNN> fallback token, and its byte.
func (t *Tokenizer) isByteToken(id int) (byte, bool) {
	typ := t.tokenType(id)
	if t.spec.TokenTypes != nil && typ != TypeByte {
		return 0, false
	}
	if t.spec.TokenTypes == nil && !t.charLevel && !t.spec.ByteFallback {
		return 0, false
	}
	return byteTokenValue(t.spec.Vocab[id])
}

// buildVocab fills keyToID, single, byteTok, pieces, special and names.
func (t *Tokenizer) buildVocab() {
	s := t.spec
	n := len(s.Vocab)
	t.keyToID = make(map[string]int32, n)
	t.pieces = make([][]byte, n)
	t.special = make([]bool, n)
	t.names = make(map[string]int, len(s.Added)+n)
	for i := range t.single {
		t.single[i], t.byteTok[i] = -1, -1
	}
	addedAt := make(map[int]*AddedToken, len(s.Added))
	for i := range s.Added {
		a := &s.Added[i]
		addedAt[a.ID] = a
		if _, dup := t.names[a.Content]; !dup {
			t.names[a.Content] = a.ID
		}
	}
	for id, v := range s.Vocab {
		if _, dup := t.names[v]; !dup && v != "" {
			t.names[v] = id
		}
		typ := t.tokenType(id)
		a := addedAt[id]
		t.special[id] = typ == TypeControl || typ == TypeUnused || (a != nil && a.Special)
		if a != nil {
			t.pieces[id] = t.contentBytes(a.Content, a.Special)
		} else {
			t.pieces[id] = t.vocabBytes(id)
		}
		if b, ok := t.isByteToken(id); ok {
			if t.byteTok[b] < 0 {
				t.byteTok[b] = int32(id)
			}
			if t.charLevel {
				continue
			}
		}
		if v == "" || t.special[id] {
			continue
		}
		key := v
		if s.ByteLevel && !t.charLevel {
			if raw, ok := byteLevelDecode(v); ok {
				key = string(raw)
			}
		}
		if _, dup := t.keyToID[key]; !dup {
			t.keyToID[key] = int32(id)
		}
		if !t.charLevel && len(key) == 1 && t.single[key[0]] < 0 {
			t.single[key[0]] = int32(id)
		}
	}
}

// vocabBytes returns the bytes a model-vocabulary token stands for.
func (t *Tokenizer) vocabBytes(id int) []byte {
	v := t.spec.Vocab[id]
	if b, ok := t.isByteToken(id); ok {
		return []byte{b}
	}
	switch {
	case t.special[id] || t.tokenType(id) == TypeUserDefined:
		return []byte(v)
	case t.spec.ByteLevel:
		if raw, ok := byteLevelDecode(v); ok {
			return raw
		}
		return []byte(v)
	case t.escape:
		return []byte(unescapeSpaces(v))
	}
	return []byte(v)
}

// contentBytes returns the bytes an added token stands for. Added tokens are
// matched in raw input text, so their content is raw text too (DeepSeek
// Coder's added "ü" is U+00FC, not the byte-level character of byte 0xFC),
// except that plain added tokens of '▁'-escaped vocabularies show '▁' as ' '.
func (t *Tokenizer) contentBytes(content string, special bool) []byte {
	if t.escape && !special {
		return []byte(unescapeSpaces(content))
	}
	return []byte(content)
}

// buildMerges resolves Spec.Merges into the pair table.
func (t *Tokenizer) buildMerges() error {
	s := t.spec
	if len(s.Merges) == 0 {
		return nil
	}
	byString := make(map[string]int32, len(s.Vocab))
	for id, v := range s.Vocab {
		if _, dup := byString[v]; !dup && v != "" {
			byString[v] = int32(id)
		}
	}
	t.pairs = make(map[uint64]pairMerge, len(s.Merges))
	for r, m := range s.Merges {
		a, okA := byString[m[0]]
		b, okB := byString[m[1]]
		c, okC := byString[m[0]+m[1]]
		switch {
		case !okA:
			return fmt.Errorf("tokenizer: merges[%d] (%q %q): %q not in vocabulary: %w", r, m[0], m[1], m[0], ErrInvalid)
		case !okB:
			return fmt.Errorf("tokenizer: merges[%d] (%q %q): %q not in vocabulary: %w", r, m[0], m[1], m[1], ErrInvalid)
		case !okC:
			return fmt.Errorf("tokenizer: merges[%d] (%q %q): merged %q not in vocabulary: %w", r, m[0], m[1], m[0]+m[1], ErrInvalid)
		}
		k := uint64(uint32(a))<<32 | uint64(uint32(b))
		if _, dup := t.pairs[k]; !dup {
			t.pairs[k] = pairMerge{rank: int32(r), id: c}
		}
	}
	return nil
}

// endOfGenerationNames are tokens that end a model's turn in common chat
// formats, besides the EOS token.
var endOfGenerationNames = []string{
	"<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<|end|>", "<|endoftext|>",
	"<|end_of_text|>", "<end_of_turn>", "<|EOT|>", "<｜end▁of▁sentence｜>",
}

func (t *Tokenizer) buildEOG() {
	t.eog = map[int]bool{}
	if t.spec.EOS >= 0 {
		t.eog[t.spec.EOS] = true
	}
	for _, name := range endOfGenerationNames {
		if id, ok := t.names[name]; ok {
			t.eog[id] = true
		}
	}
}

// BOS returns the beginning-of-sequence id, or -1.
func (t *Tokenizer) BOS() int { return t.spec.BOS }

// EOS returns the end-of-sequence id, or -1.
func (t *Tokenizer) EOS() int { return t.spec.EOS }

// VocabSize returns the number of token ids (the embedding rows it needs).
func (t *Tokenizer) VocabSize() int { return len(t.spec.Vocab) }

// Spec returns the description the Tokenizer was built from. Do not modify it.
func (t *Tokenizer) Spec() *Spec { return t.spec }

// IsEndOfGeneration reports whether id ends generation: the EOS token, or a
// turn-ending token of a chat format (<|eot_id|>, <|im_end|>, <|end|>,
// <|endoftext|>, ...) present in the vocabulary.
func (t *Tokenizer) IsEndOfGeneration(id int) bool { return t.eog[id] }

// TokenID returns the id of the token whose text is s: an added token's
// content, or a vocabulary string exactly as stored.
func (t *Tokenizer) TokenID(s string) (int, bool) {
	id, ok := t.names[s]
	return id, ok
}
