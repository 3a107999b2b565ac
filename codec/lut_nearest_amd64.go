//go:build amd64 && !purego

package codec

import "golang.org/x/sys/cpu"

// useLUTScan reports whether the LUT codecs' nearest-entry search runs
// the AVX-512 scan.
var useLUTScan = cpu.X86.HasAVX512F

// lutScanAVX512 is lutScanGo's per-lane pass in AVX-512: the same scores,
// bit for bit (separate multiplies and adds in the same order).
//
//go:noescape
func lutScanAVX512(a, w *float32, d int, cb, cc *float32, best *float32, idx *int32)
