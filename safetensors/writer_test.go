package safetensors

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sample returns a few tensors of different dtypes with distinct byte
// patterns.
func sample() ([]TensorInfo, [][]byte) {
	infos := []TensorInfo{
		{Name: "model.embed_tokens.weight", DType: BF16, Shape: []int64{3, 4}},
		{Name: "scalar", DType: F32, Shape: []int64{}},
		{Name: "empty", DType: F64, Shape: []int64{0, 7}},
		{Name: "odd \"name\" <&> ✓", DType: U8, Shape: []int64{5}},
		{Name: "w_scale_inv", DType: F32, Shape: []int64{1, 1}},
	}
	data := make([][]byte, len(infos))
	for i, t := range infos {
		n, _ := byteSize(t.DType, t.Shape)
		data[i] = make([]byte, n)
		for j := range data[i] {
			data[i][j] = byte(i*31 + j)
		}
	}
	return infos, data
}

func writeAll(t *testing.T, infos []TensorInfo, data [][]byte, meta map[string]string, opts WriterOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, infos, meta, opts)
	if err != nil {
		t.Fatalf("NewWriter: %v", err)
	}
	for i, ti := range infos {
		if err := w.WriteTensor(ti.Name, data[i]); err != nil {
			t.Fatalf("WriteTensor: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return buf.Bytes()
}

func TestWriterRoundTrip(t *testing.T) {
	infos, data := sample()
	for _, tc := range []struct {
		name  string
		meta  map[string]string
		align int
	}{
		{"no metadata", nil, 0},
		{"metadata", map[string]string{"format": "pt", "upg.version": "1", "unicode ✓": "<&>\n\"q\""}, 0},
		{"align 1", nil, 1},
		{"align 64", map[string]string{"a": "b"}, 64},
		{"align 4096", nil, 4096},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := writeAll(t, infos, data, tc.meta, WriterOptions{Align: tc.align})
			h, err := ParseHeader(file, int64(len(file)))
			if err != nil {
				t.Fatalf("validator rejected writer output: %v", err)
			}
			align := max(tc.align, 1)
			if tc.align == 0 {
				align = 8
			}
			if h.DataOffset%int64(align) != 0 {
				t.Errorf("data offset %d not a multiple of %d", h.DataOffset, align)
			}
			if !maps.Equal(h.Metadata, tc.meta) {
				t.Errorf("metadata %v, want %v", h.Metadata, tc.meta)
			}
			if len(h.Tensors) != len(infos) {
				t.Fatalf("%d tensors, want %d", len(h.Tensors), len(infos))
			}
			byName := map[string]TensorInfo{}
			for _, ti := range h.Tensors {
				byName[ti.Name] = ti
			}
			for i, want := range infos {
				got, ok := byName[want.Name]
				if !ok || got.DType != want.DType || !slices.Equal(got.Shape, want.Shape) {
					t.Fatalf("tensor %q: got %+v, want %+v", want.Name, got, want)
				}
				if b := file[h.DataOffset+got.Begin : h.DataOffset+got.End]; !bytes.Equal(b, data[i]) {
					t.Errorf("tensor %q data differs", want.Name)
				}
			}
			if again := writeAll(t, infos, data, tc.meta, WriterOptions{Align: tc.align}); !bytes.Equal(again, file) {
				t.Errorf("writer is not deterministic")
			}
		})
	}
}

