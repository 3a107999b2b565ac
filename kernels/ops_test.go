package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// opsSizes are the lengths the AXPY and RMSNorm tests run: empty, below,
// at and above one 16-lane vector, odd tails and the hidden and
// intermediate sizes of TinyLlama.
var opsSizes = []int{0, 1, 7, 15, 16, 17, 31, 32, 33, 64, 100, 2048, 5632}

// randF32 fills a fresh slice of n normal values scaled by s.
func randF32(rng *rand.Rand, n int, s float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(s * rng.NormFloat64())
	}
	return v
}

// ulpDiff is the distance between two finite float32 values of the same
// sign in units in the last place.
func ulpDiff(a, b float32) int64 {
	d := int64(math.Float32bits(a)) - int64(math.Float32bits(b))
	if d < 0 {
		d = -d
	}
	return d
}

func TestAXPYMatchesRef(t *testing.T) {
	t.Logf("assembly: %v", haveOpsAsm)
	rng := rand.New(rand.NewPCG(41, 42))
	for _, n := range opsSizes {
		for _, off := range []int{0, 3} {
			t.Run(fmt.Sprintf("n=%d/off=%d", n, off), func(t *testing.T) {
				x := randF32(rng, n, 1)
				y0 := randF32(rng, n, 1)
				a := float32(rng.NormFloat64())
				buf, y := guardedF32(n, off)
				copy(y, y0)
				want := append([]float32(nil), y0...)
				AXPY(y, a, x)
				axpyRef(want, a, x)
				for i := range want {
					if math.Float32bits(y[i]) != math.Float32bits(want[i]) {
						t.Fatalf("y[%d] = %g, reference %g", i, y[i], want[i])
					}
				}
				checkGuardsF32(t, "y", buf, off, n)
			})
		}
	}
}

func TestRMSNormMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	const eps = 1e-5
	for _, n := range append(opsSizes, 16384) {
		for _, gain := range []bool{false, true} {
			t.Run(fmt.Sprintf("n=%d/gain=%v", n, gain), func(t *testing.T) {
				xb, x := guardedF32(n, 5)
				copy(x, randF32(rng, n, 3))
				var w []float32
				if gain {
					w = randF32(rng, n, 1)
				}
				// The float64 sums differ by reassociation only: the squares
				// are exact, so each is within n·2⁻⁵³·Σ of the exact sum.
				ss, ssRef := sumSquares(x), sumSquaresRef(x)
				if d := math.Abs(ss - ssRef); d > 2*float64(n)*0x1p-53*ssRef {
					t.Fatalf("sumSquares = %.17g, reference %.17g", ss, ssRef)
				}
				inv, invRef := rmsInv(ss, n, eps), rmsInv(ssRef, n, eps)
				if n > 0 && ulpDiff(inv, invRef) > 1 {
					t.Fatalf("1/rms = %g, reference %g (more than 1 ulp)", inv, invRef)
				}
				dst, want := make([]float32, n), make([]float32, n)
				rmsScale(dst, x, w, invRef)
				rmsScaleRef(want, x, w, invRef)
				for i := range want {
					if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
						t.Fatalf("scaled[%d] = %g, reference %g (same 1/rms)", i, dst[i], want[i])
					}
				}
				db, dst := guardedF32(n, 2)
				RMSNorm(dst, x, w, eps)
				rmsNormRef(want, x, w, eps)
				for i := range want {
					if ulpDiff(dst[i], want[i]) > 2 {
						t.Fatalf("RMSNorm[%d] = %g, reference %g", i, dst[i], want[i])
					}
				}
				checkGuardsF32(t, "x", xb, 5, n)
				checkGuardsF32(t, "dst", db, 2, n)
			})
		}
	}
}

// TestRoPENeoXMatchesRef runs the head shapes of the supported models
// (stories260K's head dimension 8, partial rotation, a half that is not a
// multiple of 16) and halves for each narrow path (≤ 4, ≤ 8, < 16 pairs)
// over several heads plus a partial trailing head, which both must leave
// alone.
func TestRoPENeoXMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 46))
	shapes := []struct{ hd, rot int }{
		{8, 8}, {64, 64}, {128, 64}, {96, 96}, {80, 40}, {200, 200},
		{4, 2}, {12, 6}, {14, 10}, {16, 16}, {24, 24}, {30, 30}, {34, 34},
	}
	for _, s := range shapes {
		for _, heads := range []int{1, 3, 8} {
			t.Run(fmt.Sprintf("hd=%d/rot=%d/heads=%d", s.hd, s.rot, heads), func(t *testing.T) {
				n := heads*s.hd + 3
				cos, sin := randF32(rng, s.rot/2, 1), randF32(rng, s.rot/2, 1)
				x0 := randF32(rng, n, 1)
				buf, x := guardedF32(n, 1)
				copy(x, x0)
				want := append([]float32(nil), x0...)
				RoPENeoX(x, s.hd, s.rot, cos, sin)
				ropeNeoXRef(want, s.hd, s.rot, cos, sin)
				for i := range want {
					if math.Float32bits(x[i]) != math.Float32bits(want[i]) {
						t.Fatalf("x[%d] = %g, reference %g", i, x[i], want[i])
					}
				}
				for i := heads * s.hd; i < n; i++ {
					if x[i] != x0[i] {
						t.Fatalf("trailing x[%d] changed", i)
					}
				}
				checkGuardsF32(t, "x", buf, 1, n)
			})
		}
	}
}

