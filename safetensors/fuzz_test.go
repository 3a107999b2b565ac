package safetensors

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"testing"
)

// FuzzParseHeader checks that ParseHeader never panics, that every error is a
// *FormatError, and that every accepted file survives a round trip through the
// writer: same tensors, offsets, metadata and data.
func FuzzParseHeader(f *testing.F) {
	for _, tc := range headerCases() {
		f.Add(tc.file)
	}
	var buf bytes.Buffer
	infos, data := sample()
	w, _ := NewWriter(&buf, infos, map[string]string{"k": "v"}, WriterOptions{})
	for i, ti := range infos {
		w.WriteTensor(ti.Name, data[i])
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, file []byte) {
		h, err := ParseHeader(file, int64(len(file)))
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T %v is not a *FormatError", err, err)
			}
			return
		}
		chunks := make([][]byte, len(h.Tensors))
		for i, ti := range h.Tensors {
			chunks[i] = file[h.DataOffset+ti.Begin : h.DataOffset+ti.End]
		}
		var out bytes.Buffer
		w, err := NewWriter(&out, h.Tensors, h.Metadata, WriterOptions{})
		if err != nil {
			t.Fatalf("writer rejects an accepted header: %v", err)
		}
		for i, ti := range h.Tensors {
			if err := w.WriteTensor(ti.Name, chunks[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		h2, err := ParseHeader(out.Bytes(), int64(out.Len()))
		if err != nil {
			t.Fatalf("validator rejects the writer's copy: %v", err)
		}
		if !maps.Equal(h.Metadata, h2.Metadata) {
			t.Fatalf("metadata %v became %v", h.Metadata, h2.Metadata)
		}
		if !slices.EqualFunc(h.Tensors, h2.Tensors, func(a, b TensorInfo) bool {
			return a.Name == b.Name && a.DType == b.DType && slices.Equal(a.Shape, b.Shape) && a.Begin == b.Begin && a.End == b.End
		}) {
			t.Fatalf("tensors %+v became %+v", h.Tensors, h2.Tensors)
		}
		if !bytes.Equal(file[h.DataOffset:], out.Bytes()[h2.DataOffset:]) {
			t.Fatal("data region changed")
		}
	})
}