func TestWriterRejects(t *testing.T) {
	infos, data := sample()
	for _, tc := range []struct {
		name    string
		tensors []TensorInfo
		meta    map[string]string
		opts    WriterOptions
		want    string
	}{
		{"duplicate", []TensorInfo{{Name: "a", DType: U8}, {Name: "a", DType: U8}}, nil, WriterOptions{}, "duplicate"},
		{"reserved name", []TensorInfo{{Name: "__metadata__", DType: U8}}, nil, WriterOptions{}, "reserved"},
		{"unknown dtype", []TensorInfo{{Name: "a", DType: "F4"}}, nil, WriterOptions{}, "unknown dtype"},
		{"negative dim", []TensorInfo{{Name: "a", DType: U8, Shape: []int64{-1}}}, nil, WriterOptions{}, "negative"},
		{"overflow", []TensorInfo{{Name: "a", DType: F64, Shape: []int64{1 << 40, 1 << 40}}}, nil, WriterOptions{}, "too large"},
		{"bad utf8 name", []TensorInfo{{Name: "\xff", DType: U8}}, nil, WriterOptions{}, "UTF-8"},
		{"bad utf8 metadata", nil, map[string]string{"k": "\xfe"}, WriterOptions{}, "UTF-8"},
		{"bad align", infos, nil, WriterOptions{Align: -8}, "alignment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewWriter(&bytes.Buffer{}, tc.tensors, tc.meta, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}

	w, err := NewWriter(&bytes.Buffer{}, infos, nil, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteTensor(infos[1].Name, data[1]); err == nil {
		t.Error("out-of-order tensor accepted")
	}
	if err := w.WriteTensor(infos[0].Name, data[0][1:]); err == nil {
		t.Error("short tensor accepted")
	}
	if err := w.WriteTensor(infos[0].Name, data[0]); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), infos[1].Name) {
		t.Errorf("Close with missing tensors: %v", err)
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("disk full")
	}
	f.n--
	return len(p), nil
}

func TestWriterStickyError(t *testing.T) {
	infos, data := sample()
	w, err := NewWriter(&failWriter{n: 1}, infos, nil, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	err1 := w.WriteTensor(infos[0].Name, data[0])
	if err1 == nil || !strings.Contains(err1.Error(), "disk full") {
		t.Fatalf("want disk full, got %v", err1)
	}
	if err := w.Close(); err != err1 {
		t.Errorf("Close returned %v, want the write error", err)
	}
}

func TestWriteFileAndOpen(t *testing.T) {
	infos, data := sample()
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	meta := map[string]string{"format": "pt"}
	if err := WriteFile(path, infos, data, meta, WriterOptions{}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only the file", len(entries))
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Path() != path || !maps.Equal(f.Header().Metadata, meta) {
		t.Errorf("Path %q metadata %v", f.Path(), f.Header().Metadata)
	}
	st, _ := os.Stat(path)
	if f.Size() != st.Size() {
		t.Errorf("Size %d, file has %d", f.Size(), st.Size())
	}
	want := []string{}
	for _, ti := range infos {
		want = append(want, ti.Name)
	}
	slices.Sort(want)
	if !slices.Equal(f.Names(), want) {
		t.Errorf("Names %v, want %v", f.Names(), want)
	}
	for i, ti := range infos {
		info, b, ok := f.Tensor(ti.Name)
		if !ok || !bytes.Equal(b, data[i]) || info.DType != ti.DType {
			t.Errorf("tensor %q: ok=%v dtype %s data equal %v", ti.Name, ok, info.DType, bytes.Equal(b, data[i]))
		}
		if info.NumElements()*int64(info.DType.Size()) != int64(len(b)) {
			t.Errorf("tensor %q: NumElements %d", ti.Name, info.NumElements())
		}
	}
	if _, _, ok := f.Tensor("nope"); ok {
		t.Error("missing tensor reported present")
	}
	if err := WriteFile(path, infos, data[:1], nil, WriterOptions{}); err == nil {
		t.Error("WriteFile with mismatched data accepted")
	}
}

func TestOpenErrorsNamePath(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range headerCases() {
		if tc.want == nil {
			continue
		}
		path := filepath.Join(dir, "bad.safetensors")
		if err := os.WriteFile(path, tc.file, 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := Open(path)
		if err == nil {
			f.Close()
			t.Fatalf("%s: Open accepted it", tc.name)
		}
		var fe *FormatError
		if !errors.As(err, &fe) || fe.Path != path || !strings.Contains(err.Error(), path) || !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v does not name %s or wrap %v", tc.name, err, path, tc.want)
		}
	}
	if _, err := Open(filepath.Join(dir, "missing.safetensors")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
