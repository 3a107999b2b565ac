package eval

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/upgtools/upg/kernels"
	"github.com/upgtools/upg/model"
)

// Comparison is the quality of model B measured against model A on the same
// segments: KL(P_A ‖ P_B) per scored position in nats, top-1 agreement and
// both perplexities.
type Comparison struct {
	PPLA     float64 `json:"ppl_reference"`
	PPLB     float64 `json:"ppl"`
	KLMean   float64 `json:"kl_mean"`
	KLP99    float64 `json:"kl_p99"`
	KLMax    float64 `json:"kl_max"`
	Top1     float64 `json:"top1_agreement"`
	Scored   int     `json:"scored_tokens"`
	Segments int     `json:"segments"`
}

// Compare runs both models over the segments and compares their next-token
// distributions position by position.
func Compare(ctx context.Context, a, b model.Model, segs []Segment, progress func(done, total int)) (Comparison, error) {
	va, vb := a.Config().Vocab, b.Config().Vocab
	if va != vb {
		return Comparison{}, fmt.Errorf("vocabularies differ: %d vs %d", va, vb)
	}
	var kls []float64
	var nllA, nllB float64
	agree := 0
	lpB := make([]float32, va)
	for si, s := range segs {
		// Run A on this one segment, keep its scored rows, then run B.
		var rowsA [][]float32
		err := Visit(ctx, a, []Segment{s}, nil, func(_, _ int, logits []float32, _ int) error {
			r := make([]float32, va)
			LogSoftmax(r, logits)
			rowsA = append(rowsA, r)
			return nil
		})
		if err != nil {
			return Comparison{}, fmt.Errorf("reference model: %w", err)
		}
		i := 0
		err = Visit(ctx, b, []Segment{s}, nil, func(_, _ int, logits []float32, target int) error {
			lpA := rowsA[i]
			i++
			LogSoftmax(lpB, logits)
			kls = append(kls, KL(lpA, lpB))
			nllA -= float64(lpA[target])
			nllB -= float64(lpB[target])
			if kernels.Argmax(lpA) == kernels.Argmax(lpB) {
				agree++
			}
			return nil
		})
		if err != nil {
			return Comparison{}, fmt.Errorf("compared model: %w", err)
		}
		if progress != nil {
			progress(si+1, len(segs))
		}
	}
	n := len(kls)
	if n == 0 {
		return Comparison{}, fmt.Errorf("nothing to score")
	}
	c := Comparison{PPLA: math.Exp(nllA / float64(n)), PPLB: math.Exp(nllB / float64(n)), Top1: float64(agree) / float64(n), Scored: n, Segments: len(segs)}
	var sum float64
	for _, k := range kls {
		sum += k
	}
	c.KLMean = sum / float64(n)
	sort.Float64s(kls)
	c.KLP99 = kls[min(n-1, int(math.Ceil(0.99*float64(n)))-1)]
	c.KLMax = kls[n-1]
	return c, nil
}

// KL returns KL(P ‖ Q) = Σ p·(log p − log q) for two log-probability rows.
func KL(logP, logQ []float32) float64 {
	var s float64
	for i, lp := range logP {
		p := math.Exp(float64(lp))
		if p > 0 {
			s += p * (float64(lp) - float64(logQ[i]))
		}
	}
	return max(s, 0)
}
