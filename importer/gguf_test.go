package importer

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/upgtools/upg/gguf"
	"github.com/upgtools/upg/kernels"
	"github.com/upgtools/upg/safetensors"
)

// tinyGGUF is a small synthetic llama GGUF: metadata, tensors, their data
// and the float32 values each tensor must decode to (in GGUF row order).
type tinyGGUF struct {
	kv      []gguf.KV
	tensors []gguf.TensorInfo
	data    [][]byte
	want    map[string][]float32
}

// tinyConfig is the HF config tinyGGUF describes.
func tinyConfig() hfConfig {
	c := newHFConfig()
	c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers = 32, 64, 2
	c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim = 4, 2, 8
	c.VocabSize, c.MaxPositionEmbeddings = 264, 64
	c.RMSNormEps, c.RopeTheta = 1e-6, 500000
	return c
}

// tinyVocab is an SPM vocabulary: <unk>, <s>, </s>, 256 byte tokens, 5 pieces.
func tinyVocab() ([]string, []float32, []int32) {
	toks := []string{"<unk>", "<s>", "</s>"}
	types := []int32{2, 3, 3}
	for b := 0; b < 256; b++ {
		toks = append(toks, fmt.Sprintf("<0x%02X>", b))
		types = append(types, 6)
	}
	for _, p := range []string{"▁a", "▁b", "▁c", "▁ab", "▁abc"} {
		toks = append(toks, p)
		types = append(types, 1)
	}
	scores := make([]float32, len(toks))
	for i := range scores {
		scores[i] = -float32(i)
	}
	return toks, scores, types
}

// encodeTensor returns random data of type typ for n values and the values
// it decodes to (nil for types without a decoder here).
func encodeTensor(rng *rand.Rand, typ gguf.GGMLType, n int) ([]byte, []float32) {
	want := make([]float32, n)
	var b []byte
	switch typ {
	case gguf.TypeF32:
		for i := range want {
			want[i] = float32(rng.NormFloat64())
		}
		return f32Bytes(want), want
	case gguf.TypeF16, gguf.TypeBF16:
		for i := range want {
			h := kernels.F32ToBF16(float32(rng.NormFloat64()))
			want[i] = kernels.BF16ToF32(h)
			if typ == gguf.TypeF16 {
				h = kernels.F32ToF16(float32(rng.NormFloat64()))
				want[i] = kernels.F16ToF32(h)
			}
			b = binary.LittleEndian.AppendUint16(b, h)
		}
		return b, want
	case gguf.TypeQ8_0:
		for blk := 0; blk < n/32; blk++ {
			d := kernels.F32ToF16(0.001 + 0.05*rng.Float32())
			b = binary.LittleEndian.AppendUint16(b, d)
			for j := 0; j < 32; j++ {
				q := int8(rng.IntN(255) - 127)
				b = append(b, byte(q))
				want[blk*32+j] = kernels.F16ToF32(d) * float32(q)
			}
		}
		return b, want
	}
	return make([]byte, int64(n)/typ.BlockSize()*typ.TypeSize()), nil
}

// newTinyGGUF builds the fixture with matrices of type mat and F32 norms.
func newTinyGGUF(mat gguf.GGMLType) *tinyGGUF {
	cfg := tinyConfig()
	toks, scores, types := tinyVocab()
	g := &tinyGGUF{want: map[string][]float32{}, kv: []gguf.KV{
		{Key: "general.architecture", Value: "llama"},
		{Key: "general.name", Value: "tiny"},
		{Key: "llama.context_length", Value: uint32(64)},
		{Key: "llama.embedding_length", Value: uint32(32)},
		{Key: "llama.feed_forward_length", Value: uint32(64)},
		{Key: "llama.block_count", Value: uint32(2)},
		{Key: "llama.attention.head_count", Value: uint32(4)},
		{Key: "llama.attention.head_count_kv", Value: uint32(2)},
		{Key: "llama.attention.layer_norm_rms_epsilon", Value: float32(1e-6)},
		{Key: "llama.rope.freq_base", Value: float32(500000)},
		{Key: "llama.rope.dimension_count", Value: uint32(8)},
		{Key: "tokenizer.ggml.model", Value: "llama"},
		{Key: "tokenizer.ggml.tokens", Value: toks},
		{Key: "tokenizer.ggml.scores", Value: scores},
		{Key: "tokenizer.ggml.token_type", Value: types},
		{Key: "tokenizer.ggml.bos_token_id", Value: uint32(1)},
		{Key: "tokenizer.ggml.eos_token_id", Value: uint32(2)},
		{Key: "tokenizer.ggml.unknown_token_id", Value: uint32(0)},
	}}
	rng := rand.New(rand.NewPCG(11, uint64(mat)))
	for _, t := range llamaTable(cfg) {
		typ := mat
		if len(t.shape) == 1 {
			typ = gguf.TypeF32
		}
		g.add(rng, t.gguf, typ, t.shape)
	}
	return g
}

