package kernels

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// sumVariants are the SumF32 implementations this build can run, by name;
// measure_amd64_test.go adds the assembly kernels the CPU supports.
var sumVariants = map[string]func([]float32) float32{"SumF32": SumF32}

// fmaVariants are the FMA kernels this build can run, with their lanes per
// accumulator.
var fmaVariants = map[string]struct {
	fn    func(iters int, m, c float32) float32
	lanes int
}{"FMALoop": {FMALoop, fmaLanes()}}

func TestSumF32MatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 7, 8, 15, 16, 17, 31, 63, 64, 65, 127, 129, 1000, 4099} {
		x := make([]float32, n)
		var exact float64
		for i := range x {
			x[i] = r.Float32()*2 - 1
			exact += float64(x[i])
		}
		want := sumF32Ref(x)
		for name, fn := range sumVariants {
			got := fn(x)
			if d := math.Abs(float64(got - want)); d > 1e-5*float64(n+1) {
				t.Errorf("%s n=%d: %g, reference %g (exact %g)", name, n, got, want, exact)
			}
		}
	}
	// Small integers sum exactly in any order: every element must be read once.
	x := make([]float32, 1037)
	for i := range x {
		x[i] = float32(i % 5)
	}
	for name, fn := range sumVariants {
		if got, want := fn(x), sumF32Ref(x); got != want {
			t.Errorf("%s: integer sum %g, want %g", name, got, want)
		}
	}
}

func TestFMALoopCountsIterations(t *testing.T) {
	for name, v := range fmaVariants {
		for _, iters := range []int{1, 2, 3, 100, 1000} {
			// acc = acc·1 + 1 counts the iterations in every lane, exactly.
			want := float32(iters * fmaAccumulators * v.lanes)
			if got := v.fn(iters, 1, 1); got != want {
				t.Errorf("%s iters=%d: %g, want %g", name, iters, got, want)
			}
			if got, ref := v.fn(iters, 0.5, 0.25), fmaLoopRef(iters, 0.5, 0.25)*float32(v.lanes); got != ref {
				t.Errorf("%s iters=%d m=0.5: %g, reference %g", name, iters, got, ref)
			}
		}
	}
	if FMALoop(0, 1, 1) != 0 || FMALoop(-3, 1, 1) != 0 {
		t.Error("FMALoop with no iterations must return 0")
	}
	if FMAFLOPsPerIteration() != int64(2*fmaAccumulators*fmaLanes()) {
		t.Error("FMAFLOPsPerIteration disagrees with the kernel's lanes")
	}
}

func TestMeasureSmall(t *testing.T) {
	p := NewPool(2)
	defer p.Close()
	bw, err := MeasureReadBandwidth(p, 1<<20, 3)
	if err != nil {
		t.Fatal(err)
	}
	// The buffer holds i&7 for i < 2^18: the sum is known exactly.
	if bw.BufferBytes != 1<<20 || len(bw.PassGBps) != 3 || bw.MedianGBps <= 0 || bw.MaxGBps < bw.MedianGBps ||
		bw.Checksum != float32(3.5*(1<<18)) || bw.Threads != 2 || bw.Kernel != SumKernel() {
		t.Fatalf("bandwidth %+v", bw)
	}
	fp, err := MeasureFMAPeak(p, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if fp.GFLOPs <= 0 || fp.Threads != 2 || fp.GFLOPsPerCore*2 != fp.GFLOPs || fp.FLOPsPerCall != FMAFLOPsPerIteration() {
		t.Fatalf("FMA peak %+v", fp)
	}
	for _, bad := range []func() error{
		func() error { _, err := MeasureReadBandwidth(p, 100, 1); return err },
		func() error { _, err := MeasureReadBandwidth(p, 1<<20, 0); return err },
		func() error { _, err := MeasureFMAPeak(p, 0); return err },
	} {
		if err := bad(); !errors.Is(err, ErrMeasure) {
			t.Errorf("bad parameters: error %v, want ErrMeasure", err)
		}
	}
}

func BenchmarkSumF32(b *testing.B) {
	x := make([]float32, 1<<14)
	b.SetBytes(int64(4 * len(x)))
	for range b.N {
		SumF32(x)
	}
}
