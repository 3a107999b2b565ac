package convert

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/upgtools/upg/checkpoint"
	"github.com/upgtools/upg/safetensors"
	"github.com/upgtools/upg/upg"
)

// addTensor rewrites dir/model.safetensors with one more tensor.
func addTensor(t *testing.T, dir string, ti safetensors.TensorInfo, data []byte) {
	t.Helper()
	path := filepath.Join(dir, checkpoint.SingleFile)
	st, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var ts []safetensors.TensorInfo
	var ds [][]byte
	for _, x := range st.Header().Tensors {
		_, d, _ := st.Tensor(x.Name)
		ts = append(ts, x)
		ds = append(ds, bytes.Clone(d))
	}
	meta := st.Header().Metadata
	st.Close()
	if err := safetensors.WriteFile(path, append(ts, ti), append(ds, data), meta, safetensors.WriterOptions{}); err != nil {
		t.Fatal(err)
	}
}

// tensorNames lists the tensors of dir/model.safetensors.
func tensorNames(t *testing.T, dir string) []string {
	t.Helper()
	st, err := safetensors.Open(filepath.Join(dir, checkpoint.SingleFile))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	return st.Names()
}

// noOutput checks that a failed conversion left neither out nor, when
// partial is false, out.partial.
func noOutput(t *testing.T, out string, partial bool) {
	t.Helper()
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s exists after a failed conversion (%v)", out, err)
	}
	if _, err := os.Stat(out + ".partial"); !partial && !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s.partial exists after a conversion that failed before any work (%v)", out, err)
	}
}

// TestInputChecks covers inputs refused before any work: nothing may be
// written.
func TestInputChecks(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(t *testing.T, in string)
		opts  func(o *Options)
		check func(t *testing.T, in string, err error)
	}{
		{name: "shard missing from index", edit: func(t *testing.T, in string) {
			wm := map[string]string{}
			for _, n := range tensorNames(t, in) {
				wm[n] = checkpoint.SingleFile
			}
			wm["model.layers.9.mlp.up_proj.weight"] = "model-00002-of-00002.safetensors"
			writeJSON(t, filepath.Join(in, checkpoint.IndexFile), map[string]any{"metadata": map[string]any{}, "weight_map": wm})
		}, check: incomplete("model-00002-of-00002.safetensors")},
		{name: "download in progress", edit: func(t *testing.T, in string) {
			if err := os.WriteFile(filepath.Join(in, "model.safetensors.incomplete"), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, check: incomplete("model.safetensors.incomplete")},
		{name: "unsupported architecture", edit: func(t *testing.T, in string) {
			p := filepath.Join(in, "config.json")
			raw, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			raw = bytes.Replace(raw, []byte("LlamaForCausalLM"), []byte("MambaForCausalLM"), 1)
			if err := os.WriteFile(p, raw, 0o644); err != nil {
				t.Fatal(err)
			}
		}, check: contains("MambaForCausalLM", "supported:", "LlamaForCausalLM", "config.json")},
		{name: "unsupported dtype", edit: func(t *testing.T, in string) {
			addTensor(t, in, safetensors.TensorInfo{Name: "model.extra.weight", DType: safetensors.I32, Shape: []int64{8, 16}}, make([]byte, 4*8*16))
		}, check: contains("model.safetensors", "model.extra.weight", "I32")},
		{name: "ratio too high", opts: func(o *Options) { o.Ratio = 20 }, check: is(ErrOptions)},
		{name: "ratio too low", opts: func(o *Options) { o.Ratio = 1.5 }, check: is(ErrOptions)},
		{name: "bpw too low", opts: func(o *Options) { o.Ratio, o.BPW = 0, 0.5 }, check: is(ErrOptions)},
		{name: "ratio and bpw", opts: func(o *Options) { o.BPW = 2 }, check: is(ErrOptions)},
		{name: "unknown codec", opts: func(o *Options) { o.Ratio, o.Codec = 0, "q5" }, check: is(ErrOptions)},
		{name: "unknown calibration", opts: func(o *Options) { o.Calib = "full" }, check: is(ErrOptions)},
		{name: "unknown preference", opts: func(o *Options) { o.Prefer = "size" }, check: is(ErrOptions)},
		{name: "no output", opts: func(o *Options) { o.Out = "" }, check: is(ErrOptions)},
		{name: "budget below the smallest codecs", opts: func(o *Options) { o.Ratio = 16 }, check: is(ErrBudget)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := stories(t)
			if tt.edit != nil {
				tt.edit(t, in)
			}
			out := filepath.Join(t.TempDir(), "out")
			o := quick(out)
			if tt.opts != nil {
				tt.opts(&o)
			}
			_, err := Convert(context.Background(), in, o)
			if err == nil {
				t.Fatal("conversion succeeded")
			}
			tt.check(t, in, err)
			noOutput(t, out, false)
		})
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	js, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, js, 0o644); err != nil {
		t.Fatal(err)
	}
}

