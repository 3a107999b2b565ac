//go:build amd64 && !purego

package codec

import "golang.org/x/sys/cpu"

// useF32Kernel reports whether the float table kernels (AVX2+FMA) run;
// useVNNI whether DotRowsRotated uses the int8 AVX-512 VNNI kernels.
var (
	useF32Kernel = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	useVNNI      = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VNNI
	// t16Kernel: the transposed kernels (byte permutes, byte masks,
	// GF(2) affine parity) can run.
	t16Kernel = useVNNI && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VBMI && cpu.X86.HasAVX512GFNI
)

// dotVNNI16T is the transposed int8 kernel over nsb superblocks of 64
// little-endian uint16 codes of svqTable2 (fast_t16.go); its reference is
// dotVNNI16TGo.
//
//go:noescape
func dotVNNI16T(codes *byte, nsb int, tab *byte, xq, xq2 *int8, xs *float32, k *byte) float32

// dotVNNI16 returns Σ_g xs[g]·Σ_{i<64} u8(tab[code_{8g+i/8}] byte i%8)·
// (256·xq[64g+i] + xq2[64g+i]) over ngroups groups of 8 little-endian
// uint16 codes. Its reference is dotVNNIGo.
//
//go:noescape
func dotVNNI16(codes *byte, ngroups int, tab *uint64, xq, xq2 *int8, xs *float32) float32

// dotVNNI8 is dotVNNI16 with one-byte codes.
//
//go:noescape
func dotVNNI8(codes *byte, ngroups int, tab *uint64, xq, xq2 *int8, xs *float32) float32

// dotF32U16 returns Σ_v Σ_i float32(int8(tab[code_v] byte i))·x[8v+i] over
// nvec little-endian uint16 codes (tab unbiased). Its reference is
// dotF32Go.
//
//go:noescape
func dotF32U16(codes *byte, nvec int, tab *uint64, x *float32) float32

// dotF32U8 is dotF32U16 with one-byte codes.
//
//go:noescape
func dotF32U8(codes *byte, nvec int, tab *uint64, x *float32) float32

// radixExpand writes the base-55 digits and the sign fields of nwords
// radix words at b, one byte per vector, to k and s (5·nwords bytes each;
// c: rtTables.consts). Its reference is radixExpandGo.
//
//go:noescape
func radixExpand(b *byte, nwords int, k, s *byte, c *byte)

// dotVNNIRT is dotVNNI16T for nsb superblocks of radix codes expanded by
// radixExpand (digits k, sign fields s; tab: rtTables.tab, c:
// rtTables.consts). Its reference is dotVNNIRTGo.
//
//go:noescape
func dotVNNIRT(k, s *byte, nsb int, tab *byte, xq, xq2 *int8, xs *float32, c *byte) float32

// absMax64 returns max |x[j]| over 64 floats as bits (the bits of
// non-negative floats order like the values; NaN above +Inf).
//
//go:noescape
func absMax64(x *float32) uint32

// quantBlock64 is quantBlock in float32 arithmetic (t = x·inv rounded to
// float32) on one 64-value block: the same digits up to that rounding.
//
//go:noescape
func quantBlock64(x *float32, inv float32, q, q2 *int8) int32

// transposeT16 writes the transposed layout of nsb superblocks in the
// transposed kernels' lane order (see xQuant.setT: dst[512b+64i+p] =
// src[512b+8·t16Vec(p)+i]); c is trConsts.
//
//go:noescape
func transposeT16(src, dst *int8, nsb int, c *byte)

// dotVNNI16T2 is dotVNNI16T of two rows' codes a and b at once (sharing
// the table and input loads).
//
//go:noescape
func dotVNNI16T2(a, b *byte, nsb int, tab *byte, xq, xq2 *int8, xs *float32, k *byte) (float32, float32)
