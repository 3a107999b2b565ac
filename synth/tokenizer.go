package synth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/upgtools/upg/tokenizer"
)

// byteOrder lists the 256 bytes in GPT-2's vocabulary order: by the rune
// that the byte-level alphabet spells them with (printable Latin-1 first).
var byteOrder = func() []byte {
	order := make([]byte, 256)
	for b := range order {
		order[b] = byte(b)
	}
	slices.SortFunc(order, func(a, b byte) int {
		return strings.Compare(tokenizer.ByteLevelEncode([]byte{a}), tokenizer.ByteLevelEncode([]byte{b}))
	})
	return order
}()

// commonWords seed the merges so that everyday English text compresses the
// way a real tokenizer's would (frequent words become single tokens).
var commonWords = strings.Fields(`the of and to in is was he for it with as his on be at by had are but from
or have an they which one you were her all she there would their we him been has when who will more no if
out so said what up its about into than them can only other new some could time these two may then do first
any my now such like our over man me even most made after also did many before must through back years where
much your way well down should because each just those people how too little state good very make world still
own see men work long get here between both life being under never day same another know while last might us
great old year off come since against go came right used take three once upon a there lived girl boy named
happy dog cat tree sun play friend mom dad ball big small saw wanted went looked felt smiled said day park
house toy bird fish red blue green help run jump fun love nice kind together learned thank water sky`)

// frequentPairs are merged first, as in a real BPE's earliest ranks.
var frequentPairs = []string{"Ġt", "he", "Ġa", "in", "re", "on", "Ġthe", "er", "Ġs", "at", "Ġw", "Ġo",
	"en", "Ġc", "it", "is", "an", "or", "es", "Ġb", "ed", "Ġf", "ing", "Ġp", "ou", "Ġin", "ar", "Ġm", "al",
	"Ġto", "Ġof", "Ġd", "Ġh", "Ġand", "ic", "as", "le", "Ġth", "ion", "om", "ll", "ent", "Ġn", "Ġl", "st"}

// vocabBuilder grows a byte-level BPE vocabulary one merge at a time.
type vocabBuilder struct {
	tokens []string // regular tokens in creation order
	index  map[string]bool
	merges []string // "left right", rank order
	limit  int      // number of regular tokens wanted
}

func (v *vocabBuilder) full() bool { return len(v.tokens) >= v.limit }

func (v *vocabBuilder) add(tok string) {
	v.tokens = append(v.tokens, tok)
	v.index[tok] = true
}

// build adds the merges that spell s left to right (prefix + next rune).
func (v *vocabBuilder) build(s string) {
	runes := []rune(s)
	for k := 2; k <= len(runes) && !v.full(); k++ {
		left, right, tok := string(runes[:k-1]), string(runes[k-1]), string(runes[:k])
		if v.index[tok] {
			continue
		}
		v.merges = append(v.merges, left+" "+right)
		v.add(tok)
	}
}

// regularVocab returns n regular tokens (n >= 256) and their merges: the 256
// byte tokens, then frequent pairs, common words (bare, with a leading space,
// capitalized), then pseudo-random joins of existing tokens, all made by
// valid merges. The result is fixed: it does not depend on the weight seed.
func regularVocab(n int) ([]string, []string) {
	v := &vocabBuilder{index: make(map[string]bool, n), limit: n}
	for _, b := range byteOrder {
		v.add(tokenizer.ByteLevelEncode([]byte{b}))
	}
	for _, p := range frequentPairs {
		v.build(p)
	}
	for _, w := range commonWords {
		for _, s := range []string{" " + w, w, " " + strings.ToUpper(w[:1]) + w[1:]} {
			v.build(tokenizer.ByteLevelEncode([]byte(s)))
		}
	}
	r := rand.New(rand.NewPCG(0x5eed, 0x70c))
	base := len(byteOrder)
	for !v.full() && len(v.tokens) > base {
		a := v.tokens[base+r.IntN(len(v.tokens)-base)]
		b := v.tokens[r.IntN(len(v.tokens))]
		if strings.ContainsRune(b, 'Ġ') || utf8.RuneCountInString(a)+utf8.RuneCountInString(b) > 16 || v.index[a+b] {
			continue
		}
		v.merges = append(v.merges, a+" "+b)
		v.add(a + b)
	}
	return v.tokens[:n], v.merges
}

