//go:build amd64 && !purego

#include "textflag.h"

// Transposed int8 kernel of the u16 (svqTable2) codes, see fast_t16.go.
// Per superblock of 64 vectors (512 weights) it works on 64 byte lanes in
// the kernel's vector order (t16Vec: lane p = vector 8(p>>4) + (p&7) +
// 32((p>>3)&1), the order VPACKUSWB gives to the two halves of the codes),
// one coordinate i at a time:
//
//	IDX = entry bytes k, HI = high code bytes (s0..s6, t), both VPACKUSWB
//	K b6, b7, b6&b7 = bits 6 and 7 of k (which quarter of the table)
//	BIAS = 128 ± S per lane (the bias plus the shift term, from t)
//	abs = T_i[k] by four VPERMB (one per 64-entry quarter, merged by mask)
//	w   = BIAS + abs, or BIAS − abs where sign bit i is set
//	VPDPBUSD w with both input digits (transposed, 64 bytes per i)
//
// Byte permutes run only on port 5 of the cores this targets, so the kernel
// spends port 5 on the 32 single-register VPERMB of a superblock and keeps
// the rest (packing, masks, parity) on port 0 where it can. Coordinate 7's
// sign is popcount(s0..s6) + P[k] (mod 2): one VGF2P8AFFINEQB puts the
// parity of s0..s6 into bit 7, T_7 holds P[k] in bit 7. The constants
// block (t16Tables.consts) holds: 0 words 0x00ff, 64 bytes 0x7f, 128
// 128+S, 192 128−S, 256+64i bytes 1<<i (i < 7), 704 the parity matrix.

// T16_SETUP splits the 64 codes at (SRC) into indices IDX and high bytes
// HI, the quarter masks K6 (bit 6; Z20 holds bytes 0x40), K7 (bit 7) and
// K67 (both), and the per-lane bias BIAS (clobbers Z11, Z13, Z29 and the
// sign mask KS).
#define T16_SETUP(SRC, IDX, HI, K6, K7, K67, KS, BIAS) \
	VMOVDQU64 (SRC), Z11          \
	VMOVDQU64 64(SRC), Z13        \
	VPSRLW    $8, Z11, HI         \
	VPSRLW    $8, Z13, Z29        \
	VPACKUSWB Z29, HI, HI         \
	VPANDD    Z26, Z11, Z11       \
	VPANDD    Z26, Z13, Z13       \
	VPACKUSWB Z13, Z11, IDX       \
	VPMOVB2M  IDX, K7             \
	VPTESTMB  Z20, IDX, K6        \
	KANDQ     K6, K7, K67         \
	VPMOVB2M  HI, KS              \
	VPBLENDMB 192(R9), Z24, KS, BIAS

// T16_TAB loads the quarters of one coordinate's 256-byte table at
// O0..O3 from DI into Z11, Z13, Z29 and Z25.
#define T16_TAB(O0, O1, O2, O3) \
	VMOVDQU64 O0(DI), Z11 \
	VMOVDQU64 O1(DI), Z13 \
	VMOVDQU64 O2(DI), Z29 \
	VMOVDQU64 O3(DI), Z25

// T16_LOOK writes T[k] for the 64 lanes of IDX into DST (table quarters
// in Z11, Z13, Z29, Z25).
#define T16_LOOK(IDX, K6, K7, K67, DST) \
	VPERMB Z11, IDX, DST      \
	VPERMB Z13, IDX, K6, DST  \
	VPERMB Z29, IDX, K7, DST  \
	VPERMB Z25, IDX, K67, DST

// T16_W turns ABS into w = BIAS ± abs (minus where KS) in place; Z9 is 0.
#define T16_W(ABS, BIAS, KS) \
	VPSUBB ABS, Z9, KS, ABS \
	VPADDB BIAS, ABS, ABS

// T16_DOT adds w times both digits (Z6, Z12) to ACCH and ACCL.
#define T16_DOT(W, ACCH, ACCL) \
	VPDPBUSD Z6, W, ACCH   \
	VPDPBUSD Z12, W, ACCL

