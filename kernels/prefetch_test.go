package kernels

import "testing"

// TestPrefetch: Prefetch accepts any slice — empty, shorter than a line,
// unaligned, spanning many lines — and changes nothing.
func TestPrefetch(t *testing.T) {
	b := make([]byte, 1000)
	for i := range b {
		b[i] = byte(i)
	}
	Prefetch(b[:0])
	Prefetch([]int32(nil))
	for _, r := range [][2]int{{0, 1}, {3, 5}, {63, 65}, {1, 1000}, {0, 1000}} {
		Prefetch(b[r[0]:r[1]])
	}
	Prefetch([]float32{1, 2, 3})
	for i := range b {
		if b[i] != byte(i) {
			t.Fatalf("byte %d changed", i)
		}
	}
}
