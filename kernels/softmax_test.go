package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// relErr is |got − want| / |want| in float64 (0 when both are 0).
func relErr(got, want float32) float64 {
	if got == want {
		return 0
	}
	return math.Abs(float64(got)-float64(want)) / math.Abs(float64(want))
}

// TestExpAccuracy sweeps [−87.3, 88.7] densely (every 2^−12 plus random
// points) and bounds Exp's relative error against math.Exp (in float64, so
// the bound includes the final rounding) by ExpMaxRelErr.
func TestExpAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	var x []float32
	for v := -87.3; v <= 88.7; v += 1.0 / 4096 {
		x = append(x, float32(v))
	}
	for range 1 << 16 {
		x = append(x, float32(-87.3+rng.Float64()*176))
	}
	x = append(x, 0, -0.0, 1e-30, -1e-30, 0.34657359, -0.34657359)
	got := make([]float32, len(x))
	Exp(got, x)
	worst, at := 0.0, float32(0)
	for i, v := range x {
		want := math.Exp(float64(v))
		if e := math.Abs(float64(got[i])-want) / want; e > worst {
			worst, at = e, v
		}
	}
	t.Logf("max relative error %.3g at x = %g (asm: %v)", worst, at, haveExpAsm)
	if !(worst <= ExpMaxRelErr) {
		t.Fatalf("Exp: relative error %g at x = %g exceeds %g", worst, at, ExpMaxRelErr)
	}
}

// TestExpSpecial checks the ends of the range and the infinities, and that
// exactly the first n elements of dst are written for tails 0..40.
func TestExpSpecial(t *testing.T) {
	inf := float32(math.Inf(1))
	cases := []struct {
		x, want float32
	}{
		{float32(math.Inf(-1)), 0}, {-1000, 0}, {-104, 0}, {inf, inf}, {89, inf}, {1000, inf}, {0, 1},
	}
	for _, c := range cases {
		var got [1]float32
		Exp(got[:], []float32{c.x})
		if got[0] != c.want {
			t.Errorf("Exp(%g) = %g, want %g", c.x, got[0], c.want)
		}
	}
	for _, x := range []float32{-87.5, -95, -100} { // denormal results: absolute error only
		var got [1]float32
		Exp(got[:], []float32{x})
		if d := math.Abs(float64(got[0]) - math.Exp(float64(x))); d > 0x1p-126 || got[0] < 0 {
			t.Errorf("Exp(%g) = %g, want %g within 2^-126", x, got[0], math.Exp(float64(x)))
		}
	}
	for n := range 41 {
		x, dst := make([]float32, n), make([]float32, n+16)
		for i := range dst {
			dst[i] = -7
		}
		for i := range x {
			x[i] = float32(i) / 8
		}
		Exp(dst, x)
		for i, v := range dst {
			if i < n && relErr(v, float32(math.Exp(float64(x[i])))) > ExpMaxRelErr {
				t.Fatalf("n=%d: dst[%d] = %g, want e^%g", n, i, v, x[i])
			}
			if i >= n && v != -7 {
				t.Fatalf("n=%d: dst[%d] written beyond the length", n, i)
			}
		}
	}
}

// TestExpShiftAndMax compares ExpShift and Max with their references at
// every length 0..100 on random scores with −Inf entries.
func TestExpShiftAndMax(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	for n := range 101 {
		x := make([]float32, n+16)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 8)
			if rng.IntN(7) == 0 {
				x[i] = float32(math.Inf(-1))
			}
		}
		x[n] = 1e30 // beyond the length: must be ignored by Max
		s := x[:n]
		name := fmt.Sprintf("n=%d", n)
		wantMax := float32(math.Inf(-1))
		if n > 0 {
			wantMax = maxRef(s)
		}
		if got := Max(s); got != wantMax {
			t.Fatalf("%s: Max = %g, want %g", name, got, wantMax)
		}
		ref := append([]float32(nil), s...)
		var wantSum float32
		if n > 0 {
			wantSum = expShiftSumRef(ref, wantMax)
		}
		gotSum := ExpShift(s, wantMax)
		for i := range s {
			if relErr(s[i], ref[i]) > ExpMaxRelErr {
				t.Fatalf("%s: ExpShift element %d = %g, reference %g", name, i, s[i], ref[i])
			}
		}
		if relErr(gotSum, wantSum) > 1e-5 {
			t.Fatalf("%s: ExpShift sum = %g, reference %g", name, gotSum, wantSum)
		}
		if x[n] != 1e30 {
			t.Fatalf("%s: ExpShift wrote beyond the length", name)
		}
	}
}

