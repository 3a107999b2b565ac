package phi3_test

import (
	"fmt"
	"testing"

	"github.com/upgtools/upg/internal/modeltest"
	_ "github.com/upgtools/upg/model/llama"
	_ "github.com/upgtools/upg/model/phi3"
)

// TestFusedEqualsSplit: a Phi-3 checkpoint whose qkv_proj and gate_up_proj
// stack the Llama projections computes the same logits as the Llama one.
func TestFusedEqualsSplit(t *testing.T) {
	src := modeltest.Tiny(t)
	flat := modeltest.Rewrite(t, src, "", func(map[string]any, map[string]*modeltest.Tensor) {})
	fused := modeltest.Rewrite(t, src, "Phi3ForCausalLM", func(cfg map[string]any, ts map[string]*modeltest.Tensor) {
		for l := 0; ; l++ {
			p := fmt.Sprintf("model.layers.%d.", l)
			q, ok := ts[p+"self_attn.q_proj.weight"]
			if !ok {
				break
			}
			k, v := ts[p+"self_attn.k_proj.weight"], ts[p+"self_attn.v_proj.weight"]
			g, u := ts[p+"mlp.gate_proj.weight"], ts[p+"mlp.up_proj.weight"]
			ts[p+"self_attn.qkv_proj.weight"] = &modeltest.Tensor{Shape: []int64{q.Shape[0] + k.Shape[0] + v.Shape[0], q.Shape[1]},
				Data: append(append(append([]float32(nil), q.Data...), k.Data...), v.Data...)}
			ts[p+"mlp.gate_up_proj.weight"] = &modeltest.Tensor{Shape: []int64{2 * g.Shape[0], g.Shape[1]},
				Data: append(append([]float32(nil), g.Data...), u.Data...)}
			for _, n := range []string{"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "mlp.gate_proj", "mlp.up_proj"} {
				delete(ts, p+n+".weight")
			}
		}
	})
	tokens := []int{1, 40, 300, 7, 99, 12}
	a, b := modeltest.Logits(t, flat, tokens), modeltest.Logits(t, fused, tokens)
	if d := modeltest.MaxDiff(a, b); d > 1e-5 {
		t.Fatalf("fused Phi-3 logits differ from the split Llama ones by %g", d)
	}
}
