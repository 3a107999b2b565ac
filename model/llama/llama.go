// Package llama implements the Llama architecture (LlamaForCausalLM,
// MistralForCausalLM) as Hugging Face transformers' modeling_llama.py
// defines it: RMSNorm, rotary embeddings (rotate-half layout), grouped-query
// attention with optional q/k/v/o biases, and a SwiGLU MLP. Other families
// that differ only in tensor naming or biases reuse it (qwen2, phi3).
package llama

import (
	"fmt"

	"github.com/upgtools/upg/kernels"
	"github.com/upgtools/upg/model"
)

func init() {
	model.Register("LlamaForCausalLM", Load)
	model.Register("MistralForCausalLM", Load)
}

// Layer holds one decoder block's weights.
type Layer struct {
	AttnNorm, FFNNorm []float32    // input_layernorm, post_attention_layernorm: [hidden]
	Q, K, V, O        model.Linear // [heads·hd, hidden], [kv·hd, hidden] ×2, [hidden, heads·hd]
	QB, KB, VB, OB    []float32    // optional biases (Qwen2: q, k, v)
	Gate, Up, Down    model.Linear // [ffn, hidden] ×2, [hidden, ffn]
}

// Model is a loaded Llama-family network.
type Model struct {
	cfg    model.Config
	window int // sliding-window attention span (0: full)
	pool   *kernels.Pool
	Embed  model.Linear // [vocab, hidden]
	Layers []Layer
	Norm   []float32    // [hidden]
	Head   model.Linear // [vocab, hidden]; the embedding when tied
	bytes  int64
	buf    buffers
}

// Load is the model.Loader of the Llama family.
func Load(cfgJSON []byte, w model.Weights, opt model.Options) (model.Model, error) {
	cfg, window, err := ParseConfig(cfgJSON)
	if err != nil {
		return nil, err
	}
	return New(cfg, window, w, opt)
}

// New builds the network from parsed hyperparameters and weights under the
// Hugging Face Llama tensor names; every missing tensor is named.
func New(cfg *model.Config, window int, w model.Weights, opt model.Options) (*Model, error) {
	m := &Model{cfg: *cfg, window: window}
	ld := loader{w: w}
	m.Embed = ld.linear("model.embed_tokens.weight", cfg.Vocab, cfg.Hidden)
	m.Norm = ld.vector("model.norm.weight", cfg.Hidden, true)
	if !cfg.Tied && !w.Has("lm_head.weight") && w.Has("model.embed_tokens.weight") {
		cfg.Tied, m.cfg.Tied = true, true // HF falls back the same way when lm_head is absent
	}
	if cfg.Tied {
		m.Head = m.Embed
	} else {
		m.Head = ld.linear("lm_head.weight", cfg.Vocab, cfg.Hidden)
	}
	qd, kvd := cfg.Heads*cfg.HeadDim, cfg.KVHeads*cfg.HeadDim
	m.Layers = make([]Layer, cfg.Layers)
	for i := range m.Layers {
		p := fmt.Sprintf("model.layers.%d.", i)
		L := &m.Layers[i]
		L.AttnNorm = ld.vector(p+"input_layernorm.weight", cfg.Hidden, true)
		L.FFNNorm = ld.vector(p+"post_attention_layernorm.weight", cfg.Hidden, true)
		L.Q = ld.linear(p+"self_attn.q_proj.weight", qd, cfg.Hidden)
		L.K = ld.linear(p+"self_attn.k_proj.weight", kvd, cfg.Hidden)
		L.V = ld.linear(p+"self_attn.v_proj.weight", kvd, cfg.Hidden)
		L.O = ld.linear(p+"self_attn.o_proj.weight", cfg.Hidden, qd)
		L.QB = ld.vector(p+"self_attn.q_proj.bias", qd, false)
		L.KB = ld.vector(p+"self_attn.k_proj.bias", kvd, false)
		L.VB = ld.vector(p+"self_attn.v_proj.bias", kvd, false)
		L.OB = ld.vector(p+"self_attn.o_proj.bias", cfg.Hidden, false)
		L.Gate = ld.linear(p+"mlp.gate_proj.weight", cfg.FFN, cfg.Hidden)
		L.Up = ld.linear(p+"mlp.up_proj.weight", cfg.FFN, cfg.Hidden)
		L.Down = ld.linear(p+"mlp.down_proj.weight", cfg.Hidden, cfg.FFN)
	}
	if ld.err != nil {
		return nil, ld.err
	}
	if err := model.CheckAllUsed(w); err != nil {
		return nil, err
	}
	m.bytes = ld.bytes
	m.pool = kernels.NewPool(opt.Threads)
	return m, nil
}

// loader collects the first error while building, so the layer code reads
// straight; every error names the tensor.
type loader struct {
	w     model.Weights
	err   error
	bytes int64
}

func (l *loader) linear(name string, rows, cols int) model.Linear {
	if l.err != nil {
		return nil
	}
	t, err := l.w.Linear(name)
	if err != nil {
		l.err = fmt.Errorf("missing or unreadable tensor %s: %w", name, err)
		return nil
	}
	if t.Rows() != rows || t.Cols() != cols {
		l.err = fmt.Errorf("tensor %s: shape [%d %d], want [%d %d]", name, t.Rows(), t.Cols(), rows, cols)
		return nil
	}
	l.bytes += t.Bytes()
	return t
}

func (l *loader) vector(name string, n int, required bool) []float32 {
	if l.err != nil || (!required && !l.w.Has(name)) {
		return nil
	}
	v, err := l.w.Vector(name)
	if err != nil {
		l.err = fmt.Errorf("missing or unreadable tensor %s: %w", name, err)
		return nil
	}
	if len(v) != n {
		l.err = fmt.Errorf("tensor %s: %d values, want %d", name, len(v), n)
		return nil
	}
	l.bytes += int64(4 * n)
	return v
}

// Config implements model.Model.
func (m *Model) Config() *model.Config { return &m.cfg }

// Pool implements model.Model.
func (m *Model) Pool() *kernels.Pool { return m.pool }

// WeightBytes implements model.Model.
func (m *Model) WeightBytes() int64 { return m.bytes }

// Close implements model.Model.
func (m *Model) Close() error {
	m.pool.Close()
	return nil
}
