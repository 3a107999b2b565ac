package importer

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/upgtools/upg/gguf"
	"github.com/upgtools/upg/tokenizer"
)

// ggufDefaultRopeTheta is llama.cpp's default when llama.rope.freq_base is absent.
const ggufDefaultRopeTheta = 10000

// ggufTypes are the tensor types FromGGUF decodes.
var ggufTypes = []gguf.GGMLType{gguf.TypeF32, gguf.TypeF16, gguf.TypeBF16, gguf.TypeQ8_0}

// FromGGUF converts a GGUF file of the llama architecture into a Hugging
// Face directory at outDir (see the package doc). The architecture, the
// hyperparameters, every tensor's name, shape and type and the tokenizer are
// checked before anything is written; tensors the llama layout does not
// consume (such as rope_freqs.weight) are refused as unsupported.
func FromGGUF(ctx context.Context, ggufPath, outDir string, opt Options) error {
	if opt.DType != "" {
		if _, err := checkDType(opt.DType, ""); err != nil {
			return err
		}
	}
	if err := checkOutDir(outDir); err != nil {
		return err
	}
	f, err := gguf.Open(ggufPath)
	if err != nil {
		return fmt.Errorf("importer: %w", err)
	}
	defer f.Close()
	cfg, err := ggufConfig(f, ggufPath)
	if err != nil {
		return err
	}
	spec, err := tokenizer.FromGGUF(f)
	if err != nil {
		return fmt.Errorf("importer: tokenizer of %s: %w", ggufPath, err)
	}
	cfg.BOSTokenID, cfg.EOSTokenID = tokenID(spec.BOS), tokenID(spec.EOS)
	if cfg.TieWordEmbeddings, err = ggufTied(f); err != nil {
		return fmt.Errorf("importer: %w", err)
	}
	table := llamaTable(cfg)
	def, err := checkGGUFTensors(f, ggufPath, table)
	if err != nil {
		return err
	}
	dtype, err := checkDType(opt.DType, def)
	if err != nil {
		return err
	}
	tj, tc, err := tokenizerFiles(spec)
	if err != nil {
		return err
	}
	tensors := hfTensors(table, func(name string) func() ([]float32, error) {
		return func() ([]float32, error) {
			data, info, err := f.TensorData(name)
			if err != nil {
				return nil, fmt.Errorf("importer: %w", err)
			}
			v, err := gguf.ToFloat32(info, data)
			if err != nil {
				return nil, &FormatError{Path: ggufPath, Field: name, Offset: f.DataOffset + int64(info.Offset), Err: err}
			}
			return v, nil
		}
	})
	m := &hfModel{source: ggufPath, config: cfg, tensors: tensors, tokenizer: tj, tokenizerConfig: tc}
	return m.write(ctx, outDir, dtype, opt.Progress)
}

// ggufTied reports whether the classifier is the token embedding: either
// output.weight is absent (llama.cpp then uses token_embd.weight), or it is
// bit-identical to token_embd.weight, the same test (torch.equal) llama2.c's
// export.py uses to mark a shared classifier. llama.cpp's llama2c converter
// writes such a copy.
func ggufTied(f *gguf.File) (bool, error) {
	out, ok := f.Tensor("output.weight")
	if !ok {
		return true, nil
	}
	emb, ok := f.Tensor("token_embd.weight")
	if !ok || emb.Type != out.Type || !slices.Equal(emb.Dims, out.Dims) {
		return false, nil
	}
	a, _, err := f.TensorData(emb.Name)
	if err != nil {
		return false, err
	}
	b, _, err := f.TensorData(out.Name)
	if err != nil {
		return false, err
	}
	return bytes.Equal(a, b), nil
}

