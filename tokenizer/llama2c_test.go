package tokenizer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/upgtools/upg/gguf"
	"github.com/upgtools/upg/internal/testdata"
)

// runcVocab is llama2.c's in-memory tokenizer: raw strings and scores.
type runcVocab struct {
	vocab  []string
	scores []float32
	index  map[string]int
}

func readRuncVocab(t *testing.T, data []byte, n int) *runcVocab {
	t.Helper()
	v := &runcVocab{index: map[string]int{}}
	off := 4
	for i := range n {
		score := math.Float32frombits(binary.LittleEndian.Uint32(data[off:]))
		l := int(binary.LittleEndian.Uint32(data[off+4:]))
		s := string(data[off+8 : off+8+l])
		off += 8 + l
		v.vocab = append(v.vocab, s)
		v.scores = append(v.scores, score)
		if _, ok := v.index[s]; !ok {
			v.index[s] = i
		}
	}
	return v
}

func (v *runcVocab) lookup(s string) int {
	if id, ok := v.index[s]; ok {
		return id
	}
	return -1
}

// encode is a direct port of karpathy/llama2.c run.c encode() (bos=0, eos=0):
// dummy " " prefix token, per-UTF-8-codepoint lookup with byte+3 fallback,
// then repeatedly merge the adjacent pair with the best score (first on ties).
func (v *runcVocab) encode(text string) []int {
	var toks []int
	if text != "" {
		toks = append(toks, v.lookup(" "))
	}
	buf := []byte{}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c&0xC0 != 0x80 {
			buf = buf[:0]
		}
		buf = append(buf, c)
		if i+1 < len(text) && text[i+1]&0xC0 == 0x80 && len(buf) < 4 {
			continue
		}
		if id := v.lookup(string(buf)); id != -1 {
			toks = append(toks, id)
		} else {
			for _, b := range buf {
				toks = append(toks, int(b)+3)
			}
		}
		buf = buf[:0]
	}
	for {
		best, bestID, bestIdx := float32(-1e10), -1, -1
		for i := 0; i+1 < len(toks); i++ {
			id := v.lookup(v.vocab[toks[i]] + v.vocab[toks[i+1]])
			if id != -1 && v.scores[id] > best {
				best, bestID, bestIdx = v.scores[id], id, i
			}
		}
		if bestIdx == -1 {
			return toks
		}
		toks[bestIdx] = bestID
		toks = slices.Delete(toks, bestIdx+1, bestIdx+2)
	}
}

func tinyStories(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(testdata.Path(t, "text", "tinystories", "tinystories_sample.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range strings.Split(string(b), "<|endoftext|>") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func TestLlama2CStories260K(t *testing.T) {
	data, err := os.ReadFile(testdata.Path(t, "models", "stories260K", "tok512.bin"))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := FromLlama2C(bytes.NewReader(data), 512)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Vocab[1] != "<s>" || spec.Vocab[3] != "<0x00>" || spec.TokenTypes[258] != TypeByte || spec.TokenTypes[0] != TypeUnknown {
		t.Fatalf("vocab head %q", spec.Vocab[:4])
	}
	tok, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	ref := readRuncVocab(t, data, 512)
	texts := append([]string{"Once upon a time", "Hello world", "  two  spaces", "Tom's dog ran, fast!", "ñandú 🦙 日本", "a\nb\n\nc"},
		tinyStories(t)...)
	pass := 0
	for _, s := range texts {
		want := ref.encode(s)
		got := tok.Encode(s, EncodeOptions{})
		if !slices.Equal(got, want) {
			t.Errorf("%.40q:\n got %v\nwant %v", s, got, want)
			continue
		}
		if back := tok.Decode(got, false); back != s {
			t.Errorf("Decode(Encode(%.40q)) = %.40q", s, back)
			continue
		}
		pass++
	}
	t.Logf("%d/%d texts match run.c's encode", pass, len(texts))
	if got := tok.Encode("Hi", EncodeOptions{AddSpecial: true}); len(got) == 0 || got[0] != 1 {
		t.Errorf("AddSpecial should start with BOS 1: %v", got)
	}
}

// TestLlama2CMatchesGGUF: llama.cpp's converter turned tok512.bin into the
// vocabulary of stories260K.gguf; both loaders must agree.
func TestLlama2CMatchesGGUF(t *testing.T) {
	data, err := os.ReadFile(testdata.Path(t, "models", "stories260K", "tok512.bin"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := FromLlama2C(bytes.NewReader(data), 512)
	if err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Open(testdata.Path(t, "models", "stories260K", "stories260K.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := FromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Vocab, b.Vocab) || !slices.Equal(a.Scores, b.Scores) || !slices.Equal(a.TokenTypes, b.TokenTypes) {
		for i := range a.Vocab {
			if a.Vocab[i] != b.Vocab[i] || a.Scores[i] != b.Scores[i] || a.TokenTypes[i] != b.TokenTypes[i] {
				t.Fatalf("id %d: llama2.c %q %v %d, gguf %q %v %d", i, a.Vocab[i], a.Scores[i], a.TokenTypes[i], b.Vocab[i], b.Scores[i], b.TokenTypes[i])
			}
		}
	}
}

// TestLlama2CLlama2Vectors: tokenizers/llama2-spm/tokenizer.bin is Llama 2's
// vocabulary, so it must reproduce llama.cpp's llama-spm vectors.
func TestLlama2CLlama2Vectors(t *testing.T) {
	f, err := os.Open(testdata.Path(t, "tokenizers", "llama2-spm", "tokenizer.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	spec, err := FromLlama2C(f, 32000)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	checkVectors(t, tok, readLlamaCppVectors(t, "llama-spm"), true)
}

func TestLlama2CErrors(t *testing.T) {
	good, err := os.ReadFile(testdata.Path(t, "models", "stories260K", "tok512.bin"))
	if err != nil {
		t.Fatal(err)
	}
	patch := func(off int, v uint32) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint32(b[off:], v)
		return b
	}
	cases := []struct {
		name string
		data []byte
		n    int
		msg  string
	}{
		{"empty", nil, 512, "max_token_length"},
		{"small vocab", good, 100, "vocab size"},
		{"bad max len", patch(0, 0), 512, "out of range"},
		{"huge max len", patch(0, 1<<30), 512, "out of range"},
		{"truncated", good[:len(good)-3], 512, "token 511"},
		{"too many tokens", good, 513, "token 512"},
		{"negative length", patch(8, 0xffffffff), 512, "token 0"},
		{"bad EOS token", patch(4+8+5+8+5+4, 0), 512, "token 2"},
	}
	for _, c := range cases {
		_, err := FromLlama2C(bytes.NewReader(c.data), c.n)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v (want %q)", c.name, err, c.msg)
		}
	}
}
