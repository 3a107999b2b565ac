package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// gemmCase is one product to check: a weight dtype with its reference and
// its widening of the random weights.
type gemmDtype struct {
	name  string
	round func(float32) uint16 // nil for F32
	ref   func(dst []float32, w32 []float32, w16 []uint16, x []float32, rows, cols, n, ld int)
	src   func(w32 []float32, w16 []uint16) wSource
	value func(w32 []float32, w16 []uint16, i int) float32
	pub   func(dst []float32, w32 []float32, w16 []uint16, x []float32, rows, cols, n, ld int)
}

var gemmDtypes = []gemmDtype{
	{
		name: "F32",
		ref: func(dst, w32 []float32, _ []uint16, x []float32, rows, cols, n, ld int) {
			matMulF32Ref(dst, w32, x, rows, cols, n, ld)
		},
		src:   func(w32 []float32, _ []uint16) wSource { return wSource{f32: w32} },
		value: func(w32 []float32, _ []uint16, i int) float32 { return w32[i] },
		pub: func(dst, w32 []float32, _ []uint16, x []float32, rows, cols, n, ld int) {
			MatMulF32(dst, w32, x, rows, cols, n, ld)
		},
	},
	{
		name:  "BF16",
		round: F32ToBF16,
		ref: func(dst, _ []float32, w16 []uint16, x []float32, rows, cols, n, ld int) {
			matMulBF16Ref(dst, w16, x, rows, cols, n, ld)
		},
		src:   func(_ []float32, w16 []uint16) wSource { return wSource{u16: w16, widen: widenBF16} },
		value: func(_ []float32, w16 []uint16, i int) float32 { return BF16ToF32(w16[i]) },
		pub: func(dst, _ []float32, w16 []uint16, x []float32, rows, cols, n, ld int) {
			MatMulBF16(dst, w16, x, rows, cols, n, ld)
		},
	},
	{
		name:  "F16",
		round: F32ToF16,
		ref: func(dst, _ []float32, w16 []uint16, x []float32, rows, cols, n, ld int) {
			matMulF16Ref(dst, w16, x, rows, cols, n, ld)
		},
		src:   func(_ []float32, w16 []uint16) wSource { return wSource{u16: w16, widen: widenF16} },
		value: func(_ []float32, w16 []uint16, i int) float32 { return F16ToF32(w16[i]) },
		pub: func(dst, _ []float32, w16 []uint16, x []float32, rows, cols, n, ld int) {
			MatMulF16(dst, w16, x, rows, cols, n, ld)
		},
	},
}

// gemmRun is one implementation under test: the public dispatch, or the
// blocked driver with a given micro-kernel.
type gemmRun struct {
	name string
	fn   func(d gemmDtype, dst, w32 []float32, w16 []uint16, x []float32, rows, cols, n, ld int)
}

func gemmRuns() []gemmRun {
	runs := []gemmRun{{"dispatch", func(d gemmDtype, dst, w32 []float32, w16 []uint16, x []float32, rows, cols, n, ld int) {
		d.pub(dst, w32, w16, x, rows, cols, n, ld)
	}}}
	for _, mk := range gemmAvailable {
		runs = append(runs, gemmRun{mk.name, func(d gemmDtype, dst, w32 []float32, w16 []uint16, x []float32, rows, cols, n, ld int) {
			gemm(dst, d.src(w32, w16), x, rows, cols, n, ld, mk)
		}})
	}
	return runs
}

// checkGemm fills a rows×cols matrix and n vectors with random values, runs
// every implementation into a NaN-guarded dst with leading dimension
// rows+pad, and compares each output with the reference within
// dotTolerance; the gaps between outputs must stay NaN.
func checkGemm(t *testing.T, rng *rand.Rand, d gemmDtype, rows, cols, n, pad int) {
	t.Helper()
	ld := rows + pad
	w32, w16 := make([]float32, rows*cols), make([]uint16, rows*cols)
	x := make([]float32, n*cols)
	for i := range w32 {
		w32[i] = float32(rng.NormFloat64())
		if d.round != nil {
			w16[i] = d.round(w32[i])
		}
	}
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	size := max(0, (n-1)*ld+rows)
	want := make([]float32, size)
	d.ref(want, w32, w16, x, rows, cols, n, ld)
	for _, run := range gemmRuns() {
		buf, dst := guardedF32(size, 3)
		run.fn(d, dst, w32, w16, x, rows, cols, n, ld)
		name := fmt.Sprintf("%s/%s rows=%d cols=%d n=%d ld=%d", d.name, run.name, rows, cols, n, ld)
		checkGuardsF32(t, name, buf, 3, size)
		for tk := range n {
			for r := range rows {
				var abs float64
				for c := range cols {
					abs += math.Abs(float64(d.value(w32, w16, r*cols+c)) * float64(x[tk*cols+c]))
				}
				i := tk*ld + r
				if diff := math.Abs(float64(dst[i]) - float64(want[i])); !(diff <= dotTolerance(cols, abs)) {
					t.Fatalf("%s: out[t=%d,r=%d] = %g, reference %g (diff %g)", name, tk, r, dst[i], want[i], diff)
				}
			}
			for r := rows; r < ld && tk < n-1; r++ {
				if v := dst[tk*ld+r]; v == v {
					t.Fatalf("%s: gap element t=%d r=%d overwritten with %g", name, tk, r, v)
				}
			}
		}
	}
}

