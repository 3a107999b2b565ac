//go:build amd64 && !purego

#include "textflag.h"

// The scalar-codec row kernels (fast_scalar.go). Both walk ngroups whole
// 32-weight groups of one row: per group the two 16-lane level vectors
// L0, L1 (weights 0-15 and 16-31), acc = L0·x0 + L1·x1, out += d·acc with
// d the group's scale broadcast from a 64-byte frame where each block of
// up to 16 F16 scales is widened first. Two output accumulators (Z0, Z10)
// alternate between groups to hide the FMA latency; the result is the sum
// of their 32 lanes.
//
// Registers: SI codes, DI x, DX F16 scales, CX groups left, BX groups left
// in the current block, R11 the block's float scales (frame), R10 bytes per
// group.

// SCALE_BLOCK widens the next min(16, CX) F16 scales at DX into the frame
// (masked load: no byte past the last scale is read) and sets BX and R11.
#define SCALE_BLOCK \
	MOVQ        $16, BX          \
	CMPQ        CX, BX           \
	CMOVQLT     CX, BX           \
	MOVQ        CX, R12          \
	MOVQ        $16, CX          \
	SUBQ        BX, CX           \
	MOVL        $0xffff, AX      \
	SHRL        CX, AX           \
	MOVQ        R12, CX          \
	KMOVW       AX, K1           \
	VMOVDQU16.Z (DX), K1, Y5     \
	VCVTPH2PS   Y5, Z5           \
	VMOVUPS     Z5, (SP)         \
	ADDQ        $32, DX          \
	SUBQ        BX, CX           \
	MOVQ        SP, R11

// LUT_GROUP: one group of 2-, 3- or 4-bit codes. Each half's codes lie in
// one little-endian qword (at byte 0 and R9 of the group); broadcast to
// every lane, VPMULTISHIFTQB moves code i to the low bits of dword lane i
// (controls Z28, Z29) and VPERMPS maps the low 4 bits to the level
// (table Z30, which ignores the bits above the code).
#define LUT_GROUP(OUT) \
	VPBROADCASTQ     (SI), Z1          \
	VPBROADCASTQ     (SI)(R9*1), Z2    \
	VPMULTISHIFTQB   Z1, Z28, Z1       \
	VPMULTISHIFTQB   Z2, Z29, Z2       \
	VPERMPS          Z30, Z1, Z1       \
	VPERMPS          Z30, Z2, Z2       \
	VMULPS           (DI), Z1, Z3      \
	VFMADD231PS      64(DI), Z2, Z3    \
	VFMADD231PS.BCST (R11), Z3, OUT    \
	ADDQ             R10, SI           \
	ADDQ             $128, DI          \
	ADDQ             $4, R11

// Q8_GROUP: one group of 8-bit codes, level 2c − 255 (exact in float32).
#define Q8_GROUP(OUT) \
	VPMOVZXBD        (SI), Z1          \
	VPMOVZXBD        16(SI), Z2        \
	VCVTDQ2PS        Z1, Z1            \
	VCVTDQ2PS        Z2, Z2            \
	VFMSUB213PS      Z29, Z28, Z1      \
	VFMSUB213PS      Z29, Z28, Z2      \
	VMULPS           (DI), Z1, Z3      \
	VFMADD231PS      64(DI), Z2, Z3    \
	VFMADD231PS.BCST (R11), Z3, OUT    \
	ADDQ             $32, SI           \
	ADDQ             $128, DI          \
	ADDQ             $4, R11

// REDUCE sums the 32 lanes of Z0 and Z10 into X0.
#define REDUCE \
	VADDPS        Z10, Z0, Z0      \
	VEXTRACTF64X4 $1, Z0, Y1       \
	VADDPS        Y1, Y0, Y0       \
	VEXTRACTF128  $1, Y0, X1       \
	VADDPS        X1, X0, X0       \
	VPERMILPD     $1, X0, X1       \
	VADDPS        X1, X0, X0       \
	VMOVSHDUP     X0, X1           \
	VADDSS        X1, X0, X0

// func scalarDotLUT(codes *byte, ngroups int, x *float32, scales *byte, k *scalarKern) float32
TEXT ·scalarDotLUT(SB), NOSPLIT, $64-44
	MOVQ      codes+0(FP), SI
	MOVQ      ngroups+8(FP), CX
	MOVQ      x+16(FP), DI
	MOVQ      scales+24(FP), DX
	MOVQ      k+32(FP), R8
	VMOVDQU64 0(R8), Z28
	VMOVDQU64 64(R8), Z29
	VMOVUPS   128(R8), Z30
	MOVQ      192(R8), R9
	MOVQ      200(R8), R10
	VPXORD    Z0, Z0, Z0
	VPXORD    Z10, Z10, Z10

lutblock:
	TESTQ CX, CX
	JZ    lutdone
	SCALE_BLOCK

lutpair:
	CMPQ BX, $2
	JL   lutsingle
	LUT_GROUP(Z0)
	LUT_GROUP(Z10)
	SUBQ $2, BX
	JMP  lutpair

lutsingle:
	TESTQ BX, BX
	JZ    lutblock
	LUT_GROUP(Z0)
	JMP   lutblock

lutdone:
	REDUCE
	VMOVSS X0, ret+40(FP)
	VZEROUPPER
	RET

// func scalarDotQ8(codes *byte, ngroups int, x *float32, scales *byte) float32
TEXT ·scalarDotQ8(SB), NOSPLIT, $64-36
	MOVQ         codes+0(FP), SI
	MOVQ         ngroups+8(FP), CX
	MOVQ         x+16(FP), DI
	MOVQ         scales+24(FP), DX
	MOVL         $0x40000000, AX // 2.0
	VPBROADCASTD AX, Z28
	MOVL         $0x437f0000, AX // 255.0
	VPBROADCASTD AX, Z29
	VPXORD       Z0, Z0, Z0
	VPXORD       Z10, Z10, Z10

q8block:
	TESTQ CX, CX
	JZ    q8done
	SCALE_BLOCK

q8pair:
	CMPQ BX, $2
	JL   q8single
	Q8_GROUP(Z0)
	Q8_GROUP(Z10)
	SUBQ $2, BX
	JMP  q8pair

q8single:
	TESTQ BX, BX
	JZ    q8block
	Q8_GROUP(Z0)
	JMP   q8block

q8done:
	REDUCE
	VMOVSS X0, ret+32(FP)
	VZEROUPPER
	RET
