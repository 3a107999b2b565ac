package importer

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/upgtools/upg/internal/testdata"
)

// randomLlama2C builds a model with random weights for cfg.
func randomLlama2C(cfg Llama2CConfig, seed uint64) *Llama2CModel {
	rng := rand.New(rand.NewPCG(seed, 7))
	vec := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	dim, hid, kv := cfg.Dim, cfg.HiddenDim, cfg.KVDim()
	m := &Llama2CModel{Config: cfg, TokenEmbedding: vec(cfg.VocabSize * dim), RMSFinal: vec(dim)}
	for range cfg.Layers {
		m.Layers = append(m.Layers, Llama2CLayer{
			RMSAtt: vec(dim), WQ: vec(dim * dim), WK: vec(kv * dim), WV: vec(kv * dim), WO: vec(dim * dim),
			RMSFFN: vec(dim), W1: vec(hid * dim), W2: vec(dim * hid), W3: vec(hid * dim),
		})
	}
	m.WCls = m.TokenEmbedding
	if !cfg.Shared {
		m.WCls = vec(cfg.VocabSize * dim)
	}
	return m
}

// encodeLlama2C serializes m as export.py's legacy_export (Version 0) or
// version1_export (Version 1) would.
func encodeLlama2C(m *Llama2CModel) []byte {
	c := m.Config
	var b []byte
	i32 := func(v int) { b = binary.LittleEndian.AppendUint32(b, uint32(int32(v))) }
	put := func(vs ...[]float32) {
		for _, v := range vs {
			for _, x := range v {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
			}
		}
	}
	each := func(get func(l Llama2CLayer) []float32) {
		for _, l := range m.Layers {
			put(get(l))
		}
	}
	vocab := c.VocabSize
	if c.Version == 1 {
		i32(llama2CMagic)
		i32(1)
	} else if !c.Shared {
		vocab = -vocab
	}
	for _, v := range []int{c.Dim, c.HiddenDim, c.Layers, c.Heads, c.KVHeads, vocab, c.SeqLen} {
		i32(v)
	}
	mats := func() {
		each(func(l Llama2CLayer) []float32 { return l.WQ })
		each(func(l Llama2CLayer) []float32 { return l.WK })
		each(func(l Llama2CLayer) []float32 { return l.WV })
		each(func(l Llama2CLayer) []float32 { return l.WO })
	}
	ffn := func() {
		each(func(l Llama2CLayer) []float32 { return l.W1 })
		each(func(l Llama2CLayer) []float32 { return l.W2 })
		each(func(l Llama2CLayer) []float32 { return l.W3 })
	}
	if c.Version == 1 {
		shared := byte(0)
		if c.Shared {
			shared = 1
		}
		b = append(b, shared)
		b = append(b, make([]byte, llama2CV1Header-len(b))...)
		each(func(l Llama2CLayer) []float32 { return l.RMSAtt })
		each(func(l Llama2CLayer) []float32 { return l.RMSFFN })
		put(m.RMSFinal, m.TokenEmbedding)
		mats()
		ffn()
	} else {
		put(m.TokenEmbedding)
		each(func(l Llama2CLayer) []float32 { return l.RMSAtt })
		mats()
		each(func(l Llama2CLayer) []float32 { return l.RMSFFN })
		ffn()
		put(m.RMSFinal)
		freq := make([]float32, c.SeqLen*c.HeadSize()) // real and imag tables, values irrelevant
		for i := range freq {
			freq[i] = float32(i)
		}
		put(freq)
	}
	if !c.Shared {
		put(m.WCls)
	}
	return b
}

func equalModels(t *testing.T, got, want *Llama2CModel) {
	t.Helper()
	if got.Config != want.Config {
		t.Fatalf("config = %+v, want %+v", got.Config, want.Config)
	}
	eq := func(name string, a, b []float32) {
		if !slices.Equal(a, b) {
			t.Errorf("%s differs", name)
		}
	}
	eq("embedding", got.TokenEmbedding, want.TokenEmbedding)
	eq("rms_final", got.RMSFinal, want.RMSFinal)
	eq("wcls", got.WCls, want.WCls)
	for i := range want.Layers {
		g, w := got.Layers[i], want.Layers[i]
		for _, p := range [][3]any{{"rms_att", g.RMSAtt, w.RMSAtt}, {"wq", g.WQ, w.WQ}, {"wk", g.WK, w.WK}, {"wv", g.WV, w.WV},
			{"wo", g.WO, w.WO}, {"rms_ffn", g.RMSFFN, w.RMSFFN}, {"w1", g.W1, w.W1}, {"w2", g.W2, w.W2}, {"w3", g.W3, w.W3}} {
			eq(p[0].(string), p[1].([]float32), p[2].([]float32))
		}
	}
}

var smallConfig = Llama2CConfig{Dim: 16, HiddenDim: 24, Layers: 2, Heads: 4, KVHeads: 2, VocabSize: 11, SeqLen: 8, Shared: true}

