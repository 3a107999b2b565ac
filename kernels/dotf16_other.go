//go:build !amd64 || purego

package kernels

// dotF16 is DotF16 after the length check: the reference on this build.
func dotF16(w []uint16, x []float32) float32 { return dotF16Ref(w, x) }