// T16_SIGN7 sets KS to coordinate 7's sign of one row: ABS holds T_7[k]
// (P[k] in bit 7, cleared here), HI the high code bytes.
#define T16_SIGN7(ABS, HI, KS) \
	VGF2P8AFFINEQB $0, Z28, HI, Z11 \
	VPXORD         ABS, Z11, Z11    \
	VPMOVB2M       Z11, KS          \
	VPANDD         Z27, ABS, ABS

// T16_END adds one row's superblock sums times the lane scales to ACC.
#define T16_END(ACCH, ACCL, ACC) \
	VPSLLD      $8, ACCH, ACCH   \
	VPADDD      ACCL, ACCH, ACCH \
	VCVTDQ2PS   ACCH, ACCH       \
	VFMADD231PS (BX), ACCH, ACC

// T16_CONSTS loads the constants block at R9.
#define T16_CONSTS \
	VMOVDQU64 0(R9), Z26   \
	VMOVDQU64 64(R9), Z27  \
	VMOVDQU64 128(R9), Z24 \
	VMOVDQU64 256(R9), Z14 \
	VMOVDQU64 320(R9), Z15 \
	VMOVDQU64 384(R9), Z16 \
	VMOVDQU64 448(R9), Z17 \
	VMOVDQU64 512(R9), Z18 \
	VMOVDQU64 576(R9), Z19 \
	VMOVDQU64 640(R9), Z20 \
	VMOVDQU64 704(R9), Z28 \
	VPXORD    Z9, Z9, Z9

// Row A: IDX Z5, HI Z7, BIAS Z8, quarter masks K1 (b6), K2 (b7), K3
// (both), abs Z10, sums Z1/Z2; row B (two-row kernel): Z21, Z22, Z23, K4,
// K5, K6, Z31, Z3/Z4. K7 is the sign mask.

// T16_COORD1 is coordinate i < 7 of row A: table quarters O0..O3, sign bit
// constant BIT, digits at XO, sums ACCH and ACCL.
#define T16_COORD1(O0, O1, O2, O3, BIT, XO, ACCH, ACCL) \
	VMOVDQU64 XO(DX), Z6                     \
	VMOVDQU64 XO(R8), Z12                    \
	T16_TAB(O0, O1, O2, O3)                  \
	T16_LOOK(Z5, K1, K2, K3, Z10)            \
	VPTESTMB  BIT, Z7, K7                    \
	T16_W(Z10, Z8, K7)                       \
	T16_DOT(Z10, ACCH, ACCL)

// T16_COORDP is coordinate i < 7 of two superblocks of one row: the first
// as row A (digits at XO), the second in row B's registers (digits at
// XOB, from memory).
#define T16_COORDP(BIT, XO, XOB) \
	VMOVDQU64 XO(DX), Z6                \
	VMOVDQU64 XO(R8), Z12               \
	T16_LOOK(Z5, K1, K2, K3, Z10)       \
	T16_LOOK(Z21, K4, K5, K6, Z31)      \
	VPTESTMB  BIT, Z7, K7               \
	T16_W(Z10, Z8, K7)                  \
	T16_DOT(Z10, Z1, Z2)                \
	VPTESTMB  BIT, Z22, K7              \
	T16_W(Z31, Z23, K7)                 \
	VPDPBUSD  XOB(DX), Z31, Z3          \
	VPDPBUSD  XOB(R8), Z31, Z4

// func dotVNNI16T(codes *byte, nsb int, tab *byte, xq, xq2 *int8, xs *float32, k *byte) float32
TEXT ·dotVNNI16T(SB), NOSPLIT, $0-60
	MOVQ codes+0(FP), SI
	MOVQ nsb+8(FP), CX
	MOVQ tab+16(FP), DI
	MOVQ xq+24(FP), DX
	MOVQ xq2+32(FP), R8
	MOVQ xs+40(FP), BX
	MOVQ k+48(FP), R9
	T16_CONSTS
	VPXORD Z0, Z0, Z0
	CMPQ   CX, $2
	JL     t16one

	// two superblocks at a time (rows A and B of dotVNNI16T2), their
	// lane sums added to Z0 in order
