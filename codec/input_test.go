package codec

import (
	"errors"
	"math"
	"sync"
	"testing"
)

// TestDotRowsInput checks that products from a prepared Input equal
// DotRowsRotated bit for bit for every codec (with and without an outlier
// table, rotated and not), when rows are split into ranges computed
// concurrently.
func TestDotRowsInput(t *testing.T) {
	const rows, cols = 37, 1000 // a partial superblock and a partial block
	for _, name := range []string{"q8", "q4", "q3", "q2", "vq1", "vq1p6", "vq2", "vq3", "vq4"} {
		for _, p := range []Params{{Seed: 3}, {Seed: 4, OutlierFrac: 0.01}, {Rotation: RotNone}} {
			c, err := Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			e, err := c.Encode(gaussian(rows*cols, 9), rows, cols, nil, p)
			if err != nil {
				t.Fatalf("%s %+v: %v", name, p, err)
			}
			x := gaussian(cols, 10)
			xr := make([]float32, e.RotatedLen())
			if err := e.RotateInput(xr, x); err != nil {
				t.Fatal(err)
			}
			want := make([]float32, rows)
			if err := e.DotRowsRotated(want, x, xr, 0, rows); err != nil {
				t.Fatal(err)
			}
			var in Input
			if err := in.Prepare(e, x); err != nil {
				t.Fatal(err)
			}
			got := make([]float32, rows)
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i, r := range [][2]int{{0, 10}, {10, 11}, {11, 30}, {30, rows}} {
				wg.Go(func() { errs[i] = e.DotRowsInput(got, &in, r[0], r[1]) })
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			for r := range rows {
				if math.Float32bits(got[r]) != math.Float32bits(want[r]) {
					t.Fatalf("%s %+v row %d: %v, DotRowsRotated %v", name, p, r, got[r], want[r])
				}
			}
		}
	}
}

// TestDotRowsInputMisuse: an input prepared for one matrix is refused by
// another, as are bad lengths and row ranges.
func TestDotRowsInputMisuse(t *testing.T) {
	a := randomEncoded(t, "vq2", 8, 256, 1)
	b := randomEncoded(t, "vq2", 8, 256, 2)
	var in Input
	if err := in.Prepare(a, make([]float32, 255)); err == nil {
		t.Fatal("Prepare accepted 255 values for 256 columns")
	}
	if err := in.Prepare(a, gaussian(256, 3)); err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, 8)
	if err := b.DotRowsInput(dst, &in, 0, 8); err == nil {
		t.Fatal("DotRowsInput accepted another matrix's input")
	}
	if err := a.DotRowsInput(dst, &in, 4, 9); err == nil {
		t.Fatal("DotRowsInput accepted rows past the end")
	}
	if err := a.DotRowsInput(dst, &in, 0, 8); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(20, func() { _ = a.DotRowsInput(dst, &in, 0, 8) }); n != 0 {
		t.Errorf("%v allocations per DotRowsInput", n)
	}
}

