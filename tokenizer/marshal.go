package tokenizer

import (
	"encoding/json"
	"fmt"
	"sort"
	"unicode/utf8"
)

// hfOut is tokenizer.json as written, fields in HF's order.
type hfOut struct {
	Version       string         `json:"version"`
	Truncation    any            `json:"truncation"`
	Padding       any            `json:"padding"`
	AddedTokens   []hfAddedToken `json:"added_tokens"`
	Normalizer    any            `json:"normalizer"`
	PreTokenizer  any            `json:"pre_tokenizer"`
	PostProcessor any            `json:"post_processor"`
	Decoder       any            `json:"decoder"`
	Model         hfModelOut     `json:"model"`
}

// hfModelOut is the BPE model object as written.
type hfModelOut struct {
	Type                    string         `json:"type"`
	Dropout                 any            `json:"dropout"`
	UnkToken                any            `json:"unk_token"`
	ContinuingSubwordPrefix any            `json:"continuing_subword_prefix"`
	EndOfWordSuffix         any            `json:"end_of_word_suffix"`
	FuseUnk                 bool           `json:"fuse_unk"`
	ByteFallback            bool           `json:"byte_fallback"`
	IgnoreMerges            bool           `json:"ignore_merges"`
	Vocab                   map[string]int `json:"vocab"`
	Merges                  [][2]string    `json:"merges"`
}

type obj = map[string]any

// MarshalTokenizerJSON writes s as a Hugging Face tokenizer.json that
// FromJSON (and HF tokenizers) read back to the same encoding:
//   - byte-level BPE: the vocabulary and merges as they are, Split
//     pre-tokenizers for the patterns, then ByteLevel;
//   - tiktoken rank vocabularies: byte-level strings, merges derived from the
//     ranks as transformers' TikTokenConverter does, ignore_merges;
//   - SentencePiece (ModelSPM): as HF converts Llama 2, a BPE model with
//     byte_fallback and merges derived from the scores, Prepend/Replace
//     normalizers and a Replace/ByteFallback/Fuse/Strip decoder.
//
// Control and user-defined tokens (TokenTypes) that are not in Added become
// special and plain added tokens.
func (s *Spec) MarshalTokenizerJSON() ([]byte, error) {
	t, err := New(s)
	if err != nil {
		return nil, fmt.Errorf("MarshalTokenizerJSON: %w", err)
	}
	out := hfOut{Version: "1.0", AddedTokens: marshalAdded(s)}
	inAdded := make(map[int]bool, len(out.AddedTokens))
	for _, a := range out.AddedTokens {
		inAdded[a.ID] = true
	}
	out.Model = hfModelOut{Type: "BPE", ByteFallback: s.ByteFallback, IgnoreMerges: s.IgnoreMerges, Vocab: map[string]int{}}
	if s.UNK >= 0 {
		out.Model.UnkToken = s.Vocab[s.UNK]
	}
	raw := !s.ByteLevel && t.rankMerge
	for id, v := range s.Vocab {
		// SentencePiece vocabularies keep their control tokens (<unk>, <s>,
		// </s>) in model.vocab as well, as HF's Llama 2 files do; the
		// model's unk_token must be there in any case.
		if v == "" || (inAdded[id] && s.Model != ModelSPM && id != s.UNK) {
			continue
		}
		if raw {
			v = byteLevelEncode([]byte(v))
		}
		if _, dup := out.Model.Vocab[v]; !dup {
			out.Model.Vocab[v] = id
		}
	}
	switch {
	case s.Model == ModelSPM:
		out.Model.Merges = spmMerges(t)
		out.Model.ByteFallback = s.ByteFallback || t.byteTok[0] >= 0
	case t.rankMerge:
		out.Model.Merges = rankMerges(t, inAdded)
	default:
		out.Model.Merges = s.Merges
	}
	if out.Model.Merges == nil {
		out.Model.Merges = [][2]string{}
	}
	out.Normalizer, out.PreTokenizer, out.Decoder = marshalPipeline(s, t)
	out.PostProcessor = marshalPostProcessor(s, t)
	return json.MarshalIndent(out, "", " ")
}

