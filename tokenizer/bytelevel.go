package tokenizer

import "unicode/utf8"

// byteToRune is GPT-2's bytes_to_unicode table: printable Latin-1 bytes map
// to themselves, the rest to U+0100 onwards in byte order.
var byteToRune [256]rune

// runeToByte inverts byteToRune; entries not produced by it hold -1.
var runeToByte [324]int16

func init() {
	for i := range runeToByte {
		runeToByte[i] = -1
	}
	n := rune(0)
	for b := 0; b < 256; b++ {
		if (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			byteToRune[b] = rune(b)
		} else {
			byteToRune[b] = 256 + n
			n++
		}
		runeToByte[byteToRune[b]] = int16(b)
	}
}

// byteLevelEncode maps raw bytes to their byte-level vocabulary string.
func byteLevelEncode(b []byte) string {
	out := make([]byte, 0, len(b)*2)
	for _, c := range b {
		out = utf8.AppendRune(out, byteToRune[c])
	}
	return string(out)
}

// ByteLevelEncode spells raw bytes in GPT-2's byte-level alphabet, the form
// in which byte-level BPE vocabularies (tokenizer.json, vocab.json) store
// tokens ("Ġ" for a space).
func ByteLevelEncode(b []byte) string { return byteLevelEncode(b) }

// byteLevelDecode maps a byte-level vocabulary string back to raw bytes. It
// reports false when s holds a character outside the mapping (added tokens
// such as "<｜begin▁of▁sentence｜>" are stored as plain text).
func byteLevelDecode(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r < 0 || int(r) >= len(runeToByte) || runeToByte[r] < 0 {
			return nil, false
		}
		out = append(out, byte(runeToByte[r]))
	}
	return out, true
}
