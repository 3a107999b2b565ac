package codec

import (
	"fmt"
	"math"
	"testing"
)

// TestScalarDotRowsFast checks DotRowsRotated of every scalar codec bit for
// bit against the reference dotRow (the fast path keeps its order of
// operations), with odd row lengths and a short last group.
func TestScalarDotRowsFast(t *testing.T) {
	for _, c := range Codecs() {
		if c.impl.stages != nil {
			continue
		}
		for _, cols := range []int{1, 7, 32, 45, 100} {
			t.Run(fmt.Sprintf("%s/%d", c.Name, cols), func(t *testing.T) {
				const rows = 6
				e, err := c.Encode(gaussian(rows*cols, uint64(cols)), rows, cols, nil, Params{Seed: 3})
				if err != nil {
					t.Fatal(err)
				}
				x := gaussian(cols, uint64(cols)+9)
				xr := make([]float32, e.RotatedLen())
				if err := e.RotateInput(xr, x); err != nil {
					t.Fatal(err)
				}
				fast, ref := make([]float32, rows), make([]float32, rows)
				if err := e.DotRowsRotated(fast, x, xr, 1, rows); err != nil {
					t.Fatal(err)
				}
				forceRef = true
				err = e.DotRowsRotated(ref, x, xr, 1, rows)
				forceRef = false
				if err != nil {
					t.Fatal(err)
				}
				for r := range rows {
					if math.Float32bits(fast[r]) != math.Float32bits(ref[r]) {
						t.Errorf("row %d: %v, reference %v", r, fast[r], ref[r])
					}
				}
			})
		}
	}
}
