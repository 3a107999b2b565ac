//go:build amd64 && !purego

package kernels

import "golang.org/x/sys/cpu"

// haveOpsAsm reports whether AXPY, RMSNorm and RoPENeoX run their AVX-512
// assembly kernels: true when the CPU and the OS support AVX-512 F and VL.
var haveOpsAsm = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL

// axpy is AXPY after the length check (len(y) == len(x)).
func axpy(y []float32, a float32, x []float32) {
	if haveOpsAsm && len(x) > 0 {
		axpyAVX512(&y[0], &x[0], len(x), a)
		return
	}
	axpyRef(y, a, x)
}

// sumSquares is Σ x[i]² in float64 (sumSquaresRef up to reassociation).
func sumSquares(x []float32) float64 {
	if haveOpsAsm && len(x) > 0 {
		return sumSquaresAVX512(&x[0], len(x))
	}
	return sumSquaresRef(x)
}

// rmsScale is rmsScaleRef after the length checks (len(dst) == len(x), w nil
// or as long as x).
func rmsScale(dst, x, w []float32, inv float32) {
	if !haveOpsAsm || len(x) == 0 {
		rmsScaleRef(dst, x, w, inv)
		return
	}
	var wp *float32
	if w != nil {
		wp = &w[0]
	}
	rmsScaleAVX512(&dst[0], &x[0], wp, len(x), inv)
}

// ropeNeoX rotates heads heads of hd elements of x (len(x) == heads·hd) by
// the len(cos) == len(sin) == half pairs (2·half ≤ hd, heads, half > 0).
func ropeNeoX(x []float32, heads, hd int, cos, sin []float32) {
	if !haveOpsAsm {
		ropeNeoXRef(x, hd, 2*len(cos), cos, sin)
		return
	}
	ropeNeoXAVX512(&x[0], heads, hd, len(cos), &cos[0], &sin[0])
}

// axpyAVX512 sets y[i] += a·x[i] for i < n (n > 0), the product and the sum
// each rounded to float32 (VMULPS then VADDPS), as axpyRef.
//
//go:noescape
func axpyAVX512(y, x *float32, n int, a float32)

// sumSquaresAVX512 returns Σ x[i]² for i < n (n > 0): each element widened
// to float64 and squared exactly, summed in four 8-lane float64
// accumulators over 32-element blocks, 8-element blocks and a masked tail
// into the first, then a tree over the accumulators and lanes.
//
//go:noescape
func sumSquaresAVX512(x *float32, n int) float64

// rmsScaleAVX512 writes dst[i] = (x[i]·inv)·w[i] for i < n (n > 0), or
// x[i]·inv when w is nil, as rmsScaleRef.
//
//go:noescape
func rmsScaleAVX512(dst, x, w *float32, n int, inv float32)

// ropeNeoXAVX512 rotates, in each of heads heads of hd floats at x, the
// pairs (i, i+half) for i < half by cos[i], sin[i]: a·cos − b·sin and
// a·sin + b·cos, each product rounded before the sum, as ropeNeoXRef.
//
//go:noescape
func ropeNeoXAVX512(x *float32, heads, hd, half int, cos, sin *float32)
