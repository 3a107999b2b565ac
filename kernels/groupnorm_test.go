package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestMaxGroupNorm2: MaxGroupNorm2 (the assembly kernels where present)
// and its reference equal a plain loop over the groups bit for bit for
// every group size and length (short last groups and tails past the
// kernels' 16-value blocks included), overflow to +Inf, and are NaN when
// any value is, wherever it sits.
func TestMaxGroupNorm2(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	plain := func(x []float32, d int) float32 {
		var m float32
		for g := 0; g < len(x); g += d {
			var n2 float32
			for _, v := range x[g:min(len(x), g+d)] {
				n2 += float32(v * v)
			}
			m = max(m, n2)
		}
		return m
	}
	for d := 1; d <= 8; d++ {
		for _, n := range []int{0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 19, 20, 21, 32, 47, 64, 101, 2048, 5632} {
			for _, scale := range []float64{10, 1e-3, 3e19} {
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(rng.NormFloat64() * scale)
				}
				want := plain(x, d)
				if got := MaxGroupNorm2(x, d); got != want {
					t.Fatalf("d=%d n=%d scale %g: %v, want %v", d, n, scale, got, want)
				}
				if got := maxGroupNorm2Go(x, d); got != want {
					t.Fatalf("reference d=%d n=%d scale %g: %v, want %v", d, n, scale, got, want)
				}
				if n == 0 {
					continue
				}
				x[rng.IntN(n)] = float32(math.NaN())
				if got := MaxGroupNorm2(x, d); got == got {
					t.Fatalf("d=%d n=%d with a NaN: %v, want NaN", d, n, got)
				}
			}
		}
	}
	if got := MaxGroupNorm2([]float32{1}, 0); got == got {
		t.Fatalf("d=0: %v, want NaN", got)
	}
}

// BenchmarkMaxGroupNorm2 times MaxGroupNorm2 ("fast") and its reference
// on the inputs of a decoded token's LUT products: bytes are input bytes.
func BenchmarkMaxGroupNorm2(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{2048, 5632} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		for _, d := range []int{2, 4} {
			for _, name := range []string{"fast", "ref"} {
				f := MaxGroupNorm2
				if name == "ref" {
					f = maxGroupNorm2Go
				}
				b.Run(fmt.Sprintf("%s/n=%d/d=%d", name, n, d), func(b *testing.B) {
					b.SetBytes(int64(4 * n))
					for b.Loop() {
						_ = f(x, d)
					}
				})
			}
		}
	}
}
