//go:build amd64 && !purego

package codec

import "golang.org/x/sys/cpu"

// useSVQScan reports whether nearest runs the AVX-512 scan kernels.
var useSVQScan = cpu.X86.HasAVX512F

// svqScanAVX512 is the AVX-512 scan kernel; its specification is svqScanGo
// (it differs by float rounding only: fused multiply-adds, another
// summation order).
//
//go:noescape
func svqScanAVX512(tab *float32, nblk int, coef *float32, base float32, par *uint16, flip uint16, out *float32, vmin *float32)

// svqMaskAVX512 is the AVX-512 mask kernel; its specification is
// svqMaskGo (it gives the same bits).
//
//go:noescape
func svqMaskAVX512(d *float32, nblk int, vmin *float32, eps2 float32, mask *uint16)
