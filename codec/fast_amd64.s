//go:build amd64 && !purego

#include "textflag.h"

// Horizontal sum of Z0 into X0 (clobbers Y1/X1).
#define REDUCE_Z0 \
	VEXTRACTF32X8 $1, Z0, Y1 \
	VADDPS        Y1, Y0, Y0 \
	VEXTRACTF128  $1, Y0, X1 \
	VADDPS        X1, X0, X0 \
	VHADDPS       X0, X0, X0 \
	VHADDPS       X0, X0, X0

// One 64-weight group: 8 codes → table entries (u8 codeword+128) →
// VPDPBUSD against the 64 int8 inputs (DX) and their int8 residuals (R8),
// combined as 256·hi+lo → float, times the group's scale. LOADOP SRC loads
// the 8 codes as qword indices into ZI; XOFF and SOFF are the byte offsets
// of the group's inputs and scale.
#define VNNI_GROUP(LOADOP, SRC, XOFF, SOFF, KR, ZI, ZT, ZA, ZB, ZACC) \
	LOADOP     SRC, ZI                \
	KXNORW     KR, KR, KR             \
	VPXORQ     ZT, ZT, ZT             \
	VPGATHERQQ (DI)(ZI*8), KR, ZT     \
	VPXORD     ZA, ZA, ZA             \
	VPXORD     ZB, ZB, ZB             \
	VPDPBUSD   XOFF(DX), ZT, ZA       \
	VPDPBUSD   XOFF(R8), ZT, ZB       \
	VPSLLD     $8, ZA, ZA             \
	VPADDD     ZB, ZA, ZA             \
	VCVTDQ2PS  ZA, ZA                 \
	VFMADD231PS.BCST SOFF(BX), ZA, ZACC

// func dotVNNI16(codes *byte, ngroups int, tab *uint64, xq, xq2 *int8, xs *float32) float32
TEXT ·dotVNNI16(SB), NOSPLIT, $0-52
	MOVQ   codes+0(FP), SI
	MOVQ   ngroups+8(FP), CX
	MOVQ   tab+16(FP), DI
	MOVQ   xq+24(FP), DX
	MOVQ   xq2+32(FP), R8
	MOVQ   xs+40(FP), BX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	CMPQ   CX, $4
	JL     v16one

v16four:
	VNNI_GROUP(VPMOVZXWQ, (SI), 0, 0, K1, Z4, Z8, Z12, Z16, Z0)
	VNNI_GROUP(VPMOVZXWQ, 16(SI), 64, 4, K2, Z5, Z9, Z13, Z17, Z1)
	VNNI_GROUP(VPMOVZXWQ, 32(SI), 128, 8, K3, Z6, Z10, Z14, Z18, Z2)
	VNNI_GROUP(VPMOVZXWQ, 48(SI), 192, 12, K4, Z7, Z11, Z15, Z19, Z3)
	ADDQ $64, SI
	ADDQ $256, DX
	ADDQ $256, R8
	ADDQ $16, BX
	SUBQ $4, CX
	CMPQ CX, $4
	JGE  v16four

v16one:
	TESTQ CX, CX
	JE    v16done
	VNNI_GROUP(VPMOVZXWQ, (SI), 0, 0, K1, Z4, Z8, Z12, Z16, Z0)
	ADDQ  $16, SI
	ADDQ  $64, DX
	ADDQ  $64, R8
	ADDQ  $4, BX
	DECQ  CX
	JMP   v16one

v16done:
	VADDPS Z1, Z0, Z0
	VADDPS Z3, Z2, Z2
	VADDPS Z2, Z0, Z0
	REDUCE_Z0
	VZEROUPPER
	MOVSS  X0, ret+48(FP)
	RET

// func dotVNNI8(codes *byte, ngroups int, tab *uint64, xq, xq2 *int8, xs *float32) float32
TEXT ·dotVNNI8(SB), NOSPLIT, $0-52
	MOVQ   codes+0(FP), SI
	MOVQ   ngroups+8(FP), CX
	MOVQ   tab+16(FP), DI
	MOVQ   xq+24(FP), DX
	MOVQ   xq2+32(FP), R8
	MOVQ   xs+40(FP), BX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	CMPQ   CX, $4
	JL     v8one

