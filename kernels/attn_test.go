package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestMulPanel64MatchesRef compares MulPanel64 with mulPanel64Ref over odd
// row counts (row tails of the 4-row kernel), k from 0 to 70, padded leading
// dimensions, with and without beta; c outside the panel must stay intact.
func TestMulPanel64MatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, m := range []int{1, 3, 4, 5, 8, 13} {
		for _, k := range []int{0, 1, 7, 16, 64, 70} {
			for _, withBeta := range []bool{false, true} {
				lda, ldb, ldc := k+3, PanelWidth+5, PanelWidth+11
				a := make([]float32, m*lda)
				b := make([]float32, max(k, 1)*ldb)
				c := make([]float32, m*ldc)
				for i := range a {
					a[i] = float32(rng.NormFloat64())
				}
				for i := range b {
					b[i] = float32(rng.NormFloat64())
				}
				for i := range c {
					c[i] = float32(rng.NormFloat64())
				}
				var beta []float32
				if withBeta {
					beta = make([]float32, m)
					for i := range beta {
						beta[i] = float32(rng.Float64())
					}
				} else {
					for i := range m { // overwritten without being read
						c[i*ldc] = float32(math.NaN())
					}
				}
				want := append([]float32(nil), c...)
				mulPanel64Ref(want, ldc, a, lda, b, ldb, m, k, beta)
				got := append([]float32(nil), c...)
				MulPanel64(got, ldc, a, lda, b, ldb, m, k, beta)
				name := fmt.Sprintf("m=%d k=%d beta=%v", m, k, withBeta)
				for i := range got {
					if j := i % ldc; j >= PanelWidth && got[i] != c[i] {
						t.Fatalf("%s: c[%d] outside the panel changed", name, i)
					}
					// FMA rounding only: k+1 roundings of terms of size ≲ 4.
					if d := math.Abs(float64(got[i] - want[i])); !(d <= 1e-6*float64(k+2)*4) {
						t.Fatalf("%s: c[%d] = %g, reference %g", name, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestMulPanel64Exact checks a product of small integers (exact in any
// order) against its closed form: a = i+1, b = j, so c[i][j] = k·(i+1)·j,
// plus β·old with β = 2.
func TestMulPanel64Exact(t *testing.T) {
	const m, k = 6, 9
	a, b, c := make([]float32, m*k), make([]float32, k*PanelWidth), make([]float32, m*PanelWidth)
	beta := make([]float32, m)
	for i := range m {
		beta[i] = 2
		for p := range k {
			a[i*k+p] = float32(i + 1)
		}
		for j := range PanelWidth {
			c[i*PanelWidth+j] = 1
		}
	}
	for p := range k {
		for j := range PanelWidth {
			b[p*PanelWidth+j] = float32(j)
		}
	}
	MulPanel64(c, PanelWidth, a, k, b, PanelWidth, m, k, beta)
	for i := range m {
		for j := range PanelWidth {
			if want := float32(2 + k*(i+1)*j); c[i*PanelWidth+j] != want {
				t.Fatalf("c[%d][%d] = %g, want %g", i, j, c[i*PanelWidth+j], want)
			}
		}
	}
}

// BenchmarkMulPanel64 reports GFLOP/s of the attention shapes: 64 query
// rows against a 64-column panel with k = 64 (head dimension or key block).
func BenchmarkMulPanel64(b *testing.B) {
	const m, k = 64, 64
	a, p, c := make([]float32, m*k), make([]float32, k*PanelWidth), make([]float32, m*PanelWidth)
	beta := make([]float32, m)
	for i := range a {
		a[i] = float32(i%13) / 13
	}
	for i := range p {
		p[i] = float32(i%7) / 7
	}
	for _, im := range []struct {
		name string
		fn   func(c []float32, ldc int, a []float32, lda int, b []float32, ldb int, m, k int, beta []float32)
	}{{"fast", MulPanel64}, {"ref", mulPanel64Ref}} {
		b.Run(im.name, func(b *testing.B) {
			for b.Loop() {
				im.fn(c, PanelWidth, a, k, p, PanelWidth, m, k, beta)
			}
			b.ReportMetric(2*m*k*PanelWidth*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
