package kernels

import "unsafe"

// Prefetch hints the CPU to bring the memory of s into L2 (one PREFETCHT1
// per 64-byte line on amd64, nothing elsewhere or with the purego tag)
// without waiting for it. It has no other effect. Once the core's fill
// buffers are full, each further line waits for one to free, so a long
// burst costs about the time of reading s; LUTBuildHalfPrefetch spreads
// its lines over compute instead.
func Prefetch[T any](s []T) {
	if len(s) == 0 {
		return
	}
	prefetch(unsafe.Pointer(unsafe.SliceData(s)), len(s)*int(unsafe.Sizeof(s[0])))
}
