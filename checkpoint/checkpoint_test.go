package checkpoint

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/upgtools/upg/kernels"
	"github.com/upgtools/upg/safetensors"
)

// tensor is a test tensor: dtype, shape and float values to encode.
type tensor struct {
	name  string
	dtype safetensors.DType
	shape []int64
	vals  []float32 // encoded per dtype; nil: zeros
}

func encode(t tensor) []byte {
	n := int64(1)
	for _, d := range t.shape {
		n *= d
	}
	out := make([]byte, n*int64(t.dtype.Size()))
	for i := int64(0); i < n && t.vals != nil; i++ {
		v := t.vals[i]
		switch t.dtype {
		case safetensors.F32:
			binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(v))
		case safetensors.BF16:
			binary.LittleEndian.PutUint16(out[2*i:], kernels.F32ToBF16(v))
		case safetensors.F16:
			binary.LittleEndian.PutUint16(out[2*i:], kernels.F32ToF16(v))
		case safetensors.I8:
			out[i] = byte(int8(v))
		case safetensors.U8:
			out[i] = byte(v)
		case safetensors.F8E4M3:
			out[i] = f8Encode(v)
		}
	}
	return out
}

// f8Encode finds the e4m3 byte decoding exactly to v (tests use exact values).
func f8Encode(v float32) byte {
	for b := 0; b < 256; b++ {
		if kernels.F8E4M3ToF32(uint8(b)) == v {
			return byte(b)
		}
	}
	panic("test value not representable in e4m3")
}

func writeShard(t *testing.T, dir, file string, ts ...tensor) {
	t.Helper()
	infos := make([]safetensors.TensorInfo, len(ts))
	data := make([][]byte, len(ts))
	for i, x := range ts {
		infos[i] = safetensors.TensorInfo{Name: x.name, DType: x.dtype, Shape: x.shape}
		data[i] = encode(x)
	}
	if err := safetensors.WriteFile(filepath.Join(dir, file), infos, data, map[string]string{"format": "pt"}, safetensors.WriterOptions{}); err != nil {
		t.Fatal(err)
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

var (
	embed = tensor{name: "model.embed_tokens.weight", dtype: safetensors.BF16, shape: []int64{8, 4}}
	norm  = tensor{name: "model.norm.weight", dtype: safetensors.F32, shape: []int64{4}, vals: []float32{1, 2, 3, 4}}
	head  = tensor{name: "lm_head.weight", dtype: safetensors.BF16, shape: []int64{8, 4}}
)

// newDir makes a model directory with config.json and the given layout.
func newDir(t *testing.T, layout func(t *testing.T, dir string)) string {
	t.Helper()
	dir := t.TempDir()
	writeJSON(t, filepath.Join(dir, ConfigFile), map[string]any{"architectures": []string{"LlamaForCausalLM"}, "model_type": "llama"})
	layout(t, dir)
	return dir
}

func sharded(t *testing.T, dir string) {
	writeShard(t, dir, "model-00001-of-00002.safetensors", embed, norm)
	writeShard(t, dir, "model-00002-of-00002.safetensors", head)
	writeJSON(t, filepath.Join(dir, IndexFile), map[string]any{
		"metadata": map[string]any{"total_size": 132},
		"weight_map": map[string]string{
			embed.name: "model-00001-of-00002.safetensors",
			norm.name:  "model-00001-of-00002.safetensors",
			head.name:  "model-00002-of-00002.safetensors",
		},
	})
}

func truncate(t *testing.T, path string, by int64) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, st.Size()-by); err != nil {
		t.Fatal(err)
	}
}

