package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/upgtools/upg/codec"
	"github.com/upgtools/upg/kernels"
)

// TestEncodedMatMul checks the encoded matrix against the product with its
// decoded float32 rows, for one and several vectors, with and without an
// outlier table, on row lengths that need padding.
func TestEncodedMatMul(t *testing.T) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		codec      string
		rows, cols int
		outliers   float64
	}{
		{"vq2", 40, 64, 0}, {"vq2", 33, 172, 0}, {"vq3", 17, 96, 0.01}, {"vq1p6", 20, 120, 0},
		{"q4", 19, 50, 0}, {"vq4", 24, 64, 0.02}, {"q3", 9, 33, 0}, {"vq1", 16, 64, 0},
	} {
		c, err := codec.Lookup(tc.codec)
		if err != nil {
			t.Fatal(err)
		}
		w := make([]float32, tc.rows*tc.cols)
		for i := range w {
			w[i] = float32(rng.NormFloat64())
		}
		e, err := c.Encode(w, tc.rows, tc.cols, nil, codec.Params{Seed: 3, OutlierFrac: tc.outliers})
		if err != nil {
			t.Fatal(err)
		}
		m, err := NewEncoded(e)
		if err != nil {
			t.Fatal(err)
		}
		dec := make([]float32, len(w))
		if err := e.Decode(dec); err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{1, 5, encBatchMin + 3} { // one input, per-input products, batched
			x := make([]float32, n*tc.cols)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			got := make([]float32, n*tc.rows)
			m.MatMul(pool, got, x, n)
			for tk := range n {
				for r := range tc.rows {
					want := kernels.Dot(dec[r*tc.cols:(r+1)*tc.cols], x[tk*tc.cols:(tk+1)*tc.cols])
					g := got[tk*tc.rows+r]
					// int8 activation kernels and reassociation: relative to Σ|w·x|
					var scale float64
					for j := range tc.cols {
						scale += math.Abs(float64(dec[r*tc.cols+j] * x[tk*tc.cols+j]))
					}
					if math.Abs(float64(g-want)) > 1e-3*scale+1e-5 {
						t.Fatalf("%s %dx%d n=%d: row %d token %d: %v, want %v", tc.codec, tc.rows, tc.cols, n, r, tk, g, want)
					}
				}
			}
		}
		row := make([]float32, tc.cols)
		m.Row(3, row)
		for j := range row {
			if row[j] != dec[3*tc.cols+j] {
				t.Fatalf("%s: Row(3)[%d] = %v, want %v", tc.codec, j, row[j], dec[3*tc.cols+j])
			}
		}
	}
}

