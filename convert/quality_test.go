package convert

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/upgtools/upg/corpus"
	"github.com/upgtools/upg/engine"
	"github.com/upgtools/upg/eval"
	"github.com/upgtools/upg/model"
)

// anchorKL are the best simple methods' KL on stories260K at each bpw
// (shared/docs/anchors.md: bpw counts tensor data and side data, not
// container headers — Options.Budget = BudgetPayload).
var anchorKL = []struct{ bpw, kl float64 }{
	{2.0, 3.61}, {2.5, 1.87}, {3.3, 0.48}, {4.5, 0.077},
}

// TestQualityVersusAnchors converts the real stories260K at the anchors'
// sizes and requires a lower KL divergence on the TinyStories sample
// (document protocol) than the best simple method at that size.
func TestQualityVersusAnchors(t *testing.T) {
	if testing.Short() {
		t.Skip("converts stories260K four times (~40 s)")
	}
	in := stories(t)
	ref, err := engine.Load(in, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	segs, err := eval.DocumentSegments(ref.Tokenizer, corpus.Sample, corpus.DocSeparator, ref.Model.Config().BOS, ref.Model.Config().MaxSeq)
	if err != nil {
		t.Fatal(err)
	}
	costs := &CostCache{}
	for _, a := range anchorKL {
		t.Run(fmt.Sprintf("%.1fbpw", a.bpw), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			rep, err := Convert(context.Background(), in, Options{Out: out, BPW: a.bpw, Budget: BudgetPayload, Costs: costs})
			if err != nil {
				t.Fatal(err)
			}
			if rep.PayloadBPW > a.bpw+1e-9 {
				t.Errorf("payload %.4f bpw exceeds the %.1f budget", rep.PayloadBPW, a.bpw)
			}
			l, err := engine.Load(out, model.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			cmp, err := eval.Compare(context.Background(), ref.Model, l.Model, segs, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("payload %.3f bpw (disk %.3f, ratio %.2f:1): PPL %.3f → %.3f, KL %.4f (anchor %.3f), p99 %.3f, top-1 %.3f; codecs %v",
				rep.PayloadBPW, rep.BPW, rep.Ratio, cmp.PPLA, cmp.PPLB, cmp.KLMean, a.kl, cmp.KLP99, cmp.Top1, codecSummary(rep))
			if cmp.KLMean >= a.kl {
				t.Errorf("KL %.4f at %.1f bpw is not below the anchor %.3f", cmp.KLMean, a.bpw, a.kl)
			}
		})
	}
}

func codecSummary(r *Report) map[string]string {
	out := map[string]string{}
	for n, c := range r.ByCodec {
		out[n] = fmt.Sprintf("%d/%.2fbpw", c.Params, c.BPW)
	}
	return out
}