// TestRMSNormInvError bounds, over random vectors of up to 16384 elements,
// RMSNorm's 1/rms against the float64-summed reference by one float32 ulp
// and logs how often they differ at all.
func TestRMSNormInvError(t *testing.T) {
	rng := rand.New(rand.NewPCG(47, 48))
	differ, worst := 0, 0.0
	const trials = 200
	for k := range trials {
		n := 1 + rng.IntN(16384)
		x := randF32(rng, n, math.Exp2(float64(k%20-10)))
		inv, invRef := rmsInv(sumSquares(x), n, 1e-6), rmsInv(sumSquaresRef(x), n, 1e-6)
		if inv != invRef {
			differ++
		}
		worst = max(worst, relErr(inv, invRef))
		if ulpDiff(inv, invRef) > 1 {
			t.Fatalf("n=%d: 1/rms = %g, reference %g", n, inv, invRef)
		}
	}
	t.Logf("1/rms differs from the reference in %d of %d vectors; worst relative error %.3g", differ, trials, worst)
}

func TestOpsAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(49, 50))
	x, y, w := randF32(rng, 100, 1), randF32(rng, 100, 1), randF32(rng, 100, 1)
	cs, sn := randF32(rng, 20, 1), randF32(rng, 20, 1)
	cases := []struct {
		name string
		fn   func()
	}{
		{"AXPY", func() { AXPY(y, 0.5, x) }},
		{"RMSNorm", func() { RMSNorm(y, x, w, 1e-5) }},
		{"RMSNorm/nil", func() { RMSNorm(y, x, nil, 1e-5) }},
		{"RoPENeoX", func() { RoPENeoX(y, 50, 40, cs, sn) }},
	}
	for _, c := range cases {
		if a := testing.AllocsPerRun(100, c.fn); a != 0 {
			t.Errorf("%s: %v allocations per run, want 0", c.name, a)
		}
	}
}

// BenchmarkRMSNorm runs RMSNorm and rmsNormRef at TinyLlama's hidden and
// intermediate sizes; SetBytes counts x and w read and dst written.
func BenchmarkRMSNorm(b *testing.B) {
	impls := []struct {
		name string
		fn   func(dst, x, w []float32, eps float32)
	}{{"fast", RMSNorm}, {"ref", rmsNormRef}}
	for _, n := range []int{2048, 5632} {
		rng := rand.New(rand.NewPCG(51, 52))
		x, w, dst := randF32(rng, n, 1), randF32(rng, n, 1), make([]float32, n)
		for _, im := range impls {
			b.Run(fmt.Sprintf("%s/n=%d", im.name, n), func(b *testing.B) {
				b.SetBytes(int64(12 * n))
				for b.Loop() {
					im.fn(dst, x, w, 1e-5)
				}
			})
		}
	}
}

// BenchmarkRoPE rotates TinyLlama's 32 query heads of 64 and stories260K's
// 8 heads of 8; SetBytes counts the heads read and written.
func BenchmarkRoPE(b *testing.B) {
	impls := []struct {
		name string
		fn   func(x []float32, hd, rot int, cos, sin []float32)
	}{{"fast", RoPENeoX}, {"ref", ropeNeoXRef}}
	for _, s := range []struct{ heads, hd int }{{32, 64}, {8, 8}} {
		rng := rand.New(rand.NewPCG(53, 54))
		x := randF32(rng, s.heads*s.hd, 1)
		// Unit rotations: repeated calls keep x's magnitude (random gains
		// would drive it to denormals or Inf, which time microcode assists).
		cos, sin := make([]float32, s.hd/2), make([]float32, s.hd/2)
		for i := range cos {
			th := rng.Float64() * 2 * math.Pi
			cos[i], sin[i] = float32(math.Cos(th)), float32(math.Sin(th))
		}
		for _, im := range impls {
			b.Run(fmt.Sprintf("%s/heads=%d/hd=%d", im.name, s.heads, s.hd), func(b *testing.B) {
				b.SetBytes(int64(8 * len(x)))
				for b.Loop() {
					im.fn(x, s.hd, s.hd, cos, sin)
				}
			})
		}
	}
}

// BenchmarkAXPY runs AXPY and axpyRef at TinyLlama's hidden and
// intermediate sizes; SetBytes counts x and y read and y written.
func BenchmarkAXPY(b *testing.B) {
	impls := []struct {
		name string
		fn   func(y []float32, a float32, x []float32)
	}{{"fast", AXPY}, {"ref", axpyRef}}
	for _, n := range []int{2048, 5632} {
		rng := rand.New(rand.NewPCG(55, 56))
		x, y := randF32(rng, n, 1), randF32(rng, n, 1)
		for _, im := range impls {
			b.Run(fmt.Sprintf("%s/n=%d", im.name, n), func(b *testing.B) {
				b.SetBytes(int64(12 * n))
				for b.Loop() {
					im.fn(y, 1e-9, x)
				}
			})
		}
	}
}

// BenchmarkSwiGLU times TinyLlama's FFN activation (5632 values): the
// kernel ("fast"), its Go form over Exp ("go") and the math.Exp
// specification ("ref"); SetBytes counts gate and up read and gate written.
func BenchmarkSwiGLU(b *testing.B) {
	const n = 5632
	rng := rand.New(rand.NewPCG(53, 54))
	gate0, up := randF32(rng, n, 4), randF32(rng, n, 1)
	gate := make([]float32, n)
	for _, im := range []struct {
		name string
		fn   func(gate, up []float32)
	}{{"fast", SwiGLU}, {"go", swiGLUGo}, {"ref", swiGLURef}} {
		b.Run(im.name, func(b *testing.B) {
			b.SetBytes(12 * n)
			for b.Loop() {
				copy(gate, gate0)
				im.fn(gate, up)
			}
		})
	}
}
