package tokenizer

import (
	"fmt"
	"testing"
)

// spmPieces are the normal pieces of the hand-built SentencePiece vocabulary,
// highest score first.
var spmPieces = []string{
	"▁", "h", "e", "l", "o", "w", "r", "d", "ll", "he", "hell", "▁he", "hello",
	"▁hello", "lo", "or", "▁w", "▁wor", "ld", "▁world",
}

// smallSPM builds a Llama-2-like SPM spec: <unk>, <s>, </s>, optionally the
// 256 byte tokens, then spmPieces with scores -1, -2, ...
func smallSPM(byteTokens bool) *Spec {
	s := &Spec{
		Model: ModelSPM, BOS: 1, EOS: 2, UNK: 0, PAD: -1, AddBOS: true,
		AddPrefixSpace: true, StripLeadingSpace: true, ByteFallback: byteTokens,
	}
	add := func(piece string, score float32, typ int) {
		s.Vocab = append(s.Vocab, piece)
		s.Scores = append(s.Scores, score)
		s.TokenTypes = append(s.TokenTypes, typ)
	}
	add("<unk>", 0, TypeUnknown)
	add("<s>", 0, TypeControl)
	add("</s>", 0, TypeControl)
	if byteTokens {
		for b := 0; b < 256; b++ {
			add(fmt.Sprintf("<0x%02X>", b), 0, TypeByte)
		}
	}
	for i, p := range spmPieces {
		add(p, -float32(i+1), TypeNormal)
	}
	return s
}

// pieceIDs maps piece names to ids in spec s.
func pieceIDs(t *testing.T, s *Spec, names ...string) []int {
	t.Helper()
	ids := []int{}
	for _, n := range names {
		id := -1
		for i, v := range s.Vocab {
			if v == n {
				id = i
				break
			}
		}
		if id < 0 {
			t.Fatalf("piece %q not in vocabulary", n)
		}
		ids = append(ids, id)
	}
	return ids
}

func TestSPMEncode(t *testing.T) {
	cases := []struct {
		name       string
		byteTokens bool
		text       string
		opts       EncodeOptions
		want       []string
		decoded    string
	}{
		{"merge order", true, "hello world", EncodeOptions{}, []string{"▁hello", "▁world"}, "hello world"},
		{"ties leftmost", true, "lll", EncodeOptions{}, []string{"▁", "ll", "l"}, "lll"},
		{"byte fallback", true, "hé", EncodeOptions{}, []string{"▁", "h", "<0xC3>", "<0xA9>"}, "hé"},
		{"unknown without byte tokens", false, "hé", EncodeOptions{}, []string{"▁", "h", "<unk>"}, "h<unk>"},
		{"leading space kept", true, " hello", EncodeOptions{}, []string{"▁", "▁hello"}, " hello"},
		{"bos", true, "hello", EncodeOptions{AddSpecial: true}, []string{"<s>", "▁hello"}, "<s> hello"},
		{"special parsed, prefix after it", true, "<s>hello", EncodeOptions{ParseSpecial: true}, []string{"<s>", "▁hello"}, "<s> hello"},
		{"empty", true, "", EncodeOptions{}, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := smallSPM(c.byteTokens)
			spec.Added = []AddedToken{{ID: 1, Content: "<s>", Special: true}}
			tok, err := New(spec)
			if err != nil {
				t.Fatal(err)
			}
			want := pieceIDs(t, spec, c.want...)
			got := tok.Encode(c.text, c.opts)
			if !equalInts(got, want) {
				t.Fatalf("Encode(%q) = %v, want %v (%q)", c.text, got, want, c.want)
			}
			if d := tok.Decode(got, false); d != c.decoded {
				t.Errorf("Decode = %q, want %q", d, c.decoded)
			}
		})
	}
}

func TestSPMSpecialNotParsed(t *testing.T) {
	spec := smallSPM(true)
	spec.Added = []AddedToken{{ID: 1, Content: "<s>", Special: true}}
	tok, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	got := tok.Encode("<s>", EncodeOptions{})
	for _, id := range got {
		if id == 1 {
			t.Fatalf("Encode without ParseSpecial produced <s>: %v", got)
		}
	}
	if d := tok.Decode(got, false); d != "<s>" {
		t.Errorf("Decode = %q, want %q", d, "<s>")
	}
}

func TestSPMJSONRoundTrip(t *testing.T) {
	spec := smallSPM(true)
	orig, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	back := roundTrip(t, spec)
	bs := back.Spec()
	if bs.Model != ModelBPE || !bs.EscapeSpaces || !bs.AddPrefixSpace || !bs.ByteFallback || !bs.StripLeadingSpace {
		t.Errorf("round trip spec: model %s escape %v prefix %v fallback %v strip %v",
			bs.Model, bs.EscapeSpaces, bs.AddPrefixSpace, bs.ByteFallback, bs.StripLeadingSpace)
	}
	for _, text := range []string{"hello world", "lll", "hé", " hello  world ", "world hello", "héllo wörld", "\n\thello", ""} {
		for _, o := range []EncodeOptions{{}, {AddSpecial: true}} {
			want := orig.Encode(text, o)
			got := back.Encode(text, o)
			if !equalInts(got, want) {
				t.Errorf("Encode(%q, %+v): round trip %v, original %v", text, o, got, want)
			}
			if d, w := back.Decode(got, true), orig.Decode(want, true); d != w {
				t.Errorf("Decode: round trip %q, original %q", d, w)
			}
		}
	}
}
