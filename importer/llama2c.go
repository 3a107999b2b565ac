package importer

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
)

// llama2.c header layout (karpathy/llama2.c export.py).
const (
	llama2CLegacyHeader = 7 * 4 // seven int32 fields
	llama2CV1Header     = 256   // magic, version, seven int32, shared byte, zero padding
	llama2CMagic        = 0x616b3432
)

// Sanity bounds on header values. Real llama2.c checkpoints (up to Llama 2
// 70B exported) stay far below them; anything larger is a corrupt header.
const (
	maxDim    = 1 << 16
	maxHidden = 1 << 18
	maxLayers = 1 << 10
	maxVocab  = 1 << 22
	maxSeqLen = 1 << 24
)

// Llama2CConfig is the hyperparameter header of a llama2.c checkpoint.
type Llama2CConfig struct {
	Dim       int // model width (HF hidden_size)
	HiddenDim int // FFN width (HF intermediate_size)
	Layers    int // transformer blocks
	Heads     int // query heads
	KVHeads   int // key/value heads (grouped-query attention when < Heads)
	VocabSize int // vocabulary size, always positive here
	SeqLen    int // maximum sequence length
	// Shared says the classifier is the token embedding (legacy files: a
	// positive vocab_size; version 1: the shared_classifier byte).
	Shared bool
	// Version is the file format: 0 (legacy_export) or 1 (version1_export).
	Version int
}

// HeadSize returns Dim / Heads, the width of one attention head.
func (c Llama2CConfig) HeadSize() int { return c.Dim / c.Heads }

// KVDim returns KVHeads * HeadSize, the width of the k and v projections.
func (c Llama2CConfig) KVDim() int { return c.KVHeads * c.HeadSize() }

// Llama2CLayer holds one transformer block's weights as llama2.c stores them:
// row-major matrices of [out][in] float32 values (PyTorch nn.Linear order).
type Llama2CLayer struct {
	RMSAtt []float32 // [Dim] attention RMSNorm weight
	// WQ is [Dim][Dim] (Heads*HeadSize rows). Within each head, rows are in
	// Meta's interleaved RoPE order: rows 2i and 2i+1 form one rotated pair.
	WQ []float32
	WK []float32 // [KVDim][Dim], interleaved RoPE order like WQ
	WV []float32 // [KVDim][Dim]
	WO []float32 // [Dim][Dim]
	// RMSFFN is the [Dim] FFN RMSNorm weight.
	RMSFFN []float32
	W1     []float32 // [HiddenDim][Dim] gate projection (HF gate_proj)
	W2     []float32 // [Dim][HiddenDim] down projection (HF down_proj)
	W3     []float32 // [HiddenDim][Dim] up projection (HF up_proj)
}

// Llama2CModel is a whole llama2.c checkpoint in memory. The forward pass of
// llama2.c's run.c can be computed directly from it.
type Llama2CModel struct {
	Config         Llama2CConfig
	TokenEmbedding []float32 // [VocabSize][Dim]
	Layers         []Llama2CLayer
	RMSFinal       []float32 // [Dim] final RMSNorm weight
	// WCls is the [VocabSize][Dim] classifier; it is the same slice as
	// TokenEmbedding when Config.Shared.
	WCls []float32
}

