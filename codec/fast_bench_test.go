package codec

import "testing"

// BenchmarkDotRows measures DotRowsRotated on a 2048×5632 tensor (the
// shape of TinyLlama's FFN down projection) for every codec: "fast" with the run-time dispatch, "ref" with the
// reference loops. SetBytes is the encoded size, so MB/s is the rate the
// codes are read.
func BenchmarkDotRows(b *testing.B) {
	const rows, cols = 2048, 5632
	w := gaussian(rows*cols, 1)
	x := gaussian(cols, 2)
	for _, c := range Codecs() {
		b.Run(c.Name, func(b *testing.B) { benchDotRows(b, c, w, x, rows, cols) })
	}
}

func benchDotRows(b *testing.B, c *Codec, w, x []float32, rows, cols int) {
	e, err := c.Encode(w, rows, cols, nil, Params{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	xr := make([]float32, e.RotatedLen())
	if err := e.RotateInput(xr, x); err != nil {
		b.Fatal(err)
	}
	dst := make([]float32, rows)
	{
		for _, mode := range []string{"fast", "ref"} {
			b.Run(mode, func(b *testing.B) {
				defer func(old bool) { forceRef = old }(forceRef)
				forceRef = mode == "ref"
				b.SetBytes(e.Bytes())
				b.ReportAllocs()
				for b.Loop() {
					if err := e.DotRowsRotated(dst, x, xr, 0, rows); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(rows*cols)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gweights/s")
			})
		}
	}
}