// add appends a tensor of HF shape (reversed into GGUF dims).
func (g *tinyGGUF) add(rng *rand.Rand, name string, typ gguf.GGMLType, shape []int64) {
	n, dims := 1, make([]uint64, len(shape))
	for i, d := range shape {
		n *= int(d)
		dims[len(shape)-1-i] = uint64(d)
	}
	data, want := encodeTensor(rng, typ, n)
	g.tensors = append(g.tensors, gguf.TensorInfo{Name: name, Dims: dims, Type: typ})
	g.data = append(g.data, data)
	g.want[name] = want
}

// drop removes a tensor.
func (g *tinyGGUF) drop(name string) {
	i := slices.IndexFunc(g.tensors, func(t gguf.TensorInfo) bool { return t.Name == name })
	g.tensors = slices.Delete(g.tensors, i, i+1)
	g.data = slices.Delete(g.data, i, i+1)
}

// setKV replaces (or with value nil removes, or appends) a metadata key.
func (g *tinyGGUF) setKV(key string, value any) {
	i := slices.IndexFunc(g.kv, func(kv gguf.KV) bool { return kv.Key == key })
	switch {
	case i < 0:
		g.kv = append(g.kv, gguf.KV{Key: key, Value: value})
	case value == nil:
		g.kv = slices.Delete(g.kv, i, i+1)
	default:
		g.kv[i].Value = value
	}
}

// write stores the fixture as dir/in.gguf.
func (g *tinyGGUF) write(t *testing.T, dir string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := gguf.Write(&buf, g.kv, g.tensors, g.data); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "in.gguf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkTensors compares every output tensor with the fixture's values,
// encoded to dtype and q/k rows permuted.
func checkTensors(t *testing.T, dir, dtype string, cfg hfConfig, want map[string][]float32) {
	t.Helper()
	f, err := safetensors.Open(filepath.Join(dir, weightsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	table := llamaTable(cfg)
	if got := len(f.Names()); got != len(table) {
		t.Errorf("%d tensors, want %d", got, len(table))
	}
	for _, e := range table {
		info, data, ok := f.Tensor(e.hf)
		if !ok {
			t.Fatalf("missing %s", e.hf)
		}
		exp, err := encode(want[e.gguf], dtype)
		if err != nil {
			t.Fatal(err)
		}
		if e.ropeHeads > 0 {
			if exp, err = permuteRoPE(exp, e.ropeHeads, int(e.shape[0]), int(e.shape[1]), dtypeSize(dtype)); err != nil {
				t.Fatal(err)
			}
		}
		if string(info.DType) != dtype || !slices.Equal(info.Shape, e.shape) || !bytes.Equal(data, exp) {
			t.Errorf("%s: %s %v, want %s %v; values equal: %v", e.hf, info.DType, info.Shape, dtype, e.shape, bytes.Equal(data, exp))
		}
	}
}

func dtypeSize(d string) int { return safetensors.DType(d).Size() }

// TestFromGGUFTypes imports fixtures of each supported matrix type and checks
// the default dtype and every value (Q8_0 dequantized exactly in F32).
func TestFromGGUFTypes(t *testing.T) {
	tests := []struct {
		mat          gguf.GGMLType
		dtype, wantD string
	}{
		{gguf.TypeF32, "", "F32"},
		{gguf.TypeF16, "", "F16"},
		{gguf.TypeBF16, "", "BF16"},
		{gguf.TypeQ8_0, "", "BF16"},
		{gguf.TypeQ8_0, "F32", "F32"},
		{gguf.TypeF32, "F16", "F16"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s to %s", tc.mat, tc.wantD), func(t *testing.T) {
			dir := t.TempDir()
			g := newTinyGGUF(tc.mat)
			in := g.write(t, dir)
			out := filepath.Join(dir, "out")
			if err := FromGGUF(context.Background(), in, out, Options{DType: tc.dtype}); err != nil {
				t.Fatal(err)
			}
			cfg := tinyConfig()
			checkTensors(t, out, tc.wantD, cfg, g.want)
			got := readConfig(t, out)
			for k, v := range map[string]any{"rms_norm_eps": 1e-6, "rope_theta": 500000.0, "max_position_embeddings": 64.0,
				"vocab_size": 264.0, "tie_word_embeddings": false, "bos_token_id": 1.0, "eos_token_id": 2.0,
				"num_key_value_heads": 2.0, "torch_dtype": torchDtypes[tc.wantD]} {
				if got[k] != v {
					t.Errorf("config %s = %v, want %v", k, got[k], v)
				}
			}
		})
	}
}

func TestFromGGUFTied(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(g *tinyGGUF)
		tied   bool
	}{
		{"no output.weight", func(g *tinyGGUF) { g.drop("output.weight") }, true},
		{"output.weight a copy of token_embd", func(g *tinyGGUF) {
			i := slices.IndexFunc(g.tensors, func(t gguf.TensorInfo) bool { return t.Name == "output.weight" })
			g.data[i] = slices.Clone(g.data[0])
		}, true},
		{"distinct output.weight", func(g *tinyGGUF) {}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			g := newTinyGGUF(gguf.TypeF32)
			tc.mutate(g)
			out := filepath.Join(dir, "out")
			if err := FromGGUF(context.Background(), g.write(t, dir), out, Options{}); err != nil {
				t.Fatal(err)
			}
			cfg := tinyConfig()
			cfg.TieWordEmbeddings = tc.tied
			checkTensors(t, out, "F32", cfg, g.want)
			if got := readConfig(t, out)["tie_word_embeddings"]; got != tc.tied {
				t.Errorf("tie_word_embeddings = %v, want %v", got, tc.tied)
			}
		})
	}
}