// TestMatMulFastMatchesRef cross-checks the blocked products (the dispatched
// one and every micro-kernel the CPU has) against the references on sizes
// around the tile, block and column-step boundaries.
func TestMatMulFastMatchesRef(t *testing.T) {
	t.Logf("GEMM kernel in use: %s", GemmKernel())
	rng := rand.New(rand.NewPCG(11, 12))
	for _, d := range gemmDtypes {
		for _, rows := range []int{1, 3, 4, 5, 7, 13, 67} {
			for _, cols := range []int{0, 1, 15, 16, 17, 33, 100, 257, 300} {
				for n := 1; n <= 17; n++ {
					checkGemm(t, rng, d, rows, cols, n, (rows+n)%3)
				}
			}
		}
		checkGemm(t, rng, d, 0, 10, 3, 2)
		checkGemm(t, rng, d, 5, 10, 0, 0)
	}
}

// TestMatMulLarge checks shapes spanning several row blocks (gemmMC) and
// column blocks (gemmKC) plus a column tail.
func TestMatMulLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, d := range gemmDtypes {
		checkGemm(t, rng, d, 2*gemmMC+6, 2*gemmKC+52, 19, 5)
		if !testing.Short() {
			checkGemm(t, rng, d, 256, 2048, 64, 0)
		}
	}
}

// TestMatMulExact checks every implementation on small integers, whose
// products and sums are exact in float32 in any order, so the outputs must
// equal the reference bit for bit (and a closed form).
func TestMatMulExact(t *testing.T) {
	const rows, cols, n = 9, 1043, 7
	for _, d := range gemmDtypes {
		w32, w16 := make([]float32, rows*cols), make([]uint16, rows*cols)
		x := make([]float32, n*cols)
		for i := range w32 {
			w32[i] = float32(i%7 - 3)
			if d.round != nil {
				w16[i] = d.round(w32[i])
			}
		}
		for i := range x {
			x[i] = float32(i%5 - 2)
		}
		for _, run := range gemmRuns() {
			dst := make([]float32, n*rows)
			run.fn(d, dst, w32, w16, x, rows, cols, n, rows)
			for tk := range n {
				for r := range rows {
					var want float32
					for c := range cols {
						want += w32[r*cols+c] * x[tk*cols+c]
					}
					if got := dst[tk*rows+r]; got != want {
						t.Fatalf("%s/%s: out[t=%d,r=%d] = %g, want %g", d.name, run.name, tk, r, got, want)
					}
				}
			}
		}
	}
}

// TestMatMulShortPanics checks that the shape precondition is enforced
// before any assembly runs.
func TestMatMulShortPanics(t *testing.T) {
	w, x, dst := make([]float32, 12), make([]float32, 8), make([]float32, 8)
	w16 := make([]uint16, 12)
	cases := []struct {
		name string
		call func()
	}{
		{"short w", func() { MatMulF32(dst, w[:11], x, 3, 4, 2, 3) }},
		{"short x", func() { MatMulF32(dst, w, x[:7], 3, 4, 2, 3) }},
		{"short dst", func() { MatMulF32(dst[:5], w, x, 3, 4, 2, 3) }},
		{"ld < rows", func() { MatMulF32(dst, w, x, 3, 4, 2, 2) }},
		{"negative", func() { MatMulF32(dst, w, x, -1, 4, 2, 3) }},
		{"BF16 short w", func() { MatMulBF16(dst, w16[:11], x, 3, 4, 2, 3) }},
		{"F16 short x", func() { MatMulF16(dst, w16, x[:7], 3, 4, 2, 3) }},
	}
	for _, c := range cases {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			c.call()
		}()
	}
}

// TestWiden compares the dispatched widening of every 16-bit pattern with
// the references (NaNs need only stay NaNs: VCVTPH2PS quiets them).
func TestWiden(t *testing.T) {
	src := make([]uint16, 1<<16+5)
	for i := range src {
		src[i] = uint16(i)
	}
	for _, c := range []struct {
		name      string
		fast, ref func(dst []float32, src []uint16)
	}{{"BF16", widenBF16, widenBF16Ref}, {"F16", widenF16, widenF16Ref}} {
		got, want := make([]float32, len(src)), make([]float32, len(src))
		c.fast(got, src)
		c.ref(want, src)
		for i := range got {
			g, w := got[i], want[i]
			if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
				t.Fatalf("%s: widen(%#04x) = %g, reference %g", c.name, src[i], g, w)
			}
		}
	}
}

// BenchmarkMatMul runs the blocked products and the references at
// TinyLlama-1.1B's projection shapes on one goroutine, reporting GFLOP/s
// (2·rows·cols·n floating-point operations per product).
//
//	go test ./kernels -run '^$' -bench MatMul -benchtime 3x
func BenchmarkMatMul(b *testing.B) {
	rng := rand.New(rand.NewPCG(15, 16))
	const cols = 2048
	for _, rows := range []int{2048, 5632} {
		w32, w16 := make([]float32, rows*cols), make([]uint16, rows*cols)
		for i := range w32 {
			w32[i] = float32(rng.NormFloat64())
			w16[i] = F32ToBF16(w32[i])
		}
		for _, n := range []int{64, 512} {
			x, dst := make([]float32, n*cols), make([]float32, n*rows)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			impls := []struct {
				name string
				fn   func()
			}{
				{"F32/fast", func() { MatMulF32(dst, w32, x, rows, cols, n, rows) }},
				{"F32/ref", func() { matMulF32Ref(dst, w32, x, rows, cols, n, rows) }},
				{"BF16/fast", func() { MatMulBF16(dst, w16, x, rows, cols, n, rows) }},
				{"BF16/ref", func() { matMulBF16Ref(dst, w16, x, rows, cols, n, rows) }},
			}
			for _, im := range impls {
				b.Run(fmt.Sprintf("%s/%dx%d/n=%d", im.name, rows, cols, n), func(b *testing.B) {
					for b.Loop() {
						im.fn()
					}
					b.ReportMetric(2*float64(rows)*cols*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}
