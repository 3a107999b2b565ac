// Package qwen2 registers Qwen2ForCausalLM (Qwen2, Qwen2.5): the Llama
// block with biases on the q, k and v projections (which the llama loader
// reads wherever they are present) and, in the small models, tied
// embeddings.
package qwen2

import (
	"github.com/upgtools/upg/model"
	"github.com/upgtools/upg/model/llama"
)

func init() { model.Register("Qwen2ForCausalLM", load) }

func load(cfgJSON []byte, w model.Weights, opt model.Options) (model.Model, error) {
	cfg, window, err := llama.ParseConfig(cfgJSON)
	if err != nil {
		return nil, err
	}
	for _, b := range []string{"q_proj", "k_proj", "v_proj"} {
		if name := "model.layers.0.self_attn." + b + ".bias"; !w.Has(name) {
			return nil, &missingError{name}
		}
	}
	return llama.New(cfg, window, w, opt)
}

type missingError struct{ name string }

func (e *missingError) Error() string {
	return "Qwen2 checkpoint lacks tensor " + e.name + " (Qwen2 attention has q/k/v biases)"
}
