package tokenizer

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/upgtools/upg/internal/testdata"
)

func loadQwen2(t testing.TB) *Tokenizer {
	t.Helper()
	tok, err := Load(testdata.Path(t, "tokenizers", "qwen2.5-bpe"))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestQwen2Vectors(t *testing.T) {
	dir := testdata.Path(t, "tokenizers", "qwen2.5-bpe")
	vocab, err := os.ReadFile(filepath.Join(dir, "vocab.json"))
	if err != nil {
		t.Fatal(err)
	}
	merges, err := os.ReadFile(filepath.Join(dir, "merges.txt"))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := FromVocabMerges(vocab, merges)
	if err != nil {
		t.Fatal(err)
	}
	spec.Pre = PreQwen2
	tok, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	vs := readLlamaCppVectors(t, "qwen2")
	t.Run("vocab+merges", func(t *testing.T) { checkVectors(t, tok, vs, true) })
	t.Run("tokenizer.json", func(t *testing.T) { checkVectors(t, roundTrip(t, spec), vs, true) })
	t.Run("Load", func(t *testing.T) { checkVectors(t, loadQwen2(t), vs, true) })
}

func TestLoadQwen2Config(t *testing.T) {
	tok := loadQwen2(t)
	s := tok.Spec()
	if s.Pre != PreQwen2 {
		t.Errorf("Pre = %q, want %q (tokenizer_class Qwen2Tokenizer)", s.Pre, PreQwen2)
	}
	if tok.EOS() != 151643 || tok.BOS() != -1 || s.AddBOS {
		t.Errorf("EOS %d BOS %d AddBOS %v, want 151643 -1 false", tok.EOS(), tok.BOS(), s.AddBOS)
	}
	if s.ChatTemplate == "" {
		t.Error("chat template not read")
	}
	for _, c := range []struct {
		name string
		id   int
		eog  bool
	}{{"<|im_start|>", 151644, false}, {"<|im_end|>", 151645, true}, {"<|endoftext|>", 151643, true}} {
		id, ok := tok.TokenID(c.name)
		if !ok || id != c.id {
			t.Errorf("TokenID(%q) = %d %v, want %d", c.name, id, ok, c.id)
		}
		if tok.IsEndOfGeneration(c.id) != c.eog {
			t.Errorf("IsEndOfGeneration(%s) = %v", c.name, !c.eog)
		}
	}
	text := "<|im_start|>user\nHi<|im_end|>"
	withSpecial := tok.Encode(text, EncodeOptions{ParseSpecial: true})
	if withSpecial[0] != 151644 || withSpecial[len(withSpecial)-1] != 151645 {
		t.Errorf("ParseSpecial encode = %v, want <|im_start|> ... <|im_end|>", withSpecial)
	}
	plain := tok.Encode(text, EncodeOptions{})
	for _, id := range plain {
		if id >= 151643 {
			t.Errorf("special id %d produced without ParseSpecial: %v", id, plain)
		}
	}
	if got := tok.Decode(plain, false); got != text {
		t.Errorf("Decode(plain) = %q", got)
	}
	if got := tok.Decode(withSpecial, true); got != "user\nHi" {
		t.Errorf("Decode(skipSpecial) = %q, want %q", got, "user\nHi")
	}
}
