package codec

import (
	"bytes"
	"errors"
	"testing"
)

// TestConcatRows: encoding a matrix in row blocks and joining them gives
// the same bytes as encoding it whole, for every codec.
func TestConcatRows(t *testing.T) {
	const cols = 72
	w := gaussian(400*cols, 7)
	for _, c := range Codecs() {
		// blocks of 2m and 3m rows and a last one of m−3 (m a multiple of
		// the codec's RowMultiple)
		m := max(5, c.RowMultiple())
		rows := 6*m - 3
		p := Params{Seed: 5}
		whole, err := c.Encode(w[:rows*cols], rows, cols, nil, p)
		if err != nil {
			t.Fatal(err)
		}
		var parts []*Encoded
		for _, r := range [][2]int{{0, 2 * m}, {2 * m, 5 * m}, {5 * m, rows}} {
			e, err := c.Encode(w[r[0]*cols:r[1]*cols], r[1]-r[0], cols, nil, p)
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, e)
		}
		got, err := ConcatRows(parts)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		for name, b := range whole.Blobs {
			if !bytes.Equal(got.Blobs[name], b) {
				t.Errorf("%s: blob %s differs from the whole encoding", c.Name, name)
			}
		}
	}
	// vq1p6 words hold 5 vectors: a block of 1 row (9 vectors) splits one.
	c, _ := Lookup("vq1p6")
	a, _ := c.Encode(w[:cols], 1, cols, nil, Params{Seed: 5})
	b, _ := c.Encode(w[cols:2*cols], 1, cols, nil, Params{Seed: 5})
	if _, err := ConcatRows([]*Encoded{a, b}); !errors.Is(err, ErrInvalid) {
		t.Errorf("vq1p6 split word: err = %v, want ErrInvalid", err)
	}
	q, _ := Lookup("q4")
	x, _ := q.Encode(w[:cols], 1, cols, nil, Params{Seed: 5})
	y, _ := q.Encode(w[:cols], 1, cols, nil, Params{Seed: 6})
	if _, err := ConcatRows([]*Encoded{x, y}); !errors.Is(err, ErrInvalid) {
		t.Errorf("different seeds: err = %v, want ErrInvalid", err)
	}
}

// TestConcatRowsOutliers: blocks with outlier tables join into one table;
// the joined tensor decodes to the blocks' decodes, row for row.
func TestConcatRowsOutliers(t *testing.T) {
	const rows, cols = 24, 64
	w := gaussian(rows*cols, 9)
	for i := 0; i < len(w); i += 37 {
		w[i] *= 12 // spikes for the table to catch
	}
	for _, name := range []string{"vq2", "q4", "vq1p6"} {
		c, _ := Lookup(name)
		p := Params{Seed: 5, OutlierFrac: 0.02}
		var parts []*Encoded
		var want []float32
		for _, r := range [][2]int{{0, 10}, {10, 20}, {20, 24}} {
			e, err := c.Encode(w[r[0]*cols:r[1]*cols], r[1]-r[0], cols, nil, p)
			if err != nil {
				t.Fatal(err)
			}
			d := make([]float32, (r[1]-r[0])*cols)
			if err := e.Decode(d); err != nil {
				t.Fatal(err)
			}
			want = append(want, d...)
			parts = append(parts, e)
		}
		got, err := ConcatRows(parts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := parts[0].Params.Outliers + parts[1].Params.Outliers + parts[2].Params.Outliers; got.Params.Outliers != n || n == 0 {
			t.Fatalf("%s: %d outliers, want %d (> 0)", name, got.Params.Outliers, n)
		}
		dec := make([]float32, rows*cols)
		if err := got.Decode(dec); err != nil {
			t.Fatal(err)
		}
		for i := range dec {
			if dec[i] != want[i] {
				t.Fatalf("%s: value %d = %v, want %v", name, i, dec[i], want[i])
			}
		}
	}
}
