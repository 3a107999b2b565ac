package upg

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upgtools/upg/codec"
	"github.com/upgtools/upg/safetensors"
)

// rewrite re-writes the safetensors file at src to dst after edit changed
// its metadata or tensor list (data order is kept).
func rewrite(t *testing.T, src, dst string, edit func(meta map[string]string, ts []safetensors.TensorInfo, data [][]byte) ([]safetensors.TensorInfo, [][]byte)) {
	t.Helper()
	st, err := safetensors.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	meta := map[string]string{}
	for k, v := range st.Header().Metadata {
		meta[k] = v
	}
	var ts []safetensors.TensorInfo
	var data [][]byte
	for _, ti := range st.Header().Tensors {
		_, d, _ := st.Tensor(ti.Name)
		ts = append(ts, ti)
		data = append(data, append([]byte(nil), d...))
	}
	ts, data = edit(meta, ts, data)
	if err := safetensors.WriteFile(dst, ts, data, meta, safetensors.WriterOptions{Align: Align}); err != nil {
		t.Fatal(err)
	}
}

func editEntry(name, from, to string) func(map[string]string, []safetensors.TensorInfo, [][]byte) ([]safetensors.TensorInfo, [][]byte) {
	return func(m map[string]string, ts []safetensors.TensorInfo, d [][]byte) ([]safetensors.TensorInfo, [][]byte) {
		m[KeyTensor+name] = strings.Replace(m[KeyTensor+name], from, to, 1)
		return ts, d
	}
}

func TestCorrupt(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.upg")
	writeSample(t, good)
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	st, err := safetensors.Open(good)
	if err != nil {
		t.Fatal(err)
	}
	codes, _, _ := st.Tensor("w.vq2.codes")
	codesOff := st.Header().DataOffset + codes.Begin
	normPad, _, _ := st.Tensor("norm.upg_pad")
	padOff := st.Header().DataOffset + normPad.Begin
	st.Close()

	type edit = func(map[string]string, []safetensors.TensorInfo, [][]byte) ([]safetensors.TensorInfo, [][]byte)
	tests := []struct {
		name   string
		bytes  func(b []byte) []byte // edits the raw file, or
		edit   edit                  // rewrites it through safetensors
		tensor string                // the error must name this tensor ("" only file)
		want   error
		lazy   bool // Open succeeds; Encoded/Verify fail
	}{
		{name: "flipped code byte", bytes: func(b []byte) []byte { b[codesOff+5] ^= 0x10; return b }, tensor: "w.vq2.codes", want: ErrChecksum, lazy: true},
		{name: "truncated", bytes: func(b []byte) []byte { return b[:len(b)-100] }, want: safetensors.ErrTruncated},
		{name: "nonzero padding", bytes: func(b []byte) []byte { b[padOff] = 1; return b }, tensor: "norm.upg_pad", want: ErrLayout},
		{name: "wrong version", edit: func(m map[string]string, ts []safetensors.TensorInfo, d [][]byte) ([]safetensors.TensorInfo, [][]byte) {
			m[KeyVersion] = "2"
			return ts, d
		}, want: ErrVersion},
		{name: "not upg", edit: func(m map[string]string, ts []safetensors.TensorInfo, d [][]byte) ([]safetensors.TensorInfo, [][]byte) {
			delete(m, KeyFormat)
			return ts, d
		}, want: ErrFormat},
		{name: "unknown upg key", edit: func(m map[string]string, ts []safetensors.TensorInfo, d [][]byte) ([]safetensors.TensorInfo, [][]byte) {
			m["upg.future"] = "{}"
			return ts, d
		}, want: ErrMetadata},
		{name: "missing blob", edit: func(m map[string]string, ts []safetensors.TensorInfo, d [][]byte) ([]safetensors.TensorInfo, [][]byte) {
			for i := range ts {
				if ts[i].Name == "w.q4.scales" {
					return append(ts[:i:i], ts[i+1:]...), append(d[:i:i], d[i+1:]...)
				}
			}
			t.Fatal("no w.q4.scales")
			return nil, nil
		}, tensor: "w.q4", want: ErrMissing},
		{name: "extra tensor", edit: func(m map[string]string, ts []safetensors.TensorInfo, d [][]byte) ([]safetensors.TensorInfo, [][]byte) {
			return append(ts, safetensors.TensorInfo{Name: "junk", DType: safetensors.U8, Shape: []int64{64}}), append(d, make([]byte, 64))
		}, tensor: "junk", want: ErrLayout},
		{name: "missing entry", edit: func(m map[string]string, ts []safetensors.TensorInfo, d [][]byte) ([]safetensors.TensorInfo, [][]byte) {
			delete(m, KeyTensor+"emb")
			return ts, d
		}, tensor: "emb", want: ErrLayout},
		{name: "unknown codec id", edit: editEntry("w.vq2", `"codec_id":3`, `"codec_id":99`), tensor: "w.vq2", want: codec.ErrUnknownCodec},
		{name: "codec name mismatch", edit: editEntry("w.vq2", `"codec":"vq2"`, `"codec":"q2"`), tensor: "w.vq2", want: ErrMetadata},
		{name: "malformed json", edit: editEntry("w.q4", `{`, `[`), tensor: "w.q4", want: ErrMetadata},
		{name: "unknown field", edit: editEntry("w.q4", `{`, `{"zz":1,`), tensor: "w.q4", want: ErrMetadata},
		{name: "bad crc syntax", edit: editEntry("norm", `"crc32c":"`, `"crc32c":"X`), tensor: "norm", want: ErrMetadata},
		{name: "blob length", edit: editEntry("w.q4", `"len":`, `"len":1`), tensor: "w.q4.codes", want: ErrLayout},
		{name: "shape vs codec", edit: editEntry("w.vq1p6", `"shape":[8,320]`, `"shape":[9,320]`), tensor: "w.vq1p6", want: codec.ErrCorrupt},
		{name: "plain dtype", edit: editEntry("norm", `"F32"`, `"I32"`), tensor: "norm", want: ErrLayout},
		{name: "plain checksum", edit: editEntry("emb", `"crc32c":"`, `"crc32c":"0`), tensor: "emb", want: ErrMetadata},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".upg")
			if tt.bytes != nil {
				if err := os.WriteFile(path, tt.bytes(append([]byte(nil), raw...)), 0o644); err != nil {
					t.Fatal(err)
				}
			} else {
				rewrite(t, good, path, tt.edit)
			}
			f, err := Open(path)
			if tt.lazy {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				defer f.Close()
				if verr := f.Verify(); verr == nil {
					t.Fatal("Verify passed")
				}
				_, err = f.Encoded("w.vq2")
			} else if err == nil {
				f.Close()
				t.Fatal("Open accepted the file")
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
			var ue *Error
			if !errors.As(err, &ue) || ue.Path != path || !strings.Contains(err.Error(), path) {
				t.Errorf("error %v does not name the file", err)
			}
			if tt.tensor != "" && (ue == nil || ue.Tensor != tt.tensor) {
				t.Errorf("error %v does not name tensor %q", err, tt.tensor)
			}
		})
	}
}
