package convert

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/upgtools/upg/engine"
	"github.com/upgtools/upg/internal/modeltest"
	"github.com/upgtools/upg/model"
	"github.com/upgtools/upg/verify"
)

// TestConvertFusedPhi3: a Phi-3 checkpoint (fused qkv_proj and
// gate_up_proj) converts — its calibration pass and the compressed model
// split the fused matrices into row windows — and the result loads, runs
// and verifies against the original.
func TestConvertFusedPhi3(t *testing.T) {
	src := modeltest.Phi3(t, modeltest.Tiny(t))
	out := filepath.Join(t.TempDir(), "phi3-upg")
	rep, err := Convert(context.Background(), src, Options{Out: out, Ratio: 5, Calib: CalibHessian, Sensitivity: SensPrior, SelfCheck: true, CheckTokens: 64})
	if err != nil {
		t.Fatal(err)
	}
	if rep.SelfCheck == nil || !(rep.SelfCheck.KLMean >= 0) {
		t.Fatalf("no self-check figures: %+v", rep.SelfCheck)
	}
	l, err := engine.Load(out, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	vr, err := verify.Run(context.Background(), out, verify.Options{Against: src, MinRatio: 4.5, MaxTok: 64})
	if err != nil {
		t.Fatalf("verify: %v\n%+v", err, vr.Checks)
	}
	t.Logf("%s; self-check KL %.3f", rep.Summary(), rep.SelfCheck.KLMean)
}
