package upg

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

	"github.com/upgtools/upg/codec"
	"github.com/upgtools/upg/safetensors"
)

// randMatrix returns a fixed-seed N(0,1) rows×cols matrix.
func randMatrix(rows, cols int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 7))
	w := make([]float32, rows*cols)
	for i := range w {
		w[i] = float32(r.NormFloat64())
	}
	return w
}

func encode(t testing.TB, name string, rows, cols int, p codec.Params, seed uint64) *codec.Encoded {
	t.Helper()
	c, err := codec.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.Encode(randMatrix(rows, cols, seed), rows, cols, nil, p)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// sample is the content of a test file.
type sample struct {
	names []string
	enc   map[string]*codec.Encoded
	plain map[string][]byte
	dtype map[string]safetensors.DType
	shape map[string][]int64
}

func f32bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// writeSample writes a file with three codecs (one with outliers) and
// plain tensors of several sizes, interleaved.
func writeSample(t *testing.T, path string) *sample {
	t.Helper()
	s := &sample{enc: map[string]*codec.Encoded{}, plain: map[string][]byte{}, dtype: map[string]safetensors.DType{}, shape: map[string][]int64{}}
	s.enc["w.q4"] = encode(t, "q4", 8, 64, codec.Params{Seed: 3}, 1)
	s.enc["w.vq2"] = encode(t, "vq2", 16, 128, codec.Params{Seed: 4, OutlierFrac: 0.01}, 2)
	s.enc["w.vq1p6"] = encode(t, "vq1p6", 8, 320, codec.Params{Seed: 5}, 3)
	s.enc["w.vq3"] = encode(t, "vq3", 4, 64, codec.Params{Rotation: codec.RotNone}, 4)
	s.plain["norm"], s.dtype["norm"], s.shape["norm"] = f32bytes(randMatrix(1, 7, 9)), safetensors.F32, []int64{7}
	s.plain["bias"], s.dtype["bias"], s.shape["bias"] = []byte{1, 2, 3, 4, 5, 6}, safetensors.F16, []int64{3}
	s.plain["emb"], s.dtype["emb"], s.shape["emb"] = f32bytes(randMatrix(4, 16, 8)), safetensors.F32, []int64{4, 16}
	s.plain["empty"], s.dtype["empty"], s.shape["empty"] = []byte{}, safetensors.BF16, []int64{0, 5}
	s.names = []string{"norm", "w.q4", "bias", "w.vq2", "emb", "w.vq1p6", "empty", "w.vq3"}
	w, err := Create(path, Options{Metadata: map[string]string{"tool": "upg test"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range s.names {
		if e := s.enc[n]; e != nil {
			err = w.AddEncoded(n, e)
		} else {
			err = w.AddPlain(n, s.dtype[n], s.shape[n], s.plain[n])
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return s
}

func decodeAll(t testing.TB, e *codec.Encoded) []float32 {
	t.Helper()
	out := make([]float32, e.Rows*e.Cols)
	if err := e.Decode(out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.upg")
	s := writeSample(t, path)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.Names(); !slices.Equal(got, s.names) {
		t.Fatalf("Names = %v, want %v", got, s.names)
	}
	if err := f.Verify(); err != nil {
		t.Fatal(err)
	}
	for _, n := range s.names {
		if want := s.enc[n]; want != nil {
			got, err := f.Encoded(n)
			if err != nil {
				t.Fatal(err)
			}
			if got.Codec != want.Codec || got.Rows != want.Rows || got.Cols != want.Cols || got.Params != want.Params {
				t.Errorf("%s: got %v %dx%d %+v, want %v %dx%d %+v", n, got.Codec, got.Rows, got.Cols, got.Params, want.Codec, want.Rows, want.Cols, want.Params)
			}
			g, w := decodeAll(t, got), decodeAll(t, want)
			for i := range w {
				if math.Float32bits(g[i]) != math.Float32bits(w[i]) {
					t.Fatalf("%s: value %d = %v, want %v", n, i, g[i], w[i])
				}
			}
			if _, _, _, err := f.Plain(n); !errors.Is(err, ErrInvalid) {
				t.Errorf("Plain(%s) on an encoded tensor: %v", n, err)
			}
			continue
		}
		dt, shape, data, err := f.Plain(n)
		if err != nil {
			t.Fatal(err)
		}
		if dt != s.dtype[n] || !slices.Equal(shape, s.shape[n]) || string(data) != string(s.plain[n]) {
			t.Errorf("%s: got %s%v %d bytes, want %s%v %d bytes", n, dt, shape, len(data), s.dtype[n], s.shape[n], len(s.plain[n]))
		}
	}
	if _, err := f.Encoded("nope"); !errors.Is(err, ErrMissing) {
		t.Errorf("Encoded(nope) = %v, want ErrMissing", err)
	}
	if got := f.st.Header().Metadata["tool"]; got != "upg test" {
		t.Errorf("user metadata = %q", got)
	}
}

// TestSafetensorsLayout checks that the file is a plain safetensors file
// and that every stored tensor starts 64-byte aligned.
func TestSafetensorsLayout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.upg")
	writeSample(t, path)
	st, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h := st.Header()
	if h.Metadata[KeyFormat] != "upg" || h.Metadata[KeyVersion] != "1" {
		t.Errorf("metadata %v", h.Metadata)
	}
	want := []string{"norm", "norm.upg_pad", "w.q4.codes", "w.q4.scales", "bias", "bias.upg_pad", "w.vq2.codes",
		"w.vq2.outlier_idx", "w.vq2.outlier_val", "w.vq2.scales", "emb", "w.vq1p6.codes", "w.vq1p6.scales", "empty",
		"w.vq3.codes", "w.vq3.codes2", "w.vq3.scales", "w.vq3.scales2"}
	var got []string
	for _, ti := range h.Tensors {
		got = append(got, ti.Name)
		if (h.DataOffset+ti.Begin)%Align != 0 && !strings.HasSuffix(ti.Name, PadSuffix) {
			t.Errorf("%s: data at byte %d, not %d-aligned", ti.Name, h.DataOffset+ti.Begin, Align)
		}
		if ti.DType == safetensors.U8 && ti.Shape[0] > 0 && !strings.HasSuffix(ti.Name, PadSuffix) && (ti.End-ti.Begin)%Align != 0 {
			t.Errorf("%s: blob of %d bytes not padded", ti.Name, ti.End-ti.Begin)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("stored tensors\n%v, want\n%v", got, want)
	}
}

func TestWriterErrors(t *testing.T) {
	dir := t.TempDir()
	e := encode(t, "q4", 4, 64, codec.Params{}, 1)
	tests := []struct {
		name string
		add  func(w *Writer) error
	}{
		{"duplicate", func(w *Writer) error {
			if err := w.AddEncoded("a", e); err != nil {
				return nil // unexpected; reported below as "no error"
			}
			return w.AddPlain("a", safetensors.F32, []int64{1}, make([]byte, 4))
		}},
		{"blob name clash", func(w *Writer) error {
			if err := w.AddPlain("a.codes", safetensors.F32, []int64{1}, make([]byte, 4)); err != nil {
				return nil
			}
			return w.AddEncoded("a", e)
		}},
		{"plain size", func(w *Writer) error { return w.AddPlain("a", safetensors.F32, []int64{2}, make([]byte, 4)) }},
		{"bad dtype", func(w *Writer) error { return w.AddPlain("a", "X9", []int64{1}, make([]byte, 4)) }},
		{"invalid encoded", func(w *Writer) error {
			bad := &codec.Encoded{Codec: e.Codec, Rows: 4, Cols: 64, Params: e.Params, Blobs: map[string][]byte{"codes": e.Blobs["codes"]}}
			return w.AddEncoded("a", bad)
		}},
		{"empty name", func(w *Writer) error { return w.AddPlain("", safetensors.F32, []int64{1}, make([]byte, 4)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".upg")
			w, err := Create(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.add(w); err == nil {
				t.Fatal("no error")
			}
			if err := w.Close(); err == nil {
				t.Fatal("Close after a failed Add succeeded")
			}
			if m, _ := filepath.Glob(path + "*"); len(m) != 0 {
				t.Errorf("files left behind: %v", m)
			}
		})
	}
	if _, err := Create(filepath.Join(dir, "x.upg"), Options{Metadata: map[string]string{"upg.x": "1"}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("reserved metadata key: %v", err)
	}
	path := filepath.Join(dir, "abort.upg")
	w, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddEncoded("a", e); err != nil {
		t.Fatal(err)
	}
	w.Abort()
	if m, _ := filepath.Glob(path + "*"); len(m) != 0 {
		t.Errorf("Abort left %v", m)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("directory not empty: %v", entries)
	}
}
