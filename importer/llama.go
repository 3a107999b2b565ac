package importer

import "fmt"

// llama2.c hyperparameters that its header does not carry (model.py and
// run.c hard-code them).
const (
	llama2CNormEps   = 1e-5
	llama2CRopeTheta = 10000
)

// llamaTensor is one row of the llama tensor table: the HF name, the GGUF
// name (also used as the key for llama2.c weights), the HF shape and whether
// the rows need the RoPE permutation.
type llamaTensor struct {
	hf, gguf string
	shape    []int64 // HF [out, in] or [n]
	// ropeHeads > 0: q/k rows are permuted from Meta's to HF's RoPE layout.
	ropeHeads int
}

// llamaTable lists every tensor of a llama model with config c, in output
// order: embeddings, each layer, final norm, then lm_head unless tied.
func llamaTable(c hfConfig) []llamaTensor {
	dim, hid, vocab := int64(c.HiddenSize), int64(c.IntermediateSize), int64(c.VocabSize)
	kv := int64(c.NumKeyValueHeads * c.HeadDim)
	q := int64(c.NumAttentionHeads * c.HeadDim)
	t := []llamaTensor{{hf: "model.embed_tokens.weight", gguf: "token_embd.weight", shape: []int64{vocab, dim}}}
	for i := 0; i < c.NumHiddenLayers; i++ {
		hf := func(s string) string { return fmt.Sprintf("model.layers.%d.%s.weight", i, s) }
		gg := func(s string) string { return fmt.Sprintf("blk.%d.%s.weight", i, s) }
		t = append(t,
			llamaTensor{hf: hf("input_layernorm"), gguf: gg("attn_norm"), shape: []int64{dim}},
			llamaTensor{hf: hf("self_attn.q_proj"), gguf: gg("attn_q"), shape: []int64{q, dim}, ropeHeads: c.NumAttentionHeads},
			llamaTensor{hf: hf("self_attn.k_proj"), gguf: gg("attn_k"), shape: []int64{kv, dim}, ropeHeads: c.NumKeyValueHeads},
			llamaTensor{hf: hf("self_attn.v_proj"), gguf: gg("attn_v"), shape: []int64{kv, dim}},
			llamaTensor{hf: hf("self_attn.o_proj"), gguf: gg("attn_output"), shape: []int64{dim, q}},
			llamaTensor{hf: hf("post_attention_layernorm"), gguf: gg("ffn_norm"), shape: []int64{dim}},
			llamaTensor{hf: hf("mlp.gate_proj"), gguf: gg("ffn_gate"), shape: []int64{hid, dim}},
			llamaTensor{hf: hf("mlp.up_proj"), gguf: gg("ffn_up"), shape: []int64{hid, dim}},
			llamaTensor{hf: hf("mlp.down_proj"), gguf: gg("ffn_down"), shape: []int64{dim, hid}},
		)
	}
	t = append(t, llamaTensor{hf: "model.norm.weight", gguf: "output_norm.weight", shape: []int64{dim}})
	if !c.TieWordEmbeddings {
		t = append(t, llamaTensor{hf: "lm_head.weight", gguf: "output.weight", shape: []int64{vocab, dim}})
	}
	return t
}

// hfTensors builds the output tensors of table, loading each through load
// (called with the GGUF name).
func hfTensors(table []llamaTensor, load func(gguf string) func() ([]float32, error)) []hfTensor {
	out := make([]hfTensor, len(table))
	for i, t := range table {
		out[i] = hfTensor{name: t.hf, shape: t.shape, load: load(t.gguf), ropeHeads: t.ropeHeads}
	}
	return out
}

// llama2CTensors maps a llama2.c model's weights onto the output tensors
// of config cfg.
func llama2CTensors(path string, m *Llama2CModel, cfg hfConfig) []hfTensor {
	src := map[string][]float32{
		"token_embd.weight":  m.TokenEmbedding,
		"output_norm.weight": m.RMSFinal,
		"output.weight":      m.WCls,
	}
	for i, l := range m.Layers {
		for name, w := range map[string][]float32{
			"attn_norm": l.RMSAtt, "attn_q": l.WQ, "attn_k": l.WK, "attn_v": l.WV, "attn_output": l.WO,
			"ffn_norm": l.RMSFFN, "ffn_gate": l.W1, "ffn_down": l.W2, "ffn_up": l.W3,
		} {
			src[fmt.Sprintf("blk.%d.%s.weight", i, name)] = w
		}
	}
	return hfTensors(llamaTable(cfg), func(name string) func() ([]float32, error) {
		return func() ([]float32, error) {
			w, ok := src[name]
			if !ok {
				return nil, formatErr(path, name, -1, ErrInvalid, "no such weight")
			}
			return w, nil
		}
	})
}

// llama2CConfig returns the HF config of a llama2.c model.
func llama2CConfig(c Llama2CConfig) hfConfig {
	h := newHFConfig()
	h.HiddenSize = c.Dim
	h.IntermediateSize = c.HiddenDim
	h.NumHiddenLayers = c.Layers
	h.NumAttentionHeads = c.Heads
	h.NumKeyValueHeads = c.KVHeads
	h.HeadDim = c.HeadSize()
	h.VocabSize = c.VocabSize
	h.MaxPositionEmbeddings = c.SeqLen
	h.RMSNormEps = llama2CNormEps
	h.RopeTheta = llama2CRopeTheta
	h.TieWordEmbeddings = c.Shared
	return h
}
