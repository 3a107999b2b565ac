//go:build !amd64 || purego

package kernels

// havePanelAsm reports whether MulPanel64 runs assembly: never on this build.
const havePanelAsm = false

// mulPanel64 is MulPanel64 after the shape checks: the reference here.
func mulPanel64(c []float32, ldc int, a []float32, lda int, b []float32, ldb int, m, k int, beta []float32) {
	mulPanel64Ref(c, ldc, a, lda, b, ldb, m, k, beta)
}
