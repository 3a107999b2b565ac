package gguf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/upgtools/upg/internal/testdata"
)

func TestStories260K(t *testing.T) {
	f, err := Open(testdata.Path(t, "models", "stories260K", "stories260K.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Version != 3 || len(f.Tensors) != 48 || f.Alignment != 32 {
		t.Fatalf("version %d, %d tensors, alignment %d; want 3, 48, 32", f.Version, len(f.Tensors), f.Alignment)
	}
	if arch, _ := f.GetString("general.architecture"); arch != "llama" {
		t.Errorf("architecture %q", arch)
	}
	if n, ok := f.GetUint("llama.embedding_length"); !ok || n != 64 {
		t.Errorf("embedding_length %d %v", n, ok)
	}
	if eps, ok := f.GetFloat("llama.attention.layer_norm_rms_epsilon"); !ok || math.Abs(eps-1e-5) > 1e-9 {
		t.Errorf("rms eps %v %v", eps, ok)
	}
	toks, ok := f.GetStrings("tokenizer.ggml.tokens")
	if !ok || len(toks) != 512 || toks[0] != "<unk>" || toks[3] != "<0x00>" {
		t.Errorf("tokens: %d %v", len(toks), ok)
	}
	if tt, ok := f.GetInt32s("tokenizer.ggml.token_type"); !ok || len(tt) != 512 || tt[1] != 3 {
		t.Errorf("token_type %v", ok)
	}
	if sc, ok := f.GetFloat32s("tokenizer.ggml.scores"); !ok || len(sc) != 512 {
		t.Errorf("scores %v", ok)
	}
	cases := []struct {
		name string
		dims []uint64
	}{
		{"token_embd.weight", []uint64{64, 512}},
		{"output_norm.weight", []uint64{64}},
		{"blk.0.attn_k.weight", []uint64{64, 32}},
		{"blk.4.ffn_down.weight", []uint64{172, 64}},
		{"blk.4.ffn_gate.weight", []uint64{64, 172}},
	}
	for _, c := range cases {
		data, info, err := f.TensorData(c.name)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(info.Dims, c.dims) || info.Type != TypeF32 || int64(len(data)) != info.Size {
			t.Errorf("%s: dims %v type %s size %d", c.name, info.Dims, info.Type, len(data))
		}
		w, err := ToFloat32(info, data)
		if err != nil || uint64(len(w)) != info.Elements() {
			t.Fatalf("%s: %v", c.name, err)
		}
		var sum float64
		for _, v := range w {
			sum += math.Abs(float64(v))
		}
		if sum == 0 || math.IsNaN(sum) {
			t.Errorf("%s: weights sum |w| = %v", c.name, sum)
		}
	}
	if _, _, err := f.TensorData("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing tensor: %v", err)
	}
}

func TestVocabFiles(t *testing.T) {
	cases := []struct {
		name, model string
		n           int
	}{
		{"ggml-vocab-llama-spm.gguf", "llama", 32000},
		{"ggml-vocab-phi-3.gguf", "llama", 32064},
		{"ggml-vocab-gpt-2.gguf", "gpt2", 50257},
		{"ggml-vocab-deepseek-llm.gguf", "gpt2", 102400},
		{"ggml-vocab-deepseek-coder.gguf", "gpt2", 32256},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Open(testdata.Path(t, "tokenizers", "llama.cpp-vocab", c.name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			m, _ := f.GetString("tokenizer.ggml.model")
			toks, _ := f.GetStrings("tokenizer.ggml.tokens")
			if m != c.model || len(toks) != c.n || len(f.Tensors) != 0 {
				t.Errorf("model %q, %d tokens, %d tensors", m, len(toks), len(f.Tensors))
			}
		})
	}
}

// rawTensor is a tensor info written verbatim (offset included).
type rawTensor struct {
	name   string
	dims   []uint64
	typ    uint32
	offset uint64
}