func TestReadLlama2CRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name    string
		version int
		shared  bool
	}{{"legacy shared", 0, true}, {"legacy unshared", 0, false}, {"v1 shared", 1, true}, {"v1 unshared", 1, false}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := smallConfig
			cfg.Version, cfg.Shared = tc.version, tc.shared
			want := randomLlama2C(cfg, 3)
			path := filepath.Join(t.TempDir(), "m.bin")
			if err := os.WriteFile(path, encodeLlama2C(want), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := ReadLlama2C(path)
			if err != nil {
				t.Fatal(err)
			}
			equalModels(t, got, want)
			if tc.shared && &got.WCls[0] != &got.TokenEmbedding[0] {
				t.Error("shared WCls is not the embedding slice")
			}
		})
	}
}

// TestReadLlama2CReal checks the header of the real stories260K checkpoint.
func TestReadLlama2CReal(t *testing.T) {
	m, err := ReadLlama2C(testdata.Path(t, "models", "stories260K", "stories260K.bin"))
	if err != nil {
		t.Fatal(err)
	}
	want := Llama2CConfig{Dim: 64, HiddenDim: 172, Layers: 5, Heads: 8, KVHeads: 4, VocabSize: 512, SeqLen: 512, Shared: true}
	if m.Config != want {
		t.Errorf("config = %+v, want %+v", m.Config, want)
	}
	if len(m.Layers) != 5 || len(m.Layers[4].W3) != 172*64 || len(m.Layers[0].WK) != 32*64 {
		t.Errorf("tensor sizes wrong")
	}
}

// header returns a legacy header with the given fields.
func header(v ...int32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, uint32(x))
	}
	return b
}

func TestReadLlama2CBad(t *testing.T) {
	good := encodeLlama2C(randomLlama2C(smallConfig, 1))
	unsharedCfg := smallConfig
	unsharedCfg.Shared = false
	unshared := encodeLlama2C(randomLlama2C(unsharedCfg, 1))
	v1cfg := smallConfig
	v1cfg.Version = 1
	v1 := encodeLlama2C(randomLlama2C(v1cfg, 1))
	v2 := slices.Clone(v1)
	binary.LittleEndian.PutUint32(v2[4:], 2)
	badFlag := slices.Clone(v1)
	badFlag[36] = 7
	tests := []struct {
		name    string
		data    []byte
		want    error
		field   string
		offset  int64
		message string
	}{
		{"empty", nil, ErrTruncated, "header", 0, ""},
		{"short header", good[:20], ErrTruncated, "header", 20, ""},
		{"truncated weights", good[:len(good)-4], ErrTruncated, "weights", int64(len(good) - 4), ""},
		{"trailing bytes", append(slices.Clone(good), 0, 0, 0, 0), ErrInvalid, "weights", int64(len(good)), "trailing"},
		{"sign of vocab wrong", append(slices.Clone(good), unshared[len(good):]...), ErrInvalid, "weights", int64(len(good)), "shared classifier = false"},
		{"absurd dim", header(1<<30, 8, 1, 1, 1, 10, 8), ErrInvalid, "dim", 0, "outside"},
		{"zero layers", header(16, 8, 0, 1, 1, 10, 8), ErrInvalid, "n_layers", 8, ""},
		{"negative heads", header(16, 8, 1, -4, 1, 10, 8), ErrInvalid, "n_heads", 12, ""},
		{"absurd vocab", header(16, 8, 1, 4, 4, -(1 << 30), 8), ErrInvalid, "vocab_size", 20, ""},
		{"zero seq_len", header(16, 8, 1, 4, 4, 10, 0), ErrInvalid, "seq_len", 24, ""},
		{"dim not divisible", header(18, 8, 1, 4, 4, 10, 8), ErrInvalid, "header", 0, "multiple of n_heads"},
		{"heads not divisible", header(16, 8, 1, 4, 3, 10, 8), ErrInvalid, "header", 0, "multiple of n_kv_heads"},
		{"odd head size", header(12, 8, 1, 4, 4, 10, 8), ErrInvalid, "header", 0, "odd"},
		{"v1 truncated header", v1[:100], ErrTruncated, "header", 100, ""},
		{"v1 truncated weights", v1[:len(v1)-1], ErrTruncated, "weights", int64(len(v1) - 1), ""},
		{"v1 bad shared flag", badFlag, ErrInvalid, "shared_classifier", 36, ""},
		{"v2 quantized", v2, ErrUnsupported, "version", 4, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.bin")
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadLlama2C(path)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Path != path || fe.Field != tc.field || fe.Offset != tc.offset {
				t.Errorf("err = %#v, want path %s field %s offset %d", err, path, tc.field, tc.offset)
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.message) {
				t.Errorf("message %q lacks the path or %q", err, tc.message)
			}
		})
	}
}

func TestReadLlama2CMissing(t *testing.T) {
	_, err := ReadLlama2C(filepath.Join(t.TempDir(), "nope.bin"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want ErrNotExist", err)
	}
}
