//go:build !amd64 || purego

package kernels

// haveExpAsm reports whether the exp kernels run in assembly: never on this
// build.
const haveExpAsm = false

// expShiftSum is ExpShift after the argument checks: the reference here.
func expShiftSum(x []float32, shift float32) float32 { return expShiftSumRef(x, shift) }

// exp is Exp after the length check: the reference here.
func exp(dst, x []float32) { expRef(dst, x) }

// maxF32 is Max after the empty check: the reference here.
func maxF32(x []float32) float32 { return maxRef(x) }

// swiGLU is SwiGLU after the length check: the Go form here.
func swiGLU(gate, up []float32) { swiGLUGo(gate, up) }
