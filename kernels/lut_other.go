//go:build !amd64 || purego

package kernels

// haveLUTAsm reports whether the LUT kernels run assembly: never on this
// build.
const haveLUTAsm = false

// lutBuildHalf is LUTBuildHalf after the argument checks: the reference on
// this build.
func lutBuildHalf(dst []int8, x []float32, d int, cb []float32, inv float32) {
	lutBuildHalfGo(dst, x, d, cb, inv)
}

// lutDotSym is LUTDotSym after the argument checks: the reference on this
// build.
func lutDotSym(out []int32, codes []byte, nt, G int, half []int8) {
	lutDotSymGo(out, codes, nt, G, half)
}
