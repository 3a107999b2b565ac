//go:build amd64 && !purego

package codec

import "golang.org/x/sys/cpu"

// useScalarKernel reports whether the scalar codecs' row products run the
// AVX-512 kernels (F, BW and VL for the masked scale load, VBMI for
// VPMULTISHIFTQB). A variable so that tests and benchmarks can compare
// with the plain-Go loops.
var useScalarKernel = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512VBMI

// scalarDotLUT returns Σ_g d_g·Σ_{i<32} L(c_{32g+i})·x[32g+i] over ngroups
// whole groups of 2-, 3- or 4-bit codes (4·bits bytes per group), d_g the
// F16 scales; k holds the bit-field controls and the level table of the
// width. Its reference is scalarDotGroupsGo (equal up to reassociation).
//
//go:noescape
func scalarDotLUT(codes *byte, ngroups int, x *float32, scales *byte, k *scalarKern) float32

// scalarDotQ8 is scalarDotLUT for 8-bit codes.
//
//go:noescape
func scalarDotQ8(codes *byte, ngroups int, x *float32, scales *byte) float32
