//go:build !amd64 || purego

package kernels

// sumF32 is SumF32 without assembly: the reference.
func sumF32(x []float32) float32 { return sumF32Ref(x) }

// fmaLoop is FMALoop without assembly: the reference (one lane per
// accumulator; the compiler may or may not fuse the multiply-add).
func fmaLoop(iters int, m, c float32) float32 { return fmaLoopRef(iters, m, c) }

// fmaLanes is how many float32 lanes each accumulator has: one.
func fmaLanes() int { return 1 }

// SumKernel names the kernel SumF32 runs: the plain-Go reference.
func SumKernel() string { return "go" }

// FMAKernel names the kernel FMALoop runs: the plain-Go reference.
func FMAKernel() string { return "go" }
