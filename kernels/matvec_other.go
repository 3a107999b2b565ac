//go:build !amd64 || purego

package kernels

// matVecBF16 is MatVecBF16 after the shape check: the reference on this build.
func matVecBF16(dst []float32, w []uint16, x []float32, rows, cols int) {
	matVecBF16Ref(dst, w, x, rows, cols)
}

// matVecF16 is MatVecF16 after the shape check: the reference on this build.
func matVecF16(dst []float32, w []uint16, x []float32, rows, cols int) {
	matVecF16Ref(dst, w, x, rows, cols)
}

// matVecF32 is MatVecF32 after the shape check: the reference on this build.
func matVecF32(dst, w, x []float32, rows, cols int) { matVecF32Ref(dst, w, x, rows, cols) }

// matVecAvailable is empty on this build: the products run their references.
var matVecAvailable []*matVecKernel

// MatVecKernel names the kernel the MatVec functions use on this CPU and
// build: "ref" here, where they run their plain-Go references.
func MatVecKernel() string { return "ref" }

// matVecKernel is an assembly kernel set; there are none on this build.
type matVecKernel struct{ name string }

// matVecBest is nil on this build.
var matVecBest *matVecKernel
