//go:build !amd64 || purego

package codec

// Without amd64 assembly (or with the purego tag) every product runs the
// reference; the kernel names exist so that the shared code compiles.
const (
	useF32Kernel = false
	useVNNI      = false
	t16Kernel    = false
)

func dotVNNI16T(codes *byte, nsb int, tab *byte, xq, xq2 *int8, xs *float32, k *byte) float32 {
	panic("codec: dotVNNI16T without assembly")
}

func dotVNNI16(codes *byte, ngroups int, tab *uint64, xq, xq2 *int8, xs *float32) float32 {
	panic("codec: dotVNNI16 without assembly")
}

func dotVNNI8(codes *byte, ngroups int, tab *uint64, xq, xq2 *int8, xs *float32) float32 {
	panic("codec: dotVNNI8 without assembly")
}

func dotF32U16(codes *byte, nvec int, tab *uint64, x *float32) float32 {
	panic("codec: dotF32U16 without assembly")
}

func dotF32U8(codes *byte, nvec int, tab *uint64, x *float32) float32 {
	panic("codec: dotF32U8 without assembly")
}

func radixExpand(b *byte, nwords int, k, s *byte, c *byte) {
	panic("codec: radixExpand without assembly")
}

func dotVNNIRT(k, s *byte, nsb int, tab *byte, xq, xq2 *int8, xs *float32, c *byte) float32 {
	panic("codec: dotVNNIRT without assembly")
}

func absMax64(x *float32) uint32 { panic("codec: absMax64 without assembly") }

func quantBlock64(x *float32, inv float32, q, q2 *int8) int32 {
	panic("codec: quantBlock64 without assembly")
}

func transposeT16(src, dst *int8, nsb int, c *byte) { panic("codec: transposeT16 without assembly") }

func dotVNNI16T2(a, b *byte, nsb int, tab *byte, xq, xq2 *int8, xs *float32, k *byte) (float32, float32) {
	panic("codec: dotVNNI16T2 without assembly")
}