// addedToken is an entry of tokenizer.json "added_tokens".
type addedToken struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

// marshal encodes v as JSON without HTML escaping (so "<|im_end|>" stays
// readable), indented when asked, with a final newline.
func marshal(v any, indent bool) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// specialTokens returns the preset's special tokens by id, filling the
// reserved range with the filler's names.
func (t *tokenizerSpec) specialTokens() map[int]string {
	out := make(map[int]string, len(t.special))
	for id, s := range t.special {
		out[id] = s
	}
	if t.specialFiller != nil {
		for id := t.firstFill; id < t.size; id++ {
			if _, ok := out[id]; !ok {
				out[id] = t.specialFiller(id)
			}
		}
	}
	return out
}

// tokenizerFiles returns tokenizer.json and tokenizer_config.json.
func (t *tokenizerSpec) tokenizerFiles() ([]byte, []byte, error) {
	specials := t.specialTokens()
	regular, merges := regularVocab(t.size - len(specials))
	vocab := make(map[string]int, t.size)
	added := make([]addedToken, 0, len(specials))
	next := 0
	for id := range t.size {
		if s, ok := specials[id]; ok {
			vocab[s] = id
			added = append(added, addedToken{ID: id, Content: s, Special: true})
			continue
		}
		vocab[regular[next]] = id
		next++
	}
	byteLevel := map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}
	var post any = byteLevel
	if t.addBOS {
		bosID := vocab[t.bos]
		post = map[string]any{
			"type":   "TemplateProcessing",
			"single": []any{map[string]any{"SpecialToken": map[string]any{"id": t.bos, "type_id": 0}}, map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}}},
			"pair": []any{map[string]any{"SpecialToken": map[string]any{"id": t.bos, "type_id": 0}}, map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}},
				map[string]any{"SpecialToken": map[string]any{"id": t.bos, "type_id": 1}}, map[string]any{"Sequence": map[string]any{"id": "B", "type_id": 1}}},
			"special_tokens": map[string]any{t.bos: map[string]any{"id": t.bos, "ids": []int{bosID}, "tokens": []string{t.bos}}},
		}
	}
	tj := map[string]any{
		"version": "1.0", "truncation": nil, "padding": nil, "added_tokens": added, "normalizer": nil,
		"pre_tokenizer": byteLevel, "post_processor": post, "decoder": byteLevel,
		"model": map[string]any{
			"type": "BPE", "dropout": nil, "unk_token": nil, "continuing_subword_prefix": nil,
			"end_of_word_suffix": nil, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
			"vocab": vocab, "merges": merges,
		},
	}
	tokJSON, err := marshal(tj, false)
	if err != nil {
		return nil, nil, fmt.Errorf("synth: encoding tokenizer.json: %w", err)
	}
	decoder := make(map[string]addedToken, len(added))
	for _, a := range added {
		decoder[strconv.Itoa(a.ID)] = a
	}
	nullable := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	cfg := map[string]any{
		"add_bos_token": t.addBOS, "add_eos_token": false, "added_tokens_decoder": decoder,
		"bos_token": nullable(t.bos), "eos_token": nullable(t.eos), "pad_token": nullable(t.pad), "unk_token": nullable(t.unk),
		"chat_template": t.chatTemplate, "clean_up_tokenization_spaces": false, "model_max_length": t.maxLength,
		"tokenizer_class": "PreTrainedTokenizerFast",
	}
	cfgJSON, err := marshal(cfg, true)
	if err != nil {
		return nil, nil, fmt.Errorf("synth: encoding tokenizer_config.json: %w", err)
	}
	return tokJSON, cfgJSON, nil
}
