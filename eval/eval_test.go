package eval_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upgtools/upg/engine"
	"github.com/upgtools/upg/eval"
	"github.com/upgtools/upg/internal/testdata"
	"github.com/upgtools/upg/model"
	"github.com/upgtools/upg/models/stories260k"
)

func loadStories(t *testing.T) *engine.Loaded {
	t.Helper()
	dir := t.TempDir()
	if err := stories260k.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	l, err := engine.Load(dir, model.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// TestStoriesPerplexity: the document protocol on the 5-story sample gives
// PPL 3.548 for stories260K in FP32 (measurement.md).
func TestStoriesPerplexity(t *testing.T) {
	l := loadStories(t)
	text, err := os.ReadFile(testdata.Path(t, "text", "tinystories", "tinystories_sample.txt"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := l.Model.Config()
	segs, err := eval.DocumentSegments(l.Tokenizer, string(text), "<|endoftext|>", cfg.BOS, cfg.MaxSeq)
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != 5 {
		t.Fatalf("%d documents, want 5", len(segs))
	}
	res, err := eval.Perplexity(context.Background(), l.Model, segs, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Scored != 1804 || math.Abs(res.PPL-3.548) > 0.005 {
		t.Fatalf("PPL %.4f over %d tokens, want 3.548 ± 0.005 over 1804", res.PPL, res.Scored)
	}
	c, err := eval.Compare(context.Background(), l.Model, l.Model, segs[:2], nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.KLMean > 1e-9 || c.Top1 != 1 || math.Abs(c.PPLA-c.PPLB) > 1e-9 {
		t.Fatalf("a model compared with itself: %+v", c)
	}
}

func TestWindowSegments(t *testing.T) {
	toks := make([]int, 23)
	for i := range toks {
		toks[i] = 100 + i
	}
	segs, err := eval.WindowSegments(toks, 8, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != 2 || segs[1].Tokens[0] != 1 || segs[1].Tokens[1] != 109 || segs[0].First != 4 || segs[0].Scored() != 3 {
		t.Fatalf("segments %+v", segs)
	}
	if _, err := eval.WindowSegments(toks[:5], 8, 1); err == nil {
		t.Fatal("a text shorter than one window was accepted")
	}
}

func TestLogprobWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lp.npy")
	w, err := eval.NewLogprobWriter(path, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]float32{-1, -2, -3})
	if err := w.Close(map[string]int{"x": 1}); err == nil {
		t.Fatal("closing after 1 of 2 rows succeeded")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("an incomplete .npy was left under its final name")
	}
	w, _ = eval.NewLogprobWriter(path, 2, 3)
	w.Write([]float32{-1, -2, -3})
	w.Write([]float32{-4, -5, -6})
	if err := w.Close(map[string]int{"x": 1}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	hlen := int(binary.LittleEndian.Uint16(data[8:]))
	if string(data[:6]) != "\x93NUMPY" || (10+hlen)%64 != 0 || !strings.Contains(string(data[10:10+hlen]), "'shape': (2, 3)") {
		t.Fatalf("bad header %q", data[:10+hlen])
	}
	body := data[10+hlen:]
	if len(body) != 24 || math.Float32frombits(binary.LittleEndian.Uint32(body[20:])) != -6 {
		t.Fatalf("bad body % x", body)
	}
	var side map[string]int
	js, _ := os.ReadFile(filepath.Join(filepath.Dir(path), "lp.json"))
	if json.Unmarshal(js, &side) != nil || side["x"] != 1 {
		t.Fatalf("sidecar %s", js)
	}
}

func TestLimitTokens(t *testing.T) {
	segs := []eval.Segment{{Tokens: []int{1, 2, 3, 4}}, {Tokens: []int{5, 6, 7}}, {Tokens: []int{8, 9}}}
	for _, tc := range []struct{ n, segs, last int }{{100, 3, 2}, {6, 2, 2}, {5, 1, 4}, {4, 1, 4}, {1, 0, 0}} {
		got := eval.LimitTokens(segs, tc.n)
		if len(got) != tc.segs || (tc.segs > 0 && len(got[len(got)-1].Tokens) != tc.last) {
			t.Errorf("n=%d: %d segments %v, want %d ending with %d tokens", tc.n, len(got), got, tc.segs, tc.last)
		}
	}
}
