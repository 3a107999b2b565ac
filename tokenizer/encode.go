package tokenizer

import "strings"

// EncodeOptions controls Encode.
type EncodeOptions struct {
	// AddSpecial adds the BOS and EOS tokens as Spec.AddBOS and Spec.AddEOS
	// ask.
	AddSpecial bool
	// ParseSpecial matches special added tokens (such as <|eot_id|>) in the
	// text; without it their text is encoded as ordinary characters.
	// Non-special added tokens are always matched.
	ParseSpecial bool
}

// Encode returns the token ids of text.
func (t *Tokenizer) Encode(text string, o EncodeOptions) []int {
	s := t.spec
	ids := make([]int, 0, len(text)/3+2)
	if o.AddSpecial && s.AddBOS && s.BOS >= 0 {
		ids = append(ids, s.BOS)
	}
	afterToken := true // at the start, or right after an added token
	for _, seg := range t.added.split(text, o.ParseSpecial) {
		if seg.id >= 0 {
			ids = append(ids, seg.id)
			afterToken = true
			continue
		}
		ids = t.encodeText(ids, seg.text, afterToken)
		afterToken = false
	}
	if o.AddSpecial && s.AddEOS && s.EOS >= 0 {
		ids = append(ids, s.EOS)
	}
	return ids
}

// encodeText encodes one stretch of text that holds no added token. first
// says it starts the input or follows an added token, where AddPrefixSpace
// applies.
func (t *Tokenizer) encodeText(dst []int, text string, first bool) []int {
	if text == "" {
		return dst
	}
	s := t.spec
	if s.AddPrefixSpace && first {
		// Byte-level BPE (HF ByteLevel add_prefix_space) adds the space only
		// when there is none; SentencePiece always adds it.
		if !s.ByteLevel || text[0] != ' ' {
			text = " " + text
		}
	}
	if t.escape {
		text = strings.ReplaceAll(text, " ", "▁")
	}
	if s.Model == ModelSPM {
		return t.mergeWord(dst, text)
	}
	t.preTokenize(text, func(piece string) { dst = t.encodeWord(dst, piece) })
	return dst
}
