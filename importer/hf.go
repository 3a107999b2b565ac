package importer

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/upgtools/upg/kernels"
	"github.com/upgtools/upg/safetensors"
)

// Options tunes an import.
type Options struct {
	// DType is the element type of model.safetensors: "F32", "BF16" or
	// "F16". Empty keeps the source precision: F32 for llama2.c; for GGUF,
	// F32 when every matrix is F32, F16 when every matrix is F16 or F32, and
	// BF16 otherwise (BF16 and Q8_0 sources). Q8_0 values (an F16 scale times
	// an int8) are exact only in F32; BF16 rounds them to 8 significant bits.
	DType string
	// Progress, when set, is called after each tensor is converted and
	// written, and once more when the directory is complete. total is the
	// number of tensors plus one.
	Progress func(done, total int)
}

// Output file names.
const (
	configFile          = "config.json"
	weightsFile         = "model.safetensors"
	tokenizerFile       = "tokenizer.json"
	tokenizerConfigFile = "tokenizer_config.json"
	generationFile      = "generation_config.json"
)

// hfConfig is the config.json of a LlamaForCausalLM, with transformers' keys.
type hfConfig struct {
	Architectures         []string `json:"architectures"`
	ModelType             string   `json:"model_type"`
	HiddenSize            int      `json:"hidden_size"`
	IntermediateSize      int      `json:"intermediate_size"`
	NumHiddenLayers       int      `json:"num_hidden_layers"`
	NumAttentionHeads     int      `json:"num_attention_heads"`
	NumKeyValueHeads      int      `json:"num_key_value_heads"`
	HeadDim               int      `json:"head_dim"`
	VocabSize             int      `json:"vocab_size"`
	MaxPositionEmbeddings int      `json:"max_position_embeddings"`
	RMSNormEps            float64  `json:"rms_norm_eps"`
	RopeTheta             float64  `json:"rope_theta"`
	TieWordEmbeddings     bool     `json:"tie_word_embeddings"`
	BOSTokenID            *int     `json:"bos_token_id"`
	EOSTokenID            *int     `json:"eos_token_id"`
	HiddenAct             string   `json:"hidden_act"`
	AttentionBias         bool     `json:"attention_bias"`
	MLPBias               bool     `json:"mlp_bias"`
	TorchDtype            string   `json:"torch_dtype"`
}

// generationConfig is generation_config.json: the special token ids only,
// leaving sampling to the runtime's defaults.
type generationConfig struct {
	BOSTokenID *int `json:"bos_token_id,omitempty"`
	EOSTokenID *int `json:"eos_token_id,omitempty"`
}

// newHFConfig fills the fixed llama fields.
func newHFConfig() hfConfig {
	return hfConfig{
		Architectures: []string{"LlamaForCausalLM"},
		ModelType:     "llama",
		HiddenAct:     "silu",
	}
}

// tokenID returns &id, or nil for a missing (negative) id.
func tokenID(id int) *int {
	if id < 0 {
		return nil
	}
	return &id
}

// shortFloat returns the float64 with the shortest decimal that rounds to
// the float32 f, so 1e-5 stored as float32 is written as 1e-05.
func shortFloat(f float32) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
	return v
}

// hfTensor is one output tensor and how to produce it.
type hfTensor struct {
	name  string
	shape []int64 // HF order: [out, in] for matrices
	// load returns the values in the source's row-major [out][in] order.
	load func() ([]float32, error)
	// ropeHeads > 0 reorders rows from Meta's interleaved RoPE layout to
	// HF's rotate-half layout with that many heads (see permuteRoPE).
	ropeHeads int
}

// hfModel is everything an output directory is made from.
type hfModel struct {
	source          string // input path, for errors
	config          hfConfig
	tensors         []hfTensor
	tokenizer       []byte // tokenizer.json
	tokenizerConfig []byte // tokenizer_config.json
}

// torchDtypes maps output dtypes to config.json's torch_dtype.
var torchDtypes = map[string]string{"F32": "float32", "BF16": "bfloat16", "F16": "float16"}

// checkDType validates Options.DType, with def used for "".
func checkDType(d, def string) (string, error) {
	if d == "" {
		d = def
	}
	if _, ok := torchDtypes[d]; !ok {
		return "", fmt.Errorf("importer: output dtype %q: want F32, BF16 or F16: %w", d, ErrUnsupported)
	}
	return d, nil
}

// encode converts float32 values to the little-endian bytes of dtype.
func encode(vals []float32, dtype string) ([]byte, error) {
	switch dtype {
	case "F32":
		out := make([]byte, 4*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(v))
		}
		return out, nil
	case "BF16", "F16":
		out := make([]byte, 2*len(vals))
		for i, v := range vals {
			var h uint16
			if dtype == "BF16" {
				h = kernels.F32ToBF16(v)
			} else {
				h = kernels.F32ToF16(v)
				if h&0x7fff == 0x7c00 && !math.IsInf(float64(v), 0) {
					return nil, fmt.Errorf("element %d = %g overflows F16: %w", i, v, ErrInvalid)
				}
			}
			binary.LittleEndian.PutUint16(out[2*i:], h)
		}
		return out, nil
	}
	return nil, fmt.Errorf("output dtype %q: %w", dtype, ErrUnsupported)
}