t16pair:
	PREFETCHT0 1024(SI)
	PREFETCHT0 1088(SI)
	PREFETCHT0 1152(SI)
	PREFETCHT0 1216(SI)
	T16_SETUP(SI, Z5, Z7, K1, K2, K3, K7, Z8)
	ADDQ       $128, SI
	T16_SETUP(SI, Z21, Z22, K4, K5, K6, K7, Z23)
	VPXORD     Z1, Z1, Z1
	VPXORD     Z2, Z2, Z2
	VPXORD     Z3, Z3, Z3
	VPXORD     Z4, Z4, Z4
	T16_TAB(0, 64, 128, 192)
	T16_COORDP(Z14, 0, 512)
	T16_TAB(256, 320, 384, 448)
	T16_COORDP(Z15, 64, 576)
	T16_TAB(512, 576, 640, 704)
	T16_COORDP(Z16, 128, 640)
	T16_TAB(768, 832, 896, 960)
	T16_COORDP(Z17, 192, 704)
	T16_TAB(1024, 1088, 1152, 1216)
	T16_COORDP(Z18, 256, 768)
	T16_TAB(1280, 1344, 1408, 1472)
	T16_COORDP(Z19, 320, 832)
	T16_TAB(1536, 1600, 1664, 1728)
	T16_COORDP(Z20, 384, 896)

	// coordinate 7
	VMOVDQU64 448(DX), Z6
	VMOVDQU64 448(R8), Z12
	T16_TAB(1792, 1856, 1920, 1984)
	T16_LOOK(Z5, K1, K2, K3, Z10)
	T16_LOOK(Z21, K4, K5, K6, Z31)
	T16_SIGN7(Z10, Z7, K7)
	T16_W(Z10, Z8, K7)
	T16_DOT(Z10, Z1, Z2)
	T16_SIGN7(Z31, Z22, K7)
	T16_W(Z31, Z23, K7)
	VPDPBUSD  960(DX), Z31, Z3
	VPDPBUSD  960(R8), Z31, Z4

	T16_END(Z1, Z2, Z0)
	ADDQ $64, BX
	T16_END(Z3, Z4, Z0)
	ADDQ $128, SI
	ADDQ $1024, DX
	ADDQ $1024, R8
	ADDQ $64, BX
	SUBQ $2, CX
	CMPQ CX, $2
	JGE  t16pair

t16one:
	TESTQ CX, CX
	JE    t16done
	T16_SETUP(SI, Z5, Z7, K1, K2, K3, K7, Z8)
	VPXORD     Z1, Z1, Z1
	VPXORD     Z2, Z2, Z2
	VPXORD     Z3, Z3, Z3
	VPXORD     Z4, Z4, Z4
	T16_COORD1(0, 64, 128, 192, Z14, 0, Z1, Z2)
	T16_COORD1(256, 320, 384, 448, Z15, 64, Z3, Z4)
	T16_COORD1(512, 576, 640, 704, Z16, 128, Z1, Z2)
	T16_COORD1(768, 832, 896, 960, Z17, 192, Z3, Z4)
	T16_COORD1(1024, 1088, 1152, 1216, Z18, 256, Z1, Z2)
	T16_COORD1(1280, 1344, 1408, 1472, Z19, 320, Z3, Z4)
	T16_COORD1(1536, 1600, 1664, 1728, Z20, 384, Z1, Z2)

	// coordinate 7
	VMOVDQU64 448(DX), Z6
	VMOVDQU64 448(R8), Z12
	T16_TAB(1792, 1856, 1920, 1984)
	T16_LOOK(Z5, K1, K2, K3, Z10)
	T16_SIGN7(Z10, Z7, K7)
	T16_W(Z10, Z8, K7)
	T16_DOT(Z10, Z3, Z4)

	VPADDD Z3, Z1, Z1
	VPADDD Z4, Z2, Z2
	T16_END(Z1, Z2, Z0)

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

// T16_COORD2 is coordinate i < 7 of both rows.
#define T16_COORD2(O0, O1, O2, O3, BIT, XO) \
	VMOVDQU64 XO(DX), Z6                          \
	VMOVDQU64 XO(R8), Z12                         \
	T16_TAB(O0, O1, O2, O3)                       \
	T16_LOOK(Z5, K1, K2, K3, Z10)                 \
	T16_LOOK(Z21, K4, K5, K6, Z31)                \
	VPTESTMB  BIT, Z7, K7                         \
	T16_W(Z10, Z8, K7)                            \
	T16_DOT(Z10, Z1, Z2)                          \
	VPTESTMB  BIT, Z22, K7                        \
	T16_W(Z31, Z23, K7)                           \
	T16_DOT(Z31, Z3, Z4)

