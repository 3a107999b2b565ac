//go:build !amd64 || purego

package kernels

// haveOpsAsm reports whether AXPY, RMSNorm and RoPENeoX run assembly: never
// on this build.
const haveOpsAsm = false

// axpy is AXPY after the length check: the reference on this build.
func axpy(y []float32, a float32, x []float32) { axpyRef(y, a, x) }

// sumSquares is Σ x[i]² in float64: the reference on this build.
func sumSquares(x []float32) float64 { return sumSquaresRef(x) }

// rmsScale is RMSNorm's scaling pass: the reference on this build.
func rmsScale(dst, x, w []float32, inv float32) { rmsScaleRef(dst, x, w, inv) }

// ropeNeoX is RoPENeoX after the argument checks: the reference on this
// build.
func ropeNeoX(x []float32, heads, hd int, cos, sin []float32) {
	ropeNeoXRef(x, hd, 2*len(cos), cos, sin)
}
