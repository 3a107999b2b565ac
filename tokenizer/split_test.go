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
		{PreDeepSeekLLM, "\u1F7D\u1FBE \u212Ax 你好12", []string{"\u1F7D\u1FBE", " \u212Ax", " ", "你好", "12"}},
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
