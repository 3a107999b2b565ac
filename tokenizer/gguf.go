package tokenizer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/upgtools/upg/gguf"
)

// GGUF metadata keys read by FromGGUF (llama.cpp's LLM_KV_TOKENIZER_*).
const (
	ggufModel      = "tokenizer.ggml.model"
	ggufPre        = "tokenizer.ggml.pre"
	ggufTokens     = "tokenizer.ggml.tokens"
	ggufScores     = "tokenizer.ggml.scores"
	ggufTypes      = "tokenizer.ggml.token_type"
	ggufMerges     = "tokenizer.ggml.merges"
	ggufAddPrefix  = "tokenizer.ggml.add_space_prefix"
	ggufAddBOS     = "tokenizer.ggml.add_bos_token"
	ggufAddEOS     = "tokenizer.ggml.add_eos_token"
	ggufBOS        = "tokenizer.ggml.bos_token_id"
	ggufEOS        = "tokenizer.ggml.eos_token_id"
	ggufUNK        = "tokenizer.ggml.unknown_token_id"
	ggufPAD        = "tokenizer.ggml.padding_token_id"
	ggufTemplate   = "tokenizer.chat_template"
	ggufGeneralNme = "general.name"
)

// FromGGUF builds a Spec from the tokenizer.ggml.* metadata of a GGUF file,
// following llama.cpp's llama_vocab::impl::load (src/llama-vocab.cpp):
//
//   - tokenizer.ggml.model "llama" is SentencePiece (ModelSPM, scores, byte
//     fallback, add_space_prefix default true, BOS 1 / EOS 2 / UNK 0 by
//     default, add_bos default true); "gpt2" is byte-level BPE with
//     tokenizer.ggml.merges and tokenizer.ggml.pre naming the pre-tokenizer
//     (see PreTokenizerNames).
//   - Tokens of type control, user-defined or unknown become Spec.Added, as in
//     llama.cpp's special-token cache: user-defined ones are matched in all
//     text, control and unknown ones (Special) only when parsing specials.
//     Tokens llama.cpp recognises by text as end-of-generation or
//     fill-in-the-middle markers are made control tokens as it does.
//   - Special ids out of range are ignored (the default stays), as llama.cpp
//     does; add_bos_token/add_eos_token override the defaults.
//
// Deviations: llama.cpp's BPE default ids of 11 for BOS/EOS are not copied
// (absent ids are -1), and decoding does not apply llama.cpp's
// clean_spaces (Spec has no such option).
func FromGGUF(f *gguf.File) (*Spec, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("tokenizer: gguf %s: "+format, append([]any{f.Path}, args...)...)
	}
	model, ok := f.GetString(ggufModel)
	if !ok {
		return nil, fail("missing %s", ggufModel)
	}
	s := &Spec{BOS: -1, EOS: -1, UNK: -1, PAD: -1}
	if err := ggufVocab(f, s); err != nil {
		return nil, fail("%w", err)
	}
	switch model {
	case "llama":
		s.Model = ModelSPM
		s.Pre = PreNone
		s.ByteFallback = true
		s.AddPrefixSpace = true
		s.AddBOS = true
		s.BOS, s.EOS, s.UNK = 1, 2, 0
		if v, ok := f.GetBool(ggufAddPrefix); ok {
			s.AddPrefixSpace = v
		}
		s.StripLeadingSpace = s.AddPrefixSpace
	case "gpt2":
		s.Model = ModelBPE
		s.ByteLevel = true
		s.Scores = nil
		if err := ggufMergeList(f, s); err != nil {
			return nil, fail("%w", err)
		}
		pre, _ := f.GetString(ggufPre)
		if err := applyPre(s, pre); err != nil {
			return nil, fail("%w", err)
		}
	default:
		return nil, fail("%s %q: %w (supported: llama, gpt2)", ggufModel, model, ErrUnsupported)
	}
	ggufSpecialIDs(f, s)
	if v, ok := f.GetBool(ggufAddBOS); ok {
		s.AddBOS = v
	}
	if v, ok := f.GetBool(ggufAddEOS); ok {
		s.AddEOS = v
	}
	if s.AddBOS && s.BOS < 0 {
		return nil, fail("%s is true, but %s is not set", ggufAddBOS, ggufBOS)
	}
	if s.AddEOS && s.EOS < 0 {
		return nil, fail("%s is true, but %s is not set", ggufAddEOS, ggufEOS)
	}
	name, _ := f.GetString(ggufGeneralNme)
	s.Added = ggufAdded(s, name)
	s.ChatTemplate, _ = f.GetString(ggufTemplate)
	return s, nil
}

