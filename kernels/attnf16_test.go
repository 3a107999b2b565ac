package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// randF16 returns n binary16 patterns of N(0, σ²) values.
func randF16(rng *rand.Rand, n int, sigma float64) []uint16 {
	h := make([]uint16, n)
	for i := range h {
		h[i] = F32ToF16(float32(sigma * rng.NormFloat64()))
	}
	return h
}

// TestScoresF16MatchesRef compares ScoresF16 with scoresF16Ref over head
// dimensions with and without a tail of the 16-lane chunks, key counts
// below, at and between multiples of the 16-key block (the overlapping
// rerun and the padded copy), one to nine rows and padded strides; s
// outside the scores must stay intact.
func TestScoresF16MatchesRef(t *testing.T) {
	t.Logf("assembly: %v", haveAttnF16Asm)
	rng := rand.New(rand.NewPCG(61, 62))
	for _, hd := range []int{1, 7, 16, 40, 64, 100, 128, 300} {
		for _, n := range []int{1, 5, 15, 16, 17, 31, 32, 47, 100} {
			for _, rows := range []int{1, 3, 8, 9} {
				lds, ldk := n+5, hd+19
				q := randF32(rng, rows*hd, 1)
				k := randF16(rng, (n-1)*ldk+hd, 1)
				s := randF32(rng, (rows-1)*lds+n+3, 1)
				want := append([]float32(nil), s...)
				scoresF16Ref(want, lds, q, rows, hd, k, ldk, n)
				got := append([]float32(nil), s...)
				ScoresF16(got, lds, q, rows, hd, k, ldk, n)
				name := fmt.Sprintf("hd=%d n=%d rows=%d", hd, n, rows)
				for i := range got {
					if i%lds >= n || i >= (rows-1)*lds+n {
						if got[i] != s[i] {
							t.Fatalf("%s: s[%d] outside the scores changed", name, i)
						}
						continue
					}
					// Reassociation (and FMA rounding) only: each side rounds
					// at most 2·hd times, each time by at most 2^-24 of the
					// sum of the products' magnitudes.
					r, j := i/lds, i%lds
					mag := 0.0
					for d := range hd {
						mag += math.Abs(float64(q[r*hd+d]) * float64(F16ToF32(k[j*ldk+d])))
					}
					if d := math.Abs(float64(got[i] - want[i])); !(d <= 0x1p-24*float64(4*hd+2)*mag) {
						t.Fatalf("%s: s[%d] = %g, reference %g", name, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestAccumF16MatchesRef compares AccumF16 with accumF16Ref over head
// dimensions covering one or two 16-lane halves and tails of the 32-wide
// chunks, 1 to 20 rows (the kernel's 8-row groups and their tails) and
// value counts from 1; o outside the rows' hd columns must stay intact.
func TestAccumF16MatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(63, 64))
	for _, hd := range []int{1, 5, 16, 17, 32, 40, 64, 100, 128} {
		for _, n := range []int{1, 2, 16, 33, 257} {
			for _, rows := range []int{1, 2, 4, 5, 8, 11, 20} {
				ldo, ldp, ldv := hd+3, n+2, hd+21
				p := make([]float32, (rows-1)*ldp+n)
				for i := range p {
					p[i] = float32(rng.Float64())
				}
				v := randF16(rng, (n-1)*ldv+hd, 1)
				o := randF32(rng, (rows-1)*ldo+hd+2, 1)
				want := append([]float32(nil), o...)
				accumF16Ref(want, ldo, p, ldp, rows, v, ldv, n, hd)
				got := append([]float32(nil), o...)
				AccumF16(got, ldo, p, ldp, rows, v, ldv, n, hd)
				name := fmt.Sprintf("hd=%d n=%d rows=%d", hd, n, rows)
				for i := range got {
					if i%ldo >= hd || i >= (rows-1)*ldo+hd {
						if got[i] != o[i] {
							t.Fatalf("%s: o[%d] outside the rows changed", name, i)
						}
						continue
					}
					// FMA rounding only: each of the two sides rounds at most
					// 2n+1 times, each time by at most 2^-24 of the sum of
					// the magnitudes.
					r, d0 := i/ldo, i%ldo
					mag := math.Abs(float64(o[i]))
					for j := range n {
						mag += math.Abs(float64(p[r*ldp+j]) * float64(F16ToF32(v[j*ldv+d0])))
					}
					if d := math.Abs(float64(got[i] - want[i])); !(d <= 0x1p-24*float64(4*n+2)*mag) {
						t.Fatalf("%s: o[%d] = %g, reference %g", name, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestAttnF16Shapes: zero sizes do nothing, and short slices panic rather
// than letting the assembly read past them.
func TestAttnF16Shapes(t *testing.T) {
	ScoresF16(nil, 0, nil, 0, 64, nil, 64, 0)
	AccumF16(nil, 0, nil, 0, 0, nil, 64, 0, 64)
	s := []float32{7}
	ScoresF16(s, 1, []float32{1}, 1, 0, nil, 0, 1)
	if s[0] != 0 {
		t.Errorf("ScoresF16 with hd=0 wrote %g, want 0", s[0])
	}
	cases := []struct {
		name string
		f    func()
	}{
		{"scores short k", func() { ScoresF16(make([]float32, 32), 32, make([]float32, 64), 1, 64, make([]uint16, 64*31), 64, 32) }},
		{"scores short s", func() { ScoresF16(make([]float32, 31), 32, make([]float32, 64), 1, 64, make([]uint16, 64*32), 64, 32) }},
		{"scores short q", func() { ScoresF16(make([]float32, 64), 32, make([]float32, 64), 2, 64, make([]uint16, 64*32), 64, 32) }},
		{"accum short v", func() { AccumF16(make([]float32, 64), 64, make([]float32, 8), 8, 1, make([]uint16, 64*7), 64, 8, 64) }},
		{"accum short o", func() { AccumF16(make([]float32, 100), 64, make([]float32, 16), 8, 2, make([]uint16, 64*8), 64, 8, 64) }},
		{"accum bad ldp", func() { AccumF16(make([]float32, 128), 64, make([]float32, 16), 4, 2, make([]uint16, 64*8), 64, 8, 64) }},
	}
	for _, c := range cases {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			c.f()
		}()
	}
}

// BenchmarkAttnF16 times the two kernels on one block of decode attention
// in TinyLlama's shape: 8 query heads of a group, head dimension 64, 256
// keys and values with the stride of a 4-KV-head cache row. GFLOP/s counts
// 2·hd per (row, key).
func BenchmarkAttnF16(b *testing.B) {
	const rows, hd, n, ld = 8, 64, 256, 256
	rng := rand.New(rand.NewPCG(65, 66))
	q, s := randF32(rng, rows*hd, 1), make([]float32, rows*n)
	k := randF16(rng, n*ld, 1)
	o := make([]float32, rows*hd)
	for i := range s {
		s[i] = float32(rng.Float64())
	}
	flops := float64(2 * rows * hd * n)
	b.Run("scores", func(b *testing.B) {
		for b.Loop() {
			ScoresF16(s, n, q, rows, hd, k, ld, n)
		}
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
	b.Run("accum", func(b *testing.B) {
		for b.Loop() {
			AccumF16(o, hd, s, n, rows, k, ld, n, hd)
		}
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
	b.Run("softmax", func(b *testing.B) {
		mx, sum, a := make([]float32, rows), make([]float32, rows), make([]float32, rows)
		for b.Loop() {
			for i := range rows {
				mx[i], sum[i] = 0, 0
			}
			SoftmaxOnline(s, n, rows, n, mx, sum, a)
		}
	})
}