func TestOpenLayouts(t *testing.T) {
	want := []string{head.name, embed.name, norm.name}
	for _, tc := range []struct {
		name   string
		layout func(t *testing.T, dir string)
	}{
		{"single file", func(t *testing.T, dir string) { writeShard(t, dir, SingleFile, embed, norm, head) }},
		{"index", sharded},
		{"loose files", func(t *testing.T, dir string) {
			writeShard(t, dir, "a.safetensors", embed)
			writeShard(t, dir, "b.safetensors", norm, head)
		}},
		{"numbered without index", func(t *testing.T, dir string) {
			writeShard(t, dir, "model-00001-of-00002.safetensors", embed, norm)
			writeShard(t, dir, "model-00002-of-00002.safetensors", head)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Open(newDir(t, tc.layout))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if !slices.Equal(c.Names(), want) {
				t.Errorf("Names %v, want %v", c.Names(), want)
			}
			if c.Architecture != "LlamaForCausalLM" || c.ModelType != "llama" || len(c.Config) == 0 {
				t.Errorf("config: %q %q", c.Architecture, c.ModelType)
			}
			if got := c.ParamCount(); got != 8*4*2+4 {
				t.Errorf("ParamCount %d", got)
			}
			tn, err := c.Tensor(norm.name)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(tn.File)
			if err != nil {
				t.Fatal(err)
			}
			if string(raw[tn.Offset:tn.Offset+int64(len(tn.Data))]) != string(tn.Data) {
				t.Error("Offset does not locate Data in File")
			}
		})
	}
}

func TestOpenFailures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		layout  func(t *testing.T, dir string)
		is      error
		inc     func(e *IncompleteError) bool // extra check for IncompleteError
		mention string
	}{
		{"missing config", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, ConfigFile))
			writeShard(t, dir, SingleFile, embed)
		}, os.ErrNotExist, nil, "config.json"},
		{"malformed config", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, ConfigFile), []byte("{"), 0o644)
			writeShard(t, dir, SingleFile, embed)
		}, ErrInvalid, nil, "config.json"},
		{"malformed generation config", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, GenerationFile), []byte(`{"eos_token_id":"x"}`), 0o644)
			writeShard(t, dir, SingleFile, embed)
		}, ErrInvalid, nil, "generation_config.json"},
		{"no weights", func(t *testing.T, dir string) {}, ErrNoWeights, nil, ""},
		{"missing shard", func(t *testing.T, dir string) {
			sharded(t, dir)
			os.Remove(filepath.Join(dir, "model-00002-of-00002.safetensors"))
		}, ErrIncomplete, func(e *IncompleteError) bool {
			return slices.Equal(e.Missing, []string{"model-00002-of-00002.safetensors"})
		}, "missing: model-00002-of-00002.safetensors"},
		{"missing numbered shard without index", func(t *testing.T, dir string) {
			writeShard(t, dir, "model-00001-of-00003.safetensors", embed)
			writeShard(t, dir, "model-00003-of-00003.safetensors", head)
		}, ErrIncomplete, func(e *IncompleteError) bool {
			return slices.Equal(e.Missing, []string{"model-00002-of-00003.safetensors"})
		}, "model-00002-of-00003"},
		{"short shard data", func(t *testing.T, dir string) {
			sharded(t, dir)
			truncate(t, filepath.Join(dir, "model-00002-of-00002.safetensors"), 10)
		}, ErrIncomplete, func(e *IncompleteError) bool {
			return len(e.Short) == 1 && e.Short[0].Want-e.Short[0].Have == 10 && strings.HasSuffix(e.Short[0].Path, "model-00002-of-00002.safetensors")
		}, "bytes"},
		{"short shard header", func(t *testing.T, dir string) {
			writeShard(t, dir, SingleFile, embed, norm, head)
			os.Truncate(filepath.Join(dir, SingleFile), 20)
		}, ErrIncomplete, func(e *IncompleteError) bool { return len(e.Short) == 1 && e.Short[0].Have == 20 }, "has 20 of"},
		{"incomplete file", func(t *testing.T, dir string) {
			writeShard(t, dir, SingleFile, embed)
			os.WriteFile(filepath.Join(dir, "model.safetensors.incomplete"), nil, 0o644)
		}, ErrIncomplete, func(e *IncompleteError) bool { return len(e.Partial) == 1 }, "partial file"},
		{"hub cache incomplete", func(t *testing.T, dir string) {
			writeShard(t, dir, SingleFile, embed)
			cache := filepath.Join(dir, ".cache", "huggingface", "download")
			os.MkdirAll(cache, 0o755)
			os.WriteFile(filepath.Join(cache, "abc123.incomplete"), nil, 0o644)
		}, ErrIncomplete, func(e *IncompleteError) bool { return len(e.Partial) == 1 }, "abc123.incomplete"},
		{"part file only", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "model.safetensors.part"), nil, 0o644)
		}, ErrIncomplete, func(e *IncompleteError) bool { return len(e.Partial) == 1 }, ".part"},
		{"index names absent tensor", func(t *testing.T, dir string) {
			sharded(t, dir)
			writeShard(t, dir, "model-00002-of-00002.safetensors", norm)
			os.Remove(filepath.Join(dir, "model-00001-of-00002.safetensors"))
			writeShard(t, dir, "model-00001-of-00002.safetensors", embed)
		}, ErrIncomplete, func(e *IncompleteError) bool { return len(e.Missing) == 2 }, `"lm_head.weight" (in model-00002-of-00002.safetensors)`},
		{"duplicate across shards", func(t *testing.T, dir string) {
			writeShard(t, dir, "a.safetensors", embed)
			writeShard(t, dir, "b.safetensors", embed)
		}, ErrDuplicateTensor, nil, "model.embed_tokens.weight"},
		{"malformed index", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, IndexFile), []byte(`{"weight_map":[]}`), 0o644)
		}, ErrInvalid, nil, IndexFile},
		{"index escapes directory", func(t *testing.T, dir string) {
			writeJSON(t, filepath.Join(dir, IndexFile), map[string]any{"weight_map": map[string]string{"x": "../x.safetensors"}})
		}, ErrInvalid, nil, "../x.safetensors"},
		{"corrupt shard", func(t *testing.T, dir string) {
			writeShard(t, dir, SingleFile, embed)
			f, _ := os.OpenFile(filepath.Join(dir, SingleFile), os.O_WRONLY, 0)
			f.WriteAt([]byte("X"), 8)
			f.Close()
		}, safetensors.ErrInvalidHeader, nil, SingleFile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := newDir(t, tc.layout)
			c, err := Open(dir)
			if err == nil {
				c.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, tc.is) {
				t.Fatalf("error %v is not %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("message %q does not mention %q", err, tc.mention)
			}
			var inc *IncompleteError
			if tc.inc != nil && (!errors.As(err, &inc) || !tc.inc(inc) || inc.Dir != dir) {
				t.Errorf("IncompleteError contents: %+v", inc)
			}
		})
	}
}