// convert produces one tensor's output bytes.
func (t *hfTensor) convert(source, dtype string) ([]byte, error) {
	vals, err := t.load()
	if err != nil {
		return nil, err
	}
	n := int64(1)
	for _, d := range t.shape {
		n *= d
	}
	if int64(len(vals)) != n {
		return nil, formatErr(source, t.name, -1, ErrInvalid, "%d values for shape %v", len(vals), t.shape)
	}
	b, err := encode(vals, dtype)
	if err != nil {
		return nil, &FormatError{Path: source, Field: t.name, Offset: -1, Err: err}
	}
	if t.ropeHeads > 0 {
		es := len(b) / len(vals)
		if b, err = permuteRoPE(b, t.ropeHeads, int(t.shape[0]), int(t.shape[1]), es); err != nil {
			return nil, &FormatError{Path: source, Field: t.name, Offset: -1, Err: err}
		}
	}
	return b, nil
}

// checkOutDir refuses an existing non-empty output directory (or a file).
func checkOutDir(outDir string) error {
	ents, err := os.ReadDir(outDir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("importer: output %s: %w", outDir, err)
	case len(ents) > 0:
		return fmt.Errorf("importer: output %s: %w", outDir, ErrOutputExists)
	}
	return nil
}

// write converts every tensor into outDir.tmp-* and renames it to outDir.
// Nothing is left behind on error.
func (m *hfModel) write(ctx context.Context, outDir, dtype string, progress func(int, int)) (err error) {
	if err := checkOutDir(outDir); err != nil {
		return err
	}
	m.config.TorchDtype = torchDtypes[dtype]
	parent, base := filepath.Split(filepath.Clean(outDir))
	if parent == "" {
		parent = "."
	}
	tmp, err := os.MkdirTemp(parent, base+".tmp-")
	if err != nil {
		return fmt.Errorf("importer: output %s: %w", outDir, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := m.writeWeights(ctx, filepath.Join(tmp, weightsFile), dtype, progress); err != nil {
		return err
	}
	gen := generationConfig{BOSTokenID: m.config.BOSTokenID, EOSTokenID: m.config.EOSTokenID}
	cfgJSON, err := marshalJSON(m.config)
	if err != nil {
		return fmt.Errorf("importer: config.json: %w", err)
	}
	genJSON, err := marshalJSON(gen)
	if err != nil {
		return fmt.Errorf("importer: generation_config.json: %w", err)
	}
	files := []struct {
		name string
		data []byte
	}{{configFile, cfgJSON}, {generationFile, genJSON}, {tokenizerFile, m.tokenizer}, {tokenizerConfigFile, m.tokenizerConfig}}
	for _, f := range files {
		if err := writeFileNL(filepath.Join(tmp, f.name), f.data); err != nil {
			return fmt.Errorf("importer: output %s: %w", outDir, err)
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("importer: output %s: %w", outDir, err)
	}
	if err := checkOutDir(outDir); err != nil {
		return err
	}
	os.Remove(outDir) // an empty directory may be replaced; non-empty ones were refused above
	if err := os.Rename(tmp, outDir); err != nil {
		return fmt.Errorf("importer: output %s: %w", outDir, err)
	}
	if progress != nil {
		progress(len(m.tensors)+1, len(m.tensors)+1)
	}
	return nil
}

// writeWeights streams the converted tensors into a safetensors file.
func (m *hfModel) writeWeights(ctx context.Context, path, dtype string, progress func(int, int)) error {
	infos := make([]safetensors.TensorInfo, len(m.tensors))
	for i, t := range m.tensors {
		infos[i] = safetensors.TensorInfo{Name: t.name, DType: safetensors.DType(dtype), Shape: t.shape}
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("importer: %w", err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w, err := safetensors.NewWriter(bw, infos, map[string]string{"format": "pt"}, safetensors.WriterOptions{})
	if err != nil {
		return fmt.Errorf("importer: writing %s: %w", path, err)
	}
	for i := range m.tensors {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("importer: %w", err)
		}
		t := &m.tensors[i]
		b, err := t.convert(m.source, dtype)
		if err != nil {
			return err
		}
		if err := w.WriteTensor(t.name, b); err != nil {
			return fmt.Errorf("importer: writing %s: %w", path, err)
		}
		if progress != nil {
			progress(i+1, len(m.tensors)+1)
		}
	}
	if err := errors.Join(w.Close(), bw.Flush(), f.Sync()); err != nil {
		return fmt.Errorf("importer: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("importer: writing %s: %w", path, err)
	}
	return nil
}

// marshalJSON returns v as indented JSON.
func marshalJSON(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }

// writeFileNL writes data, adding a final newline when it lacks one.
func writeFileNL(path string, data []byte) error {
	if len(data) == 0 || data[len(data)-1] != '\n' {
		data = append(data[:len(data):len(data)], '\n')
	}
	return os.WriteFile(path, data, 0o644)
}
