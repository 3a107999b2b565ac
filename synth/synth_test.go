package synth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/upgtools/upg/checkpoint"
	"github.com/upgtools/upg/safetensors"
)

func writeTiny(t *testing.T, opt Options) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "model")
	if opt.Preset == "" {
		opt.Preset = "tiny"
	}
	if err := Write(context.Background(), dir, opt, nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tinyShapes is the expected tensor list of the tiny preset, written out by
// hand rather than derived from the code under test.
func tinyShapes() map[string][]int64 {
	m := map[string][]int64{
		"model.embed_tokens.weight": {512, 64},
		"model.norm.weight":         {64},
		"lm_head.weight":            {512, 64},
	}
	for i := range 2 {
		p := fmt.Sprintf("model.layers.%d.", i)
		m[p+"input_layernorm.weight"] = []int64{64}
		m[p+"post_attention_layernorm.weight"] = []int64{64}
		m[p+"self_attn.q_proj.weight"] = []int64{64, 64}
		m[p+"self_attn.k_proj.weight"] = []int64{32, 64}
		m[p+"self_attn.v_proj.weight"] = []int64{32, 64}
		m[p+"self_attn.o_proj.weight"] = []int64{64, 64}
		m[p+"mlp.gate_proj.weight"] = []int64{192, 64}
		m[p+"mlp.up_proj.weight"] = []int64{192, 64}
		m[p+"mlp.down_proj.weight"] = []int64{64, 192}
	}
	return m
}

func checkTiny(t *testing.T, dir string) *checkpoint.Checkpoint {
	t.Helper()
	c, err := checkpoint.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	want := tinyShapes()
	if len(c.Names()) != len(want) {
		t.Errorf("%d tensors, want %d: %v", len(c.Names()), len(want), c.Names())
	}
	for name, shape := range want {
		tn, err := c.Tensor(name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(tn.Shape, shape) || tn.DType != safetensors.BF16 {
			t.Errorf("%s: %s %v, want BF16 %v", name, tn.DType, tn.Shape, shape)
		}
	}
	if c.Architecture != "LlamaForCausalLM" || c.ModelType != "llama" {
		t.Errorf("architecture %q model type %q", c.Architecture, c.ModelType)
	}
	if g := c.Generation; g == nil || g.BOS != 1 || !slices.Equal(g.EOS, []int{2}) {
		t.Errorf("generation config %+v", c.Generation)
	}
	return c
}

func TestTinyOpens(t *testing.T) {
	dir := writeTiny(t, Options{Seed: 1})
	c := checkTiny(t, dir)
	norm, err := c.Float32("model.norm.weight")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range norm {
		if math.Abs(float64(v)-1) > 0.2 {
			t.Fatalf("norm weight %v not near 1", v)
		}
	}
	w, err := c.Float32("model.layers.0.mlp.up_proj.weight")
	if err != nil {
		t.Fatal(err)
	}
	var sum2 float64
	for _, v := range w {
		if math.Abs(float64(v)) < 0.1 {
			sum2 += float64(v) * float64(v)
		}
	}
	if std := math.Sqrt(sum2 / float64(len(w))); std < 0.017 || std > 0.023 {
		t.Errorf("weight std %v, want about 0.02", std)
	}
	entries, _ := os.ReadDir(filepath.Dir(dir))
	if len(entries) != 1 {
		t.Errorf("temporary directories left beside the output: %d entries", len(entries))
	}
	var cfg map[string]any
	raw, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	if err := json.Unmarshal(raw, &cfg); err != nil || cfg["num_hidden_layers"] != 2.0 || cfg["hidden_size"] != 64.0 {
		t.Errorf("config.json: %v %v", err, cfg)
	}
}

func TestSharding(t *testing.T) {
	dir := writeTiny(t, Options{Seed: 1, ShardBytes: 40_000})
	c := checkTiny(t, dir)
	_ = c
	shards, _ := filepath.Glob(filepath.Join(dir, "model-*-of-*.safetensors"))
	if len(shards) < 3 {
		t.Fatalf("%d shards, want several", len(shards))
	}
	if _, err := os.Stat(filepath.Join(dir, "model.safetensors")); err == nil {
		t.Error("model.safetensors written beside shards")
	}
	var idx struct {
		Metadata struct {
			TotalSize int64 `json:"total_size"`
		} `json:"metadata"`
		WeightMap map[string]string `json:"weight_map"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "model.safetensors.index.json"))
	if err != nil || json.Unmarshal(raw, &idx) != nil {
		t.Fatalf("index: %v", err)
	}
	var total int64
	for _, s := range shards {
		f, err := safetensors.Open(s)
		if err != nil {
			t.Fatal(err)
		}
		if f.Header().DataSize() > 40_000 && len(f.Header().Tensors) > 1 {
			t.Errorf("%s holds %d bytes, over the limit", s, f.Header().DataSize())
		}
		total += f.Header().DataSize()
		f.Close()
	}
	if idx.Metadata.TotalSize != total || len(idx.WeightMap) != len(tinyShapes()) {
		t.Errorf("index total_size %d (data %d), %d entries", idx.Metadata.TotalSize, total, len(idx.WeightMap))
	}
}

func readAll(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func TestDeterminism(t *testing.T) {
	a := readAll(t, writeTiny(t, Options{Seed: 7, ShardBytes: 50_000}))
	b := readAll(t, writeTiny(t, Options{Seed: 7, ShardBytes: 50_000}))
	c := readAll(t, writeTiny(t, Options{Seed: 8, ShardBytes: 50_000}))
	if len(a) != len(b) {
		t.Fatalf("file sets differ: %d vs %d", len(a), len(b))
	}
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between runs with the same seed", name)
		}
	}
	shards := 0
	for name := range a {
		if strings.HasSuffix(name, ".safetensors") {
			shards++
			if bytes.Equal(a[name], c[name]) {
				t.Errorf("%s: different seeds gave the same weights", name)
			}
		}
	}
	if shards < 2 {
		t.Errorf("%d shards, want several", shards)
	}
	if !bytes.Equal(a["tokenizer.json"], c["tokenizer.json"]) {
		t.Error("tokenizer depends on the seed")
	}
}

func TestOutlierShare(t *testing.T) {
	for _, frac := range []float64{0.01, 0.05} {
		dir := writeTiny(t, Options{Seed: 3, OutlierFrac: frac, Layers: 4})
		c, err := checkpoint.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		var n, big int
		for _, name := range c.Names() {
			if strings.HasSuffix(name, "norm.weight") {
				continue
			}
			w, err := c.Float32(name)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range w {
				n++
				if math.Abs(float64(v)) >= 0.2*0.99 { // Std*OutlierScale
					big++
				}
			}
		}
		c.Close()
		got := float64(big) / float64(n)
		if math.Abs(got-frac) > 0.15*frac {
			t.Errorf("outlier share %v, want about %v", got, frac)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	parent := t.TempDir()
	full := filepath.Join(parent, "full")
	os.MkdirAll(full, 0o755)
	os.WriteFile(filepath.Join(full, "x"), nil, 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		dir  string
		opt  Options
		want string
	}{
		{"unknown preset", context.Background(), filepath.Join(parent, "a"), Options{Preset: "gpt-5"}, "unknown preset"},
		{"bad scale", context.Background(), filepath.Join(parent, "b"), Options{Preset: "tiny", Scale: 1.5}, "scale"},
		{"bad outliers", context.Background(), filepath.Join(parent, "c"), Options{Preset: "tiny", OutlierFrac: 1}, "outlier"},
		{"not empty", context.Background(), full, Options{Preset: "tiny"}, "not an empty directory"},
		{"cancelled", ctx, filepath.Join(parent, "d"), Options{Preset: "tiny"}, "canceled"},
	} {
		err := Write(tc.ctx, tc.dir, tc.opt, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
	if !errors.Is(Write(ctx, filepath.Join(parent, "e"), Options{Preset: "tiny"}, nil), context.Canceled) {
		t.Error("cancellation not reported as context.Canceled")
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 {
		t.Errorf("failed writes left %d entries behind", len(entries)-1)
	}
}

func TestProgress(t *testing.T) {
	var last, total, calls int64
	dir := filepath.Join(t.TempDir(), "m")
	err := Write(context.Background(), dir, Options{Preset: "tiny"}, func(d, tot int64) {
		if d < last {
			t.Errorf("progress went backwards")
		}
		last, total = d, tot
		calls++
	})
	if err != nil {
		t.Fatal(err)
	}
	if last != total || calls != int64(len(tinyShapes())) || total == 0 {
		t.Errorf("progress ended at %d/%d after %d calls", last, total, calls)
	}
}
