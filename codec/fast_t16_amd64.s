//go:build amd64 && !purego

#include "textflag.h"

// Transposed int8 kernel of the u16 (svqTable2) codes, see fast_t16.go.
// Per superblock of 64 vectors (512 weights) it works on 64 byte lanes,
// lane v = vector v of the superblock, one coordinate i at a time:
//
//	Z5 = entry bytes k_v, Z7 = high code bytes (s0..s6, t)
//	K1 = bit 7 of k_v (which half of the 256-entry table)
//	Z8 = 128 ± S per lane (the bias plus the shift term, from t)
//	abs = T_i[k_v] by two VPERMT2B lookups and a blend
//	w   = Z8 + abs, or Z8 − abs where sign bit i is set (K3)
//	VPDPBUSD w with both input digits (transposed, 64 bytes per i)
//
// Coordinate 7's sign is popcount(s0..s6) + P[k] (mod 2); T_7 holds P[k]
// in bit 7. The constants block (t16Consts) holds: 0 idxEven, 64 idxOdd,
// 128 0x7f, 192 0x80, 256 128+S, 320 128−S, 384+64i bytes 1<<i.

// T16_LOOKUP writes T[k] for the 64 lanes of Z5 into DST (table at O(DI),
// 256 bytes): two masked VPERMI2B on a copy of the indices, the first
// (K4 = lanes with k < 128) from entries 0-127, the second (K1) from
// 128-255 (VPERMI2B reads 7 index bits; clobbers Z11, Z13).
#define T16_LOOKUP(O0, O1, O2, O3, DST) \
	VMOVDQA64 Z5, DST               \
	VMOVDQU64 O0(DI), Z11           \
	VPERMI2B  O1(DI), Z11, K4, DST  \
	VMOVDQU64 O2(DI), Z13           \
	VPERMI2B  O3(DI), Z13, K1, DST

// T16_DOT adds w = Z8 ± ABS (minus where MASK) times both digits of
// coordinate XO to ACCH and ACCL.
#define T16_DOT(ABS, MASK, XO, ACCH, ACCL) \
	VPADDB   ABS, Z8, Z12         \
	VPSUBB   ABS, Z8, MASK, Z12   \
	VPDPBUSD XO(DX), Z12, ACCH    \
	VPDPBUSD XO(R8), Z12, ACCL

// T16_COORD is one coordinate i < 7: table at O0..O3, sign bit constant
// in register BIT, digits at XO.
#define T16_COORD(O0, O1, O2, O3, BIT, XO, ACCH, ACCL) \
	T16_LOOKUP(O0, O1, O2, O3, Z10)   \
	VPTESTMB BIT, Z7, K3              \
	T16_DOT(Z10, K3, XO, ACCH, ACCL)

// func dotVNNI16T(codes *byte, nsb int, tab *byte, xq, xq2 *int8, xs *float32, k *byte) float32
TEXT ·dotVNNI16T(SB), NOSPLIT, $0-60
	MOVQ      codes+0(FP), SI
	MOVQ      nsb+8(FP), CX
	MOVQ      tab+16(FP), DI
	MOVQ      xq+24(FP), DX
	MOVQ      xq2+32(FP), R8
	MOVQ      xs+40(FP), BX
	MOVQ      k+48(FP), R9
	VMOVDQU64 0(R9), Z28
	VMOVDQU64 64(R9), Z29
	VMOVDQU64 128(R9), Z26
	VMOVDQU64 192(R9), Z27
	VMOVDQU64 256(R9), Z24
	VMOVDQU64 320(R9), Z25
	VMOVDQU64 384(R9), Z14
	VMOVDQU64 448(R9), Z15
	VMOVDQU64 512(R9), Z16
	VMOVDQU64 576(R9), Z17
	VMOVDQU64 640(R9), Z18
	VMOVDQU64 704(R9), Z19
	VMOVDQU64 768(R9), Z20
	VPXORD    Z0, Z0, Z0
	TESTQ     CX, CX
	JE        t16done

