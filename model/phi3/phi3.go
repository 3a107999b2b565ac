// Package phi3 registers Phi3ForCausalLM (Phi-3, Phi-4): the Llama block
// with fused projections — self_attn.qkv_proj holds q, k and v stacked by
// rows, mlp.gate_up_proj holds gate then up. The fused matrices are split
// into row views at load, without copying.
package phi3

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/upgtools/upg/model"
	"github.com/upgtools/upg/model/llama"
)

func init() { model.Register("Phi3ForCausalLM", load) }

func load(cfgJSON []byte, w model.Weights, opt model.Options) (model.Model, error) {
	cfg, window, err := llama.ParseConfig(cfgJSON)
	if err != nil {
		return nil, err
	}
	fw := &fused{Weights: w, cfg: cfg, cache: map[string]model.Linear{}}
	return llama.New(cfg, window, fw, opt)
}

// fused presents Phi-3's fused tensors under the Llama names.
type fused struct {
	model.Weights
	cfg   *model.Config
	cache map[string]model.Linear // fused base matrices, loaded once
}

var splitName = regexp.MustCompile(`^model\.layers\.(\d+)\.(self_attn\.(q|k|v)_proj|mlp\.(gate|up)_proj)\.weight$`)

// Has implements model.Weights.
func (f *fused) Has(name string) bool {
	if splitName.MatchString(name) {
		return true
	}
	return f.Weights.Has(name)
}

// Linear implements model.Weights.
func (f *fused) Linear(name string) (model.Linear, error) {
	m := splitName.FindStringSubmatch(name)
	if m == nil {
		return f.Weights.Linear(name)
	}
	layer, _ := strconv.Atoi(m[1])
	c := f.cfg
	qd, kvd := c.Heads*c.HeadDim, c.KVHeads*c.HeadDim
	base, rows := "self_attn.qkv_proj", qd+2*kvd
	var lo, hi int
	switch m[3] + m[4] {
	case "q":
		lo, hi = 0, qd
	case "k":
		lo, hi = qd, qd+kvd
	case "v":
		lo, hi = qd+kvd, qd+2*kvd
	case "gate":
		base, rows, lo, hi = "mlp.gate_up_proj", 2*c.FFN, 0, c.FFN
	case "up":
		base, rows, lo, hi = "mlp.gate_up_proj", 2*c.FFN, c.FFN, 2*c.FFN
	}
	full := fmt.Sprintf("model.layers.%d.%s.weight", layer, base)
	l, ok := f.cache[full]
	if !ok {
		var err error
		if l, err = f.Weights.Linear(full); err != nil {
			return nil, err
		}
		if l.Rows() != rows {
			return nil, fmt.Errorf("tensor %s: %d rows, want %d", full, l.Rows(), rows)
		}
		f.cache[full] = l
	}
	return model.NewRowSlice(l, lo, hi)
}
