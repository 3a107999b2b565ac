package tokenizer

import (
	"math/rand"
	"strings"
	"testing"
)

// streamAll feeds ids one by one through a StreamDecoder.
func streamAll(tok *Tokenizer, ids []int, skip bool) (string, []string) {
	d := tok.NewStreamDecoder(skip)
	var parts []string
	for _, id := range ids {
		parts = append(parts, d.Next(id))
	}
	parts = append(parts, d.Flush())
	return strings.Join(parts, ""), parts
}

func TestStreamDecoder(t *testing.T) {
	cl := loadTiktokenJSON(t, "cl100k_base")
	spm, err := New(smallSPM(true))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		tok  *Tokenizer
		text string
	}{
		{"emoji", cl, "Hi 🦙🦙 there 👨‍👩‍👧"},
		{"cjk", cl, "你好，世界。こんにちは 안녕하세요"},
		{"mixed", cl, "Führer ½ ∑ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 — done"},
		{"spm byte fallback", spm, "hé wörld 你 🦙"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ids := c.tok.Encode(c.text, EncodeOptions{})
			got, parts := streamAll(c.tok, ids, false)
			if got != c.text || got != c.tok.Decode(ids, false) {
				t.Fatalf("stream = %q, Decode = %q, want %q", got, c.tok.Decode(ids, false), c.text)
			}
			for i, p := range parts {
				if strings.ContainsRune(p, '\uFFFD') {
					t.Errorf("part %d %q holds U+FFFD: a character was cut", i, p)
				}
			}
		})
	}
}

// TestStreamSplitCharacter checks that a 4-byte character split over byte
// tokens is held back until complete.
func TestStreamSplitCharacter(t *testing.T) {
	tok, err := New(smallSPM(true))
	if err != nil {
		t.Fatal(err)
	}
	ids := tok.Encode("🦙", EncodeOptions{}) // ▁ then four byte tokens
	if len(ids) != 5 {
		t.Fatalf("Encode = %v, want ▁ + 4 byte tokens", ids)
	}
	d := tok.NewStreamDecoder(false)
	want := []string{"", "", "", "", "🦙"}
	for i, id := range ids {
		if got := d.Next(id); got != want[i] {
			t.Errorf("Next(%d) #%d = %q, want %q", id, i, got, want[i])
		}
	}
	if rest := d.Flush(); rest != "" {
		t.Errorf("Flush = %q", rest)
	}
	// An unfinished character comes out of Flush as U+FFFD.
	d.Next(ids[1])
	d.Next(ids[2])
	if rest := d.Flush(); rest != "\uFFFD" {
		t.Errorf("Flush of a cut character = %q, want U+FFFD", rest)
	}
}

// TestStreamEqualsDecodeRandom streams random byte-token sequences (valid and
// invalid UTF-8) and compares with Decode.
func TestStreamEqualsDecodeRandom(t *testing.T) {
	tok, err := New(smallSPM(true))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(1))
	interesting := []byte{0x41, 0x20, 0xC3, 0xA9, 0xE4, 0xBD, 0xA0, 0xF0, 0x9F, 0xA6, 0x99, 0x80, 0xFF, 0xED, 0xA0, 0xE0, 0xF4, 0x90}
	for iter := 0; iter < 2000; iter++ {
		n := rng.Intn(12)
		ids := make([]int, n)
		for i := range ids {
			ids[i] = int(tok.byteTok[interesting[rng.Intn(len(interesting))]])
		}
		got, _ := streamAll(tok, ids, false)
		if want := tok.Decode(ids, false); got != want {
			t.Fatalf("ids %v: stream %q, Decode %q", ids, got, want)
		}
	}
}

func TestLossyUTF8(t *testing.T) {
	cases := []struct{ in, want string }{
		{"abc", "abc"},
		{"a\xffb", "a\uFFFDb"},
		{"\xf0\x9f\xa6", "\uFFFD"},             // one maximal subpart
		{"\xf0\x9f\xa6a", "\uFFFDa"},           // cut 4-byte sequence
		{"\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD"}, // surrogates: each byte
		{"\xff\xfe", "\uFFFD\uFFFD"},
		{"\xe4\xbd", "\uFFFD"},
	}
	for _, c := range cases {
		if got := lossyUTF8([]byte(c.in)); got != c.want {
			t.Errorf("lossyUTF8(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTokenBytes(t *testing.T) {
	cl := loadTiktokenJSON(t, "cl100k_base")
	spec := smallSPM(true)
	spm, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	eot, _ := cl.TokenID("<|endoftext|>")
	cases := []struct {
		tok  *Tokenizer
		id   int
		want string
	}{
		{cl, cl.Encode(" hello", EncodeOptions{})[0], " hello"},
		{cl, eot, "<|endoftext|>"},
		{spm, pieceIDs(t, spec, "▁hello")[0], " hello"},
		{spm, pieceIDs(t, spec, "<0x41>")[0], "A"},
		{spm, 1, "<s>"},
		{spm, -1, ""},
		{spm, 1 << 20, ""},
	}
	for _, c := range cases {
		if got := string(c.tok.TokenBytes(c.id)); got != c.want {
			t.Errorf("TokenBytes(%d) = %q, want %q", c.id, got, c.want)
		}
	}
	if !cl.IsEndOfGeneration(eot) || cl.IsEndOfGeneration(0) {
		t.Errorf("IsEndOfGeneration wrong for <|endoftext|> or id 0")
	}
	if d := spm.Decode([]int{1, pieceIDs(t, spec, "▁hello")[0], 2}, true); d != "hello" {
		t.Errorf("Decode(skipSpecial) = %q, want %q", d, "hello")
	}
}