// ggufVocab reads tokens, scores and token types.
func ggufVocab(f *gguf.File, s *Spec) error {
	toks, ok := f.GetStrings(ggufTokens)
	if !ok || len(toks) == 0 {
		return fmt.Errorf("missing or empty string array %s", ggufTokens)
	}
	n := len(toks)
	seen := make(map[string]int, n)
	for i, t := range toks {
		if t == "" {
			continue // llama.cpp renames it "[EMPTY_i]"; here it is just absent
		}
		if j, dup := seen[t]; dup {
			return fmt.Errorf("duplicate token %q at ids %d and %d", t, j, i)
		}
		seen[t] = i
	}
	s.Vocab = slices.Clone(toks)
	s.Scores = make([]float32, n)
	if v, present := f.Get(ggufScores); present {
		switch sc := v.(type) {
		case []float32:
			if len(sc) < n {
				return fmt.Errorf("%s has %d entries for %d tokens", ggufScores, len(sc), n)
			}
			copy(s.Scores, sc)
		case []int32:
			if len(sc) < n {
				return fmt.Errorf("%s has %d entries for %d tokens", ggufScores, len(sc), n)
			}
			for i := range s.Scores {
				s.Scores[i] = float32(sc[i])
			}
		default:
			return fmt.Errorf("%s is %T, want a float32 or int32 array", ggufScores, v)
		}
	}
	s.TokenTypes = make([]int, n)
	for i := range s.TokenTypes {
		s.TokenTypes[i] = TypeNormal
	}
	if v, present := f.Get(ggufTypes); present {
		tt, ok := v.([]int32)
		if !ok || len(tt) < n {
			return fmt.Errorf("%s is %T of the wrong length, want %d int32", ggufTypes, v, n)
		}
		for i := range s.TokenTypes {
			s.TokenTypes[i] = int(tt[i])
			if tt[i] < TypeUndefined || tt[i] > TypeByte {
				s.TokenTypes[i] = TypeUndefined
			}
		}
	}
	forceControlByText(s)
	return nil
}

// ggufMergeList reads tokenizer.ggml.merges ("left right" strings; llama.cpp
// splits at the first space after the first byte).
func ggufMergeList(f *gguf.File, s *Spec) error {
	v, present := f.Get(ggufMerges)
	if !present {
		return fmt.Errorf("missing %s (required for gpt2 vocabularies)", ggufMerges)
	}
	ms, ok := v.([]string)
	if !ok {
		return fmt.Errorf("%s is %T, want a string array", ggufMerges, v)
	}
	s.Merges = make([][2]string, len(ms))
	for i, m := range ms {
		if len(m) > 1 {
			if p := strings.IndexByte(m[1:], ' '); p >= 0 {
				s.Merges[i] = [2]string{m[:p+1], m[p+2:]}
				continue
			}
		}
		return fmt.Errorf("%s[%d] = %q is not two space-separated tokens", ggufMerges, i, m)
	}
	return nil
}

// ggufSpecialIDs reads the special token ids; an id outside the vocabulary
// keeps the default, as in llama.cpp.
func ggufSpecialIDs(f *gguf.File, s *Spec) {
	n := uint64(len(s.Vocab))
	for _, p := range []struct {
		key string
		id  *int
	}{{ggufBOS, &s.BOS}, {ggufEOS, &s.EOS}, {ggufUNK, &s.UNK}, {ggufPAD, &s.PAD}} {
		if *p.id >= len(s.Vocab) {
			*p.id = -1
		}
		if v, ok := f.GetUint(p.key); ok && v < n {
			*p.id = int(v)
		}
	}
}

// ggufAdded lists the tokens llama.cpp pre-matches in the text (its
// cache_special_tokens): control, user-defined and unknown tokens. name is
// general.name, used for llama.cpp's per-model rstrip rule for Phi-3.
func ggufAdded(s *Spec, name string) []AddedToken {
	name = strings.ToLower(name)
	phi3 := strings.Contains(name, "phi-3") || strings.Contains(name, "phi3")
	var out []AddedToken
	for id, t := range s.TokenTypes {
		if t != TypeControl && t != TypeUserDefined && t != TypeUnknown || s.Vocab[id] == "" {
			continue
		}
		a := AddedToken{ID: id, Content: s.Vocab[id], Special: t != TypeUserDefined}
		if phi3 {
			switch a.Content {
			case "<unk>", "<s>", "<|endoftext|>":
			default:
				a.RStrip = true
			}
		}
		out = append(out, a)
	}
	return out
}