// buildRaw writes a GGUF file byte by byte so tests can plant bad values.
func buildRaw(version uint32, kv []KV, ts []rawTensor, dataLen int) []byte {
	var buf bytes.Buffer
	c := &countWriter{w: &buf}
	c.raw([]byte(Magic))
	c.u32(version)
	c.u64(uint64(len(ts)))
	c.u64(uint64(len(kv)))
	for _, p := range kv {
		c.str(p.Key)
		if err := c.value(p.Value, true); err != nil {
			panic(err)
		}
	}
	for _, t := range ts {
		c.str(t.name)
		c.u32(uint32(len(t.dims)))
		for _, d := range t.dims {
			c.u64(d)
		}
		c.u32(t.typ)
		c.u64(t.offset)
	}
	c.pad(DefaultAlignment)
	c.raw(make([]byte, dataLen))
	return buf.Bytes()
}

func parseBytes(b []byte) (*File, error) { return Parse(bytes.NewReader(b), int64(len(b))) }

func TestCorrupt(t *testing.T) {
	good := []rawTensor{{"a", []uint64{8}, uint32(TypeF32), 0}, {"b", []uint64{32, 2}, uint32(TypeQ8_0), 32}}
	valid := buildRaw(3, []KV{{"general.architecture", "x"}}, good, 32+68)
	if _, err := parseBytes(valid); err != nil {
		t.Fatalf("valid file: %v", err)
	}
	setU64 := func(b []byte, off int, v uint64) []byte {
		b = bytes.Clone(b)
		binary.LittleEndian.PutUint64(b[off:], v)
		return b
	}
	badMagic := bytes.Clone(valid)
	badMagic[0] = 'X'
	badBool := buildRaw(3, []KV{{"k", true}}, nil, 0)
	badBool[24+8+1+4] = 7 // header, key length, "k", type: the bool byte
	cases := []struct {
		name string
		data []byte
		want error
		item string
	}{
		{"empty", nil, ErrTruncated, "magic"},
		{"bad magic", badMagic, ErrInvalid, "magic"},
		{"version 1", buildRaw(1, nil, nil, 0), ErrUnsupported, "version"},
		{"big-endian", buildRaw(3<<24, nil, nil, 0), ErrUnsupported, "version"},
		{"truncated header", valid[:20], ErrTruncated, "metadata count"},
		{"truncated key", valid[:40], ErrTruncated, "metadata key"},
		{"truncated kv", valid[:60], ErrTruncated, "key general.architecture"},
		{"truncated infos", valid[:75], ErrTruncated, "tensor"},
		{"truncated data", valid[:len(valid)-1], ErrTruncated, "tensor b"},
		{"huge tensor count", setU64(valid, 8, 1<<60), ErrTruncated, "tensor count"},
		{"huge kv count", setU64(valid, 16, 1<<60), ErrTruncated, "metadata count"},
		{"huge key length", setU64(valid, 24, 1<<62), ErrTruncated, "metadata key"},
		{"huge string", buildRaw(3, []KV{{"k", "v"}}, nil, 0)[:37], ErrTruncated, "key k"},
		{"huge array", hugeArray(), ErrTruncated, "key k"},
		{"bad value type", badValueType(), ErrInvalid, "key k"},
		{"bad bool", badBool, ErrInvalid, "key k"},
		{"deep arrays", deepArray(20), ErrUnsupported, "key k"},
		{"dup key", buildRaw(3, []KV{{"k", "a"}, {"k", "b"}}, nil, 0), ErrInvalid, "key k"},
		{"bad alignment", buildRaw(3, []KV{{"general.alignment", uint32(3)}}, nil, 0), ErrInvalid, "key general.alignment"},
		{"alignment type", buildRaw(3, []KV{{"general.alignment", uint64(32)}}, nil, 0), ErrInvalid, "key general.alignment"},
		{"misaligned", buildRaw(3, nil, []rawTensor{{"a", []uint64{8}, 0, 4}}, 64), ErrInvalid, "tensor a"},
		{"overlap", buildRaw(3, nil, []rawTensor{{"a", []uint64{16}, 0, 0}, {"b", []uint64{8}, 0, 32}}, 96), ErrInvalid, "tensor b"},
		{"past end", buildRaw(3, nil, []rawTensor{{"a", []uint64{16}, 0, 32}}, 64), ErrTruncated, "tensor a"},
		{"huge offset", buildRaw(3, nil, []rawTensor{{"a", []uint64{1}, 0, 1 << 63}}, 64), ErrTruncated, "tensor a"},
		{"unknown type", buildRaw(3, nil, []rawTensor{{"a", []uint64{8}, 4, 0}}, 64), ErrUnsupported, "tensor a"},
		{"too many dims", buildRaw(3, nil, []rawTensor{{"a", []uint64{1, 1, 1, 1, 1}, 0, 0}}, 64), ErrInvalid, "tensor a"},
		{"dims overflow", buildRaw(3, nil, []rawTensor{{"a", []uint64{1 << 40, 1 << 40}, 0, 0}}, 64), ErrInvalid, "tensor a"},
		{"partial block", buildRaw(3, nil, []rawTensor{{"a", []uint64{16}, uint32(TypeQ8_0), 0}}, 64), ErrInvalid, "tensor a"},
		{"dup tensor", buildRaw(3, nil, []rawTensor{{"a", []uint64{8}, 0, 0}, {"a", []uint64{8}, 0, 32}}, 64), ErrInvalid, "tensor a"},
		{"empty name", buildRaw(3, nil, []rawTensor{{"", []uint64{8}, 0, 0}}, 64), ErrInvalid, "tensor name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseBytes(c.data)
			var fe *FormatError
			if !errors.Is(err, c.want) || !errors.As(err, &fe) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if !strings.HasPrefix(fe.Item, c.item) {
				t.Errorf("item %q, want prefix %q (%v)", fe.Item, c.item, err)
			}
		})
	}
}

