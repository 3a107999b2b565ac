//go:build !amd64 || purego

package kernels

// haveLUTAsm reports whether the LUT kernels run assembly: never on this
// build.
const haveLUTAsm = false

// lutBuildHalf is LUTBuildHalfPrefetch after the argument checks: the
// reference on this build (where Prefetch does nothing).
func lutBuildHalf(dst []int8, x []float32, d int, cb []float32, inv float32, pf []byte) {
	lutBuildHalfGo(dst, x, d, cb, inv)
	Prefetch(pf)
}

// lutDotSym is LUTDotSym after the argument checks: the reference on this
// build.
func lutDotSym(out []int32, codes []byte, nt, G int, half []int8) {
	lutDotSymGo(out, codes, nt, G, half)
}