// readConfig parses out/config.json.
func readConfig(t *testing.T, out string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, configFile))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestFromGGUFBad checks that unsupported or malformed files fail with an
// error naming the file, before an output directory appears.
func TestFromGGUFBad(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	tests := []struct {
		name   string
		mutate func(g *tinyGGUF)
		want   error
		detail string
	}{
		{"other architecture", func(g *tinyGGUF) { g.setKV("general.architecture", "gpt2") }, ErrUnsupported, "general.architecture"},
		{"Q4_0 tensor", func(g *tinyGGUF) {
			g.drop("blk.0.ffn_up.weight")
			g.add(rng, "blk.0.ffn_up.weight", gguf.TypeQ4_0, []int64{64, 32})
		}, ErrUnsupported, "Q4_0"},
		{"extra tensor", func(g *tinyGGUF) { g.add(rng, "rope_freqs.weight", gguf.TypeF32, []int64{4}) }, ErrUnsupported, "rope_freqs.weight"},
		{"missing tensor", func(g *tinyGGUF) { g.drop("blk.1.attn_v.weight") }, ErrInvalid, "blk.1.attn_v.weight"},
		{"wrong dims", func(g *tinyGGUF) {
			g.drop("blk.0.attn_k.weight")
			g.add(rng, "blk.0.attn_k.weight", gguf.TypeF32, []int64{32, 32})
		}, ErrInvalid, "blk.0.attn_k.weight"},
		{"rope scaling", func(g *tinyGGUF) { g.setKV("llama.rope.scaling.type", "linear") }, ErrUnsupported, "scaling"},
		{"partial rotary", func(g *tinyGGUF) { g.setKV("llama.rope.dimension_count", uint32(4)) }, ErrUnsupported, "dimension_count"},
		{"no embedding_length", func(g *tinyGGUF) { g.setKV("llama.embedding_length", nil) }, ErrInvalid, "embedding_length"},
		{"heads do not divide", func(g *tinyGGUF) { g.setKV("llama.attention.head_count", uint32(5)) }, ErrInvalid, "multiple"},
		{"vocab_size disagrees", func(g *tinyGGUF) { g.setKV("llama.vocab_size", uint32(300)) }, ErrInvalid, "vocab_size"},
		{"no eps", func(g *tinyGGUF) { g.setKV("llama.attention.layer_norm_rms_epsilon", nil) }, ErrInvalid, "epsilon"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			g := newTinyGGUF(gguf.TypeF32)
			tc.mutate(g)
			in := g.write(t, dir)
			err := FromGGUF(context.Background(), in, filepath.Join(dir, "out"), Options{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), in) || !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("error %q lacks the path or %q", err, tc.detail)
			}
			if got := entries(t, dir); !slices.Equal(got, []string{"in.gguf"}) {
				t.Errorf("directory holds %v after the error", got)
			}
		})
	}
}

func TestFromGGUFNotGGUF(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.gguf")
	if err := os.WriteFile(in, []byte("this is not a gguf file at all, just text"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := FromGGUF(context.Background(), in, filepath.Join(dir, "out"), Options{})
	if !errors.Is(err, gguf.ErrInvalid) || !strings.Contains(err.Error(), in) {
		t.Errorf("err = %v, want gguf.ErrInvalid naming %s", err, in)
	}
	if got := entries(t, dir); !slices.Equal(got, []string{"in.gguf"}) {
		t.Errorf("directory holds %v after the error", got)
	}
	if err := FromGGUF(context.Background(), in, filepath.Join(dir, "out"), Options{DType: "Q4_0"}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("DType Q4_0: err = %v", err)
	}
}