// func dotVNNI16T2(a, b *byte, nsb int, tab *byte, xq, xq2 *int8, xs *float32, k *byte) (float32, float32)
TEXT ·dotVNNI16T2(SB), NOSPLIT, $0-72
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), R10
	MOVQ nsb+16(FP), CX
	MOVQ tab+24(FP), DI
	MOVQ xq+32(FP), DX
	MOVQ xq2+40(FP), R8
	MOVQ xs+48(FP), BX
	MOVQ k+56(FP), R9
	T16_CONSTS
	VPXORD Z0, Z0, Z0
	VPXORD Z30, Z30, Z30
	TESTQ  CX, CX
	JE     t2done

t2loop:
	PREFETCHT0 1024(SI)
	PREFETCHT0 1088(SI)
	PREFETCHT0 1024(R10)
	PREFETCHT0 1088(R10)
	T16_SETUP(SI, Z5, Z7, K1, K2, K3, K7, Z8)
	T16_SETUP(R10, Z21, Z22, K4, K5, K6, K7, Z23)
	VPXORD     Z1, Z1, Z1
	VPXORD     Z2, Z2, Z2
	VPXORD     Z3, Z3, Z3
	VPXORD     Z4, Z4, Z4
	T16_COORD2(0, 64, 128, 192, Z14, 0)
	T16_COORD2(256, 320, 384, 448, Z15, 64)
	T16_COORD2(512, 576, 640, 704, Z16, 128)
	T16_COORD2(768, 832, 896, 960, Z17, 192)
	T16_COORD2(1024, 1088, 1152, 1216, Z18, 256)
	T16_COORD2(1280, 1344, 1408, 1472, Z19, 320)
	T16_COORD2(1536, 1600, 1664, 1728, Z20, 384)

	// coordinate 7
	VMOVDQU64 448(DX), Z6
	VMOVDQU64 448(R8), Z12
	T16_TAB(1792, 1856, 1920, 1984)
	T16_LOOK(Z5, K1, K2, K3, Z10)
	T16_LOOK(Z21, K4, K5, K6, Z31)
	T16_SIGN7(Z10, Z7, K7)
	T16_W(Z10, Z8, K7)
	T16_DOT(Z10, Z1, Z2)
	T16_SIGN7(Z31, Z22, K7)
	T16_W(Z31, Z23, K7)
	T16_DOT(Z31, Z3, Z4)

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

// T16_TR transposes the 64 bytes at OFF(SI) (8 vectors × 8 coordinates)
// to 8 qwords at DOFF(DI) + 64i; Z20 holds the in-qword 8×8 byte
// transpose, Z21 the qword offsets 0, 64, ..., 448.
#define T16_TR(OFF, DOFF) \
	VMOVDQU64   OFF(SI), Z0    \
	VPERMB      Z0, Z20, Z0    \
	KXNORB      K1, K1, K1     \
	VPSCATTERQQ Z0, K1, DOFF(DI)(Z21*1)

// func transposeT16(src, dst *int8, nsb int, c *byte)
TEXT ·transposeT16(SB), NOSPLIT, $0-32
	MOVQ      src+0(FP), SI
	MOVQ      dst+8(FP), DI
	MOVQ      nsb+16(FP), CX
	MOVQ      c+24(FP), R9
	VMOVDQU64 0(R9), Z20
	VMOVDQU64 64(R9), Z21
	TESTQ     CX, CX
	JE        ttdone

ttloop:
	T16_TR(0, 0)
	T16_TR(64, 16)
	T16_TR(128, 32)
	T16_TR(192, 48)
	T16_TR(256, 8)
	T16_TR(320, 24)
	T16_TR(384, 40)
	T16_TR(448, 56)
	ADDQ $512, SI
	ADDQ $512, DI
	DECQ CX
	JNZ  ttloop

ttdone:
	VZEROUPPER
	RET
