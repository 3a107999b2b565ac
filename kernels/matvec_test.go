package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// matVecDtype is one weight dtype of the MatVec tests: round maps a float32
// to the nearest value the dtype holds, and run stores the rounded weights
// vals in that dtype, at element offset off of a NaN-guarded buffer, and
// runs MatVec (fast) or its reference on them.
type matVecDtype struct {
	name  string
	round func(float32) float32
	run   func(fast bool, dst, vals []float32, off int, x []float32, rows, cols int)
}

var matVecDtypes = []matVecDtype{
	{"BF16", func(v float32) float32 { return BF16ToF32(F32ToBF16(v)) },
		func(fast bool, dst, vals []float32, off int, x []float32, rows, cols int) {
			_, w := guardedBF16(len(vals), off)
			for i, v := range vals {
				w[i] = F32ToBF16(v)
			}
			if fast {
				MatVecBF16(dst, w, x, rows, cols)
			} else {
				matVecBF16Ref(dst, w, x, rows, cols)
			}
		}},
	{"F16", func(v float32) float32 { return F16ToF32(F32ToF16(v)) },
		func(fast bool, dst, vals []float32, off int, x []float32, rows, cols int) {
			_, w := guardedF16(len(vals), off)
			for i, v := range vals {
				w[i] = F32ToF16(v)
			}
			if fast {
				MatVecF16(dst, w, x, rows, cols)
			} else {
				matVecF16Ref(dst, w, x, rows, cols)
			}
		}},
	{"F32", func(v float32) float32 { return v },
		func(fast bool, dst, vals []float32, off int, x []float32, rows, cols int) {
			_, w := guardedF32(len(vals), off)
			copy(w, vals)
			if fast {
				MatVecF32(dst, w, x, rows, cols)
			} else {
				matVecF32Ref(dst, w, x, rows, cols)
			}
		}},
}

// forEachMatVecKernel runs fn once with every kernel set this CPU has (and
// once with none, the references), restoring the dispatch afterwards.
func forEachMatVecKernel(t *testing.T, fn func(t *testing.T)) {
	saved := matVecBest
	defer func() { matVecBest = saved }()
	for _, k := range append(append([]*matVecKernel{}, matVecAvailable...), nil) {
		name := "ref"
		if k != nil {
			name = k.name
		}
		matVecBest = k
		t.Run(name, fn)
	}
}

// TestMatVecFastMatchesRef cross-checks MatVecBF16, MatVecF16 and MatVecF32
// with every kernel set against their references on random matrices whose
// row and column counts cover the four-row groups, the vector widths and
// their tails, inside NaN-guarded buffers (a read outside w or x turns a
// product into NaN; a write outside dst[:rows] shows in its guard).
func TestMatVecFastMatchesRef(t *testing.T) {
	rowCounts := []int{0, 1, 3, 4, 5, 7, 8, 9, 13, 32, 35}
	colCounts := []int{0, 1, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 47, 48, 63, 64, 65, 100, 2048 + 7}
	forEachMatVecKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(31, 32))
		for _, dt := range matVecDtypes {
			for _, rows := range rowCounts {
				for _, cols := range colCounts {
					off := rng.IntN(8)
					name := fmt.Sprintf("%s %d×%d off=%d", dt.name, rows, cols, off)
					vals := make([]float32, rows*cols)
					for i := range vals {
						vals[i] = dt.round(float32(rng.NormFloat64()))
					}
					bufX, x := guardedF32(cols, (off*3)%8)
					for i := range x {
						x[i] = float32(rng.NormFloat64())
					}
					bufD, dst := guardedF32(rows, off)
					want := make([]float32, rows)
					dt.run(true, dst, vals, off, x, rows, cols)
					dt.run(false, want, vals, off, x, rows, cols)
					for r := range rows {
						var abs float64
						for c := range cols {
							abs += math.Abs(float64(vals[r*cols+c]) * float64(x[c]))
						}
						if d := math.Abs(float64(dst[r]) - float64(want[r])); !(d <= dotTolerance(cols, abs)) {
							t.Fatalf("%s: row %d = %g, reference %g (diff %g, tolerance %g)",
								name, r, dst[r], want[r], d, dotTolerance(cols, abs))
						}
					}
					checkGuardsF32(t, name, bufD, off, rows)
					checkGuardsF32(t, name, bufX, (off*3)%8, cols)
				}
			}
		}
	})
}

// TestMatVecExact checks every kernel set on small-integer inputs, exact in
// any summation order, against closed forms: row r of W is r+1 in every
// column or, in the alternating case, (−1)^c·(r+1).
func TestMatVecExact(t *testing.T) {
	cases := []struct {
		name       string
		rows, cols int
		w          func(r, c int) float32
		x          func(c int) float32
		want       func(r, cols int) float32
	}{
		{"constant rows", 9, 67, func(r, _ int) float32 { return float32(r + 1) }, func(int) float32 { return 2 },
			func(r, cols int) float32 { return float32(2 * (r + 1) * cols) }},
		{"alternating", 6, 129, func(r, c int) float32 { return float32((r + 1) * (1 - 2*(c%2))) }, func(int) float32 { return 0.5 },
			func(r, cols int) float32 { return 0.5 * float32((r+1)*(cols%2)) }},
		{"index", 4, 256, func(_, c int) float32 { return float32(c % 64) }, func(int) float32 { return 1 },
			func(_, cols int) float32 { return float32(cols / 64 * 63 * 32) }},
	}
	forEachMatVecKernel(t, func(t *testing.T) {
		for _, c := range cases {
			vals, x := make([]float32, c.rows*c.cols), make([]float32, c.cols)
			for i := range vals {
				vals[i] = c.w(i/c.cols, i%c.cols)
			}
			for i := range x {
				x[i] = c.x(i)
			}
			for _, dt := range matVecDtypes {
				dst := make([]float32, c.rows)
				dt.run(true, dst, vals, 0, x, c.rows, c.cols)
				for r, got := range dst {
					if want := c.want(r, c.cols); got != want {
						t.Errorf("%s %s: row %d = %g, want %g", dt.name, c.name, r, got, want)
					}
				}
			}
		}
	})
}

