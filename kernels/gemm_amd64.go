//go:build amd64 && !purego

package kernels

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// gemmMicro is the micro-kernel the blocked products use on this CPU: the
// AVX-512 4×6 kernel when AVX-512 F and VL are there, else the AVX2/FMA 4×3
// kernel, else none (the products then run their references).
var gemmMicro *microKernel

// gemmAvailable lists every micro-kernel this CPU can run, best first, so
// that tests cover each of them.
var gemmAvailable []*microKernel

func init() {
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL && haveAsm {
		gemmAvailable = append(gemmAvailable, &microKernel{name: "avx512-4x6", nr: 6, fn: gemm4x6AVX512})
	}
	if haveAsm {
		gemmAvailable = append(gemmAvailable, &microKernel{name: "avx2-4x3", nr: 3, fn: gemm4x3AVX2})
	}
	if len(gemmAvailable) > 0 {
		gemmMicro = gemmAvailable[0]
	}
}

// haveF16C reports whether F16 words can be widened with VCVTPH2PS.
var haveF16C = haveAsm && cpu.X86.HasF16C

// widenBF16 writes float32frombits(uint32(src[i])<<16) to dst[i] for
// i < len(src) (len(dst) >= len(src)).
func widenBF16(dst []float32, src []uint16) {
	m := len(src) &^ 7
	if haveAsm && m > 0 {
		widenBF16AVX2(&dst[0], &src[0], m)
	} else {
		m = 0
	}
	widenBF16Ref(dst[m:], src[m:])
}

// widenF16 writes F16ToF32(src[i]) to dst[i] for i < len(src) (len(dst) >=
// len(src)). NaNs come out quiet from the assembly path.
func widenF16(dst []float32, src []uint16) {
	m := len(src) &^ 7
	if haveF16C && m > 0 {
		widenF16F16C(&dst[0], &src[0], m)
	} else {
		m = 0
	}
	widenF16Ref(dst[m:], src[m:])
}

// narrowF16 writes F32ToF16(src[i]) to dst[i] for i < len(src) (len(dst)
// >= len(src)); NaNs keep another payload on the assembly path.
func narrowF16(dst []uint16, src []float32) {
	m := len(src) &^ 7
	if haveF16C && m > 0 {
		narrowF16F16C(&dst[0], &src[0], m)
	} else {
		m = 0
	}
	narrowF16Ref(dst[m:], src[m:])
}

// narrowF16F16C is narrowF16Ref for n elements, n a multiple of 8, with
// VCVTPS2PH in round-to-nearest-even mode.
//
//go:noescape
func narrowF16F16C(dst *uint16, src *float32, n int)

// gemm4x6AVX512 computes, for r < 4 and t < 6,
//
//	out[t*ldo+r] += Σ_{c<k} w[r*ldw+c]·x[t*ldx+c]
//
// with k a positive multiple of 16; each sum is taken over 16 lanes of FMAs
// and then reduced in a tree (a reassociation of the reference's sum).
//
//go:noescape
func gemm4x6AVX512(w *float32, ldw int, x *float32, ldx int, k int, out *float32, ldo int)

// gemm4x3AVX2 is gemm4x6AVX512 for r < 4 and t < 3 with 8-lane AVX2 FMAs;
// k must be a positive multiple of 8.
//
//go:noescape
func gemm4x3AVX2(w *float32, ldw int, x *float32, ldx int, k int, out *float32, ldo int)

// widenBF16AVX2 is widenBF16Ref for n elements, n a multiple of 8.
//
//go:noescape
func widenBF16AVX2(dst *float32, src *uint16, n int)

// widenF16F16C is widenF16Ref for n elements, n a multiple of 8.
//
//go:noescape
func widenF16F16C(dst *float32, src *uint16, n int)

// prefetch asks for the n bytes at p to be brought into L2 (a hint: it
// never faults and has no visible effect).
func prefetch(p unsafe.Pointer, n int) {
	if n > 0 {
		prefetchL2(p, n)
	}
}

// prefetchL2 issues PREFETCHT1 for every 64-byte line of [p, p+n).
//
//go:noescape
func prefetchL2(p unsafe.Pointer, n int)
