package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// guardedF16 is guardedF32 for binary16 words; 0x7e01 is a quiet NaN.
func guardedF16(n, off int) (buf, s []uint16) {
	buf = make([]uint16, off+n+16)
	for i := range buf {
		buf[i] = 0x7e01
	}
	return buf, buf[off : off+n : off+n]
}

// TestDotF16FastMatchesRef cross-checks DotF16 against dotF16Ref at every
// length 0..300 and a few large ones, on starts offset by 0..7 elements
// inside NaN-guarded buffers.
func TestDotF16FastMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	lengths := []int{2048, 5632 + 7, 8192 + 31}
	for n := range 301 {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		for off := range 8 {
			bufW, w := guardedF16(n, off)
			bufX, x := guardedF32(n, (off*3)%8)
			var abs float64
			for i := range w {
				w[i], x[i] = F32ToF16(float32(rng.NormFloat64())), float32(rng.NormFloat64())
				abs += math.Abs(float64(F16ToF32(w[i])) * float64(x[i]))
			}
			name := fmt.Sprintf("n=%d off=%d", n, off)
			got, want := DotF16(w, x), dotF16Ref(w, x)
			if d := math.Abs(float64(got) - float64(want)); !(d <= dotTolerance(n, abs)) {
				t.Fatalf("%s: DotF16 = %g, dotF16Ref = %g (diff %g)", name, got, want, d)
			}
			for i, v := range bufW {
				if (i < off || i >= off+n) && v != 0x7e01 {
					t.Fatalf("%s: guard word %d overwritten", name, i)
				}
			}
			checkGuardsF32(t, name, bufX, (off*3)%8, n)
		}
	}
}

// TestDotF16Exact checks DotF16 on small integers (exact in any order),
// including subnormal-free halves and negative values, against closed forms.
func TestDotF16Exact(t *testing.T) {
	cases := []struct {
		name string
		w    func(i int) float32
		x    func(i int) float32
		n    int
		want float32
	}{
		{"ones", func(int) float32 { return 1 }, func(int) float32 { return 1 }, 300, 300},
		{"halves", func(int) float32 { return 0.5 }, func(int) float32 { return -2 }, 77, -77},
		{"index", func(i int) float32 { return float32(i) }, func(int) float32 { return 2 }, 257, 257 * 256},
		{"empty", func(int) float32 { return 1 }, func(int) float32 { return 1 }, 0, 0},
	}
	for _, c := range cases {
		w, x := make([]uint16, c.n), make([]float32, c.n+3)
		for i := range w {
			w[i], x[i] = F32ToF16(c.w(i)), c.x(i)
		}
		if got := DotF16(w, x); got != c.want {
			t.Errorf("%s: DotF16 = %g, want %g", c.name, got, c.want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Errorf("DotF16 with a short x did not panic")
		}
	}()
	DotF16(make([]uint16, 9), make([]float32, 8))
}

// BenchmarkDotF16 is BenchmarkDotBF16 for DotF16.
func BenchmarkDotF16(b *testing.B) {
	impls := []struct {
		name string
		fn   func(w []uint16, x []float32) float32
	}{{"fast", DotF16}, {"ref", dotF16Ref}}
	for _, n := range []int{2048, 5632} {
		rng := rand.New(rand.NewPCG(23, 24))
		w, x := make([]uint16, n), make([]float32, n)
		for i := range x {
			w[i], x[i] = F32ToF16(float32(rng.NormFloat64())), float32(rng.NormFloat64())
		}
		for _, im := range impls {
			b.Run(fmt.Sprintf("%s/n=%d", im.name, n), func(b *testing.B) {
				b.SetBytes(int64(6 * n))
				var s float32
				for b.Loop() {
					s += im.fn(w, x)
				}
				sink = s
			})
		}
	}
}
