//go:build amd64 && !purego

package codec

import (
	"sync"

	"golang.org/x/sys/cpu"
)

// useFWHTKernel reports whether rotation blocks of 16 or more values run
// fwhtBlockAVX512.
var useFWHTKernel = cpu.X86.HasAVX512F

// fwhtBlockAVX512 applies sign flips (XOR with signs), fwht and the scale
// to one block of n values (a power of two ≥ 16), bit-identically to
// rotation.forwardBlockGo; c is fwhtIndex().
//
//go:noescape
func fwhtBlockAVX512(v *float32, n int, signs *uint32, scale float32, c *uint32)

// fwhtIndex holds the VPERMPS index vectors of the in-register stages:
// entry 16m+j is j XOR 2^m.
var fwhtIndex = sync.OnceValue(func() *[64]uint32 {
	var c [64]uint32
	for m := range 4 {
		for j := range 16 {
			c[16*m+j] = uint32(j ^ 1<<m)
		}
	}
	return &c
})

// forwardFast rotates v like forward with the AVX-512 kernel; it reports
// false (having done nothing) when the kernel cannot run.
func (r *rotation) forwardFast(v []float32) bool {
	if !useFWHTKernel || r.block < 16 || len(r.signs) < len(v) {
		return false
	}
	c := fwhtIndex()
	for o := 0; o < len(v); o += r.block {
		fwhtBlockAVX512(&v[o], r.block, &r.signs[o], r.scale, &c[0])
	}
	return true
}
