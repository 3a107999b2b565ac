package tokenizer

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dlclark/regexp2"
)

const jsonName = "tokenizer.json"

// hfAddedToken is one entry of tokenizer.json "added_tokens".
type hfAddedToken struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

// hfFile is the top level of tokenizer.json.
type hfFile struct {
	AddedTokens   []hfAddedToken  `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	Model         json.RawMessage `json:"model"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Decoder       json.RawMessage `json:"decoder"`
}

// FromJSON reads a Hugging Face tokenizer.json, and tokenizer_config.json
// when tokenizerConfigJSON is not nil, into a Spec.
//
// Supported: model BPE (vocab; merges as "a b" strings or [a, b] pairs;
// byte_fallback, ignore_merges, unk_token, fuse_unk); normalizers Sequence,
// Prepend("▁"), Replace(" " → "▁"), NFC (recorded, see Spec.NFC);
// pre-tokenizers Sequence, ByteLevel, Split (Isolated or Removed), Metaspace
// (split=false), Digits; post-processors TemplateProcessing, ByteLevel,
// RobertaProcessing, BertProcessing, Sequence; decoders ByteLevel, Sequence,
// Replace, ByteFallback, Fuse, Strip, Metaspace. Anything else fails with
// ErrUnsupported naming the JSON path; malformed input fails with ErrInvalid.
func FromJSON(tokenizerJSON, tokenizerConfigJSON []byte) (*Spec, error) {
	var f hfFile
	if err := json.Unmarshal(tokenizerJSON, &f); err != nil {
		return nil, fmt.Errorf("%s: %v: %w", jsonName, err, ErrInvalid)
	}
	s := &Spec{Model: ModelBPE, BOS: -1, EOS: -1, UNK: -1, PAD: -1}
	steps := []func() error{
		func() error { return readModel(s, f.Model) },
		func() error { return readAddedTokens(s, f.AddedTokens) },
		func() error { return readSection(s, f.Normalizer, jsonName+": normalizer", readNormalizerNode) },
		func() error { return readSection(s, f.PreTokenizer, jsonName+": pre_tokenizer", readPreTokenizerNode) },
		func() error {
			return readSection(s, f.PostProcessor, jsonName+": post_processor", readPostProcessorNode)
		},
		func() error { return readSection(s, f.Decoder, jsonName+": decoder", readDecoderNode) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	detectPreset(s)
	if tokenizerConfigJSON != nil {
		if _, err := applyConfig(s, tokenizerConfigJSON); err != nil {
			return nil, err
		}
	} else if s.EOS < 0 {
		guessEOS(s)
	}
	return s, nil
}

// readModel reads the "model" object.
func readModel(s *Spec, raw json.RawMessage) error {
	m, ok, err := parseNode(raw, jsonName+": model")
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s: model: missing: %w", jsonName, ErrInvalid)
	}
	typ, err := m.typ()
	if err != nil {
		return err
	}
	if typ != "BPE" && !(typ == "" && m.fields["merges"] != nil) {
		return m.errf("type", ErrUnsupported, "model type %q (only BPE is supported)", typ)
	}
	var vocab map[string]int
	if present, err := m.get("vocab", &vocab); err != nil {
		return err
	} else if !present {
		return m.errf("vocab", ErrInvalid, "missing")
	}
	if s.Vocab, err = vocabSlice(vocab, m.path+".vocab"); err != nil {
		return err
	}
	if s.Merges, err = readMerges(m); err != nil {
		return err
	}
	var dropout float64
	if _, err := m.get("dropout", &dropout); err != nil {
		return err
	} else if dropout != 0 {
		return m.errf("dropout", ErrUnsupported, "BPE dropout %g", dropout)
	}
	for _, k := range []string{"continuing_subword_prefix", "end_of_word_suffix"} {
		if v, err := m.str(k, ""); err != nil {
			return err
		} else if v != "" {
			return m.errf(k, ErrUnsupported, "%q", v)
		}
	}
	if s.ByteFallback, err = m.boolean("byte_fallback", false); err != nil {
		return err
	}
	if s.IgnoreMerges, err = m.boolean("ignore_merges", false); err != nil {
		return err
	}
	if unk, err := m.str("unk_token", ""); err != nil {
		return err
	} else if unk != "" {
		id, ok := vocab[unk]
		if !ok {
			return m.errf("unk_token", ErrInvalid, "%q not in vocab", unk)
		}
		s.UNK = id
	}
	_, err = m.boolean("fuse_unk", false) // type check only: unknown runs are short
	return err
}

// readMerges reads model.merges as "a b" strings or [a, b] pairs.
func readMerges(m node) ([][2]string, error) {
	raw, ok := m.fields["merges"]
	if !ok || isNull(raw) {
		return nil, nil
	}
	var strs []string
	if err := json.Unmarshal(raw, &strs); err == nil {
		out := make([][2]string, len(strs))
		for i, line := range strs {
			a, b, ok := strings.Cut(line, " ")
			if !ok || a == "" || b == "" || strings.Contains(b, " ") {
				return nil, m.errf(fmt.Sprintf("merges[%d]", i), ErrInvalid, "%q: want \"a b\"", line)
			}
			out[i] = [2]string{a, b}
		}
		return out, nil
	}
	var pairs [][]string
	if err := json.Unmarshal(raw, &pairs); err != nil {
		return nil, m.errf("merges", ErrInvalid, "want [\"a b\", ...] or [[a, b], ...]: %v", err)
	}
	out := make([][2]string, len(pairs))
	for i, p := range pairs {
		if len(p) != 2 {
			return nil, m.errf(fmt.Sprintf("merges[%d]", i), ErrInvalid, "pair of %d strings", len(p))
		}
		out[i] = [2]string{p[0], p[1]}
	}
	return out, nil
}

// readAddedTokens records added_tokens, growing Vocab when they lie beyond it.
func readAddedTokens(s *Spec, toks []hfAddedToken) error {
	for i, a := range toks {
		where := fmt.Sprintf("%s: added_tokens[%d]", jsonName, i)
		if a.Content == "" {
			return fmt.Errorf("%s: empty content: %w", where, ErrInvalid)
		}
		if err := placeToken(s, a.ID, a.Content, where); err != nil {
			return err
		}
		s.Added = append(s.Added, AddedToken{
			ID: a.ID, Content: a.Content, Special: a.Special, LStrip: a.LStrip, RStrip: a.RStrip,
			SingleWord: a.SingleWord, Normalized: a.Normalized,
		})
	}
	return nil
}

// placeToken puts an added token's content at id, growing Vocab (bounded).
func placeToken(s *Spec, id int, content, where string) error {
	if id < 0 || id >= len(s.Vocab)+1<<16 {
		return fmt.Errorf("%s: id %d outside [0, %d): %w", where, id, len(s.Vocab)+1<<16, ErrInvalid)
	}
	if id >= len(s.Vocab) {
		s.Vocab = append(s.Vocab, make([]string, id+1-len(s.Vocab))...)
		if s.Scores != nil {
			s.Scores = append(s.Scores, make([]float32, id+1-len(s.Scores))...)
		}
		if s.TokenTypes != nil {
			s.TokenTypes = append(s.TokenTypes, make([]int, id+1-len(s.TokenTypes))...)
		}
	}
	if s.Vocab[id] == "" {
		s.Vocab[id] = content
	}
	return nil
}

// readNormalizerNode handles one non-null normalizer.
func readNormalizerNode(s *Spec, n node) error {
	typ, err := n.typ()
	if err != nil {
		return err
	}
	switch typ {
	case "Sequence":
		subs, err := n.list("normalizers")
		if err != nil {
			return err
		}
		for _, c := range subs {
			if err := readNormalizerNode(s, c); err != nil {
				return err
			}
		}
		return nil
	case "Prepend":
		p, err := n.str("prepend", "")
		if err != nil {
			return err
		}
		if p != "▁" {
			return n.errf("prepend", ErrUnsupported, "prepend %q (only \"▁\")", p)
		}
		s.AddPrefixSpace = true
		return nil
	case "Replace":
		_, lit, isLit, err := n.pattern("pattern")
		if err != nil {
			return err
		}
		content, err := n.str("content", "")
		if err != nil {
			return err
		}
		if !isLit || lit != " " || content != "▁" {
			return n.errf("", ErrUnsupported, "Replace normalizer other than \" \" → \"▁\"")
		}
		s.EscapeSpaces = true
		return nil
	case "NFC":
		s.NFC = true
		return nil
	}
	return n.errf("type", ErrUnsupported, "normalizer %q", typ)
}

func readPreTokenizerNode(s *Spec, n node) error {
	typ, err := n.typ()
	if err != nil {
		return err
	}
	switch typ {
	case "Sequence":
		subs, err := n.list("pretokenizers")
		if err != nil {
			return err
		}
		for _, c := range subs {
			if err := readPreTokenizerNode(s, c); err != nil {
				return err
			}
		}
		return nil
	case "ByteLevel":
		s.ByteLevel = true
		prefix, err := n.boolean("add_prefix_space", true)
		if err != nil {
			return err
		}
		s.AddPrefixSpace = s.AddPrefixSpace || prefix
		useRegex, err := n.boolean("use_regex", true)
		if err != nil {
			return err
		}
		if useRegex {
			addSplit(s, PatternGPT2, false)
		}
		return nil
	case "Split":
		return readSplit(s, n)
	case "Metaspace":
		return readMetaspace(s, n, false)
	case "Digits":
		individual, err := n.boolean("individual_digits", false)
		if err != nil {
			return err
		}
		if individual {
			addSplit(s, `\p{N}`, false)
		} else {
			addSplit(s, `\p{N}+`, false)
		}
		return nil
	}
	return n.errf("type", ErrUnsupported, "pre-tokenizer %q", typ)
}

// addSplit appends one split pattern.
func addSplit(s *Spec, pattern string, removed bool) {
	if removed && s.SplitRemoved == nil {
		s.SplitRemoved = make([]bool, len(s.SplitRegexes))
	}
	s.SplitRegexes = append(s.SplitRegexes, pattern)
	if s.SplitRemoved != nil {
		s.SplitRemoved = append(s.SplitRemoved, removed)
	}
}

// readSplit reads a Split pre-tokenizer.
func readSplit(s *Spec, n node) error {
	re, lit, isLit, err := n.pattern("pattern")
	if err != nil {
		return err
	}
	if isLit {
		re = regexp2.Escape(lit)
	}
	if _, err := regexp2.Compile(re, regexp2.None); err != nil {
		return n.errf("pattern", ErrInvalid, "regex %q: %v", re, err)
	}
	behavior, err := n.str("behavior", "Isolated")
	if err != nil {
		return err
	}
	if invert, err := n.boolean("invert", false); err != nil {
		return err
	} else if invert {
		return n.errf("invert", ErrUnsupported, "inverted Split")
	}
	switch behavior {
	case "Isolated":
		addSplit(s, re, false)
	case "Removed":
		addSplit(s, re, true)
	default:
		return n.errf("behavior", ErrUnsupported, "Split behavior %q (Isolated and Removed are supported)", behavior)
	}
	return nil
}

// readMetaspace reads a Metaspace pre-tokenizer or decoder.
func readMetaspace(s *Spec, n node, decoder bool) error {
	rep, err := n.str("replacement", "▁")
	if err != nil {
		return err
	}
	if rep != "▁" {
		return n.errf("replacement", ErrUnsupported, "replacement %q (only \"▁\")", rep)
	}
	prefix, err := n.boolean("add_prefix_space", true)
	if err != nil {
		return err
	}
	scheme, err := n.str("prepend_scheme", "")
	if err != nil {
		return err
	}
	switch scheme {
	case "":
	case "first", "always":
		prefix = true
	case "never":
		prefix = false
	default:
		return n.errf("prepend_scheme", ErrUnsupported, "%q", scheme)
	}
	if decoder {
		s.StripLeadingSpace = s.StripLeadingSpace || prefix
		return nil
	}
	if split, err := n.boolean("split", false); err != nil {
		return err
	} else if split {
		return n.errf("split", ErrUnsupported, "Metaspace with split=true")
	}
	s.EscapeSpaces = true
	s.AddPrefixSpace = s.AddPrefixSpace || prefix
	return nil
}

// detectPreset replaces SplitRegexes by the preset they spell, if any.
func detectPreset(s *Spec) {
	if s.SplitRemoved != nil || len(s.SplitRegexes) == 0 {
		return
	}
	for _, pre := range []string{PreLlama3, PreQwen2, PreO200K, PreGPT2, PreDeepSeekLLM, PreDeepSeekCoder} {
		p := presetPatterns[pre]
		if len(p) != len(s.SplitRegexes) {
			continue
		}
		same := true
		for i := range p {
			same = same && p[i] == s.SplitRegexes[i]
		}
		if same {
			s.Pre, s.SplitRegexes = pre, nil
			return
		}
	}
}

// guessEOS picks a conventional end token when no config names one.
func guessEOS(s *Spec) {
	for _, name := range []string{"</s>", "<|end_of_text|>", "<|endoftext|>", "<｜end▁of▁sentence｜>"} {
		for _, a := range s.Added {
			if a.Content == name {
				s.EOS = a.ID
				return
			}
		}
	}
}
