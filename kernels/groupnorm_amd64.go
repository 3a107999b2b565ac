//go:build amd64 && !purego

package kernels

import "golang.org/x/sys/cpu"

// haveGroupNormAsm reports whether MaxGroupNorm2 runs its assembly kernels
// (AVX-512 F and BW).
var haveGroupNormAsm = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW

// maxGroupNorm2 is MaxGroupNorm2 for d ≥ 1: for d = 2 and d = 4 the
// assembly kernel over whole 16-value blocks and the reference over the
// rest, combined with max (NaN wins, as in the reference); the reference
// for other d or without the CPU features.
func maxGroupNorm2(x []float32, d int) float32 {
	if !haveGroupNormAsm || (d != 2 && d != 4) || len(x) < 16 {
		return maxGroupNorm2Go(x, d)
	}
	n := len(x) &^ 15
	var m, s float32
	if d == 2 {
		m, s = maxGroupNorm2x2AVX512(&x[0], n)
	} else {
		m, s = maxGroupNorm2x4AVX512(&x[0], n)
	}
	if s != s {
		return s
	}
	if n == len(x) {
		return m
	}
	return max(m, maxGroupNorm2Go(x[n:], d))
}

// maxGroupNorm2x2AVX512 returns m = maxGroupNorm2Go(x[:n], 2) for n a
// positive multiple of 16 when no value is NaN, and s, the sum of all
// group norms, which is NaN if any value is (VMAXPS does not propagate
// NaN): per 64-bit lane the two squares summed, a running maximum of the
// even lanes under a mask.
//
//go:noescape
func maxGroupNorm2x2AVX512(x *float32, n int) (m, s float32)

// maxGroupNorm2x4AVX512 is maxGroupNorm2x2AVX512 for d = 4: per 128-bit
// lane ((a²+b²)+c²)+d² in lane 0 by byte shifts.
//
//go:noescape
func maxGroupNorm2x4AVX512(x *float32, n int) (m, s float32)