// TestEncodedDecodeAllocs: a matrix-vector product on codes allocates
// nothing once warm.
func TestEncodedDecodeAllocs(t *testing.T) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	w := make([]float32, 64*128)
	for i := range w {
		w[i] = float32(i%7) - 3
	}
	for _, name := range []string{"vq2", "lut2"} {
		c, _ := codec.Lookup(name)
		e, err := c.Encode(w, 64, 128, nil, codec.Params{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		m, _ := NewEncoded(e)
		x, y := make([]float32, 128), make([]float32, 64)
		m.MatMul(pool, y, x, 1)
		if a := testing.AllocsPerRun(50, func() { m.MatMul(pool, y, x, 1) }); a > 0 {
			t.Errorf("%s: %v allocations per product, want 0", name, a)
		}
		ls, out := [2]Linear{m, m}, [2][]float32{y, make([]float32, 64)}
		MatMulShared(pool, ls[:], out[:], x, 1)
		if a := testing.AllocsPerRun(50, func() { MatMulShared(pool, ls[:], out[:], x, 1) }); a > 0 {
			t.Errorf("%s: %v allocations per shared product, want 0", name, a)
		}
	}
}

// TestMatMulShared: products through one shared prepared input equal each
// matrix's product computed alone through the codec (ownProduct) bit for
// bit — matrices with the lead's rotation seed share it, one with another
// seed and a dense one run alone — for one and several vectors and for
// the batched product.
func TestMatMulShared(t *testing.T) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	const cols = 96
	rng := rand.New(rand.NewPCG(5, 6))
	gauss := func(n int) []float32 {
		w := make([]float32, n)
		for i := range w {
			w[i] = float32(rng.NormFloat64())
		}
		return w
	}
	// matrices 0-2 share a rotation seed, matrix 3 has another; mixed
	// codecs share the rotation, equal ones the prepared input
	for _, names := range [][4]string{
		{"lut2", "lut2", "lut2", "lut2"},
		{"vq2", "vq2", "vq2", "vq2"},
		{"lut2", "lut4", "lut4", "lut2"},
		{"lut1p6", "lut2", "lut1p6", "lut4"},
		{"lut2", "vq2", "lut4", "q8"},
	} {
		name := fmt.Sprint(names)
		var ls []Linear
		for i, rows := range []int{130, 64, 64, 40} {
			c, _ := codec.Lookup(names[i])
			seed := uint64(7)
			if i == 3 {
				seed = 8
			}
			e, err := c.Encode(gauss(rows*cols), rows, cols, nil, codec.Params{Seed: seed, OutlierFrac: 0.01})
			if err != nil {
				t.Fatal(err)
			}
			m, _ := NewEncoded(e)
			ls = append(ls, m)
		}
		d, err := NewDenseF32(gauss(32*cols), 32, cols)
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, d)
		e0, e1, e3 := ls[0].(*Encoded).Codec(), ls[1].(*Encoded).Codec(), ls[3].(*Encoded).Codec()
		if !e1.SharesRotation(e0) || e3.SharesRotation(e0) || e1.SharesInput(e0) != (names[0] == names[1]) {
			t.Fatal("SharesRotation / SharesInput do not follow the seeds and codecs")
		}
		for _, n := range []int{1, 3, encBatchMin} {
			x := gauss(n * cols)
			got := make([][]float32, len(ls))
			for i, l := range ls {
				got[i] = make([]float32, n*l.Rows())
			}
			MatMulShared(pool, ls, got, x, n)
			for i, l := range ls {
				want := ownProduct(t, pool, l, x, n)
				for j := range want {
					if math.Float32bits(got[i][j]) != math.Float32bits(want[j]) {
						t.Fatalf("%s n=%d matrix %d value %d: shared %v, own %v", name, n, i, j, got[i][j], want[j])
					}
				}
			}
		}
	}
}

// ownProduct is l's product with the n vectors x computed apart from the
// pool's grouped path: for an encoded matrix and a batch below its batched
// product, one codec.Input per vector and DotRowsInput on one thread.
func ownProduct(t *testing.T, pool *kernels.Pool, l Linear, x []float32, n int) []float32 {
	t.Helper()
	out := make([]float32, n*l.Rows())
	m, ok := l.(*Encoded)
	if !ok || n >= m.batch {
		l.MatMul(pool, out, x, n)
		return out
	}
	e := m.Codec()
	for tk := range n {
		var in codec.Input
		if err := in.Prepare(e, x[tk*e.Cols:(tk+1)*e.Cols]); err != nil {
			t.Fatal(err)
		}
		if err := e.DotRowsInput(out[tk*e.Rows:(tk+1)*e.Rows], &in, 0, e.Rows); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestEncodedRowSlice: row windows of an encoded matrix (fused projections)
// give the rows of the whole product, for one and several vectors.
func TestEncodedRowSlice(t *testing.T) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	const rows, cols = 48, 64
	rng := rand.New(rand.NewPCG(3, 4))
	w := make([]float32, rows*cols)
	for i := range w {
		w[i] = float32(rng.NormFloat64())
	}
	for _, name := range []string{"vq2", "q4", "lut2"} {
		c, _ := codec.Lookup(name)
		for _, frac := range []float64{0, 0.02} {
			e, err := c.Encode(w, rows, cols, nil, codec.Params{Seed: 1, OutlierFrac: frac})
			if err != nil {
				t.Fatal(err)
			}
			m, _ := NewEncoded(e)
			for _, n := range []int{1, 3, encBatchMin + 1} {
				x := make([]float32, n*cols)
				for i := range x {
					x[i] = float32(rng.NormFloat64())
				}
				full := make([]float32, n*rows)
				m.MatMul(pool, full, x, n)
				s, err := NewRowSlice(m, 16, 40)
				if err != nil {
					t.Fatal(err)
				}
				got := make([]float32, n*24)
				s.MatMul(pool, got, x, n)
				for tk := range n {
					for r := range 24 {
						if d := got[tk*24+r] - full[tk*rows+16+r]; d > 1e-4 || d < -1e-4 {
							t.Fatalf("%s outliers %v n=%d: window row %d token %d: %v, want %v", name, frac, n, r, tk, got[tk*24+r], full[tk*rows+16+r])
						}
					}
				}
			}
		}
	}
}
