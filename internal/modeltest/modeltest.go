// Package modeltest builds small checkpoints for architecture tests: the
// synthetic tiny Llama, and rewrites of it into other layouts, with a helper
// to run a model over tokens.
package modeltest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"unsafe"

	"github.com/upgtools/upg/checkpoint"
	"github.com/upgtools/upg/model"
	"github.com/upgtools/upg/safetensors"
	"github.com/upgtools/upg/synth"
)

// Tensor is an F32 tensor being rewritten.
type Tensor struct {
	Shape []int64
	Data  []float32
}

// Tiny writes the synthetic tiny Llama checkpoint (synth preset "tiny") to a
// temporary directory.
func Tiny(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tiny")
	if err := synth.Write(context.Background(), dir, synth.Options{Preset: "tiny", Seed: 5}, nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Rewrite copies the checkpoint src into a new directory with its tensors in
// F32 after edit has changed them (and config.json's architectures set to
// arch when arch is not empty). The tokenizer files are copied.
func Rewrite(t testing.TB, src, arch string, edit func(cfg map[string]any, ts map[string]*Tensor)) string {
	t.Helper()
	ck, err := checkpoint.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	var cfg map[string]any
	if err := json.Unmarshal(ck.Config, &cfg); err != nil {
		t.Fatal(err)
	}
	ts := map[string]*Tensor{}
	for _, n := range ck.Names() {
		tt, err := ck.Tensor(n)
		if err != nil {
			t.Fatal(err)
		}
		v, err := ck.Float32(n)
		if err != nil {
			t.Fatal(err)
		}
		ts[n] = &Tensor{Shape: tt.Shape, Data: v}
	}
	if arch != "" {
		cfg["architectures"] = []string{arch}
	}
	edit(cfg, ts)
	dir := filepath.Join(t.TempDir(), "rewritten")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(ts))
	for n := range ts {
		names = append(names, n)
	}
	sort.Strings(names)
	infos := make([]safetensors.TensorInfo, len(names))
	data := make([][]byte, len(names))
	for i, n := range names {
		infos[i] = safetensors.TensorInfo{Name: n, DType: safetensors.F32, Shape: ts[n].Shape}
		d := ts[n].Data
		data[i] = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(d))), 4*len(d))
	}
	if err := safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), infos, data, nil, safetensors.WriterOptions{}); err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(cfg)
	os.WriteFile(filepath.Join(dir, "config.json"), js, 0o644)
	for _, f := range []string{"tokenizer.json", "tokenizer_config.json", "generation_config.json"} {
		if b, err := os.ReadFile(filepath.Join(src, f)); err == nil {
			os.WriteFile(filepath.Join(dir, f), b, 0o644)
		}
	}
	return dir
}

// Load opens the checkpoint in dir as a model with 2 threads; both are
// closed when the test ends.
func Load(t testing.TB, dir string) model.Model {
	t.Helper()
	ck, err := checkpoint.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ck.Close() })
	m, err := model.LoadCheckpoint(ck, model.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// Logits loads dir and returns the logits of every position of tokens,
// computed in one prefill.
func Logits(t testing.TB, dir string, tokens []int) []float32 {
	t.Helper()
	m := Load(t, dir)
	out := make([]float32, len(tokens)*m.Config().Vocab)
	if err := m.Forward(model.NewCache(m.Config(), len(tokens)), tokens, out, true); err != nil {
		t.Fatal(err)
	}
	return out
}

// MaxDiff is the largest absolute difference between two slices.
func MaxDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		d = max(d, float64(abs(a[i]-b[i])))
	}
	return d
}

func abs(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// Phi3 rewrites the Llama checkpoint src as Phi3ForCausalLM: q/k/v fused
// into qkv_proj and gate/up into gate_up_proj (the same function).
func Phi3(t testing.TB, src string) string {
	t.Helper()
	return Rewrite(t, src, "Phi3ForCausalLM", func(cfg map[string]any, ts map[string]*Tensor) {
		for l := 0; ; l++ {
			p := fmt.Sprintf("model.layers.%d.", l)
			q, ok := ts[p+"self_attn.q_proj.weight"]
			if !ok {
				break
			}
			k, v := ts[p+"self_attn.k_proj.weight"], ts[p+"self_attn.v_proj.weight"]
			g, u := ts[p+"mlp.gate_proj.weight"], ts[p+"mlp.up_proj.weight"]
			ts[p+"self_attn.qkv_proj.weight"] = &Tensor{Shape: []int64{q.Shape[0] + k.Shape[0] + v.Shape[0], q.Shape[1]},
				Data: append(append(append([]float32(nil), q.Data...), k.Data...), v.Data...)}
			ts[p+"mlp.gate_up_proj.weight"] = &Tensor{Shape: []int64{2 * g.Shape[0], g.Shape[1]},
				Data: append(append([]float32(nil), g.Data...), u.Data...)}
			for _, n := range []string{"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "mlp.gate_proj", "mlp.up_proj"} {
				delete(ts, p+n+".weight")
			}
		}
	})
}

// CopyDir copies the regular files of src into a new temporary directory
// (tests that damage a model work on a copy).
func CopyDir(t testing.TB, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}
