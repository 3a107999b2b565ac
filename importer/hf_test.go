package importer

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/upgtools/upg/kernels"
	"github.com/upgtools/upg/safetensors"
)

// smallHF builds an output model from a random llama2.c model with stand-in
// tokenizer files.
func smallHF(t *testing.T) (*hfModel, *Llama2CModel) {
	t.Helper()
	m := randomLlama2C(smallConfig, 5)
	cfg := llama2CConfig(m.Config)
	return &hfModel{source: "mem", config: cfg, tensors: llama2CTensors("mem", m, cfg),
		tokenizer: []byte(`{"model":{}}`), tokenizerConfig: []byte(`{}`)}, m
}

// entries lists a directory's names.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteOutputDir(t *testing.T) {
	tests := []struct {
		name  string
		setup func(out string)
		want  error
	}{
		{"new", func(string) {}, nil},
		{"empty existing", func(out string) { os.Mkdir(out, 0o755) }, nil},
		{"non-empty", func(out string) { os.Mkdir(out, 0o755); os.WriteFile(filepath.Join(out, "keep"), nil, 0o644) }, ErrOutputExists},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			out := filepath.Join(parent, "out")
			tc.setup(out)
			hm, _ := smallHF(t)
			var calls [][2]int
			err := hm.write(context.Background(), out, "F32", func(d, n int) { calls = append(calls, [2]int{d, n}) })
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if got := entries(t, parent); !slices.Equal(got, []string{"out"}) {
				t.Errorf("parent holds %v, want only out", got)
			}
			if tc.want != nil {
				if got := entries(t, out); !slices.Equal(got, []string{"keep"}) {
					t.Errorf("refused output dir now holds %v", got)
				}
				return
			}
			want := []string{configFile, generationFile, weightsFile, tokenizerFile, tokenizerConfigFile}
			slices.Sort(want)
			if got := entries(t, out); !slices.Equal(got, want) {
				t.Errorf("output holds %v, want %v", got, want)
			}
			n := len(hm.tensors) + 1
			if len(calls) != n || calls[n-1] != [2]int{n, n} || calls[0] != [2]int{1, n} {
				t.Errorf("progress calls %v, want 1..%d of %d", calls, n, n)
			}
		})
	}
}

func TestWriteCancelled(t *testing.T) {
	parent := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	hm, _ := smallHF(t)
	err := hm.write(ctx, filepath.Join(parent, "out"), "F32", nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if got := entries(t, parent); len(got) != 0 {
		t.Errorf("left behind %v", got)
	}
}

// TestWriteContents checks config.json and the tensors of a written model in
// each output dtype: names, shapes, values (q/k permuted) and tying.
func TestWriteContents(t *testing.T) {
	for _, dtype := range []string{"F32", "BF16", "F16"} {
		t.Run(dtype, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			hm, m := smallHF(t)
			if err := hm.write(context.Background(), out, dtype, nil); err != nil {
				t.Fatal(err)
			}
			var cfg map[string]any
			b, err := os.ReadFile(filepath.Join(out, configFile))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &cfg); err != nil {
				t.Fatal(err)
			}
			wantCfg := map[string]any{"hidden_size": 16.0, "intermediate_size": 24.0, "num_hidden_layers": 2.0,
				"num_attention_heads": 4.0, "num_key_value_heads": 2.0, "vocab_size": 11.0, "max_position_embeddings": 8.0,
				"rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": true, "torch_dtype": torchDtypes[dtype],
				"hidden_act": "silu", "model_type": "llama", "head_dim": 4.0}
			for k, v := range wantCfg {
				if cfg[k] != v {
					t.Errorf("config %s = %v, want %v", k, cfg[k], v)
				}
			}
			f, err := safetensors.Open(filepath.Join(out, weightsFile))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, _, ok := f.Tensor("lm_head.weight"); ok {
				t.Error("tied model has lm_head.weight")
			}
			l := m.Layers[1]
			wq := make([]float32, len(l.WQ))
			for r := 0; r < 16; r++ { // 4 heads of 4 rows
				copy(wq[r*16:(r+1)*16], l.WQ[((r/4)*4+metaRow(r%4, 4))*16:][:16])
			}
			checks := []struct {
				name  string
				shape []int64
				want  []float32
			}{
				{"model.embed_tokens.weight", []int64{11, 16}, m.TokenEmbedding},
				{"model.layers.1.self_attn.q_proj.weight", []int64{16, 16}, wq},
				{"model.layers.1.self_attn.v_proj.weight", []int64{8, 16}, l.WV},
				{"model.layers.1.mlp.gate_proj.weight", []int64{24, 16}, l.W1},
				{"model.layers.1.mlp.up_proj.weight", []int64{24, 16}, l.W3},
				{"model.layers.1.mlp.down_proj.weight", []int64{16, 24}, l.W2},
				{"model.layers.1.post_attention_layernorm.weight", []int64{16}, l.RMSFFN},
				{"model.norm.weight", []int64{16}, m.RMSFinal},
			}
			for _, c := range checks {
				info, data, ok := f.Tensor(c.name)
				if !ok {
					t.Fatalf("missing %s", c.name)
				}
				if string(info.DType) != dtype || !slices.Equal(info.Shape, c.shape) {
					t.Errorf("%s: %s %v, want %s %v", c.name, info.DType, info.Shape, dtype, c.shape)
				}
				want, _ := encode(c.want, dtype)
				if !slices.Equal(data, want) {
					t.Errorf("%s: values differ", c.name)
				}
			}
		})
	}
}

func TestEncode(t *testing.T) {
	vals := []float32{0, 1, -2.5, 3.14159, 1e-8, float32(math.Inf(-1))}
	f32, err := encode(vals, "F32")
	if err != nil || !slices.Equal(bytesF32(f32), vals) {
		t.Errorf("F32: %v %v", bytesF32(f32), err)
	}
	for _, dt := range []struct {
		name string
		conv func(float32) uint16
	}{{"BF16", kernels.F32ToBF16}, {"F16", kernels.F32ToF16}} {
		b, err := encode(vals, dt.name)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if got, want := uint16(b[2*i])|uint16(b[2*i+1])<<8, dt.conv(v); got != want {
				t.Errorf("%s[%d] = %#x, want %#x", dt.name, i, got, want)
			}
		}
	}
	if _, err := encode([]float32{1, 70000}, "F16"); !errors.Is(err, ErrInvalid) {
		t.Errorf("F16 overflow: err = %v, want ErrInvalid", err)
	}
	if _, err := encode(vals, "Q4"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Q4: err = %v, want ErrUnsupported", err)
	}
	if _, err := checkDType("I8", ""); !errors.Is(err, ErrUnsupported) {
		t.Errorf("checkDType(I8): err = %v", err)
	}
}
