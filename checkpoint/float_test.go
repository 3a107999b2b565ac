package checkpoint

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/upgtools/upg/safetensors"
)

func TestFloat32(t *testing.T) {
	vals := []float32{1, -2, 0.5, 3, -0.25, 64}
	var ts []tensor
	for _, d := range []safetensors.DType{safetensors.F32, safetensors.F16, safetensors.BF16, safetensors.F8E4M3} {
		ts = append(ts, tensor{name: string(d), dtype: d, shape: []int64{2, 3}, vals: vals})
	}
	ts = append(ts,
		tensor{name: "I8", dtype: safetensors.I8, shape: []int64{4}, vals: []float32{-128, -1, 0, 127}},
		tensor{name: "U8", dtype: safetensors.U8, shape: []int64{3}, vals: []float32{0, 7, 255}},
		tensor{name: "I32", dtype: safetensors.I32, shape: []int64{1}},
	)
	dir := newDir(t, func(t *testing.T, dir string) { writeShard(t, dir, SingleFile, ts...) })
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, x := range ts[:len(ts)-1] {
		got, err := c.Float32(x.name)
		if err != nil {
			t.Fatalf("%s: %v", x.name, err)
		}
		if !slices.Equal(got, x.vals) {
			t.Errorf("%s: got %v, want %v", x.name, got, x.vals)
		}
	}
	_, err = c.Float32("I32")
	var ue *UnsupportedError
	if !errors.As(err, &ue) || !errors.Is(err, ErrUnsupported) || ue.DType != safetensors.I32 || !strings.Contains(err.Error(), `"I32"`) {
		t.Errorf("I32: %v", err)
	}
	if _, err := c.Float32("absent"); !errors.Is(err, ErrMissingTensor) {
		t.Errorf("absent: %v", err)
	}
}

// TestFloat32BlockScales checks DeepSeek-V3 FP8 dequantization on a weight
// whose sides are not multiples of 128, so edge blocks are partial.
func TestFloat32BlockScales(t *testing.T) {
	const rows, cols = 130, 260
	w := make([]float32, rows*cols)
	codes := []float32{1, -1.5, 0.25, 2, -3, 0.125}
	for i := range w {
		w[i] = codes[i%len(codes)]
	}
	scales := []float32{1, 2, 4, 0.5, 8, 16} // [2, 3]
	weight := tensor{name: "model.layers.0.mlp.down_proj.weight", dtype: safetensors.F8E4M3, shape: []int64{rows, cols}, vals: w}
	scale := tensor{name: weight.name + "_scale_inv", dtype: safetensors.F32, shape: []int64{2, 3}, vals: scales}
	bad := tensor{name: "bad.weight", dtype: safetensors.F8E4M3, shape: []int64{rows, cols}, vals: w}
	badScale := tensor{name: "bad.weight_scale_inv", dtype: safetensors.F32, shape: []int64{1, 3}, vals: scales[:3]}
	dir := newDir(t, func(t *testing.T, dir string) { writeShard(t, dir, SingleFile, weight, scale, bad, badScale) })
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got, err := c.Float32(weight.name)
	if err != nil {
		t.Fatal(err)
	}
	for r := 0; r < rows; r++ {
		for j := 0; j < cols; j++ {
			want := w[r*cols+j] * scales[(r/128)*3+j/128]
			if got[r*cols+j] != want {
				t.Fatalf("[%d,%d] = %v, want %v", r, j, got[r*cols+j], want)
			}
		}
	}
	if n := c.ParamCount(); n != 2*rows*cols {
		t.Errorf("ParamCount %d excludes scales? want %d", n, 2*rows*cols)
	}
	if _, err := c.Float32(bad.name); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), badScale.name) {
		t.Errorf("bad scale shape: %v", err)
	}
}