// ReadLlama2C reads and validates a llama2.c float32 checkpoint (legacy
// version 0 or version 1). The header values must be positive, within sanity
// bounds and divide evenly (Dim by Heads, Heads by KVHeads, an even head
// size), and the file size must be exactly what the header implies. Errors
// are *FormatError values naming the file, field and byte offset.
func ReadLlama2C(path string) (*Llama2CModel, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("importer: reading llama2.c checkpoint: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("importer: reading llama2.c checkpoint: %w", err)
	}
	cfg, hdrLen, err := readLlama2CHeader(f, st.Size(), path)
	if err != nil {
		return nil, err
	}
	nFloats := llama2CFloats(cfg)
	if err := checkLlama2CSize(path, cfg, hdrLen, st.Size()); err != nil {
		return nil, err
	}
	raw := make([]byte, nFloats*4) // equals the file size minus the header, already checked
	if _, err := f.ReadAt(raw, hdrLen); err != nil {
		return nil, formatErr(path, "weights", hdrLen, ErrTruncated, "reading %d bytes: %v", len(raw), err)
	}
	vals := make([]float32, nFloats)
	for i := range vals {
		vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return splitLlama2C(cfg, vals), nil
}

// readLlama2CHeader reads and validates the header; it returns the config and
// the header length in bytes.
func readLlama2CHeader(r io.ReaderAt, size int64, path string) (Llama2CConfig, int64, error) {
	var head [llama2CV1Header]byte
	n, _ := r.ReadAt(head[:], 0)
	if n < llama2CLegacyHeader {
		return Llama2CConfig{}, 0, formatErr(path, "header", int64(n), ErrTruncated, "file has %d bytes, a llama2.c header needs %d", size, llama2CLegacyHeader)
	}
	u32 := func(off int) uint32 { return binary.LittleEndian.Uint32(head[off:]) }
	var cfg Llama2CConfig
	fieldsAt := 0
	if u32(0) == llama2CMagic {
		if n < llama2CV1Header {
			return cfg, 0, formatErr(path, "header", int64(n), ErrTruncated, "version header needs %d bytes, file has %d", llama2CV1Header, size)
		}
		cfg.Version = int(int32(u32(4)))
		if cfg.Version != 1 {
			return cfg, 0, formatErr(path, "version", 4, ErrUnsupported, "llama2.c format version %d (only 0 and 1, float32, are supported)", cfg.Version)
		}
		fieldsAt = 8
	}
	names := [7]string{"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"}
	var v [7]int
	for i := range v {
		v[i] = int(int32(u32(fieldsAt + 4*i)))
	}
	cfg.Dim, cfg.HiddenDim, cfg.Layers, cfg.Heads, cfg.KVHeads, cfg.VocabSize, cfg.SeqLen = v[0], v[1], v[2], v[3], v[4], v[5], v[6]
	if cfg.Version == 0 {
		cfg.Shared = cfg.VocabSize > 0
		if cfg.VocabSize < 0 {
			cfg.VocabSize = -cfg.VocabSize
		}
	} else {
		switch head[fieldsAt+28] {
		case 0, 1:
			cfg.Shared = head[fieldsAt+28] == 1
		default:
			return cfg, 0, formatErr(path, "shared_classifier", int64(fieldsAt+28), ErrInvalid, "flag is %d, want 0 or 1", head[fieldsAt+28])
		}
	}
	limits := [7]int{maxDim, maxHidden, maxLayers, maxDim, maxDim, maxVocab, maxSeqLen}
	vals := [7]int{cfg.Dim, cfg.HiddenDim, cfg.Layers, cfg.Heads, cfg.KVHeads, cfg.VocabSize, cfg.SeqLen}
	for i, x := range vals {
		if x <= 0 || x > limits[i] {
			return cfg, 0, formatErr(path, names[i], int64(fieldsAt+4*i), ErrInvalid, "value %d outside 1..%d", v[i], limits[i])
		}
	}
	if err := checkLlama2CShape(cfg); err != nil {
		return cfg, 0, &FormatError{Path: path, Field: "header", Offset: int64(fieldsAt), Err: err}
	}
	if cfg.Version == 1 {
		return cfg, llama2CV1Header, nil
	}
	return cfg, llama2CLegacyHeader, nil
}

// checkLlama2CShape checks the divisibility rules of a header.
func checkLlama2CShape(c Llama2CConfig) error {
	switch {
	case c.Dim%c.Heads != 0:
		return fmt.Errorf("dim %d is not a multiple of n_heads %d: %w", c.Dim, c.Heads, ErrInvalid)
	case c.Heads%c.KVHeads != 0:
		return fmt.Errorf("n_heads %d is not a multiple of n_kv_heads %d: %w", c.Heads, c.KVHeads, ErrInvalid)
	case c.HeadSize()%2 != 0:
		return fmt.Errorf("head size %d is odd, RoPE needs pairs: %w", c.HeadSize(), ErrInvalid)
	}
	return nil
}

// llama2CFloats returns the number of float32 values after the header. The
// header bounds keep it far below 2^63.
func llama2CFloats(c Llama2CConfig) int64 {
	dim, hid, kv := int64(c.Dim), int64(c.HiddenDim), int64(c.KVDim())
	perLayer := 2*dim + 2*dim*dim + 2*kv*dim + 3*hid*dim
	n := int64(c.VocabSize)*dim + int64(c.Layers)*perLayer + dim
	if c.Version == 0 {
		n += int64(c.SeqLen) * int64(c.HeadSize()) // freq_cis_real and freq_cis_imag, seq_len*head_size/2 each
	}
	if !c.Shared {
		n += int64(c.VocabSize) * dim
	}
	return n
}

// checkLlama2CSize compares the file size with the size the header implies.
func checkLlama2CSize(path string, c Llama2CConfig, hdrLen, size int64) error {
	want := hdrLen + 4*llama2CFloats(c)
	if size == want {
		return nil
	}
	alt := c
	alt.Shared = !c.Shared
	hint := ""
	if hdrLen+4*llama2CFloats(alt) == size {
		hint = fmt.Sprintf(" (the size fits shared classifier = %v: wrong vocab_size sign or flag?)", alt.Shared)
	}
	if size < want {
		return formatErr(path, "weights", size, ErrTruncated, "file has %d bytes, header (shared classifier = %v) implies %d%s", size, c.Shared, want, hint)
	}
	return formatErr(path, "weights", want, ErrInvalid, "file has %d bytes, header (shared classifier = %v) implies %d: trailing data%s", size, c.Shared, want, hint)
}

// splitLlama2C slices the float values into the model's tensors, in the
// order of the file's version.
func splitLlama2C(c Llama2CConfig, vals []float32) *Llama2CModel {
	take := func(n int) []float32 {
		s := vals[:n:n]
		vals = vals[n:]
		return s
	}
	dim, hid, kv := c.Dim, c.HiddenDim, c.KVDim()
	m := &Llama2CModel{Config: c, Layers: make([]Llama2CLayer, c.Layers)}
	perLayer := func(size int, set func(l *Llama2CLayer, s []float32)) {
		for i := range m.Layers {
			set(&m.Layers[i], take(size))
		}
	}
	matrices := func() {
		perLayer(dim*dim, func(l *Llama2CLayer, s []float32) { l.WQ = s })
		perLayer(kv*dim, func(l *Llama2CLayer, s []float32) { l.WK = s })
		perLayer(kv*dim, func(l *Llama2CLayer, s []float32) { l.WV = s })
		perLayer(dim*dim, func(l *Llama2CLayer, s []float32) { l.WO = s })
	}
	ffn := func() {
		perLayer(hid*dim, func(l *Llama2CLayer, s []float32) { l.W1 = s })
		perLayer(dim*hid, func(l *Llama2CLayer, s []float32) { l.W2 = s })
		perLayer(hid*dim, func(l *Llama2CLayer, s []float32) { l.W3 = s })
	}
	if c.Version == 0 {
		// legacy_export: embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2,
		// w3, rms_final, freq_cis_real, freq_cis_imag, [wcls].
		m.TokenEmbedding = take(c.VocabSize * dim)
		perLayer(dim, func(l *Llama2CLayer, s []float32) { l.RMSAtt = s })
		matrices()
		perLayer(dim, func(l *Llama2CLayer, s []float32) { l.RMSFFN = s })
		ffn()
		m.RMSFinal = take(dim)
		take(c.SeqLen * c.HeadSize()) // freq_cis tables: recomputed from theta, unused
	} else {
		// version1_export: rms_att, rms_ffn, rms_final, embedding, wq, wk,
		// wv, wo, w1, w2, w3, [wcls].
		perLayer(dim, func(l *Llama2CLayer, s []float32) { l.RMSAtt = s })
		perLayer(dim, func(l *Llama2CLayer, s []float32) { l.RMSFFN = s })
		m.RMSFinal = take(dim)
		m.TokenEmbedding = take(c.VocabSize * dim)
		matrices()
		ffn()
	}
	m.WCls = m.TokenEmbedding
	if !c.Shared {
		m.WCls = take(c.VocabSize * dim)
	}
	return m
}