// marshalAdded lists Added plus control and user-defined tokens.
func marshalAdded(s *Spec) []hfAddedToken {
	var out []hfAddedToken
	seen := map[int]bool{}
	for _, a := range s.Added {
		seen[a.ID] = true
		out = append(out, hfAddedToken{ID: a.ID, Content: a.Content, SingleWord: a.SingleWord,
			LStrip: a.LStrip, RStrip: a.RStrip, Normalized: a.Normalized, Special: a.Special})
	}
	for id, typ := range s.TokenTypes {
		if seen[id] || s.Vocab[id] == "" || (typ != TypeControl && typ != TypeUserDefined) {
			continue
		}
		out = append(out, hfAddedToken{ID: id, Content: s.Vocab[id], Special: typ == TypeControl})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	if out == nil {
		out = []hfAddedToken{}
	}
	return out
}

// marshalPipeline returns the normalizer, pre-tokenizer and decoder.
func marshalPipeline(s *Spec, t *Tokenizer) (normalizer, pre, decoder any) {
	if t.charLevel {
		var norms []any
		if s.NFC {
			norms = append(norms, obj{"type": "NFC"})
		}
		if s.AddPrefixSpace {
			norms = append(norms, obj{"type": "Prepend", "prepend": "▁"})
		}
		if t.escape {
			norms = append(norms, obj{"type": "Replace", "pattern": obj{"String": " "}, "content": "▁"})
		}
		if len(norms) > 0 {
			normalizer = obj{"type": "Sequence", "normalizers": norms}
		}
		decs := []any{}
		if t.escape {
			decs = append(decs, obj{"type": "Replace", "pattern": obj{"String": "▁"}, "content": " "})
		}
		decs = append(decs, obj{"type": "ByteFallback"}, obj{"type": "Fuse"})
		if s.StripLeadingSpace {
			decs = append(decs, obj{"type": "Strip", "content": " ", "start": 1, "stop": 0})
		}
		decoder = obj{"type": "Sequence", "decoders": decs}
		if len(t.splitters) > 0 {
			pre = obj{"type": "Sequence", "pretokenizers": splitNodes(s)}
		}
		return normalizer, pre, decoder
	}
	if s.NFC {
		normalizer = obj{"type": "NFC"}
	}
	byteLevel := obj{"type": "ByteLevel", "add_prefix_space": s.AddPrefixSpace, "trim_offsets": false, "use_regex": false}
	if len(s.SplitRegexes) == 0 && s.Pre == PreGPT2 {
		byteLevel["use_regex"] = true
		pre = byteLevel
	} else {
		pre = obj{"type": "Sequence", "pretokenizers": append(splitNodes(s), byteLevel)}
	}
	decoder = obj{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true}
	return normalizer, pre, decoder
}

// splitNodes writes the split patterns as Split pre-tokenizers.
func splitNodes(s *Spec) []any {
	pats, removed := s.SplitRegexes, s.SplitRemoved
	if len(pats) == 0 {
		pats, removed = presetPatterns[s.Pre], nil
	}
	out := make([]any, len(pats))
	for i, p := range pats {
		behavior := "Isolated"
		if removed != nil && removed[i] {
			behavior = "Removed"
		}
		out[i] = obj{"type": "Split", "pattern": obj{"Regex": p}, "behavior": behavior, "invert": false}
	}
	return out
}

// marshalPostProcessor writes BOS/EOS adding as TemplateProcessing.
func marshalPostProcessor(s *Spec, t *Tokenizer) any {
	if !s.AddBOS && !s.AddEOS {
		if s.ByteLevel || t.rankMerge {
			return obj{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true}
		}
		return nil
	}
	specials := obj{}
	tok := func(id int) obj {
		name := idText(s, id)
		specials[name] = obj{"id": name, "ids": []int{id}, "tokens": []string{name}}
		return obj{"SpecialToken": obj{"id": name, "type_id": 0}}
	}
	var single, pair []any
	for _, seq := range []string{"A", "B"} {
		var part []any
		if s.AddBOS {
			part = append(part, tok(s.BOS))
		}
		part = append(part, obj{"Sequence": obj{"id": seq, "type_id": 0}})
		if s.AddEOS {
			part = append(part, tok(s.EOS))
		}
		if seq == "A" {
			single = part
		}
		pair = append(pair, part...)
	}
	return obj{"type": "TemplateProcessing", "single": single, "pair": pair, "special_tokens": specials}
}

// idText is the text naming id: its added content, else its vocab string.
func idText(s *Spec, id int) string {
	for _, a := range s.Added {
		if a.ID == id {
			return a.Content
		}
	}
	return s.Vocab[id]
}

// rankMerges derives merges from tiktoken ranks as transformers'
// TikTokenConverter does: every split of every token into two tokens, ordered
// by the merged token's rank, then the parts' ranks.
func rankMerges(t *Tokenizer, inAdded map[int]bool) [][2]string {
	s := t.spec
	var out [][2]string
	type split struct{ l, r int32 }
	var local []split
	for id, v := range s.Vocab {
		if len(v) < 2 || inAdded[id] {
			continue
		}
		local = local[:0]
		for i := 1; i < len(v); i++ {
			l, okL := t.keyToID[v[:i]]
			r, okR := t.keyToID[v[i:]]
			if okL && okR && !inAdded[int(l)] && !inAdded[int(r)] {
				local = append(local, split{l, r})
			}
		}
		sort.Slice(local, func(i, j int) bool {
			return local[i].l < local[j].l || (local[i].l == local[j].l && local[i].r < local[j].r)
		})
		for _, p := range local {
			out = append(out, [2]string{byteLevelEncode([]byte(s.Vocab[p.l])), byteLevelEncode([]byte(s.Vocab[p.r]))})
		}
	}
	return out
}

// spmMerges derives BPE merges from SentencePiece scores as transformers'
// SentencePieceExtractor does: every split of a piece into two pieces,
// ordered by the piece's score (highest first, stable in id order), then the
// parts' ids.
func spmMerges(t *Tokenizer) [][2]string {
	s := t.spec
	type merge struct {
		l, r, piece int32
	}
	var all []merge
	for key, id := range t.keyToID {
		_, i := utf8.DecodeRuneInString(key)
		for i < len(key) {
			l, okL := t.keyToID[key[:i]]
			r, okR := t.keyToID[key[i:]]
			if okL && okR {
				all = append(all, merge{l, r, id})
			}
			_, n := utf8.DecodeRuneInString(key[i:])
			i += n
		}
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if sa, sb := s.Scores[a.piece], s.Scores[b.piece]; sa != sb {
			return sa > sb
		}
		if a.piece != b.piece {
			return a.piece < b.piece
		}
		return a.l < b.l || (a.l == b.l && a.r < b.r)
	})
	out := make([][2]string, len(all))
	for i, m := range all {
		out[i] = [2]string{s.Vocab[m.l], s.Vocab[m.r]}
	}
	return out
}

// MarshalTokenizerConfigJSON writes the tokenizer_config.json that goes with
// MarshalTokenizerJSON: bos/eos/unk/pad tokens, add_bos_token, add_eos_token
// and chat_template.
func (s *Spec) MarshalTokenizerConfigJSON() ([]byte, error) {
	if err := validateSpec(s); err != nil {
		return nil, fmt.Errorf("MarshalTokenizerConfigJSON: %w", err)
	}
	name := func(id int) any {
		if id < 0 {
			return nil
		}
		return idText(s, id)
	}
	c := obj{
		"add_bos_token":                s.AddBOS,
		"add_eos_token":                s.AddEOS,
		"bos_token":                    name(s.BOS),
		"eos_token":                    name(s.EOS),
		"unk_token":                    name(s.UNK),
		"pad_token":                    name(s.PAD),
		"clean_up_tokenization_spaces": false,
		"tokenizer_class":              "PreTrainedTokenizerFast",
	}
	if s.ChatTemplate != "" {
		c["chat_template"] = s.ChatTemplate
	}
	return json.MarshalIndent(c, "", "  ")
}