// TestSoftmaxOnlineMatchesSoftmax folds random rows in blocks of several
// widths (with masked −Inf stretches, including whole masked blocks) and
// compares sum-normalized results with Softmax over the whole row.
func TestSoftmaxOnlineMatchesSoftmax(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 36))
	const m, n = 5, 150
	for _, blk := range []int{1, 16, 37, 64} {
		s := make([]float32, m*n)
		for i := range s {
			s[i] = float32(rng.NormFloat64() * 5)
		}
		for j := range 70 { // row 0 starts with a long masked stretch
			s[j] = float32(math.Inf(-1))
		}
		want := append([]float32(nil), s...)
		for i := range m {
			Softmax(want[i*n : (i+1)*n])
		}
		mx, sum, alpha := make([]float32, m), make([]float32, m), make([]float32, m)
		for i := range mx {
			mx[i] = float32(math.Inf(-1))
		}
		acc := make([]float32, m*n) // p values rescaled like an output row
		for j0 := 0; j0 < n; j0 += blk {
			cols := min(blk, n-j0)
			SoftmaxOnline(s[j0:], n, m, cols, mx, sum, alpha)
			for i := range m {
				if math.IsNaN(float64(alpha[i])) {
					t.Fatalf("blk=%d: alpha NaN", blk)
				}
				for j := range j0 {
					acc[i*n+j] *= alpha[i]
				}
				copy(acc[i*n+j0:i*n+j0+cols], s[i*n+j0:])
			}
		}
		for i := range m {
			for j := range n {
				got := acc[i*n+j] / sum[i]
				if d := math.Abs(float64(got - want[i*n+j])); d > 1e-6 {
					t.Fatalf("blk=%d row %d col %d: online %g, Softmax %g", blk, i, j, got, want[i*n+j])
				}
			}
		}
	}
}

// TestSoftmaxSumsToOne checks Softmax on rows of assorted lengths: values
// in [0, 1], the sum 1 within float32 rounding, the argmax kept.
func TestSoftmaxSumsToOne(t *testing.T) {
	rng := rand.New(rand.NewPCG(37, 38))
	for _, n := range []int{1, 2, 15, 16, 17, 33, 100, 513} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 10)
		}
		arg := Argmax(x)
		Softmax(x)
		var s float64
		for _, v := range x {
			if v < 0 || v > 1 {
				t.Fatalf("n=%d: value %g outside [0,1]", n, v)
			}
			s += float64(v)
		}
		if math.Abs(s-1) > 1e-5 || Argmax(x) != arg {
			t.Fatalf("n=%d: sum %g, argmax %d (was %d)", n, s, Argmax(x), arg)
		}
	}
}

// BenchmarkExp measures Exp in elements per second (as bytes: 4 per float).
func BenchmarkExp(b *testing.B) {
	x, dst := make([]float32, 4096), make([]float32, 4096)
	for i := range x {
		x[i] = -float32(i%97) / 7
	}
	for _, im := range []struct {
		name string
		fn   func(dst, x []float32)
	}{{"fast", Exp}, {"ref", expRef}} {
		b.Run(im.name, func(b *testing.B) {
			b.SetBytes(4 * int64(len(x)))
			for b.Loop() {
				im.fn(dst, x)
			}
		})
	}
}
