//go:build !amd64 || purego

package codec

// Without amd64 assembly (or with the purego tag) the scalar codecs' row
// products run the plain-Go loops of fast_scalar.go.
var useScalarKernel = false

func scalarDotLUT(codes *byte, ngroups int, x *float32, scales *byte, k *scalarKern) float32 {
	panic("codec: scalarDotLUT without assembly")
}

func scalarDotQ8(codes *byte, ngroups int, x *float32, scales *byte) float32 {
	panic("codec: scalarDotQ8 without assembly")
}
