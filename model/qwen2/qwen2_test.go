package qwen2_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/upgtools/upg/checkpoint"
	"github.com/upgtools/upg/internal/modeltest"
	"github.com/upgtools/upg/model"
	_ "github.com/upgtools/upg/model/llama"
	_ "github.com/upgtools/upg/model/qwen2"
)

// TestBiases checks the q/k/v biases are applied where the math says: a v
// bias b passes through softmax-weighted averaging unchanged, so it equals an
// o_proj bias of Wo·b; q and k biases must change the logits.
func TestBiases(t *testing.T) {
	src := modeltest.Tiny(t)
	rng := rand.New(rand.NewPCG(3, 4))
	bias := func(n int64) *modeltest.Tensor {
		d := make([]float32, n)
		for i := range d {
			d[i] = float32(rng.NormFloat64()) * 0.5
		}
		return &modeltest.Tensor{Shape: []int64{n}, Data: d}
	}
	var vb []*modeltest.Tensor
	withBiases := func(zeroQK bool) func(map[string]any, map[string]*modeltest.Tensor) {
		return func(_ map[string]any, ts map[string]*modeltest.Tensor) {
			for l := 0; ; l++ {
				p := fmt.Sprintf("model.layers.%d.self_attn.", l)
				q, ok := ts[p+"q_proj.weight"]
				if !ok {
					break
				}
				kv := ts[p+"k_proj.weight"].Shape[0]
				ts[p+"q_proj.bias"], ts[p+"k_proj.bias"] = bias(q.Shape[0]), bias(kv)
				if zeroQK {
					clear(ts[p+"q_proj.bias"].Data)
					clear(ts[p+"k_proj.bias"].Data)
				}
				if len(vb) <= l {
					vb = append(vb, bias(kv))
				}
				ts[p+"v_proj.bias"] = vb[l]
			}
		}
	}
	vOnly := modeltest.Rewrite(t, src, "Qwen2ForCausalLM", withBiases(true))
	full := modeltest.Rewrite(t, src, "Qwen2ForCausalLM", withBiases(false))
	asO := modeltest.Rewrite(t, src, "", func(cfg map[string]any, ts map[string]*modeltest.Tensor) {
		heads, kvHeads := int(cfg["num_attention_heads"].(float64)), int(cfg["num_key_value_heads"].(float64))
		for l := range vb {
			p := fmt.Sprintf("model.layers.%d.self_attn.", l)
			o := ts[p+"o_proj.weight"]
			rows, cols := int(o.Shape[0]), int(o.Shape[1])
			hd := cols / heads
			ob := make([]float32, rows)
			for r := range rows {
				for c := range cols {
					// Query head c/hd reads KV head (c/hd)/(heads/kvHeads).
					kvh := (c / hd) / (heads / kvHeads)
					ob[r] += o.Data[r*cols+c] * vb[l].Data[kvh*hd+c%hd]
				}
			}
			ts[p+"o_proj.bias"] = &modeltest.Tensor{Shape: []int64{int64(rows)}, Data: ob}
		}
	})
	tokens := []int{1, 40, 300, 7, 99, 12}
	a, b := modeltest.Logits(t, vOnly, tokens), modeltest.Logits(t, asO, tokens)
	if d := modeltest.MaxDiff(a, b); d > 1e-4 {
		t.Fatalf("v bias differs from the equivalent o bias by %g", d)
	}
	if d := modeltest.MaxDiff(a, modeltest.Logits(t, full, tokens)); d < 1e-3 {
		t.Fatalf("q/k biases changed the logits by only %g", d)
	}
}

func TestMissingBiasesRejected(t *testing.T) {
	dir := modeltest.Rewrite(t, modeltest.Tiny(t), "Qwen2ForCausalLM", func(map[string]any, map[string]*modeltest.Tensor) {})
	ck, err := checkpoint.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	_, err = model.LoadCheckpoint(ck, model.Options{})
	if err == nil || !strings.Contains(err.Error(), "q_proj.bias") {
		t.Fatalf("error %v, want one naming the missing bias", err)
	}
}
