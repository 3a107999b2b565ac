//go:build amd64 && !purego

package kernels

import "golang.org/x/sys/cpu"

// haveScaleRowsAsm reports whether LUTScaleRows runs its assembly kernel:
// true when the CPU and the OS support AVX-512 F (which has the 16-lane
// VCVTPH2PS).
var haveScaleRowsAsm = cpu.X86.HasAVX512F

// lutScaleRows is LUTScaleRows after the argument checks (len(dst) ==
// len(acc), len(scales) == 2·len(acc)): the kernel over whole blocks of 16
// sums, the reference for the rest.
func lutScaleRows(dst []float32, acc []int32, scales []byte, post, mul float32) {
	n := 0
	if haveScaleRowsAsm {
		n = len(acc) &^ 15
	}
	if n > 0 {
		lutScaleRowsAVX512(&dst[0], &acc[0], &scales[0], n, post, mul)
	}
	if n < len(acc) {
		lutScaleRowsGo(dst[n:], acc[n:], scales[2*n:], post, mul)
	}
}

// lutScaleRowsAVX512 sets dst[i] = (F16ToF32(s_i)·post)·(mul·float32(acc[i]))
// for i < n (n a positive multiple of 16), s_i the F16 at scales+2i: per
// 16 rows VCVTPH2PS, VMULPS by post, VCVTDQ2PS, VMULPS by mul, VMULPS, each
// rounded as the reference rounds.
//
//go:noescape
func lutScaleRowsAVX512(dst *float32, acc *int32, scales *byte, n int, post, mul float32)
