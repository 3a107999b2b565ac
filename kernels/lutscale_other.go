//go:build !amd64 || purego

package kernels

// haveScaleRowsAsm reports whether LUTScaleRows runs assembly: never on this
// build.
const haveScaleRowsAsm = false

// lutScaleRows is LUTScaleRows after the argument checks: the reference on
// this build.
func lutScaleRows(dst []float32, acc []int32, scales []byte, post, mul float32) {
	lutScaleRowsGo(dst, acc, scales, post, mul)
}