func hugeArray() []byte {
	b := buildRaw(3, []KV{{"k", []uint32{1, 2}}}, nil, 0)
	// key "k" at 24: len(8) + 1, type(4), elem type(4), count at 24+8+1+4+4.
	binary.LittleEndian.PutUint64(b[41:], 1<<61)
	return b
}

func badValueType() []byte {
	b := buildRaw(3, []KV{{"k", uint8(1)}}, nil, 0)
	binary.LittleEndian.PutUint32(b[33:], 99)
	return b
}

func deepArray(depth int) []byte {
	var v any = []uint8{1}
	for range depth {
		v = []any{v}
	}
	return buildRaw(3, []KV{{"k", v}}, nil, 0)
}

func TestWriteRoundTrip(t *testing.T) {
	kv := []KV{
		{"general.architecture", "llama"},
		{"u8", uint8(7)}, {"i8", int8(-7)}, {"u16", uint16(700)}, {"i16", int16(-700)},
		{"u32", uint32(70000)}, {"i32", int32(-70000)}, {"u64", uint64(1 << 40)}, {"i64", int64(-1 << 40)},
		{"f32", float32(1.5)}, {"f64", 2.25}, {"b", true},
		{"strs", []string{"a", "", "▁x"}}, {"f32s", []float32{1, -2}}, {"i32s", []int32{3, -4}},
		{"bools", []bool{true, false}}, {"nested", []any{[]int32{1}, []string{"z"}, []any{[]uint8{9}}}},
	}
	w := make([]float32, 64)
	for i := range w {
		w[i] = float32(i-32) / 8
	}
	q8, err := QuantizeQ8_0(w)
	if err != nil {
		t.Fatal(err)
	}
	f32 := make([]byte, 12)
	for i := range 3 {
		binary.LittleEndian.PutUint32(f32[4*i:], math.Float32bits(float32(i)+0.5))
	}
	ts := []TensorInfo{{Name: "w", Dims: []uint64{32, 2}, Type: TypeQ8_0}, {Name: "v", Dims: []uint64{3}, Type: TypeF32}}
	var buf bytes.Buffer
	if err := Write(&buf, kv, ts, [][]byte{q8, f32}); err != nil {
		t.Fatal(err)
	}
	f, err := parseBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(f.KV) != len(kv) {
		t.Fatalf("%d kv", len(f.KV))
	}
	for i := range kv {
		if !reflect.DeepEqual(f.KV[i], kv[i]) {
			t.Errorf("kv %d: got %#v want %#v", i, f.KV[i], kv[i])
		}
	}
	data, info, err := f.TensorData("w")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ToFloat32(info, data)
	if err != nil {
		t.Fatal(err)
	}
	for i := range w {
		// Q8_0 error is at most half a step, d = 4/127 here.
		if math.Abs(float64(got[i]-w[i])) > 4.0/127/2+1e-3 {
			t.Errorf("w[%d] = %v, want %v", i, got[i], w[i])
		}
	}
	data, info, _ = f.TensorData("v")
	if v, _ := ToFloat32(info, data); !reflect.DeepEqual(v, []float32{0.5, 1.5, 2.5}) {
		t.Errorf("v = %v", v)
	}
	if i, ok := f.GetInt("i64"); !ok || i != -1<<40 {
		t.Errorf("GetInt %v", i)
	}
	if _, ok := f.GetUint("i8"); ok {
		t.Error("GetUint accepted a negative value")
	}
}

