//go:build !amd64 || purego

package kernels

// maxGroupNorm2 is MaxGroupNorm2 for d ≥ 1: the reference on this build.
func maxGroupNorm2(x []float32, d int) float32 { return maxGroupNorm2Go(x, d) }