// TestMatVecShortSlices: a slice too short for the shape is a programmer
// error and panics instead of reading past it.
func TestMatVecShortSlices(t *testing.T) {
	calls := []struct {
		name string
		fn   func()
	}{
		{"short w", func() { MatVecBF16(make([]float32, 4), make([]uint16, 15), make([]float32, 4), 4, 4) }},
		{"short x", func() { MatVecF16(make([]float32, 4), make([]uint16, 16), make([]float32, 3), 4, 4) }},
		{"short dst", func() { MatVecF32(make([]float32, 3), make([]float32, 16), make([]float32, 4), 4, 4) }},
		{"negative rows", func() { MatVecF32(nil, nil, nil, -1, 4) }},
	}
	for _, c := range calls {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			c.fn()
		}()
	}
}

// TestMatVecAllocs: a matrix-vector product allocates nothing (the decode
// loop relies on it).
func TestMatVecAllocs(t *testing.T) {
	w, x, dst := make([]uint16, 33*70), make([]float32, 70), make([]float32, 33)
	if a := testing.AllocsPerRun(50, func() { MatVecBF16(dst, w, x, 33, 70) }); a != 0 {
		t.Fatalf("MatVecBF16 allocates %.1f times per call", a)
	}
}

// matVecBenchBytes is the weight memory each matrix-vector benchmark cycles
// through: copies of the matrix filling it, so that no cache level holds
// the weights and the figure is that of main memory, as in decoding.
const matVecBenchBytes = MinBandwidthBuffer

// BenchmarkMatVec reports the weight bandwidth (GB/s of weights read) of
// one-thread matrix-vector products on the TinyLlama-1.1B shapes, for the
// dispatched kernel ("fast"), the row-at-a-time dot product ("dot") and the
// reference ("ref"), and a plain read of the same bytes ("sum", the core's
// read bandwidth), cycling through enough copies of the matrix to leave
// the caches.
func BenchmarkMatVec(b *testing.B) {
	buf := make([]float32, matVecBenchBytes/4) // F32 copies; BF16/F16 view half of it
	for i := range buf {
		buf[i] = float32(int32(i*2654435761)>>8) * 0x1p-23
	}
	u16 := unsafe.Slice((*uint16)(unsafe.Pointer(&buf[0])), len(buf)*2)
	shapes := []struct{ rows, cols int }{{2048, 2048}, {5632, 2048}}
	type impl struct {
		name string
		fn   func(dst []float32, w []uint16, wf []float32, x []float32, rows, cols int)
	}
	dtypes := []struct {
		name  string
		esz   int
		impls []impl
	}{
		{"BF16", 2, []impl{
			{"fast", func(d []float32, w []uint16, _, x []float32, r, c int) { MatVecBF16(d, w, x, r, c) }},
			{"dot", func(d []float32, w []uint16, _, x []float32, r, c int) {
				for i := range r {
					d[i] = DotBF16(w[i*c:(i+1)*c], x)
				}
			}},
			{"ref", func(d []float32, w []uint16, _, x []float32, r, c int) { matVecBF16Ref(d, w, x, r, c) }},
		}},
		{"F16", 2, []impl{
			{"fast", func(d []float32, w []uint16, _, x []float32, r, c int) { MatVecF16(d, w, x, r, c) }},
			{"ref", func(d []float32, w []uint16, _, x []float32, r, c int) { matVecF16Ref(d, w, x, r, c) }},
		}},
		{"F32", 4, []impl{
			{"fast", func(d []float32, _ []uint16, w, x []float32, r, c int) { MatVecF32(d, w, x, r, c) }},
			{"ref", func(d []float32, _ []uint16, w, x []float32, r, c int) { matVecF32Ref(d, w, x, r, c) }},
		}},
	}
	// "sum" reads the same bytes with SumF32: the core's read bandwidth.
	sum := impl{"sum", func(d []float32, w []uint16, wf, _ []float32, _, _ int) {
		if w != nil {
			wf = unsafe.Slice((*float32)(unsafe.Pointer(&w[0])), len(w)/2)
		}
		d[0] = SumF32(wf)
	}}
	for _, dt := range dtypes {
		dt.impls = append(dt.impls, sum)
		for _, sh := range shapes {
			n := sh.rows * sh.cols
			copies := matVecBenchBytes / (n * dt.esz)
			x, dst := make([]float32, sh.cols), make([]float32, sh.rows)
			for i := range x {
				x[i] = float32(i%7) - 3
			}
			for _, im := range dt.impls {
				b.Run(fmt.Sprintf("%s/%dx%d/%s", dt.name, sh.rows, sh.cols, im.name), func(b *testing.B) {
					b.SetBytes(int64(n * dt.esz))
					i := 0
					for b.Loop() {
						c := i % copies
						if dt.esz == 2 {
							im.fn(dst, u16[c*n:(c+1)*n], nil, x, sh.rows, sh.cols)
						} else {
							im.fn(dst, nil, buf[c*n:(c+1)*n], x, sh.rows, sh.cols)
						}
						i++
					}
				})
			}
		}
	}
}