// controlByText are the token texts llama.cpp's loader marks as control
// (end-of-turn, end-of-generation and fill-in-the-middle markers) whatever
// their GGUF type.
var controlByText = []string{
	"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
	"<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<｜end▁of▁sentence｜>", "<end_of_utterance>", "<|eom_id|>",
	"<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "</s>", "<eos>", "<turn|>", "<|tool_response>", "[e~[",
	"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>",
	"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>",
	"<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>",
	"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]",
	"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>", "<|file_sep|>",
}

// userDefinedByText are forced to user-defined (llama.cpp's gpt-oss rule).
var userDefinedByText = []string{"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"}

func forceControlByText(s *Spec) {
	ids := make(map[string]int, len(controlByText))
	for id, t := range s.Vocab {
		if t != "" && (slices.Contains(controlByText, t) || slices.Contains(userDefinedByText, t)) {
			ids[t] = id
		}
	}
	for t, id := range ids {
		if slices.Contains(userDefinedByText, t) {
			s.TokenTypes[id] = TypeUserDefined
		} else if s.TokenTypes[id] != TypeControl && s.TokenTypes[id] != TypeUnknown {
			s.TokenTypes[id] = TypeControl
		}
	}
	// o200k_harmony / solar-open: "<|end|>" is not end-of-generation there and
	// llama.cpp makes it user-defined.
	_, ret := ids["<|return|>"]
	_, call := ids["<|call|>"]
	_, calls := ids["<|calls|>"]
	_, flush := ids["<|flush|>"]
	if end, ok := ids["<|end|>"]; ok && (ret && call || (call || calls) && flush) {
		s.TokenTypes[end] = TypeUserDefined
	}
	// gemma4 / paddleocr: "</s>" is normal when "<|tool_response>" exists.
	if sid, ok := ids["</s>"]; ok {
		if _, tr := ids["<|tool_response>"]; tr {
			s.TokenTypes[sid] = TypeNormal
		}
	}
}

// Split regexes of llama.cpp pre-tokenizers that have no Spec preset
// (llm_tokenizer_bpe in src/llama-vocab.cpp).
const (
	gpt2Regex = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`
)

var (
	defaultBPERegexes = []string{`[\p{P}\$\+<=>\^~\|]+`, gpt2Regex, `\p{N}+`, `[0-9][0-9][0-9]`}
	starcoderRegexes  = []string{`\p{N}`, gpt2Regex}
	falconRegexes     = []string{`[\p{P}\$\+<=>\^~\|` + "`" + `]+`, gpt2Regex, `[0-9][0-9][0-9]`}
	deepseekV3Regexes = []string{
		`\p{N}{1,3}`,
		`[一-龥぀-ゟ゠-ヿ]+`,
		`[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_` + "`" + `{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
	}
)

// preSetting is what a tokenizer.ggml.pre name sets.
type preSetting struct {
	pre          string
	regexes      []string
	ignoreMerges bool
	addBOS       bool
}

// ggufPreNames maps tokenizer.ggml.pre values to pre-tokenizers, following
// the name table of llama_vocab::impl::load.
var ggufPreNames = func() map[string]preSetting {
	m := map[string]preSetting{
		"":               {regexes: defaultBPERegexes},
		"default":        {regexes: defaultBPERegexes},
		"deepseek-llm":   {pre: PreDeepSeekLLM},
		"deepseek-coder": {pre: PreDeepSeekCoder},
		"deepseek-v3":    {regexes: deepseekV3Regexes},
		"falcon":         {regexes: falconRegexes},
		"dbrx":           {pre: PreLlama3},
		"smaug-bpe":      {pre: PreLlama3},
		"chatglm-bpe":    {pre: PreLlama3},
		"glm4":           {pre: PreLlama3},
	}
	add := func(p preSetting, names ...string) {
		for _, n := range names {
			m[n] = p
		}
	}
	add(preSetting{pre: PreLlama3, ignoreMerges: true, addBOS: true},
		"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano")
	add(preSetting{pre: PreGPT2}, "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de",
		"a.x-4.0", "mellum", "modern-bert", "jina-v1-en", "jina-v2-code", "roberta-bpe", "exaone4", "mpt", "olmo", "jais",
		"trillion", "granite-docling")
	add(preSetting{pre: PreQwen2}, "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez", "stablelm2", "hunyuan", "solar-open")
	add(preSetting{pre: PreO200K}, "gpt-4o", "llama4", "kanana2", "talkie")
	add(preSetting{regexes: starcoderRegexes}, "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b", "mellum2")
	return m
}()

// PreTokenizerNames returns the tokenizer.ggml.pre values FromGGUF supports,
// sorted.
func PreTokenizerNames() []string {
	var names []string
	for n := range ggufPreNames {
		if n != "" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// applyPre sets the BPE pre-tokenizer named by tokenizer.ggml.pre; an empty
// name is llama.cpp's "default".
func applyPre(s *Spec, name string) error {
	p, ok := ggufPreNames[name]
	if !ok {
		return fmt.Errorf("%s %q: %w (supported: %s)", ggufPre, name, ErrUnsupported, strings.Join(PreTokenizerNames(), ", "))
	}
	s.Pre = p.pre
	s.SplitRegexes = slices.Clone(p.regexes)
	s.IgnoreMerges = p.ignoreMerges
	s.AddBOS = p.addBOS
	return nil
}