v8four:
	VNNI_GROUP(VPMOVZXBQ, (SI), 0, 0, K1, Z4, Z8, Z12, Z16, Z0)
	VNNI_GROUP(VPMOVZXBQ, 8(SI), 64, 4, K2, Z5, Z9, Z13, Z17, Z1)
	VNNI_GROUP(VPMOVZXBQ, 16(SI), 128, 8, K3, Z6, Z10, Z14, Z18, Z2)
	VNNI_GROUP(VPMOVZXBQ, 24(SI), 192, 12, K4, Z7, Z11, Z15, Z19, Z3)
	ADDQ $32, SI
	ADDQ $256, DX
	ADDQ $256, R8
	ADDQ $16, BX
	SUBQ $4, CX
	CMPQ CX, $4
	JGE  v8four

v8one:
	TESTQ CX, CX
	JE    v8done
	VNNI_GROUP(VPMOVZXBQ, (SI), 0, 0, K1, Z4, Z8, Z12, Z16, Z0)
	ADDQ  $8, SI
	ADDQ  $64, DX
	ADDQ  $64, R8
	ADDQ  $4, BX
	DECQ  CX
	JMP   v8one

v8done:
	VADDPS Z1, Z0, Z0
	VADDPS Z3, Z2, Z2
	VADDPS Z2, Z0, Z0
	REDUCE_Z0
	VZEROUPPER
	MOVSS  X0, ret+48(FP)
	RET

// One 8-weight vector in float: table entry (int8 codeword) → int32 → float,
// FMA with 8 inputs. LOADOP SRC loads the code into REG.
#define F32_VEC(LOADOP, SRC, REG, XOFF, Y, ACC) \
	LOADOP      SRC, REG                \
	VPMOVSXBD   (DI)(REG*8), Y          \
	VCVTDQ2PS   Y, Y                    \
	VFMADD231PS XOFF(DX), Y, ACC

// func dotF32U16(codes *byte, nvec int, tab *uint64, x *float32) float32
TEXT ·dotF32U16(SB), NOSPLIT, $0-36
	MOVQ   codes+0(FP), SI
	MOVQ   nvec+8(FP), CX
	MOVQ   tab+16(FP), DI
	MOVQ   x+24(FP), DX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	CMPQ   CX, $4
	JL     f16one

f16four:
	F32_VEC(MOVWQZX, (SI), AX, 0, Y4, Y0)
	F32_VEC(MOVWQZX, 2(SI), R8, 32, Y5, Y1)
	F32_VEC(MOVWQZX, 4(SI), R9, 64, Y6, Y2)
	F32_VEC(MOVWQZX, 6(SI), R10, 96, Y7, Y3)
	ADDQ $8, SI
	ADDQ $128, DX
	SUBQ $4, CX
	CMPQ CX, $4
	JGE  f16four

f16one:
	TESTQ CX, CX
	JE    f16done
	F32_VEC(MOVWQZX, (SI), AX, 0, Y4, Y0)
	ADDQ  $2, SI
	ADDQ  $32, DX
	DECQ  CX
	JMP   f16one

f16done:
	VADDPS       Y1, Y0, Y0
	VADDPS       Y3, Y2, Y2
	VADDPS       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	VZEROUPPER
	MOVSS        X0, ret+32(FP)
	RET

// func dotF32U8(codes *byte, nvec int, tab *uint64, x *float32) float32
TEXT ·dotF32U8(SB), NOSPLIT, $0-36
	MOVQ   codes+0(FP), SI
	MOVQ   nvec+8(FP), CX
	MOVQ   tab+16(FP), DI
	MOVQ   x+24(FP), DX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	CMPQ   CX, $4
	JL     f8one

f8four:
	F32_VEC(MOVBQZX, (SI), AX, 0, Y4, Y0)
	F32_VEC(MOVBQZX, 1(SI), R8, 32, Y5, Y1)
	F32_VEC(MOVBQZX, 2(SI), R9, 64, Y6, Y2)
	F32_VEC(MOVBQZX, 3(SI), R10, 96, Y7, Y3)
	ADDQ $4, SI
	ADDQ $128, DX
	SUBQ $4, CX
	CMPQ CX, $4
	JGE  f8four

