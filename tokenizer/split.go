package tokenizer

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/dlclark/regexp2"
)

// Pre-tokenizer patterns of the presets.
const (
	// PatternGPT2 is GPT-2's split pattern (also HF ByteLevel use_regex).
	PatternGPT2 = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
	// PatternLlama3 is Llama 3's and cl100k_base's split pattern.
	PatternLlama3 = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	// PatternQwen2 is Qwen2's split pattern: Llama 3's with single digits.
	PatternQwen2 = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	// PatternO200K is o200k_base's split pattern.
	PatternO200K = `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`
)

// presetPatterns maps Spec.Pre presets to their patterns, applied in
// sequence. DeepSeek's come from llama.cpp (src/llama-vocab.cpp,
// LLAMA_VOCAB_PRE_TYPE_DEEPSEEK_LLM / _CODER), which mirror the models'
// tokenizer.json Split sequences. Characters that Unicode normalization
// would replace (U+1F7D, U+1FBE, U+1FD3, U+1FDB, U+2126, U+212A) are written
// as \uXXXX escapes so that no editor or tool can silently change them.
var presetPatterns = map[string][]string{
	PreGPT2:   {PatternGPT2},
	PreLlama3: {PatternLlama3},
	PreCL100K: {PatternLlama3},
	PreQwen2:  {PatternQwen2},
	PreO200K:  {PatternO200K},
	PreDeepSeekLLM: {
		`[\r\n]`,
		`\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝ\u1F5F-\u1F7Dᾀ-ᾴᾶ-ᾼ\u1FBEῂ-ῄῆ-ῌ\u1FD0-\u1FD3\u1FD6-\u1FDBῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\u2126ℨ\u212A-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+`,
		`\s?[!-/:-~！-／：-～‘-‟　-。]+`,
		`\s+$`,
		`[一-龥ࠀ-一가-퟿]+`,
		`\p{N}+`,
	},
	PreDeepSeekCoder: {
		`[\r\n]`,
		`\s?\p{L}+`,
		`\s?\p{P}+`,
		`[一-龥ࠀ-一가-퟿]+`,
		`\p{N}`,
	},
}

// PresetPatterns returns the split patterns of a Spec.Pre preset (nil for
// PreNone) and whether the preset is known.
func PresetPatterns(pre string) ([]string, bool) {
	if pre == PreNone {
		return nil, true
	}
	p, ok := presetPatterns[pre]
	return append([]string(nil), p...), ok
}

// matchTimeout bounds one regexp2 match (backtracking can be exponential
// on hostile patterns).
const matchTimeout = time.Minute

// splitter is one compiled split pattern.
type splitter struct {
	re     *regexp2.Regexp
	remove bool
}

// compileSplitters compiles SplitRegexes, or the Pre preset's patterns.
func compileSplitters(s *Spec) ([]splitter, error) {
	pats, removed := s.SplitRegexes, s.SplitRemoved
	if len(pats) == 0 {
		p, ok := presetPatterns[s.Pre]
		if !ok && s.Pre != PreNone {
			return nil, fmt.Errorf("tokenizer: pre-tokenizer preset %q: %w", s.Pre, ErrUnsupported)
		}
		pats, removed = p, nil
	}
	out := make([]splitter, len(pats))
	for i, p := range pats {
		re, err := regexp2.Compile(p, regexp2.None)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: split pattern %d %q: %v: %w", i, p, err, ErrInvalid)
		}
		// A pathological pattern from a file must not hang encoding forever;
		// on timeout the rest of the text stays one piece.
		re.MatchTimeout = matchTimeout
		out[i] = splitter{re: re, remove: removed != nil && removed[i]}
	}
	return out, nil
}

// preTokenize calls fn with the pieces of text in order.
func (t *Tokenizer) preTokenize(text string, fn func(string)) {
	if len(t.splitters) == 0 {
		fn(text)
		return
	}
	if len(t.splitters) == 1 {
		t.splitters[0].split(text, fn)
		return
	}
	pieces := []string{text}
	for _, sp := range t.splitters {
		next := make([]string, 0, len(pieces)*2)
		for _, p := range pieces {
			sp.split(p, func(q string) { next = append(next, q) })
		}
		pieces = next
	}
	for _, p := range pieces {
		fn(p)
	}
}

// split calls fn with the matches of the pattern in text and the non-empty
// stretches between them (the matches are dropped when remove is set).
// regexp2 works on runes; offsets map rune indexes back to byte positions so
// that invalid UTF-8 bytes survive unchanged.
func (sp splitter) split(text string, fn func(string)) {
	if text == "" {
		return
	}
	runes := make([]rune, 0, len(text))
	offs := make([]int, 0, len(text)+1)
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		runes = append(runes, r)
		offs = append(offs, i)
		i += n
	}
	offs = append(offs, len(text))
	last := 0
	m, err := sp.re.FindRunesMatch(runes)
	for m != nil && err == nil {
		start, end := offs[m.Index], offs[m.Index+m.Length]
		if start > last {
			fn(text[last:start])
		}
		if end > start && !sp.remove {
			fn(text[start:end])
		}
		last = end
		m, err = sp.re.FindNextMatch(m)
	}
	if last < len(text) {
		fn(text[last:])
	}
}