func incomplete(want string) func(t *testing.T, in string, err error) {
	return func(t *testing.T, in string, err error) {
		var ie *checkpoint.IncompleteError
		if !errors.As(err, &ie) || !errors.Is(err, checkpoint.ErrIncomplete) {
			t.Fatalf("err %v, want *checkpoint.IncompleteError", err)
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

func contains(want ...string) func(t *testing.T, in string, err error) {
	return func(t *testing.T, in string, err error) {
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not contain %q", err, w)
			}
		}
	}
}

func is(want error) func(t *testing.T, in string, err error) {
	return func(t *testing.T, in string, err error) {
		if !errors.Is(err, want) {
			t.Errorf("err %v, want %v", err, want)
		}
	}
}

// TestOutputAtomic checks that an existing output is refused untouched and
// that a cancelled conversion leaves no output.
func TestOutputAtomic(t *testing.T) {
	in := stories(t)
	out := filepath.Join(t.TempDir(), "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(out, "keep.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Convert(context.Background(), in, quick(out)); !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), out) {
		t.Fatalf("existing output: err %v, want ErrExists naming %s", err, out)
	}
	if b, err := os.ReadFile(keep); err != nil || string(b) != "mine" {
		t.Fatalf("existing output changed: %q %v", b, err)
	}
	if _, err := os.Stat(out + ".partial"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("refused conversion created %s.partial", out)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out2 := filepath.Join(t.TempDir(), "out")
	if _, err := Convert(ctx, in, quick(out2)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled before the start: err %v", err)
	}
	noOutput(t, out2, false)
}

// TestOutputFormat checks every .upg file the converter writes, sharded and
// single-file, with the repository's safetensors and upg readers and with
// an independent parser of the safetensors rules.
func TestOutputFormat(t *testing.T) {
	_, sharded := reference(t)
	single := filepath.Join(t.TempDir(), "single")
	o := quick(single)
	o.ShardBytes = 0
	if _, err := Convert(context.Background(), refIn, o); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{sharded, single} {
		var shards []string
		for _, n := range listDir(t, dir) {
			if strings.HasSuffix(n, ".upg") {
				shards = append(shards, n)
			}
			if strings.Contains(n, ".tmp-") || strings.Contains(n, ".spool-") || n == stateFile {
				t.Errorf("%s: leftover file %s", dir, n)
			}
		}
		if dir == single && (len(shards) != 1 || shards[0] != upg.SingleFile) {
			t.Fatalf("single-file output holds %v", shards)
		}
		var total int64
		for _, n := range shards {
			path := filepath.Join(dir, n)
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			total += int64(len(raw))
			hand, err := parseSafetensors(raw)
			if err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			checkWithRepo(t, path, raw, hand)
		}
		if dir == sharded {
			checkIndex(t, dir, shards, total)
		}
	}
}

// checkWithRepo compares the independent parse with safetensors.ParseHeader,
// safetensors.Open and upg.Open.
func checkWithRepo(t *testing.T, path string, raw []byte, hand *handHeader) {
	t.Helper()
	h, err := safetensors.ParseHeader(raw, int64(len(raw)))
	if err != nil {
		t.Fatalf("%s: ParseHeader: %v", path, err)
	}
	if h.DataOffset != hand.dataOffset || len(h.Tensors) != len(hand.tensors) {
		t.Fatalf("%s: ParseHeader sees data at %d and %d tensors, the hand parser %d and %d", path, h.DataOffset, len(h.Tensors), hand.dataOffset, len(hand.tensors))
	}
	for i, ti := range h.Tensors {
		ht := hand.tensors[i]
		if ti.Name != ht.name || string(ti.DType) != ht.dtype || ti.Begin != ht.begin || ti.End != ht.end || fmt.Sprint(ti.Shape) != fmt.Sprint(ht.shape) {
			t.Errorf("%s: tensor %d: ParseHeader %+v, hand parser %+v", path, i, ti, ht)
		}
	}
	if h.Metadata[upg.KeyFormat] != upg.FormatName || h.Metadata[upg.KeyVersion] != upg.FormatVersion || hand.meta[upg.KeyVersion] != upg.FormatVersion {
		t.Errorf("%s: metadata format %q version %q", path, h.Metadata[upg.KeyFormat], h.Metadata[upg.KeyVersion])
	}
	st, err := safetensors.Open(path)
	if err != nil {
		t.Fatalf("safetensors.Open: %v", err)
	}
	st.Close()
	f, err := upg.Open(path)
	if err != nil {
		t.Fatalf("upg.Open: %v", err)
	}
	defer f.Close()
	if err := f.Verify(); err != nil {
		t.Errorf("upg Verify: %v", err)
	}
}

// handHeader is the result of parseSafetensors.
type handHeader struct {
	dataOffset int64
	meta       map[string]string
	tensors    []handTensor // in data order
}

type handTensor struct {
	name       string
	dtype      string
	shape      []int64
	begin, end int64
}

var handDTypeSize = map[string]int64{"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
	"U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1}

// parseSafetensors checks raw against the safetensors rules without the
// repository's package: an 8-byte little-endian header length, a JSON
// object without duplicate keys, string-valued "__metadata__", known
// dtypes, data_offsets that match shape × dtype size and tile the data
// region exactly in order; and the UPG rules on top: the data region and
// every tensor but padding start at a multiple of 64 bytes.
func parseSafetensors(raw []byte) (*handHeader, error) {
	if len(raw) < 8 {
		return nil, fmt.Errorf("%d bytes: no header length", len(raw))
	}
	n := binary.LittleEndian.Uint64(raw)
	if n > uint64(len(raw)-8) {
		return nil, fmt.Errorf("header length %d beyond the file (%d bytes)", n, len(raw))
	}
	hdr := raw[8 : 8+n]
	if len(hdr) == 0 || hdr[0] != '{' {
		return nil, fmt.Errorf("header does not start with '{'")
	}
	if err := noDuplicateKeys(hdr); err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(bytes.TrimRight(hdr, " "), &top); err != nil {
		return nil, fmt.Errorf("header JSON: %v", err)
	}
	h := &handHeader{dataOffset: int64(8 + n)}
	if h.dataOffset%upg.Align != 0 {
		return nil, fmt.Errorf("data region starts at byte %d, not a multiple of %d", h.dataOffset, upg.Align)
	}
	for k, v := range top {
		if k == "__metadata__" {
			if err := json.Unmarshal(v, &h.meta); err != nil {
				return nil, fmt.Errorf("__metadata__ is not an object of strings: %v", err)
			}
			continue
		}
		var e struct {
			DType       string  `json:"dtype"`
			Shape       []int64 `json:"shape"`
			DataOffsets []int64 `json:"data_offsets"`
		}
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("tensor %q: %v", k, err)
		}
		size, ok := handDTypeSize[e.DType]
		if !ok || e.Shape == nil || len(e.DataOffsets) != 2 {
			return nil, fmt.Errorf("tensor %q: dtype %q shape %v data_offsets %v", k, e.DType, e.Shape, e.DataOffsets)
		}
		for _, d := range e.Shape {
			if d < 0 {
				return nil, fmt.Errorf("tensor %q: shape %v", k, e.Shape)
			}
			size *= d
		}
		if e.DataOffsets[1]-e.DataOffsets[0] != size {
			return nil, fmt.Errorf("tensor %q: data_offsets %v hold %d bytes, %s%v needs %d", k, e.DataOffsets, e.DataOffsets[1]-e.DataOffsets[0], e.DType, e.Shape, size)
		}
		h.tensors = append(h.tensors, handTensor{k, e.DType, e.Shape, e.DataOffsets[0], e.DataOffsets[1]})
	}
	sort.Slice(h.tensors, func(a, b int) bool { return h.tensors[a].begin < h.tensors[b].begin })
	pos := int64(0)
	for _, ti := range h.tensors {
		if ti.begin != pos {
			return nil, fmt.Errorf("tensor %q starts at %d, the previous ends at %d", ti.name, ti.begin, pos)
		}
		if (h.dataOffset+ti.begin)%upg.Align != 0 && !strings.HasSuffix(ti.name, upg.PadSuffix) {
			return nil, fmt.Errorf("tensor %q at file byte %d is not %d-byte aligned", ti.name, h.dataOffset+ti.begin, upg.Align)
		}
		pos = ti.end
	}
	if h.dataOffset+pos != int64(len(raw)) {
		return nil, fmt.Errorf("tensors end at file byte %d, the file has %d", h.dataOffset+pos, len(raw))
	}
	return h, nil
}

// noDuplicateKeys checks the top-level object of a JSON header has no key
// twice.
func noDuplicateKeys(hdr []byte) error {
	dec := json.NewDecoder(bytes.NewReader(hdr))
	if _, err := dec.Token(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		k, _ := tok.(string)
		if seen[k] {
			return fmt.Errorf("header key %q appears twice", k)
		}
		seen[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	return nil
}

// checkIndex checks model.upg.index.json: format, total size and a
// weight_map naming exactly the tensors of each shard.
func checkIndex(t *testing.T, dir string, shards []string, total int64) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, upg.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	var idx upg.Index
	if err := json.Unmarshal(raw, &idx); err != nil {
		t.Fatal(err)
	}
	if idx.Metadata.Format != upg.FormatName || idx.Metadata.FormatVersion != upg.FormatVersion || idx.Metadata.TotalSize != total {
		t.Errorf("index metadata %+v, shards hold %d bytes", idx.Metadata, total)
	}
	want := map[string]string{}
	for _, s := range shards {
		f, err := upg.Open(filepath.Join(dir, s))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range f.Names() {
			want[n] = s
		}
		f.Close()
	}
	if fmt.Sprint(want) != fmt.Sprint(idx.WeightMap) {
		t.Errorf("weight_map %v, shards hold %v", idx.WeightMap, want)
	}
	if len(want) != len(tensorNames(t, refIn)) {
		t.Errorf("output holds %d tensors, the input %d", len(want), len(tensorNames(t, refIn)))
	}
}
