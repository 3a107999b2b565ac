package kernels

import "unsafe"

// Prefetch hints the CPU to bring the memory of s into L2 (one PREFETCHT1
// per 64-byte line on amd64, nothing elsewhere or with the purego tag)
// without waiting for it: a short array read right after a
// long kernel — a chunk's outlier entries — then arrives while the kernel
// runs instead of stalling on each line in turn. It has no other effect.
func Prefetch[T any](s []T) {
	if len(s) == 0 {
		return
	}
	prefetch(unsafe.Pointer(unsafe.SliceData(s)), len(s)*int(unsafe.Sizeof(s[0])))
}
