package convert

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/upgtools/upg/models/stories260k"
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

func TestCheckDisk(t *testing.T) {
	j := &job{o: Options{Out: filepath.Join(t.TempDir(), "out")}}
	if err := j.checkDisk(1<<20, 1<<20); err != nil {
		t.Fatalf("1 MiB: %v", err)
	}
	if err := j.checkDisk(1<<62, 1<<40); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("4 EiB: err = %v, want ErrDiskFull", err)
	}
}
