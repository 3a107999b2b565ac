package tokenizer

import (
	"strings"
	"testing"
)

func TestPresetSplits(t *testing.T) {
	cases := []struct {
		pre, text string
		want      []string
	}{
		{PreGPT2, "Hello world  !! it's 123", []string{"Hello", " world", " ", " !!", " it", "'s", " 123"}},
		{PreLlama3, "I'LL pay 12345\n\n  x", []string{"I", "'LL", " pay", " ", "123", "45", "\n\n", " ", " x"}},
		{PreQwen2, "ab 123", []string{"ab", " ", "1", "2", "3"}},
		{PreDeepSeekLLM, "Hello wörld 你好12\n", []string{"Hello", " w", "ö", "rld", " ", "你好", "12", "\n"}}, // later patterns re-split " wörld"
		{PreDeepSeekCoder, "a1\nb", []string{"a", "1", "\n", "b"}},
	}
	for _, c := range cases {
		t.Run(c.pre, func(t *testing.T) {
			sps, err := compileSplitters(&Spec{Pre: c.pre})
			if err != nil {
				t.Fatal(err)
			}
			tok := &Tokenizer{splitters: sps}
			var got []string
			tok.preTokenize(c.text, func(p string) { got = append(got, p) })
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("split(%q) = %q, want %q", c.text, got, c.want)
			}
		})
	}
	if _, err := compileSplitters(&Spec{Pre: "nope"}); err == nil {
		t.Error("unknown preset: no error")
	}
}

// TestDeepSeekLetterClass checks the code points of DeepSeek LLM's letter
// class that Unicode normalization would have altered.
func TestDeepSeekLetterClass(t *testing.T) {
	sps, err := compileSplitters(&Spec{SplitRegexes: presetPatterns[PreDeepSeekLLM][1:2]})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []rune{0x1F7D, 0x1FBE, 0x1FD3, 0x1FDB, 0x2126, 0x212A} {
		text := " " + string(r) + "a"
		var got []string
		sps[0].split(text, func(p string) { got = append(got, p) })
		if len(got) != 1 {
			t.Errorf("U+%04X: split(%q) = %q, want one letter piece", r, text, got)
		}
	}
	var got []string
	sps[0].split("K1", func(p string) { got = append(got, p) })
	if len(got) != 2 {
		t.Errorf("ASCII K must not widen the class: split(\"K1\") = %q", got)
	}
}

// TestSplitInvalidUTF8 checks that bytes of invalid UTF-8 survive splitting.
func TestSplitInvalidUTF8(t *testing.T) {
	tok := loadTiktokenJSON(t, "cl100k_base")
	text := "ab\xff\xfe cd\xe4\xbd"
	ids := tok.Encode(text, EncodeOptions{})
	var b []byte
	for _, id := range ids {
		b = append(b, tok.TokenBytes(id)...)
	}
	if string(b) != text {
		t.Errorf("token bytes %q, want %q", b, text)
	}
}