// ggufConfig reads and validates the llama.* hyperparameters.
func ggufConfig(f *gguf.File, path string) (hfConfig, error) {
	cfg := newHFConfig()
	arch, _ := f.GetString("general.architecture")
	if arch != "llama" {
		return cfg, formatErr(path, "general.architecture", -1, ErrUnsupported, "architecture %q (only llama is supported)", arch)
	}
	ints := []struct {
		key      string
		dst      *int
		max      int
		optional bool
	}{
		{"llama.embedding_length", &cfg.HiddenSize, maxDim, false},
		{"llama.feed_forward_length", &cfg.IntermediateSize, maxHidden, false},
		{"llama.block_count", &cfg.NumHiddenLayers, maxLayers, false},
		{"llama.attention.head_count", &cfg.NumAttentionHeads, maxDim, false},
		{"llama.attention.head_count_kv", &cfg.NumKeyValueHeads, maxDim, true},
		{"llama.context_length", &cfg.MaxPositionEmbeddings, maxSeqLen, false},
	}
	for _, k := range ints {
		v, ok := f.GetUint(k.key)
		if !ok && k.optional {
			continue
		}
		if !ok || v == 0 || v > uint64(k.max) {
			return cfg, formatErr(path, k.key, -1, ErrInvalid, "missing, not an integer or outside 1..%d", k.max)
		}
		*k.dst = int(v)
	}
	if cfg.NumKeyValueHeads == 0 {
		cfg.NumKeyValueHeads = cfg.NumAttentionHeads
	}
	eps, ok := f.GetFloat("llama.attention.layer_norm_rms_epsilon")
	if !ok || !(eps > 0 && eps < 1) {
		return cfg, formatErr(path, "llama.attention.layer_norm_rms_epsilon", -1, ErrInvalid, "missing or outside (0, 1)")
	}
	cfg.RMSNormEps = shortFloat(float32(eps))
	cfg.RopeTheta = ggufDefaultRopeTheta
	if theta, ok := f.GetFloat("llama.rope.freq_base"); ok {
		if !(theta > 1) {
			return cfg, formatErr(path, "llama.rope.freq_base", -1, ErrInvalid, "value %g is not > 1", theta)
		}
		cfg.RopeTheta = shortFloat(float32(theta))
	}
	shape := Llama2CConfig{Dim: cfg.HiddenSize, Heads: cfg.NumAttentionHeads, KVHeads: cfg.NumKeyValueHeads}
	if err := checkLlama2CShape(shape); err != nil {
		return cfg, &FormatError{Path: path, Field: "llama.attention.head_count", Offset: -1, Err: err}
	}
	cfg.HeadDim = shape.HeadSize()
	if err := checkGGUFUnsupported(f, path, cfg.HeadDim); err != nil {
		return cfg, err
	}
	tokens, ok := f.GetStrings("tokenizer.ggml.tokens")
	if !ok || len(tokens) == 0 || len(tokens) > maxVocab {
		return cfg, formatErr(path, "tokenizer.ggml.tokens", -1, ErrInvalid, "missing, or more than %d tokens", maxVocab)
	}
	cfg.VocabSize = len(tokens)
	if v, ok := f.GetUint("llama.vocab_size"); ok && v != uint64(cfg.VocabSize) {
		return cfg, formatErr(path, "llama.vocab_size", -1, ErrInvalid, "%d, but tokenizer.ggml.tokens has %d", v, cfg.VocabSize)
	}
	return cfg, nil
}

// checkGGUFUnsupported refuses llama variants the HF config written here
// would not describe: partial rotary, separate key/value head sizes, RoPE
// scaling, mixture of experts.
func checkGGUFUnsupported(f *gguf.File, path string, headDim int) error {
	for _, key := range []string{"llama.rope.dimension_count", "llama.attention.key_length", "llama.attention.value_length"} {
		if v, ok := f.GetUint(key); ok && v != uint64(headDim) {
			return formatErr(path, key, -1, ErrUnsupported, "%d differs from the head size %d", v, headDim)
		}
	}
	if s, ok := f.GetString("llama.rope.scaling.type"); ok && s != "none" {
		return formatErr(path, "llama.rope.scaling.type", -1, ErrUnsupported, "RoPE scaling %q", s)
	}
	if n, ok := f.GetUint("llama.expert_count"); ok && n > 0 {
		return formatErr(path, "llama.expert_count", -1, ErrUnsupported, "mixture of %d experts", n)
	}
	return nil
}

// checkGGUFTensors checks that the file holds exactly the tensors of table,
// with the right dims and a supported type, and returns the default output
// dtype for their types.
func checkGGUFTensors(f *gguf.File, path string, table []llamaTensor) (string, error) {
	// With a tied classifier, an output.weight present is a bit-identical
	// copy of token_embd.weight (see ggufTied) and knowingly skipped.
	want := map[string]bool{"output.weight": true}
	allF32, allF16 := true, true
	for _, t := range table {
		want[t.gguf] = true
		info, ok := f.Tensor(t.gguf)
		if !ok {
			return "", formatErr(path, t.gguf, -1, ErrInvalid, "tensor missing (for %s)", t.hf)
		}
		off := f.DataOffset + int64(info.Offset)
		dims := make([]uint64, len(t.shape))
		for i, d := range t.shape {
			dims[len(dims)-1-i] = uint64(d)
		}
		if !slices.Equal(info.Dims, dims) {
			return "", formatErr(path, t.gguf, off, ErrInvalid, "dims %v, want %v", info.Dims, dims)
		}
		if !slices.Contains(ggufTypes, info.Type) {
			return "", formatErr(path, t.gguf, off, ErrUnsupported, "tensor type %s (supported: F32, F16, BF16, Q8_0)", info.Type)
		}
		if len(t.shape) == 2 {
			allF32 = allF32 && info.Type == gguf.TypeF32
			allF16 = allF16 && (info.Type == gguf.TypeF16 || info.Type == gguf.TypeF32)
		}
	}
	for _, t := range f.Tensors {
		if !want[t.Name] {
			return "", formatErr(path, t.Name, f.DataOffset+int64(t.Offset), ErrUnsupported, "tensor not part of the llama layout")
		}
	}
	switch {
	case allF32:
		return "F32", nil
	case allF16:
		return "F16", nil
	}
	return "BF16", nil
}
