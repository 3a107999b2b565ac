package importer

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/upgtools/upg/internal/testdata"
	"github.com/upgtools/upg/safetensors"
	"github.com/upgtools/upg/tokenizer"
)

// TestStories260KBinAndGGUF imports the real stories260K checkpoint twice,
// from llama2.c's .bin + tok512.bin and from the GGUF llama.cpp converted
// from them: every tensor must be bit-identical and the configs equal except
// max_position_embeddings (the GGUF's context_length is the converter's
// default 128; the checkpoint's seq_len is 512).
func TestStories260KBinAndGGUF(t *testing.T) {
	src := testdata.Path(t, "models", "stories260K")
	dir := t.TempDir()
	fromBin, fromGGUF := filepath.Join(dir, "bin"), filepath.Join(dir, "gguf")
	ctx := context.Background()
	if err := FromLlama2C(ctx, filepath.Join(src, "stories260K.bin"), filepath.Join(src, "tok512.bin"), fromBin, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := FromGGUF(ctx, filepath.Join(src, "stories260K.gguf"), fromGGUF, Options{}); err != nil {
		t.Fatal(err)
	}
	a, b := readConfig(t, fromBin), readConfig(t, fromGGUF)
	if a["max_position_embeddings"] != 512.0 || b["max_position_embeddings"] != 128.0 {
		t.Errorf("max_position_embeddings = %v (bin), %v (gguf); want 512, 128", a["max_position_embeddings"], b["max_position_embeddings"])
	}
	delete(a, "max_position_embeddings")
	delete(b, "max_position_embeddings")
	for k, v := range a {
		if !equalJSON(v, b[k]) {
			t.Errorf("config %s: %v (bin) != %v (gguf)", k, v, b[k])
		}
	}
	if len(a) != len(b) {
		t.Errorf("config keys differ: %d vs %d", len(a), len(b))
	}
	for k, v := range map[string]any{"hidden_size": 64.0, "intermediate_size": 172.0, "num_hidden_layers": 5.0,
		"num_attention_heads": 8.0, "num_key_value_heads": 4.0, "vocab_size": 512.0, "tie_word_embeddings": true,
		"torch_dtype": "float32", "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "bos_token_id": 1.0, "eos_token_id": 2.0} {
		if !equalJSON(a[k], v) {
			t.Errorf("config %s = %v, want %v", k, a[k], v)
		}
	}
	fa, err := safetensors.Open(filepath.Join(fromBin, weightsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer fa.Close()
	fb, err := safetensors.Open(filepath.Join(fromGGUF, weightsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer fb.Close()
	if !slices.Equal(fa.Names(), fb.Names()) || len(fa.Names()) != 2+5*9 {
		t.Fatalf("tensor names differ: %v vs %v", fa.Names(), fb.Names())
	}
	for _, name := range fa.Names() {
		ia, da, _ := fa.Tensor(name)
		ib, db, _ := fb.Tensor(name)
		if ia.DType != ib.DType || !slices.Equal(ia.Shape, ib.Shape) || !bytes.Equal(da, db) {
			t.Errorf("%s: %s %v vs %s %v, data equal %v", name, ia.DType, ia.Shape, ib.DType, ib.Shape, bytes.Equal(da, db))
		}
	}
	// The HF q_proj of layer 3 is the llama2.c wq with rows permuted.
	m, err := ReadLlama2C(filepath.Join(src, "stories260K.bin"))
	if err != nil {
		t.Fatal(err)
	}
	_, q, _ := fa.Tensor("model.layers.3.self_attn.q_proj.weight")
	got, wq := bytesF32(q), m.Layers[3].WQ
	for r := 0; r < 64; r++ {
		h, j := r/8, r%8
		if !slices.Equal(got[r*64:(r+1)*64], wq[(h*8+metaRow(j, 8))*64:][:64]) {
			t.Fatalf("q_proj row %d is not llama2.c wq row %d", r, h*8+metaRow(j, 8))
		}
	}
	// Both tokenizer.json files must encode alike.
	text := "Once upon a time, there was a little girl named Lily. She liked \"ice-cream\" & 3 cats!"
	var ids [2][]int
	for i, d := range []string{fromBin, fromGGUF} {
		tok, err := tokenizer.Load(d)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = tok.Encode(text, tokenizer.EncodeOptions{AddSpecial: true})
	}
	if !slices.Equal(ids[0], ids[1]) || len(ids[0]) < 10 || ids[0][0] != 1 {
		t.Errorf("encodings differ or lack BOS:\n bin  %v\n gguf %v", ids[0], ids[1])
	}
}

// equalJSON compares decoded JSON scalars.
func equalJSON(a, b any) bool {
	if sa, ok := a.([]any); ok {
		sb, ok := b.([]any)
		return ok && slices.EqualFunc(sa, sb, equalJSON)
	}
	return a == b
}

// TestFromLlama2CBad checks that broken checkpoints fail naming the file and
// leave no output directory behind.
func TestFromLlama2CBad(t *testing.T) {
	good := encodeLlama2C(randomLlama2C(smallConfig, 9))
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"truncated", good[:len(good)/2], ErrTruncated},
		{"absurd header", header(64, 172, 5, 8, 4, 512, 1<<30), ErrInvalid},
		{"wrong size", append(slices.Clone(good), 1, 2, 3, 4, 5, 6, 7, 8), ErrInvalid},
		{"empty", nil, ErrTruncated},
	}
	tok := testdata.Path(t, "models", "stories260K", "tok512.bin")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in.bin")
			if err := os.WriteFile(in, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			err := FromLlama2C(context.Background(), in, tok, filepath.Join(dir, "out"), Options{})
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), in) {
				t.Errorf("err = %v, want %v naming %s", err, tc.want, in)
			}
			if got := entries(t, dir); !slices.Equal(got, []string{"in.bin"}) {
				t.Errorf("directory holds %v after the error", got)
			}
		})
	}
}

func TestFromLlama2COptions(t *testing.T) {
	src := testdata.Path(t, "models", "stories260K")
	bin, tok := filepath.Join(src, "stories260K.bin"), filepath.Join(src, "tok512.bin")
	dir := t.TempDir()
	ctx := context.Background()
	if err := FromLlama2C(ctx, bin, tok, filepath.Join(dir, "x"), Options{DType: "F8"}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("DType F8: err = %v", err)
	}
	if err := FromLlama2C(ctx, bin, filepath.Join(dir, "missing.bin"), filepath.Join(dir, "x"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing tokenizer: err = %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "keep"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := FromLlama2C(ctx, bin, tok, dir, Options{}); !errors.Is(err, ErrOutputExists) {
		t.Errorf("non-empty output: err = %v", err)
	}
	out := filepath.Join(dir, "bf16")
	if err := FromLlama2C(ctx, bin, tok, out, Options{DType: "BF16"}); err != nil {
		t.Fatal(err)
	}
	m, err := ReadLlama2C(bin)
	if err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(filepath.Join(out, weightsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, data, _ := f.Tensor("model.layers.2.mlp.down_proj.weight")
	want, _ := encode(m.Layers[2].W2, "BF16")
	if info.DType != "BF16" || !bytes.Equal(data, want) {
		t.Errorf("BF16 down_proj: %s, equal %v", info.DType, bytes.Equal(data, want))
	}
	if got := entries(t, dir); !slices.Equal(got, []string{"bf16", "keep"}) {
		t.Errorf("directory holds %v", got)
	}
}