t16loop:
	PREFETCHT0 1024(SI)
	PREFETCHT0 1088(SI)
	VMOVDQU64 (SI), Z5
	VMOVDQU64 64(SI), Z6
	VMOVDQA64 Z5, Z7
	VPERMT2B  Z6, Z28, Z5
	VPERMT2B  Z6, Z29, Z7
	VPMOVB2M  Z5, K1
	KNOTQ     K1, K4
	VPMOVB2M  Z7, K2
	VMOVDQA64 Z24, Z8
	VMOVDQU8  Z25, K2, Z8
	VPXORD    Z1, Z1, Z1
	VPXORD    Z2, Z2, Z2
	VPXORD    Z3, Z3, Z3
	VPXORD    Z4, Z4, Z4
	T16_COORD(0, 64, 128, 192, Z14, 0, Z1, Z2)
	T16_COORD(256, 320, 384, 448, Z15, 64, Z3, Z4)
	T16_COORD(512, 576, 640, 704, Z16, 128, Z1, Z2)
	T16_COORD(768, 832, 896, 960, Z17, 192, Z3, Z4)
	T16_COORD(1024, 1088, 1152, 1216, Z18, 256, Z1, Z2)
	T16_COORD(1280, 1344, 1408, 1472, Z19, 320, Z3, Z4)
	T16_COORD(1536, 1600, 1664, 1728, Z20, 384, Z1, Z2)

	// coordinate 7
	T16_LOOKUP(1792, 1856, 1920, 1984, Z10)
	VPANDD    Z26, Z7, Z13
	VPOPCNTB  Z13, Z13
	VPSLLW    $7, Z13, Z13
	VPXORD    Z10, Z13, Z13
	VPTESTMB  Z27, Z13, K3
	VPANDD    Z26, Z10, Z10
	T16_DOT(Z10, K3, 448, Z3, Z4)

	VPADDD      Z3, Z1, Z1
	VPADDD      Z4, Z2, Z2
	VPSLLD      $8, Z1, Z1
	VPADDD      Z2, Z1, Z1
	VCVTDQ2PS   Z1, Z1
	VFMADD231PS (BX), Z1, Z0
	ADDQ        $128, SI
	ADDQ        $512, DX
	ADDQ        $512, R8
	ADDQ        $64, BX
	DECQ        CX
	JNZ         t16loop

t16done:
	VEXTRACTF32X8 $1, Z0, Y1
	VADDPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VHADDPS       X0, X0, X0
	VHADDPS       X0, X0, X0
	VZEROUPPER
	MOVSS         X0, ret+56(FP)
	RET

// Two-row variant: rows A (SI) and B (R10) share the table halves 0 and 2
// of each coordinate (Z11, Z13) and the input digits (Z6, Z12); Z9 is 0.
// Row A: Z5 indices, Z7 high bytes, Z8 bias, K1/K4 halves, Z1/Z2 sums;
// row B: Z21, Z22, Z23, K2/K5, Z3/Z4.

// T16_SETUP splits the 64 codes at (SRC) into indices IDX and high bytes
// HI, the half masks KH (k ≥ 128) and KL, and the per-lane bias BIAS.
#define T16_SETUP(SRC, IDX, HI, KH, KL, BIAS) \
	VMOVDQU64 (SRC), IDX        \
	VMOVDQU64 64(SRC), Z10      \
	VMOVDQA64 IDX, HI           \
	VPERMT2B  Z10, Z28, IDX     \
	VPERMT2B  Z10, Z29, HI      \
	VPMOVB2M  IDX, KH           \
	KNOTQ     KH, KL            \
	VPMOVB2M  HI, K7            \
	VMOVDQA64 Z24, BIAS         \
	VMOVDQU8  Z25, K7, BIAS

// T16_LOOK2 looks up one row's abs values into DST (table halves 1 and 3
// from memory at O1, O3).
#define T16_LOOK2(O1, O3, IDX, KH, KL, DST) \
	VMOVDQA64 IDX, DST              \
	VPERMI2B  O1(DI), Z11, KL, DST  \
	VPERMI2B  O3(DI), Z13, KH, DST

// T16_W2 turns ABS into w = BIAS ± abs (minus where K3) in place.
#define T16_W2(ABS, BIAS) \
	VPSUBB ABS, Z9, K3, ABS \
	VPADDB BIAS, ABS, ABS

#define T16_DOT2(W, ACCH, ACCL) \
	VPDPBUSD Z6, W, ACCH   \
	VPDPBUSD Z12, W, ACCL

// T16_COORD2 is coordinate i < 7 of both rows.
#define T16_COORD2(O0, O1, O2, O3, BIT, XO) \
	VMOVDQU64 O0(DI), Z11                 \
	VMOVDQU64 O2(DI), Z13                 \
	VMOVDQU64 XO(DX), Z6                  \
	VMOVDQU64 XO(R8), Z12                 \
	T16_LOOK2(O1, O3, Z5, K1, K4, Z10)    \
	T16_LOOK2(O1, O3, Z21, K2, K5, Z31)   \
	VPTESTMB  BIT, Z7, K3                 \
	T16_W2(Z10, Z8)                       \
	T16_DOT2(Z10, Z1, Z2)                 \
	VPTESTMB  BIT, Z22, K3                \
	T16_W2(Z31, Z23)                      \
	T16_DOT2(Z31, Z3, Z4)