f8one:
	TESTQ CX, CX
	JE    f8done
	F32_VEC(MOVBQZX, (SI), AX, 0, Y4, Y0)
	ADDQ  $1, SI
	ADDQ  $32, DX
	DECQ  CX
	JMP   f8one

f8done:
	VADDPS       Y1, Y0, Y0
	VADDPS       Y3, Y2, Y2
	VADDPS       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	VZEROUPPER
	MOVSS        X0, ret+32(FP)
	RET

// func absMax64(x *float32) uint32
TEXT ·absMax64(SB), NOSPLIT, $0-12
	MOVQ          x+0(FP), SI
	MOVL          $0x7fffffff, AX
	VPBROADCASTD  AX, Z5
	VPANDD        (SI), Z5, Z0
	VPANDD        64(SI), Z5, Z1
	VPANDD        128(SI), Z5, Z2
	VPANDD        192(SI), Z5, Z3
	VPMAXUD       Z1, Z0, Z0
	VPMAXUD       Z3, Z2, Z2
	VPMAXUD       Z2, Z0, Z0
	VEXTRACTI64X4 $1, Z0, Y1
	VPMAXUD       Y1, Y0, Y0
	VEXTRACTI128  $1, Y0, X1
	VPMAXUD       X1, X0, X0
	VPSHUFD       $0x4e, X0, X1
	VPMAXUD       X1, X0, X0
	VPSHUFD       $0xb1, X0, X1
	VPMAXUD       X1, X0, X0
	VMOVD         X0, AX
	VZEROUPPER
	MOVL          AX, ret+8(FP)
	RET

// QUANT16 quantizes the 16 floats at OFF(SI) (scaled by Z6) into 16
// bytes of q (OFF/4(DI)) and q2 (OFF/4(DX)) and adds 256·q+q2 to Z9.
#define QUANT16(OFF, QOFF) \
	VMULPS        OFF(SI), Z6, Z0   \
	VRNDSCALEPS   $0, Z0, Z1        \
	VSUBPS        Z1, Z0, Z2        \
	VMULPS        Z7, Z2, Z2        \
	VCVTPS2DQ     Z1, Z1            \
	VCVTPS2DQ     Z2, Z2            \
	VPMAXSD       Z8, Z1, Z1        \
	VPMAXSD       Z8, Z2, Z2        \
	VPMOVSDB      Z1, QOFF(DI)      \
	VPMOVSDB      Z2, QOFF(DX)      \
	VPMINSD       Z10, Z2, Z2       \
	VPMINSD       Z10, Z1, Z1       \
	VPSLLD        $8, Z1, Z1        \
	VPADDD        Z2, Z9, Z9        \
	VPADDD        Z1, Z9, Z9

// func quantBlock64(x *float32, inv float32, q, q2 *int8) int32
TEXT ·quantBlock64(SB), NOSPLIT, $0-36
	MOVQ         x+0(FP), SI
	VBROADCASTSS inv+8(FP), Z6
	MOVQ         q+16(FP), DI
	MOVQ         q2+24(FP), DX
	MOVL         $0x43800000, AX // 256.0
	VPBROADCASTD AX, Z7
	MOVL         $-127, AX
	VPBROADCASTD AX, Z8
	MOVL         $127, AX
	VPBROADCASTD AX, Z10
	VPXORD       Z9, Z9, Z9
	QUANT16(0, 0)
	QUANT16(64, 16)
	QUANT16(128, 32)
	QUANT16(192, 48)
	VEXTRACTI64X4 $1, Z9, Y1
	VPADDD        Y1, Y9, Y9
	VEXTRACTI128  $1, Y9, X1
	VPADDD        X1, X9, X9
	VPSHUFD       $0x4e, X9, X1
	VPADDD        X1, X9, X9
	VPSHUFD       $0xb1, X9, X1
	VPADDD        X1, X9, X9
	VMOVD         X9, AX
	VZEROUPPER
	MOVL          AX, ret+32(FP)
	RET
