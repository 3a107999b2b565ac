//go:build amd64 && !purego

package kernels

// dotF16 is DotF16 after the length check (len(x) == len(w)).
func dotF16(w []uint16, x []float32) float32 {
	if haveF16C && len(w) > 0 {
		return dotF16AVX2(&w[0], &x[0], len(w))
	}
	return dotF16Ref(w, x)
}

// dotF16AVX2 returns Σ F16ToF32(w[i])·x[i] for i < n, reading exactly n
// elements of w and of x, converting with VCVTPH2PS. Its reference is
// dotF16Ref; the summation order is that of dotAVX2.
//
//go:noescape
func dotF16AVX2(w *uint16, x *float32, n int) float32
