package kernels

// DotF16 returns Σ f16(w[i])·x[i] over len(w) elements (x must be at least
// as long), w holding IEEE 754 binary16 bit patterns. On amd64 with AVX2,
// FMA and F16C (and without the purego build tag) it runs an assembly kernel
// converting with VCVTPH2PS; the result then differs from dotF16Ref by
// reassociation of the sum only.
func DotF16(w []uint16, x []float32) float32 {
	x = x[:len(w)]
	return dotF16(w, x)
}

// dotF16Ref is the specification of DotF16: each binary16 weight widened to
// float32 (F16ToF32), four interleaved float32 partial sums. It requires
// len(x) >= len(w).
func dotF16Ref(w []uint16, x []float32) float32 {
	x = x[:len(w)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(w); i += 4 {
		s0 += F16ToF32(w[i]) * x[i]
		s1 += F16ToF32(w[i+1]) * x[i+1]
		s2 += F16ToF32(w[i+2]) * x[i+2]
		s3 += F16ToF32(w[i+3]) * x[i+3]
	}
	for ; i < len(w); i++ {
		s0 += F16ToF32(w[i]) * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}
