package upg

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/upgtools/upg/codec"
	"github.com/upgtools/upg/safetensors"
)

// shardedTensors says which tensors writeSharded puts in which shard.
var shardedTensors = [][]string{{"a.norm", "a.w"}, {"b.w", "b.bias"}, {"c.w"}}

// writeSharded writes a three-shard UPG directory with its index.
func writeSharded(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	for k, ts := range shardedTensors {
		name := ShardName(k+1, len(shardedTensors))
		w, err := Create(filepath.Join(dir, name), Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i, n := range ts {
			if strings.HasSuffix(n, ".w") {
				err = w.AddEncoded(n, encode(t, "q4", 8, 64, codec.Params{Seed: uint64(k + 1)}, uint64(10*k+i)))
			} else {
				err = w.AddPlain(n, safetensors.F32, []int64{5}, f32bytes(randMatrix(1, 5, uint64(10*k+i))))
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	if err := WriteIndex(dir, names); err != nil {
		t.Fatal(err)
	}
	return names
}

func readIndex(t *testing.T, dir string) Index {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	var idx Index
	if err := json.Unmarshal(raw, &idx); err != nil {
		t.Fatal(err)
	}
	return idx
}

func writeIndex(t *testing.T, dir string, idx Index) {
	t.Helper()
	js, err := json.Marshal(idx)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, IndexFile), js, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOpenDir(t *testing.T) {
	dir := t.TempDir()
	shards := writeSharded(t, dir)
	if !IsDir(dir) {
		t.Fatal("IsDir false for a sharded directory")
	}
	idx := readIndex(t, dir)
	var total int64
	for _, s := range shards {
		st, err := os.Stat(filepath.Join(dir, s))
		if err != nil {
			t.Fatal(err)
		}
		total += st.Size()
	}
	if idx.Metadata.Format != FormatName || idx.Metadata.FormatVersion != FormatVersion || idx.Metadata.TotalSize != total || len(idx.WeightMap) != 5 {
		t.Fatalf("index %+v, shards hold %d bytes", idx, total)
	}
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if want := slices.Concat(shardedTensors...); !slices.Equal(d.Names(), want) {
		t.Errorf("Names %v, want %v", d.Names(), want)
	}
	if !slices.IsSorted(d.SortedNames()) || len(d.SortedNames()) != 5 {
		t.Errorf("SortedNames %v", d.SortedNames())
	}
	if got := d.FileOf("b.bias"); got != filepath.Join(dir, shards[1]) {
		t.Errorf("FileOf(b.bias) = %s", got)
	}
	if d.Has("nope") || d.FileOf("nope") != "" || d.Entry("nope") != nil {
		t.Error("absent tensor reported present")
	}
	if _, err := d.Encoded("c.w"); err != nil {
		t.Error(err)
	}
	if dt, shape, data, err := d.Plain("a.norm"); err != nil || dt != safetensors.F32 || !slices.Equal(shape, []int64{5}) || len(data) != 20 {
		t.Errorf("Plain(a.norm) = %s %v %d bytes, %v", dt, shape, len(data), err)
	}
	if _, err := d.Encoded("nope"); !errors.Is(err, ErrMissing) {
		t.Errorf("Encoded(nope): %v", err)
	}
	if err := d.Verify(); err != nil {
		t.Error(err)
	}
	if got := d.Files(); len(got) != 3 || got[2] != filepath.Join(dir, shards[2]) {
		t.Errorf("Files %v", got)
	}
}

func TestOpenDirSingle(t *testing.T) {
	dir := t.TempDir()
	if IsDir(dir) {
		t.Error("IsDir true for an empty directory")
	}
	if _, err := OpenDir(dir); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), dir) {
		t.Errorf("empty directory: %v", err)
	}
	writeSample(t, filepath.Join(dir, SingleFile))
	if !IsDir(dir) {
		t.Fatal("IsDir false with model.upg")
	}
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if len(d.Files()) != 1 || len(d.Names()) != 8 {
		t.Errorf("files %v names %v", d.Files(), d.Names())
	}
}

// TestOpenDirCorrupt damages a sharded directory in every way the index
// and shards can disagree; each must be refused with an error naming the
// file (and the tensor where one is concerned).
func TestOpenDirCorrupt(t *testing.T) {
	shard := func(k int) string { return ShardName(k, len(shardedTensors)) }
	editIndex := func(f func(idx *Index)) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			idx := readIndex(t, dir)
			f(&idx)
			writeIndex(t, dir, idx)
		}
	}
	tests := []struct {
		name   string
		damage func(t *testing.T, dir string)
		want   error
		file   string // the error names this file (in dir)
		tensor string // and this tensor
	}{
		{name: "missing shard file", damage: func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, shard(2))); err != nil {
				t.Fatal(err)
			}
		}, want: fs.ErrNotExist, file: shard(2), tensor: "b.bias"},
		{name: "tensor missing from index", damage: editIndex(func(idx *Index) { delete(idx.WeightMap, "b.w") }), want: ErrLayout, file: shard(2), tensor: "b.w"},
		{name: "tensor missing from shard", damage: func(t *testing.T, dir string) {
			p := filepath.Join(dir, shard(3))
			rewrite(t, p, p, func(m map[string]string, ts []safetensors.TensorInfo, d [][]byte) ([]safetensors.TensorInfo, [][]byte) {
				var kt []safetensors.TensorInfo
				var kd [][]byte
				for i := range ts {
					if !strings.HasPrefix(ts[i].Name, "c.w.") {
						kt, kd = append(kt, ts[i]), append(kd, d[i])
					}
				}
				delete(m, KeyTensor+"c.w")
				return kt, kd
			})
		}, want: ErrMissing, file: shard(3), tensor: "c.w"},
		{name: "tensor in another shard", damage: editIndex(func(idx *Index) { idx.WeightMap["a.w"] = shard(3) }), want: ErrLayout, file: shard(1), tensor: "a.w"},
		{name: "wrong total_size", damage: editIndex(func(idx *Index) { idx.Metadata.TotalSize++ }), want: ErrLayout, file: IndexFile},
		{name: "index format version", damage: editIndex(func(idx *Index) { idx.Metadata.FormatVersion = "2" }), want: ErrVersion, file: IndexFile},
		{name: "index format", damage: editIndex(func(idx *Index) { idx.Metadata.Format = "gguf" }), want: ErrFormat, file: IndexFile},
		{name: "empty weight_map", damage: editIndex(func(idx *Index) { idx.WeightMap = nil }), want: ErrMetadata, file: IndexFile},
		{name: "shard path outside", damage: editIndex(func(idx *Index) { idx.WeightMap["c.w"] = "../" + shard(3) }), want: ErrMetadata, file: IndexFile, tensor: "c.w"},
		{name: "index not JSON", damage: func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, IndexFile), []byte(`{"metadata":`), 0o644); err != nil {
				t.Fatal(err)
			}
		}, want: ErrMetadata, file: IndexFile},
		{name: "shard format version", damage: func(t *testing.T, dir string) {
			p := filepath.Join(dir, shard(1))
			rewrite(t, p, p, func(m map[string]string, ts []safetensors.TensorInfo, d [][]byte) ([]safetensors.TensorInfo, [][]byte) {
				m[KeyVersion] = "2"
				return ts, d
			})
		}, want: ErrVersion, file: shard(1)},
		{name: "truncated shard", damage: func(t *testing.T, dir string) {
			p := filepath.Join(dir, shard(2))
			st, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(p, st.Size()-64); err != nil {
				t.Fatal(err)
			}
		}, want: safetensors.ErrTruncated, file: shard(2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeSharded(t, dir)
			tt.damage(t, dir)
			d, err := OpenDir(dir)
			if err == nil {
				d.Close()
				t.Fatal("OpenDir accepted the directory")
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("err %v, want %v", err, tt.want)
			}
			var ue *Error
			if !errors.As(err, &ue) || ue.Path != filepath.Join(dir, tt.file) {
				t.Errorf("error %v does not name %s", err, tt.file)
			}
			if tt.tensor != "" && !strings.Contains(err.Error(), `"`+tt.tensor+`"`) {
				t.Errorf("error %v does not name tensor %s", err, tt.tensor)
			}
		})
	}
}

// TestDirChecksum flips one byte of a code blob: OpenDir succeeds (checksums
// are lazy), Encoded and Verify name the file and the stored tensor.
func TestDirChecksum(t *testing.T) {
	dir := t.TempDir()
	shards := writeSharded(t, dir)
	p := filepath.Join(dir, shards[1])
	st, err := safetensors.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	ti, _, ok := st.Tensor("b.w.codes")
	off := st.Header().DataOffset + ti.Begin
	st.Close()
	if !ok {
		t.Fatal("no b.w.codes")
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	raw[off+3] ^= 0x04
	if err := os.WriteFile(p, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for what, err := range map[string]error{"Verify": d.Verify(), "Encoded": func() error { _, err := d.Encoded("b.w"); return err }()} {
		var ue *Error
		if !errors.Is(err, ErrChecksum) || !errors.As(err, &ue) || ue.Path != p || ue.Tensor != "b.w.codes" || ue.Offset != off {
			t.Errorf("%s: %v, want a checksum error at %s tensor b.w.codes byte %d", what, err, p, off)
		}
	}
	if _, err := d.Encoded("a.w"); err != nil {
		t.Errorf("an intact tensor of another shard: %v", err)
	}
}
