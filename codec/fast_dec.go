package codec

import "unsafe"

// decAddU16Fast adds dd·q of the table entries of the little-endian u16
// codes to dst (8 floats per code) with the AVX-512 kernel, for as many
// whole code pairs as it can; it returns the number of codes done (0
// without the kernel). Its specification is addEntry, bit for bit: the
// kernel rounds dd·q to float32 (VMULPS) before adding (VADDPS).
func decAddU16Fast(dst []float32, codes []byte, tab []uint64, dd float32) int {
	if !useDecKernel {
		return 0
	}
	np := min(len(codes)/4, len(dst)/16)
	if np == 0 || len(tab) < 1<<16 {
		return 0
	}
	decAddU16(&dst[0], (*byte)(unsafe.Pointer(&codes[0])), np, &tab[0], dd)
	return 2 * np
}
