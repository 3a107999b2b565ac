package codec

import "testing"

// BenchmarkDotRows measures DotRowsRotated on a 2048×5632 tensor (the
// shape of TinyLlama's FFN down projection) for every codec: "fast" with the run-time dispatch, "ref" with the
// reference loops, and where the CPU runs the transposed u16 kernel
// "fast-plain" with the plain int8 kernel instead. SetBytes is the encoded size, so MB/s is the rate the
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
		for _, mode := range []string{"fast", "fast-plain", "ref"} {
			if mode == "fast-plain" && (!useT16 || c.impl.stages == nil) {
				continue
			}
			b.Run(mode, func(b *testing.B) {
				defer func(old, t16 bool) { forceRef, useT16 = old, t16 }(forceRef, useT16)
				forceRef = mode == "ref"
				useT16 = useT16 && mode == "fast"
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

// BenchmarkT16Kernel measures the transposed kernel alone on L1-resident
// codes and inputs (11 superblocks: one 5632-column row), the compute
// bound of the kernel.
func BenchmarkT16Kernel(b *testing.B) {
	if !useT16 {
		b.Skip("no transposed kernel on this CPU")
	}
	const nsb = 11
	codes := make([]byte, 128*nsb)
	for i := range codes {
		codes[i] = byte(i * 37)
	}
	xq := new(xQuant)
	if !xq.set(gaussian(nsb*t16Sb, 3)) {
		b.Fatal("set failed")
	}
	tb := t16.get()
	b.SetBytes(int64(len(codes)))
	for b.Loop() {
		dotVNNI16T(&codes[0], nsb, &tb.tab[0], &xq.qt[0], &xq.q2t[0], &xq.st[0], &tb.consts[0])
	}
	b.ReportMetric(float64(nsb*t16Sb)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gweights/s")
}

// BenchmarkRTKernel measures the radix expansion and the transposed radix
// kernel alone on L1-resident codes and inputs (one 5632-column row).
func BenchmarkRTKernel(b *testing.B) {
	if !useRT {
		b.Skip("no transposed radix kernel on this CPU")
	}
	const nsb = 11
	nw := (64*nsb + 4) / 5
	codes := make([]byte, 8*nw)
	for o := 0; o < len(codes); o += 8 {
		codes[o+7] = byte(o) & 0x3f
	}
	xq := new(xQuant)
	if !xq.set(gaussian(nsb*t16Sb, 3)) {
		b.Fatal("set failed")
	}
	tb := rt.get()
	var k, s [5*((64*nsb+4)/5) + 64]byte
	b.SetBytes(int64(len(codes)))
	for b.Loop() {
		radixExpand(&codes[0], nw, &k[0], &s[0], &tb.consts[0])
		dotVNNIRT(&k[0], &s[0], nsb, &tb.tab[0], &xq.qt[0], &xq.q2t[0], &xq.st[0], &tb.consts[0])
	}
	b.ReportMetric(float64(nsb*t16Sb)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gweights/s")
}

// BenchmarkT16Kernel2 is BenchmarkT16Kernel with the two-row kernel (two
// rows' codes per call).
func BenchmarkT16Kernel2(b *testing.B) {
	if !useT16 {
		b.Skip("no transposed kernel on this CPU")
	}
	const nsb = 11
	codes := make([]byte, 2*128*nsb)
	for i := range codes {
		codes[i] = byte(i * 37)
	}
	xq := new(xQuant)
	if !xq.set(gaussian(nsb*t16Sb, 3)) {
		b.Fatal("set failed")
	}
	tb := t16.get()
	b.SetBytes(int64(len(codes)))
	for b.Loop() {
		dotVNNI16T2(&codes[0], &codes[128*nsb], nsb, &tb.tab[0], &xq.qt[0], &xq.q2t[0], &xq.st[0], &tb.consts[0])
	}
	b.ReportMetric(float64(2*nsb*t16Sb)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gweights/s")
}

// BenchmarkDecodeRowsRotated measures DecodeRowsRotated of a whole
// 2048×5632 tensor (vq2, lut2) in blocks of 64 rows (the batched prefill's
// use); SetBytes is the decoded float32 size, so MB/s is the rate the
// weights are written.
func BenchmarkDecodeRowsRotated(b *testing.B) {
	const rows, cols, block = 2048, 5632, 64
	w := gaussian(rows*cols, 1)
	for _, name := range []string{"vq2", "lut2"} {
		c, err := Lookup(name)
		if err != nil {
			b.Fatal(err)
		}
		e, err := c.Encode(w, rows, cols, nil, Params{Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			dst := make([]float32, block*e.RotatedLen())
			b.SetBytes(int64(4 * rows * e.RotatedLen()))
			b.ReportAllocs()
			for b.Loop() {
				for r := 0; r < rows; r += block {
					if err := e.DecodeRowsRotated(dst, r, r+block); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkEncode encodes a 256×2048 Gaussian matrix with importance
// weights (the converter's usual call), reporting M weights/s.
func BenchmarkEncode(b *testing.B) {
	const rows, cols = 256, 2048
	w := gaussian(rows*cols, 1)
	imp := gaussian(cols, 2)
	for i := range imp {
		imp[i] = 0.5 + imp[i]*imp[i]
	}
	for _, name := range []string{"vq2", "vq1p6", "lut2", "lut1p6", "lut4"} {
		c, _ := Lookup(name)
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := c.Encode(w, rows, cols, imp, Params{Seed: 1}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows*cols)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mw/s")
		})
	}
}
