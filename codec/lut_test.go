package codec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestLUTBooksSymmetric: entry k+128 of every LUT codebook is the negative
// of entry k (the product table's second half is built by negation).
func TestLUTBooksSymmetric(t *testing.T) {
	for _, s := range []*lutSpec{lutSpec2, lutSpec4, lutSpec5} {
		for k := range 128 {
			for i := range s.d {
				if a, b := s.book[k*s.d+i], s.book[(k+128)*s.d+i]; a != -b {
					t.Fatalf("d=%d entry %d coordinate %d: %d, entry %d: %d", s.d, k, i, a, k+128, b)
				}
			}
		}
	}
}

// TestLUTScan: the AVX-512 scan gives lutScanGo's per-lane scores and
// entries bit for bit, for every LUT codebook, with uniform, random and
// partly zero weights.
func TestLUTScan(t *testing.T) {
	if !useLUTScan {
		t.Skip("no AVX-512")
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range []*lutSpec{lutSpec2, lutSpec4, lutSpec5} {
		for k := range 200 {
			var a, w [8]float32
			for i := range s.d {
				w[i] = 1
				if k%2 == 1 {
					w[i] = float32(r.ExpFloat64())
				}
				if k%7 == 3 && i == s.d-1 {
					w[i] = 0
				}
				a[i] = -2 * w[i] * float32(40*r.NormFloat64())
			}
			var b1, b2 [16]float32
			var i1, i2 [16]int32
			lutScanAVX512(&a[0], &w[0], s.d, &s.cbT[0], &s.ccT[0], &b1[0], &i1[0])
			s.lutScanGo(&a, &w, &b2, &i2)
			for l := range 16 {
				if math.Float32bits(b1[l]) != math.Float32bits(b2[l]) || i1[l] != i2[l] {
					t.Fatalf("d=%d case %d lane %d: scan (%v, %d), Go (%v, %d)", s.d, k, l, b1[l], i1[l], b2[l], i2[l])
				}
			}
		}
	}
}

// TestLUTNearest: nearest finds the exhaustive weighted minimum (up to
// float32 ties) for random targets.
func TestLUTNearest(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range []*lutSpec{lutSpec2, lutSpec4, lutSpec5} {
		for range 300 {
			z, w := make([]float32, s.d), make([]float32, s.d)
			for i := range z {
				z[i] = float32(40 * r.NormFloat64())
				w[i] = float32(r.ExpFloat64())
			}
			got := int(s.nearest(z, w))
			dist := func(j int) float64 {
				var v float64
				for i := range z {
					e := float64(z[i]) - float64(s.book[j*s.d+i])
					v += float64(w[i]) * e * e
				}
				return v
			}
			best := 0
			for j := range 256 {
				if dist(j) < dist(best) {
					best = j
				}
			}
			if dist(got) > dist(best)*(1+1e-5)+1e-3 {
				t.Fatalf("d=%d: nearest %d (%v), exhaustive %d (%v)", s.d, got, dist(got), best, dist(best))
			}
		}
	}
}

// TestLUTLayout: codes sit in 64-row tiles, group-major: changing the code
// byte at lutCodeAt(G, r, g) changes exactly row r's group g on decode.
func TestLUTLayout(t *testing.T) {
	for _, tc := range []struct {
		name       string
		rows, cols int
	}{{"lut2", 70, 40}, {"lut1p6", 65, 48}, {"lut4", 130, 16}} {
		t.Run(fmt.Sprintf("%s/%dx%d", tc.name, tc.rows, tc.cols), func(t *testing.T) {
			c, _ := Lookup(tc.name)
			e, err := c.Encode(gaussian(tc.rows*tc.cols, 5), tc.rows, tc.cols, nil, Params{Rotation: RotNone})
			if err != nil {
				t.Fatal(err)
			}
			d := c.impl.lut.d
			p := e.RotatedLen()
			groups := lutGroups(p, d)
			if got, want := len(e.Blobs["codes"]), lutTiles(tc.rows)*64*groups; got != want {
				t.Fatalf("codes blob %d bytes, want %d", got, want)
			}
			if err := e.Validate(); err != nil {
				t.Fatal(err)
			}
			// TileCodes: tile ranges clipped to the matrix, G per tile
			for _, tr := range [][3]int{{0, 1, 0}, {1, 9, 1}, {-3, 9, 0}, {5, 2, 5}} {
				codes, g := e.TileCodes(tr[0], tr[1])
				want := max(0, min(tr[1], lutTiles(tc.rows))-max(tr[0], 0)) * groups * 64
				if g != groups || len(codes) != want {
					t.Fatalf("TileCodes(%d, %d): %d bytes, %d groups; want %d, %d", tr[0], tr[1], len(codes), g, want, groups)
				}
				if want > 0 && &codes[0] != &e.Blobs["codes"][tr[2]*groups*64] {
					t.Fatalf("TileCodes(%d, %d) does not start at tile %d", tr[0], tr[1], tr[2])
				}
			}
			before := make([]float32, p)
			after := make([]float32, p)
			for _, rg := range [][2]int{{0, 0}, {tc.rows - 1, groups - 1}, {64 % tc.rows, 1}} {
				r, g := rg[0], rg[1]
				_ = e.DecodeRowsRotated(before, r, r+1)
				o := lutCodeAt(groups, r, g)
				e.Blobs["codes"][o] ^= 0x5a
				_ = e.DecodeRowsRotated(after, r, r+1)
				e.Blobs["codes"][o] ^= 0x5a
				inGroup := 0
				for j := range p {
					changed := before[j] != after[j]
					if changed && j/d != g {
						t.Errorf("row %d group %d: column %d (group %d) changed", r, g, j, j/d)
					}
					if changed {
						inGroup++
					}
				}
				if inGroup == 0 {
					t.Errorf("row %d group %d: changing its code changed nothing", r, g)
				}
			}
		})
	}
	c, _ := Lookup("q4")
	e, err := c.Encode(gaussian(70*64, 5), 70, 64, nil, Params{})
	if err != nil {
		t.Fatal(err)
	}
	if codes, g := e.TileCodes(0, 2); codes != nil || g != 0 {
		t.Fatalf("q4 TileCodes: %d bytes, %d groups; want none", len(codes), g)
	}
}

// TestLUTProducts: the table products of every LUT codec stay within the
// table-rounding bound of the reference product (forceRef), on row ranges
// that start and end inside tiles, with and without an outlier table; and
// on Gaussian data their relative error is about 1–2% (the bound's √G
// typical case; largest for lut4, whose table has the widest range).
func TestLUTProducts(t *testing.T) {
	for _, name := range []string{"lut2", "lut1p6", "lut4"} {
		for _, tc := range []struct {
			rows, cols int
			frac       float64
		}{{200, 96, 0}, {130, 1000, 0.01}, {64, 40, 0}, {7, 8, 0}} {
			t.Run(fmt.Sprintf("%s/%dx%d", name, tc.rows, tc.cols), func(t *testing.T) {
				c, _ := Lookup(name)
				e, err := c.Encode(gaussian(tc.rows*tc.cols, 11), tc.rows, tc.cols, nil, Params{Seed: 2, OutlierFrac: tc.frac})
				if err != nil {
					t.Fatal(err)
				}
				x := gaussian(tc.cols, 12)
				ref := make([]float32, tc.rows)
				forceRef = true
				err = e.DotRows(ref, x, 0, tc.rows)
				forceRef = false
				if err != nil {
					t.Fatal(err)
				}
				var in Input
				if err := in.Prepare(e, x); err != nil {
					t.Fatal(err)
				}
				got := make([]float32, tc.rows)
				for _, rg := range [][2]int{{0, tc.rows / 3}, {tc.rows / 3, tc.rows - 1}, {tc.rows - 1, tc.rows}} {
					if err := e.DotRowsInput(got, &in, rg[0], rg[1]); err != nil {
						t.Fatal(err)
					}
				}
				var num, den float64
				for r := range tc.rows {
					diff := math.Abs(float64(got[r] - ref[r]))
					if tol := lutTolerance(e, x, r) + 1e-4*math.Abs(float64(ref[r])) + 1e-5; diff > tol {
						t.Errorf("row %d: %v, reference %v (bound %v)", r, got[r], ref[r], tol)
					}
					num += diff * diff
					den += float64(ref[r]) * float64(ref[r])
				}
				if tc.cols >= 96 && num > 6.25e-4*den {
					t.Errorf("relative error %.4f of the products, want ≤ 0.025", math.Sqrt(num/den))
				}
				t.Logf("relative error %.4f", math.Sqrt(num/den))
			})
		}
	}
}

// TestLUTNonFinite: an input whose table cannot be scaled (a NaN, or
// squares beyond float32) takes the reference product: NaN rows stay NaN,
// huge finite inputs give the reference's values.
func TestLUTNonFinite(t *testing.T) {
	c, _ := Lookup("lut2")
	const rows, cols = 70, 64
	e, err := c.Encode(gaussian(rows*cols, 1), rows, cols, nil, Params{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		v    float32
	}{{"nan", float32(math.NaN())}, {"huge", 3e25}} {
		x := gaussian(cols, 2)
		x[5] = tc.v
		ref := make([]float32, rows)
		forceRef = true
		_ = e.DotRows(ref, x, 0, rows)
		forceRef = false
		var in Input
		if err := in.Prepare(e, x); err != nil {
			t.Fatal(err)
		}
		got := make([]float32, rows)
		if err := e.DotRowsInput(got, &in, 0, rows); err != nil {
			t.Fatal(err)
		}
		for r := range rows {
			if math.Float32bits(got[r]) != math.Float32bits(ref[r]) {
				t.Fatalf("%s: row %d: %v, reference %v", tc.name, r, got[r], ref[r])
			}
		}
	}
}
