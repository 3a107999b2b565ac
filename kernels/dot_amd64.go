//go:build amd64 && !purego

package kernels

import "golang.org/x/sys/cpu"

// haveAsm reports whether Dot and DotBF16 run the AVX2/FMA assembly kernels:
// true when the CPU and the OS support AVX2 and FMA.
var haveAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// dot is Dot after the length check (len(b) == len(a)).
func dot(a, b []float32) float32 {
	if haveAsm && len(a) > 0 {
		return dotAVX2(&a[0], &b[0], len(a))
	}
	return dotRef(a, b)
}

// dotBF16 is DotBF16 after the length check (len(x) == len(w)).
func dotBF16(w []uint16, x []float32) float32 {
	if haveAsm && len(w) > 0 {
		return dotBF16AVX2(&w[0], &x[0], len(w))
	}
	return dotBF16Ref(w, x)
}

// dotAVX2 returns Σ a[i]·b[i] for i < n, reading exactly n floats from each
// of a and b. Its reference is dotRef; it sums in a different order (four
// 8-lane FMA accumulators over 32-element blocks, then 8-element blocks into
// the first, a horizontal add, then a scalar FMA tail).
//
//go:noescape
func dotAVX2(a, b *float32, n int) float32

// dotBF16AVX2 returns Σ float32frombits(uint32(w[i])<<16)·x[i] for i < n,
// reading exactly n elements of w and of x. Its reference is dotBF16Ref; the
// summation order is that of dotAVX2.
//
//go:noescape
func dotBF16AVX2(w *uint16, x *float32, n int) float32