// TestAddOutlierProducts: rows decoded in the rotated domain times rotated
// inputs, plus AddOutlierProducts, equal DotRows of every input (to float
// rounding), for a matrix with an outlier table.
func TestAddOutlierProducts(t *testing.T) {
	const rows, cols, n = 12, 512, 6 // one group of four inputs and a tail
	c, err := Lookup("vq2")
	if err != nil {
		t.Fatal(err)
	}
	w := gaussian(rows*cols, 21)
	w[5*cols+7] = 40 // an outlier
	e, err := c.Encode(w, rows, cols, nil, Params{Seed: 2, OutlierFrac: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	if !e.HasOutliers() {
		t.Fatal("no outlier table")
	}
	x := gaussian(n*cols, 22)
	p := e.RotatedLen()
	dec := make([]float32, rows*p)
	if err := e.DecodeRowsRotated(dec, 0, rows); err != nil {
		t.Fatal(err)
	}
	const lo, hi = 2, 11
	dst := make([]float32, n*rows)
	xr := make([]float32, p)
	for k := range n {
		if err := e.RotateInput(xr, x[k*cols:(k+1)*cols]); err != nil {
			t.Fatal(err)
		}
		for r := lo; r < hi; r++ {
			var s float64
			for j := range p {
				s += float64(dec[r*p+j]) * float64(xr[j])
			}
			dst[k*rows+r-lo] = float32(s)
		}
	}
	if err := e.AddOutlierProducts(dst, rows, x, n, lo, hi); err != nil {
		t.Fatal(err)
	}
	want := make([]float32, rows)
	for k := range n {
		if err := e.DotRows(want, x[k*cols:(k+1)*cols], lo, hi); err != nil {
			t.Fatal(err)
		}
		for r := lo; r < hi; r++ {
			if d := math.Abs(float64(dst[k*rows+r-lo] - want[r])); d > 1e-3*(1+math.Abs(float64(want[r]))) {
				t.Fatalf("input %d row %d: %v, DotRows %v", k, r, dst[k*rows+r-lo], want[r])
			}
		}
	}
	if err := e.AddOutlierProducts(dst, 2, x, n, lo, hi); err == nil {
		t.Fatal("AddOutlierProducts accepted ld < rows")
	}
}

// TestFastOutliersMatchReference: with an outlier table, the fast row
// products (the table added in one pass after the kernels) match the
// reference per-row products for a range of rows not starting at 0.
func TestFastOutliersMatchReference(t *testing.T) {
	const rows, cols = 21, 520
	for _, name := range []string{"vq2", "vq3", "vq4", "vq1p6", "vq1"} {
		c, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		w := gaussian(rows*cols, 31)
		for r := range rows {
			w[r*cols+(r*37)%cols] = 30 // one spike per row
		}
		e, err := c.Encode(w, rows, cols, nil, Params{Seed: 6, OutlierFrac: 0.01})
		if err != nil {
			t.Fatal(err)
		}
		x := gaussian(cols, 32)
		xr := make([]float32, e.RotatedLen())
		if err := e.RotateInput(xr, x); err != nil {
			t.Fatal(err)
		}
		fast, ref := make([]float32, rows), make([]float32, rows)
		if err := e.DotRowsRotated(fast, x, xr, 3, rows); err != nil {
			t.Fatal(err)
		}
		forceRef = true
		err = e.DotRowsRotated(ref, x, xr, 3, rows)
		forceRef = false
		if err != nil {
			t.Fatal(err)
		}
		for r := 3; r < rows; r++ {
			var scale float64
			for j := range cols {
				scale += math.Abs(float64(w[r*cols+j] * x[j]))
			}
			if d := math.Abs(float64(fast[r] - ref[r])); d > 1e-4*scale {
				t.Fatalf("%s row %d: fast %v, reference %v", name, r, fast[r], ref[r])
			}
		}
		if fast[0] != 0 || fast[2] != 0 {
			t.Fatalf("%s: rows before lo written", name)
		}
	}
}

// TestPrepareTableFrom: an input prepared from another codec's input of
// the same rotation gives the products of one prepared directly, bit for
// bit; one of another rotation is refused.
func TestPrepareTableFrom(t *testing.T) {
	const rows, cols = 70, 300
	x := gaussian(cols, 12)
	enc := func(name string, seed uint64) *Encoded {
		c, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		e, err := c.Encode(gaussian(rows*cols, 11), rows, cols, nil, Params{Seed: seed, OutlierFrac: 0.01})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	src := enc("lut2", 5)
	var sin Input
	if err := sin.Prepare(src, x); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"lut4", "lut1p6", "lut2", "vq2"} {
		e := enc(name, 5)
		var direct, from Input
		if err := direct.Prepare(e, x); err != nil {
			t.Fatal(err)
		}
		n, err := from.PrepareTableFrom(e, &sin)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		from.BuildTable(0, n)
		want, got := make([]float32, rows), make([]float32, rows)
		if err := e.DotRowsInput(want, &direct, 0, rows); err != nil {
			t.Fatal(err)
		}
		if err := e.DotRowsInput(got, &from, 0, rows); err != nil {
			t.Fatal(err)
		}
		for r := range rows {
			if math.Float32bits(got[r]) != math.Float32bits(want[r]) {
				t.Fatalf("%s row %d: %v from lut2's rotation, %v prepared directly", name, r, got[r], want[r])
			}
		}
	}
	var in Input
	if _, err := in.PrepareTableFrom(enc("lut4", 6), &sin); !errors.Is(err, ErrInvalid) {
		t.Fatalf("another seed: %v, want ErrInvalid", err)
	}
	if _, err := in.PrepareTableFrom(src, &Input{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unprepared source: %v, want ErrInvalid", err)
	}
}
