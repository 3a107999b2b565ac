package convert

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/upgtools/upg/models/stories260k"
	"github.com/upgtools/upg/upg"
)

// stories writes the embedded stories260K model into a temporary directory.
func stories(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "stories260k")
	if err := stories260k.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestConvertStoriesDefault(t *testing.T) {
	in := stories(t)
	out := filepath.Join(t.TempDir(), "out")
	rep, err := Convert(context.Background(), in, Options{Out: out, SelfCheck: true, Log: func(s string) { t.Log(s) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(rep.Summary())
	for c, v := range rep.ByCodec {
		t.Logf("%-6s %3d tensors %7d params %.3f bpw", c, v.Tensors, v.Params, v.BPW)
	}
	if sc := rep.SelfCheck; sc != nil {
		t.Logf("self-check: KL %.4f p99 %.4f top1 %.3f ppl %.3f→%.3f (%s) %s", sc.KLMean, sc.KLP99, sc.Top1, sc.PPLA, sc.PPLB, sc.Verdict, sc.Suggestion)
	}
	if rep.Ratio < 8 {
		t.Errorf("ratio %.3f < 8", rep.Ratio)
	}
}

// TestConvertPrefer: the allocator picks only codecs of the preferred
// ladder (speed: the LUT codecs; quality: the vq codecs), both meet the
// budget, and the report records the preference.
func TestConvertPrefer(t *testing.T) {
	in := stories(t)
	for _, tc := range []struct {
		prefer string
		ladder []string
		want   string // a codec the ladder must use at 5:1
	}{{PreferSpeed, Ladder, "lut2"}, {PreferQuality, QualityLadder, "vq2"}} {
		out := filepath.Join(t.TempDir(), "out")
		rep, err := Convert(context.Background(), in, Options{Out: out, Ratio: 5, Prefer: tc.prefer, Calib: CalibDiag, Sensitivity: SensPrior})
		if err != nil {
			t.Fatal(err)
		}
		allowed := map[string]bool{"plain": true}
		for _, c := range tc.ladder {
			allowed[c] = true
		}
		for c := range rep.ByCodec {
			if !allowed[c] {
				t.Errorf("prefer %s: codec %s is not in %v", tc.prefer, c, tc.ladder)
			}
		}
		if _, ok := rep.ByCodec[tc.want]; !ok {
			t.Errorf("prefer %s: no tensor uses %s (%v)", tc.prefer, tc.want, rep.ByCodec)
		}
		if rep.Ratio < 5 || rep.Settings.Prefer != tc.prefer {
			t.Errorf("prefer %s: ratio %.3f, settings.prefer %q", tc.prefer, rep.Ratio, rep.Settings.Prefer)
		}
	}
}

func TestCheckDisk(t *testing.T) {
	j := &job{o: Options{Out: filepath.Join(t.TempDir(), "out")}}
	if err := j.checkDisk(1<<20, 1<<20); err != nil {
		t.Fatalf("1 MiB: %v", err)
	}
	if err := j.checkDisk(1<<62, 1<<40); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("4 EiB: err = %v, want ErrDiskFull", err)
	}
}

// TestConvertOutliers: the sparse stage — with an outlier share, every
// encoded matrix carries its table, the size budget still holds on disk and
// the result runs; Hessian (sequential) and diagonal calibration alike.
func TestConvertOutliers(t *testing.T) {
	in := stories(t)
	for _, calib := range []string{CalibDiag, CalibHessian} {
		out := filepath.Join(t.TempDir(), "out")
		rep, err := Convert(context.Background(), in, Options{Out: out, Ratio: 4, Outliers: 0.01, Calib: calib, Sensitivity: SensPrior, SelfCheck: true, CheckTokens: 128})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Ratio < 4 {
			t.Errorf("%s: ratio %.3f below the 4:1 target", calib, rep.Ratio)
		}
		d, err := upg.OpenDir(out)
		if err != nil {
			t.Fatal(err)
		}
		tables := 0
		for _, n := range d.Names() {
			if e := d.Entry(n); e.Kind == upg.KindEncoded && e.Blobs["outlier_idx"].Len > 0 {
				tables++
			}
		}
		d.Close()
		if tables < 30 {
			t.Errorf("%s: %d matrices with an outlier table, want all 36", calib, tables)
		}
		t.Logf("%s: %s, self-check KL %.3f", calib, rep.Summary(), rep.SelfCheck.KLMean)
	}
}
