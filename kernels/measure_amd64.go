//go:build amd64 && !purego

package kernels

import "golang.org/x/sys/cpu"

// haveAVX512 reports whether the measurement kernels use 512-bit vectors:
// true when the CPU and the OS support AVX-512 F (and AVX2/FMA, for the
// tails).
var haveAVX512 = haveAsm && cpu.X86.HasAVX512F

// sumF32 is SumF32 on amd64: AVX-512, else AVX2, else the reference.
func sumF32(x []float32) float32 {
	switch {
	case len(x) == 0:
		return 0
	case haveAVX512:
		return sumAVX512(&x[0], len(x))
	case haveAsm:
		return sumAVX2(&x[0], len(x))
	}
	return sumF32Ref(x)
}

// fmaLoop is FMALoop (iters > 0) on amd64.
func fmaLoop(iters int, m, c float32) float32 {
	switch {
	case haveAVX512:
		return fmaAVX512(iters, m, c)
	case haveAsm:
		return fmaAVX2(iters, m, c)
	}
	return fmaLoopRef(iters, m, c)
}

// fmaLanes is how many float32 lanes each accumulator of the FMA kernel in
// use has.
func fmaLanes() int {
	switch {
	case haveAVX512:
		return 16
	case haveAsm:
		return 8
	}
	return 1
}

// SumKernel names the kernel SumF32 runs on this machine.
func SumKernel() string {
	switch {
	case haveAVX512:
		return "avx512"
	case haveAsm:
		return "avx2"
	}
	return "go"
}

// FMAKernel names the kernel FMALoop runs on this machine.
func FMAKernel() string { return SumKernel() + "-fma" }

// sumAVX512 returns Σ x[i] for i < n reading exactly n floats: four 16-lane
// accumulators over 64-element blocks, then 16-element blocks into the
// first, a horizontal add, then a scalar tail.
//
//go:noescape
func sumAVX512(x *float32, n int) float32

// sumAVX2 is sumAVX512 with four 8-lane accumulators over 32-element blocks.
//
//go:noescape
func sumAVX2(x *float32, n int) float32

// fmaAVX512 runs iters iterations of acc = acc·m + c (VFMADD213PS) over 12
// independent 16-lane accumulators starting at 0 and returns the sum of all
// lanes. iters must be positive.
func fmaAVX512(iters int, m, c float32) float32

// fmaAVX2 is fmaAVX512 with 12 8-lane accumulators.
func fmaAVX2(iters int, m, c float32) float32