// T16_C7 is coordinate 7 of one row: ABS holds T_7[k] (parity in bit 7).
#define T16_C7(ABS, HI, BIAS, ACCH, ACCL) \
	VPANDD    Z26, HI, Z11      \
	VPOPCNTB  Z11, Z11          \
	VPSLLW    $7, Z11, Z11      \
	VPXORD    ABS, Z11, Z11     \
	VPTESTMB  Z27, Z11, K3      \
	VPANDD    Z26, ABS, ABS     \
	T16_W2(ABS, BIAS)           \
	T16_DOT2(ABS, ACCH, ACCL)

// T16_END adds one row's superblock sums times the lane scales to ACC.
#define T16_END(ACCH, ACCL, ACC) \
	VPSLLD      $8, ACCH, ACCH \
	VPADDD      ACCL, ACCH, ACCH \
	VCVTDQ2PS   ACCH, ACCH     \
	VFMADD231PS (BX), ACCH, ACC

// func dotVNNI16T2(a, b *byte, nsb int, tab *byte, xq, xq2 *int8, xs *float32, k *byte) (float32, float32)
TEXT ·dotVNNI16T2(SB), NOSPLIT, $0-72
	MOVQ      a+0(FP), SI
	MOVQ      b+8(FP), R10
	MOVQ      nsb+16(FP), CX
	MOVQ      tab+24(FP), DI
	MOVQ      xq+32(FP), DX
	MOVQ      xq2+40(FP), R8
	MOVQ      xs+48(FP), BX
	MOVQ      k+56(FP), R9
	VMOVDQU64 0(R9), Z28
	VMOVDQU64 64(R9), Z29
	VMOVDQU64 128(R9), Z26
	VMOVDQU64 192(R9), Z27
	VMOVDQU64 256(R9), Z24
	VMOVDQU64 320(R9), Z25
	VMOVDQU64 384(R9), Z14
	VMOVDQU64 448(R9), Z15
	VMOVDQU64 512(R9), Z16
	VMOVDQU64 576(R9), Z17
	VMOVDQU64 640(R9), Z18
	VMOVDQU64 704(R9), Z19
	VMOVDQU64 768(R9), Z20
	VPXORD    Z9, Z9, Z9
	VPXORD    Z0, Z0, Z0
	VPXORD    Z30, Z30, Z30
	TESTQ     CX, CX
	JE        t2done

t2loop:
	PREFETCHT0 1024(SI)
	PREFETCHT0 1088(SI)
	PREFETCHT0 1024(R10)
	PREFETCHT0 1088(R10)
	T16_SETUP(SI, Z5, Z7, K1, K4, Z8)
	T16_SETUP(R10, Z21, Z22, K2, K5, Z23)
	VPXORD    Z1, Z1, Z1
	VPXORD    Z2, Z2, Z2
	VPXORD    Z3, Z3, Z3
	VPXORD    Z4, Z4, Z4
	T16_COORD2(0, 64, 128, 192, Z14, 0)
	T16_COORD2(256, 320, 384, 448, Z15, 64)
	T16_COORD2(512, 576, 640, 704, Z16, 128)
	T16_COORD2(768, 832, 896, 960, Z17, 192)
	T16_COORD2(1024, 1088, 1152, 1216, Z18, 256)
	T16_COORD2(1280, 1344, 1408, 1472, Z19, 320)
	T16_COORD2(1536, 1600, 1664, 1728, Z20, 384)

	// coordinate 7
	VMOVDQU64 1792(DI), Z11
	VMOVDQU64 1920(DI), Z13
	VMOVDQU64 448(DX), Z6
	VMOVDQU64 448(R8), Z12
	T16_LOOK2(1856, 1984, Z5, K1, K4, Z10)
	T16_LOOK2(1856, 1984, Z21, K2, K5, Z31)
	T16_C7(Z10, Z7, Z8, Z1, Z2)
	T16_C7(Z31, Z22, Z23, Z3, Z4)

	T16_END(Z1, Z2, Z0)
	T16_END(Z3, Z4, Z30)
	ADDQ $128, SI
	ADDQ $128, R10
	ADDQ $512, DX
	ADDQ $512, R8
	ADDQ $64, BX
	DECQ CX
	JNZ  t2loop

t2done:
	VEXTRACTF32X8 $1, Z0, Y1
	VADDPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VHADDPS       X0, X0, X0
	VHADDPS       X0, X0, X0
	MOVSS         X0, ret+64(FP)
	VMOVAPS       Z30, Z0
	VEXTRACTF32X8 $1, Z0, Y1
	VADDPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VHADDPS       X0, X0, X0
	VHADDPS       X0, X0, X0
	MOVSS         X0, ret1+68(FP)
	VZEROUPPER
	RET