func TestToFloat32(t *testing.T) {
	cases := []struct {
		typ  GGMLType
		data []byte
		want []float32
		err  error
	}{
		{TypeF16, []byte{0x00, 0x3c, 0x00, 0xc0}, []float32{1, -2}, nil},
		{TypeBF16, []byte{0x80, 0x3f, 0x40, 0xc0}, []float32{1, -3}, nil},
		{TypeQ4_0, make([]byte, 18), nil, ErrUnsupported},
		{GGMLType(99), nil, nil, ErrUnsupported},
	}
	for _, c := range cases {
		n := uint64(len(c.want))
		if c.typ == TypeQ4_0 {
			n = 32
		}
		ti := TensorInfo{Name: "t", Dims: []uint64{n}, Type: c.typ, Size: int64(len(c.data))}
		got, err := ToFloat32(ti, c.data)
		if !errors.Is(err, c.err) || (c.err == nil && !reflect.DeepEqual(got, c.want)) {
			t.Errorf("%s: got %v, %v", c.typ, got, err)
		}
	}
	blk := make([]byte, 34)
	binary.LittleEndian.PutUint16(blk, 0x3800) // 0.5
	blk[2], blk[3] = 0xfe, 4                   // -2, 4
	out := make([]float32, 32)
	if err := DequantizeQ8_0(out, blk); err != nil || out[0] != -1 || out[1] != 2 || out[2] != 0 {
		t.Errorf("Q8_0: %v %v", out[:3], err)
	}
	if err := DequantizeQ8_0(out, blk[:33]); !errors.Is(err, ErrInvalid) {
		t.Errorf("short Q8_0: %v", err)
	}
}

func TestTypeTable(t *testing.T) {
	cases := []struct {
		typ          GGMLType
		name         string
		block, bytes int64
	}{
		{TypeF32, "F32", 1, 4}, {TypeBF16, "BF16", 1, 2}, {TypeQ8_0, "Q8_0", 32, 34},
		{TypeQ4_0, "Q4_0", 32, 18}, {TypeQ4_K, "Q4_K", 256, 144}, {TypeQ6_K, "Q6_K", 256, 210},
		{TypeQ8_K, "Q8_K", 256, 292}, {TypeQ2_K, "Q2_K", 256, 84}, {TypeQ3_K, "Q3_K", 256, 110},
		{TypeQ5_K, "Q5_K", 256, 176}, {GGMLType(4), "type(4)", 0, 0},
	}
	for _, c := range cases {
		if c.typ.String() != c.name || c.typ.BlockSize() != c.block || c.typ.TypeSize() != c.bytes {
			t.Errorf("%d: %s %d %d", c.typ, c.typ, c.typ.BlockSize(), c.typ.TypeSize())
		}
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "missing.gguf")); err == nil {
		t.Error("opened a missing file")
	}
}

func FuzzParse(f *testing.F) {
	f.Add(buildRaw(3, []KV{{"k", []any{[]string{"a"}}}, {"general.alignment", uint32(64)}},
		[]rawTensor{{"a", []uint64{8}, 0, 0}, {"b", []uint64{32}, uint32(TypeQ8_0), 64}}, 128))
	f.Add(buildRaw(2, []KV{{"x", 1.5}, {"b", true}}, nil, 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := parseBytes(b)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		for _, ti := range file.Tensors {
			data, info, err := file.TensorData(ti.Name)
			if err != nil {
				t.Fatalf("valid file, unreadable tensor: %v", err)
			}
			_, _ = ToFloat32(info, data)
		}
	})
}
