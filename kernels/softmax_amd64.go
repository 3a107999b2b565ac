//go:build amd64 && !purego

package kernels

import "golang.org/x/sys/cpu"

// haveExpAsm reports whether the exp kernels run in AVX-512 assembly.
var haveExpAsm = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL

// expShiftSum is ExpShift after the argument checks.
func expShiftSum(x []float32, shift float32) float32 {
	if haveExpAsm && len(x) > 0 {
		return expShiftSumAVX512(&x[0], len(x), shift)
	}
	return expShiftSumRef(x, shift)
}

// exp is Exp after the length check (len(dst) == len(x)).
func exp(dst, x []float32) {
	if haveExpAsm && len(x) > 0 {
		expAVX512(&dst[0], &x[0], len(x))
		return
	}
	expRef(dst, x)
}

// swiGLU is SwiGLU after the length check (len(up) == len(gate)).
func swiGLU(gate, up []float32) {
	if haveExpAsm && len(gate) > 0 {
		swiGLUAVX512(&gate[0], &up[0], len(gate))
		return
	}
	swiGLUGo(gate, up)
}

// maxF32 is Max after the empty check.
func maxF32(x []float32) float32 {
	if haveExpAsm {
		return maxAVX512(&x[0], len(x))
	}
	return maxRef(x)
}

// expShiftSumAVX512 replaces x[i] by exp(x[i]−shift) for i < n and returns
// the sum of the results (16 lanes in two accumulators, then a tree): the
// assembly of expShiftSumRef, within ExpMaxRelErr of it per element.
//
//go:noescape
func expShiftSumAVX512(x *float32, n int, shift float32) float32

// expAVX512 writes exp(x[i]) to dst[i] for i < n (expRef, within
// ExpMaxRelErr).
//
//go:noescape
func expAVX512(dst, x *float32, n int)

// maxAVX512 returns the largest of x[:n] (n > 0), or −Inf if all are −Inf;
// NaNs are not reliably propagated.
//
//go:noescape
func maxAVX512(x *float32, n int) float32

// swiGLUAVX512 sets gate[i] = gate[i] / (1 + exp(−gate[i])) · up[i] for
// i < n, 16 lanes at a time (a masked tail): the assembly of swiGLUGo,
// with the same exp and the same operation order, so equal bit for bit.
//
//go:noescape
func swiGLUAVX512(gate, up *float32, n int)