func TestTensorMissing(t *testing.T) {
	dir := newDir(t, func(t *testing.T, dir string) { writeShard(t, dir, SingleFile, norm) })
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Tensor("nope.weight")
	if !errors.Is(err, ErrMissingTensor) || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "nope.weight") {
		t.Errorf("missing tensor error %v", err)
	}
	if c.Has("nope.weight") || !c.Has(norm.name) {
		t.Error("Has is wrong")
	}
	if c.Generation != nil {
		t.Error("Generation should be nil without generation_config.json")
	}
}

func TestGenerationConfig(t *testing.T) {
	for _, tc := range []struct {
		json string
		want GenerationConfig
	}{
		{`{"bos_token_id":1,"eos_token_id":2,"temperature":0.6,"top_p":0.9,"do_sample":true}`,
			GenerationConfig{BOS: 1, EOS: []int{2}, Temperature: 0.6, TopP: 0.9, DoSample: true}},
		{`{"bos_token_id":128000,"eos_token_id":[128001,128008,128009],"top_k":20,"repetition_penalty":1.05,"max_length":4096,"max_new_tokens":2048}`,
			GenerationConfig{BOS: 128000, EOS: []int{128001, 128008, 128009}, TopK: 20, RepetitionPenalty: 1.05, MaxLength: 4096, MaxNewTokens: 2048}},
		{`{"bos_token_id":null}`, GenerationConfig{BOS: -1}},
		{`{}`, GenerationConfig{BOS: -1}},
	} {
		dir := newDir(t, func(t *testing.T, dir string) {
			writeShard(t, dir, SingleFile, norm)
			os.WriteFile(filepath.Join(dir, GenerationFile), []byte(tc.json), 0o644)
		})
		c, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		g := c.Generation
		c.Close()
		if g == nil || g.BOS != tc.want.BOS || !slices.Equal(g.EOS, tc.want.EOS) || g.Temperature != tc.want.Temperature ||
			g.TopP != tc.want.TopP || g.TopK != tc.want.TopK || g.RepetitionPenalty != tc.want.RepetitionPenalty ||
			g.DoSample != tc.want.DoSample || g.MaxLength != tc.want.MaxLength || g.MaxNewTokens != tc.want.MaxNewTokens {
			t.Errorf("%s: got %+v, want %+v", tc.json, g, tc.want)
		}
	}
}
