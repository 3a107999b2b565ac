package phi3_test

import (
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
	fused := modeltest.Phi3(t, src)
	tokens := []int{1, 40, 300, 7, 99, 12}
	a, b := modeltest.Logits(t, flat, tokens), modeltest.Logits(t, fused, tokens)
	if d := modeltest.MaxDiff(a, b); d > 1e-5 {
		t.Fatalf("fused Phi-3 logits differ from the split Llama ones by %g", d)
	}
}
