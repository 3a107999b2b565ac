//go:build !amd64 || purego

package kernels

// haveAsm reports whether Dot and DotBF16 run an assembly kernel; without
// amd64 assembly (or with the purego tag) they always run the reference.
const haveAsm = false

// dot is Dot after the length check: the reference on this build.
func dot(a, b []float32) float32 { return dotRef(a, b) }

// dotBF16 is DotBF16 after the length check: the reference on this build.
func dotBF16(w []uint16, x []float32) float32 { return dotBF16Ref(w, x) }
