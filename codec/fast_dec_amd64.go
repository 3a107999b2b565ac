//go:build amd64 && !purego

package codec

import "golang.org/x/sys/cpu"

// useDecKernel reports whether DecodeRowsRotated expands u16 codes with
// decAddU16 (AVX-512 F).
var useDecKernel = cpu.X86.HasAVX512F

// decAddU16 adds float32(dd·float32(q)) to dst[16p..16p+16) for the two
// unbiased table entries (int8 q, one per byte) of the little-endian u16
// codes 2p and 2p+1, for p < npairs. Its reference is addEntry.
//
//go:noescape
func decAddU16(dst *float32, codes *byte, npairs int, tab *uint64, dd float32)
