//go:build !amd64 || purego

package kernels

import "unsafe"

// gemmMicro is nil on this build: the blocked products run their references.
var gemmMicro *microKernel

// gemmAvailable is empty on this build.
var gemmAvailable []*microKernel

// widenBF16 is widenBF16Ref on this build.
func widenBF16(dst []float32, src []uint16) { widenBF16Ref(dst, src) }

// widenF16 is widenF16Ref on this build.
func widenF16(dst []float32, src []uint16) { widenF16Ref(dst, src) }

// narrowF16 is NarrowF16 after its length check: the reference here.
func narrowF16(dst []uint16, src []float32) { narrowF16Ref(dst, src) }

// prefetch is a no-op on this build.
func prefetch(unsafe.Pointer, int) {}
