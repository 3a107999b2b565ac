package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// unescapeSpaces turns SentencePiece's '▁' back into ' '.
func unescapeSpaces(s string) string { return strings.ReplaceAll(s, "▁", " ") }

// TokenBytes returns the bytes token id stands for: byte-level characters
// mapped back to bytes, '▁' as ' ', <0xNN> as that byte, special tokens as
// their text. It returns nil for ids outside the vocabulary. The result must
// not be modified.
func (t *Tokenizer) TokenBytes(id int) []byte {
	if id < 0 || id >= len(t.pieces) {
		return nil
	}
	return t.pieces[id]
}

// Decode returns the text of ids. With skipSpecial, special and control
// tokens (BOS, EOS, <|eot_id|>, ...) are left out. Ids outside the vocabulary
// are ignored; byte sequences that are not valid UTF-8 become U+FFFD.
func (t *Tokenizer) Decode(ids []int, skipSpecial bool) string {
	var b []byte
	for _, id := range ids {
		if id < 0 || id >= len(t.pieces) || (skipSpecial && t.special[id]) {
			continue
		}
		b = append(b, t.pieces[id]...)
	}
	if t.spec.StripLeadingSpace && len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	return lossyUTF8(b)
}

// StreamDecoder decodes ids one at a time during generation, returning text
// only once it forms complete UTF-8 characters. The concatenation of its
// outputs equals Decode of the same ids. It is not safe for concurrent use.
type StreamDecoder struct {
	t       *Tokenizer
	skip    bool
	started bool
	pending []byte
}

// NewStreamDecoder returns a StreamDecoder; skipSpecial is as in Decode.
func (t *Tokenizer) NewStreamDecoder(skipSpecial bool) *StreamDecoder {
	return &StreamDecoder{t: t, skip: skipSpecial}
}

// Resume tells the decoder that text precedes the ids it will see (a
// prompt), so the first one keeps its leading space.
func (d *StreamDecoder) Resume() { d.started = true }

// Next adds id and returns the text that became complete, possibly "". Bytes
// of a character split across tokens are held back until it completes.
func (d *StreamDecoder) Next(id int) string {
	t := d.t
	if id < 0 || id >= len(t.pieces) || (d.skip && t.special[id]) {
		return ""
	}
	b := t.pieces[id]
	if !d.started && len(b) > 0 {
		d.started = true
		if t.spec.StripLeadingSpace && b[0] == ' ' {
			b = b[1:]
		}
	}
	d.pending = append(d.pending, b...)
	cut := completePrefix(d.pending)
	out := lossyUTF8(d.pending[:cut])
	d.pending = append(d.pending[:0], d.pending[cut:]...)
	return out
}

// Flush returns the held-back bytes (as U+FFFD, since they never completed)
// and resets the decoder for a new sequence.
func (d *StreamDecoder) Flush() string {
	out := lossyUTF8(d.pending)
	d.pending = d.pending[:0]
	d.started = false
	return out
}

// completePrefix returns the length of b without a trailing incomplete (but
// so far valid) UTF-8 sequence.
func completePrefix(b []byte) int {
	for back := 1; back <= 3 && back <= len(b); back++ {
		i := len(b) - back
		c := b[i]
		if c < 0x80 {
			return len(b)
		}
		if c < 0xC0 {
			continue // continuation byte: look further back
		}
		need := seqLen(c)
		if need == 0 || back >= need {
			return len(b)
		}
		if validPrefix(b[i:]) {
			return i
		}
		return len(b)
	}
	return len(b)
}

// seqLen is the length of the UTF-8 sequence lead byte c starts, 0 if c
// cannot start one.
func seqLen(c byte) int {
	switch {
	case c < 0x80:
		return 1
	case c >= 0xC2 && c <= 0xDF:
		return 2
	case c >= 0xE0 && c <= 0xEF:
		return 3
	case c >= 0xF0 && c <= 0xF4:
		return 4
	}
	return 0
}

// secondRange is the valid range of the byte after lead byte c.
func secondRange(c byte) (lo, hi byte) {
	switch c {
	case 0xE0:
		return 0xA0, 0xBF
	case 0xED:
		return 0x80, 0x9F
	case 0xF0:
		return 0x90, 0xBF
	case 0xF4:
		return 0x80, 0x8F
	}
	return 0x80, 0xBF
}

// validPrefix reports whether b (starting with a lead byte, shorter than its
// sequence) could still become a valid character.
func validPrefix(b []byte) bool {
	for k := 1; k < len(b); k++ {
		lo, hi := byte(0x80), byte(0xBF)
		if k == 1 {
			lo, hi = secondRange(b[0])
		}
		if b[k] < lo || b[k] > hi {
			return false
		}
	}
	return true
}

// lossyUTF8 converts b to a string, replacing each maximal ill-formed
// subsequence with one U+FFFD, as Rust's from_utf8_lossy and Python's
// errors="replace" do.
func lossyUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || n > 1 {
			sb.Write(b[i : i+n])
			i += n
			continue
		}
		// Skip the longest prefix of a valid sequence starting at i.
		need := seqLen(b[i])
		k := 1
		for need > 1 && k < need && i+k < len(b) && validPrefix(b[i:i+k+1]) {
			k++
		}
		sb.WriteRune(utf8.RuneError)
		i += k
	}
	return sb.String()
}
