//go:build amd64 && !purego

#include "textflag.h"

// KEY4(base, a0, a1, a2, a3) widens the current 16 (K1-masked) halves of the
// four keys at base, base+DX, base+2·DX, base+R9 and adds their products with
// the query chunk Z16 to accumulators a0..a3.
#define KEY4(base, a0, a1, a2, a3) \
	VCVTPH2PS.Z  (base), K1, Z17;        \
	VCVTPH2PS.Z  (base)(DX*1), K1, Z18;  \
	VCVTPH2PS.Z  (base)(DX*2), K1, Z19;  \
	VCVTPH2PS.Z  (base)(R9*1), K1, Z20;  \
	VFMADD231PS  Z16, Z17, a0;           \
	VFMADD231PS  Z16, Z18, a1;           \
	VFMADD231PS  Z16, Z19, a2;           \
	VFMADD231PS  Z16, Z20, a3

// The reduction tree: each step adds the two halves (256, 128, 64, then 32
// bits apart) of each of x and y and packs the sums, x's below y's, in dst;
// t0 and t1 are scratch.
#define HALVES(x, y, dst, t0, t1) \
	VSHUFF64X2 $0x44, y, x, t0; \
	VSHUFF64X2 $0xee, y, x, t1; \
	VADDPS     t1, t0, dst

#define QUARTERS(x, y, dst, t0, t1) \
	VSHUFF32X4 $0x88, y, x, t0; \
	VSHUFF32X4 $0xdd, y, x, t1; \
	VADDPS     t1, t0, dst

#define PAIRS(x, y, dst, t0, t1) \
	VSHUFPS $0x44, y, x, t0; \
	VSHUFPS $0xee, y, x, t1; \
	VADDPS  t1, t0, dst

#define SINGLES(x, y, dst, t0, t1) \
	VSHUFPS $0x88, y, x, t0; \
	VSHUFPS $0xdd, y, x, t1; \
	VADDPS  t1, t0, dst

// func scoresF16AVX512(s *float32, lds int, q *float32, rows, hd int, k *uint16, ldk, n int)
//
// Key 4b+r of a block (b, r < 4) accumulates in Z(4r+b). The tree sums
// lanes 256 bits apart, then 128, 64 and 32, leaving in lane 4L+e the sum of
// accumulator L+4e, which holds key 4L+e: the sixteen scores in key order.
TEXT ·scoresF16AVX512(SB), NOSPLIT, $0-64
	MOVQ s+0(FP), DI
	MOVQ lds+8(FP), BX
	SHLQ $2, BX
	MOVQ k+40(FP), SI
	MOVQ ldk+48(FP), DX
	SHLQ $1, DX
	LEAQ (DX)(DX*2), R9
	MOVL $0xffff, AX
	KMOVW AX, K2           // a full chunk
	MOVQ hd+32(FP), CX
	ANDQ $15, CX
	JZ   sfull
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K3           // the last hd mod 16 dimensions
	JMP  sblock

sfull:
	KMOVW K2, K3

sblock:
	MOVQ DI, R8
	MOVQ q+16(FP), R14
	MOVQ rows+24(FP), R15

srow:
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	VXORPS Z6, Z6, Z6
	VXORPS Z7, Z7, Z7
	VXORPS Z8, Z8, Z8
	VXORPS Z9, Z9, Z9
	VXORPS Z10, Z10, Z10
	VXORPS Z11, Z11, Z11
	VXORPS Z12, Z12, Z12
	VXORPS Z13, Z13, Z13
	VXORPS Z14, Z14, Z14
	VXORPS Z15, Z15, Z15
	MOVQ SI, R10
	LEAQ (SI)(DX*4), R11
	LEAQ (R11)(DX*4), R12
	LEAQ (R12)(DX*4), R13
	MOVQ R14, AX
	MOVQ hd+32(FP), CX

schunk:
	KMOVW K2, K1
	CMPQ  CX, $16
	JGE   sload
	KMOVW K3, K1

sload:
	VMOVUPS.Z (AX), K1, Z16
	KEY4(R10, Z0, Z4, Z8, Z12)
	KEY4(R11, Z1, Z5, Z9, Z13)
	KEY4(R12, Z2, Z6, Z10, Z14)
	KEY4(R13, Z3, Z7, Z11, Z15)
	ADDQ $64, AX
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $32, R12
	ADDQ $32, R13
	SUBQ $16, CX
	JG   schunk

	HALVES(Z0, Z1, Z0, Z16, Z17)
	HALVES(Z2, Z3, Z1, Z18, Z19)
	HALVES(Z4, Z5, Z2, Z20, Z21)
	HALVES(Z6, Z7, Z3, Z22, Z23)
	HALVES(Z8, Z9, Z4, Z16, Z17)
	HALVES(Z10, Z11, Z5, Z18, Z19)
	HALVES(Z12, Z13, Z6, Z20, Z21)
	HALVES(Z14, Z15, Z7, Z22, Z23)
	QUARTERS(Z0, Z1, Z0, Z16, Z17)
	QUARTERS(Z2, Z3, Z1, Z18, Z19)
	QUARTERS(Z4, Z5, Z2, Z20, Z21)
	QUARTERS(Z6, Z7, Z3, Z22, Z23)
	PAIRS(Z0, Z1, Z0, Z16, Z17)
	PAIRS(Z2, Z3, Z1, Z18, Z19)
	SINGLES(Z0, Z1, Z0, Z16, Z17)
	VMOVUPS Z0, (R8)

	ADDQ BX, R8
	MOVQ hd+32(FP), CX
	LEAQ (R14)(CX*4), R14
	DECQ R15
	JNZ  srow

	ADDQ $64, DI
	LEAQ (SI)(DX*8), SI
	LEAQ (SI)(DX*8), SI
	SUBQ $16, n+56(FP)
	JNZ  sblock
	VZEROUPPER
	RET

// WIDEN4(base, o0, o1, o2, o3) widens the current 16 (K1-masked) halves of
// the four keys at base, base+DX, base+2·DX, base+R9 and stores them at
// o0(AX)..o3(AX).
#define WIDEN4(base, o0, o1, o2, o3) \
	VCVTPH2PS.Z (base), K1, Z16;       \
	VCVTPH2PS.Z (base)(DX*1), K1, Z17; \
	VCVTPH2PS.Z (base)(DX*2), K1, Z18; \
	VCVTPH2PS.Z (base)(R9*1), K1, Z19; \
	VMOVAPS     Z16, o0(AX);           \
	VMOVAPS     Z17, o1(AX);           \
	VMOVAPS     Z18, o2(AX);           \
	VMOVAPS     Z19, o3(AX)

// FETCH4 prefetches the current chunk of the four keys at R8, R8+DX,
// R8+2·DX, R8+R9 and moves R8 four keys on.
#define FETCH4 \
	PREFETCHT0 (R8);       \
	PREFETCHT0 (R8)(DX*1); \
	PREFETCHT0 (R8)(DX*2); \
	PREFETCHT0 (R8)(R9*1); \
	LEAQ       (R8)(DX*4), R8

// func scoresF16WideAVX512(s *float32, lds int, q *float32, rows, hd int, k *uint16, ldk, n int)
//
// scoresF16AVX512 for hd ≤ 256 with each block of sixteen keys widened once
// into the frame, chunk-major (chunk c of key j at 1024·c + 64·j, zero past
// hd), and the next block's keys prefetched meanwhile; every row then reads
// the widened keys as FMA memory operands. Same accumulators and tree.
TEXT ·scoresF16WideAVX512(SB), 0, $16448-64
	MOVQ s+0(FP), DI
	MOVQ lds+8(FP), BX
	SHLQ $2, BX
	MOVQ k+40(FP), SI
	MOVQ ldk+48(FP), DX
	SHLQ $1, DX
	LEAQ (DX)(DX*2), R9
	LEAQ 63(SP), R15
	ANDQ $-64, R15         // the widened keys, 64-byte aligned
	MOVL $0xffff, AX
	KMOVW AX, K2
	MOVQ hd+32(FP), CX
	ANDQ $15, CX
	JZ   wfull
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K3
	JMP  wblock

wfull:
	KMOVW K2, K3

wblock:
	MOVQ SI, R10
	LEAQ (SI)(DX*4), R11
	LEAQ (R11)(DX*4), R12
	LEAQ (R12)(DX*4), R13
	MOVQ R15, AX
	MOVQ hd+32(FP), CX

wconv:
	KMOVW K2, K1
	CMPQ  CX, $16
	JGE   wconv1
	KMOVW K3, K1

wconv1:
	WIDEN4(R10, 0, 64, 128, 192)
	WIDEN4(R11, 256, 320, 384, 448)
	WIDEN4(R12, 512, 576, 640, 704)
	WIDEN4(R13, 768, 832, 896, 960)
	LEAQ (R13)(DX*4), R8
	FETCH4
	FETCH4
	FETCH4
	FETCH4
	ADDQ $1024, AX
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $32, R12
	ADDQ $32, R13
	SUBQ $16, CX
	JG   wconv

	MOVQ DI, R8
	MOVQ q+16(FP), R14
	MOVQ rows+24(FP), R11

wrow:
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	VXORPS Z6, Z6, Z6
	VXORPS Z7, Z7, Z7
	VXORPS Z8, Z8, Z8
	VXORPS Z9, Z9, Z9
	VXORPS Z10, Z10, Z10
	VXORPS Z11, Z11, Z11
	VXORPS Z12, Z12, Z12
	VXORPS Z13, Z13, Z13
	VXORPS Z14, Z14, Z14
	VXORPS Z15, Z15, Z15
	MOVQ R14, AX
	MOVQ R15, R10
	MOVQ hd+32(FP), CX

wchunk:
	KMOVW K2, K1
	CMPQ  CX, $16
	JGE   wload
	KMOVW K3, K1

wload:
	VMOVUPS.Z   (AX), K1, Z16
	VFMADD231PS (R10), Z16, Z0
	VFMADD231PS 64(R10), Z16, Z4
	VFMADD231PS 128(R10), Z16, Z8
	VFMADD231PS 192(R10), Z16, Z12
	VFMADD231PS 256(R10), Z16, Z1
	VFMADD231PS 320(R10), Z16, Z5
	VFMADD231PS 384(R10), Z16, Z9
	VFMADD231PS 448(R10), Z16, Z13
	VFMADD231PS 512(R10), Z16, Z2
	VFMADD231PS 576(R10), Z16, Z6
	VFMADD231PS 640(R10), Z16, Z10
	VFMADD231PS 704(R10), Z16, Z14
	VFMADD231PS 768(R10), Z16, Z3
	VFMADD231PS 832(R10), Z16, Z7
	VFMADD231PS 896(R10), Z16, Z11
	VFMADD231PS 960(R10), Z16, Z15
	ADDQ $64, AX
	ADDQ $1024, R10
	SUBQ $16, CX
	JG   wchunk

	HALVES(Z0, Z1, Z0, Z16, Z17)
	HALVES(Z2, Z3, Z1, Z18, Z19)
	HALVES(Z4, Z5, Z2, Z20, Z21)
	HALVES(Z6, Z7, Z3, Z22, Z23)
	HALVES(Z8, Z9, Z4, Z16, Z17)
	HALVES(Z10, Z11, Z5, Z18, Z19)
	HALVES(Z12, Z13, Z6, Z20, Z21)
	HALVES(Z14, Z15, Z7, Z22, Z23)
	QUARTERS(Z0, Z1, Z0, Z16, Z17)
	QUARTERS(Z2, Z3, Z1, Z18, Z19)
	QUARTERS(Z4, Z5, Z2, Z20, Z21)
	QUARTERS(Z6, Z7, Z3, Z22, Z23)
	PAIRS(Z0, Z1, Z0, Z16, Z17)
	PAIRS(Z2, Z3, Z1, Z18, Z19)
	SINGLES(Z0, Z1, Z0, Z16, Z17)
	VMOVUPS Z0, (R8)

	ADDQ BX, R8
	MOVQ hd+32(FP), CX
	LEAQ (R14)(CX*4), R14
	DECQ R11
	JNZ  wrow

	ADDQ $64, DI
	LEAQ (SI)(DX*8), SI
	LEAQ (SI)(DX*8), SI
	SUBQ $16, n+56(FP)
	JNZ  wblock
	VZEROUPPER
	RET

// ROWLOAD(addr, addr64, a, b) loads one row's 32 dimensions of o (the
// second 16 at addr64 = addr+64; K1, K2 masked).
#define ROWLOAD(addr, addr64, a, b) \
	VMOVUPS.Z addr, K1, a; \
	VMOVUPS.Z addr64, K2, b

// ROWSTORE(addr, addr64, a, b) stores them back.
#define ROWSTORE(addr, addr64, a, b) \
	VMOVUPS a, K1, addr; \
	VMOVUPS b, K2, addr64

// ROWFMA(addr, t, a, b) adds p (broadcast from addr) times the widened
// value halves Z16, Z17 to a row's accumulators a, b.
#define ROWFMA(addr, t, a, b) \
	VBROADCASTSS addr, t;  \
	VFMADD231PS  t, Z16, a; \
	VFMADD231PS  t, Z17, b

// MASK16(lbl) sets AX to the mask of min(CX, 16) lanes (CX ≥ 1) and goes on
// at lbl.
#define MASK16(lbl) \
	MOVL  $0xffff, AX; \
	CMPQ  CX, $16;     \
	JGE   lbl;         \
	MOVL  $1, AX;      \
	SHLL  CX, AX;      \
	DECL  AX

// func accumF16AVX512(o *float32, ldo int, p *float32, ldp, rows int, v *uint16, ldv, n, hd int)
//
// Row i of o is at DI + i·R11 (rows 4..7 from R13 = DI + 4·R11), row i of
// p at AX + i·BX (rows 4..7 from R8); R15 is the first value's current
// 32-dimension chunk, R14 the dimensions left. R12 (3·R11, for rows 3 and
// 7 of o) is the prefetch address inside the value loop.
TEXT ·accumF16AVX512(SB), NOSPLIT, $0-72
	MOVQ o+0(FP), DI
	MOVQ ldo+8(FP), R11
	SHLQ $2, R11
	LEAQ (R11)(R11*2), R12
	MOVQ ldp+24(FP), BX
	SHLQ $2, BX
	LEAQ (BX)(BX*2), R9
	MOVQ ldv+48(FP), DX
	SHLQ $1, DX
	MOVQ rows+32(FP), R10
	MOVQ v+40(FP), R15
	MOVQ hd+64(FP), R14

apair:
	MOVQ  R14, CX
	MASK16(am1)

am1:
	KMOVW AX, K1
	XORL  AX, AX
	SUBQ  $16, CX
	JLE   am2
	MASK16(am2)

am2:
	KMOVW AX, K2
	LEAQ  (DI)(R11*4), R13
	ROWLOAD((DI), 64(DI), Z0, Z8)
	CMPQ  R10, $2
	JLT   aloaded
	ROWLOAD((DI)(R11*1), 64(DI)(R11*1), Z1, Z9)
	CMPQ  R10, $3
	JLT   aloaded
	ROWLOAD((DI)(R11*2), 64(DI)(R11*2), Z2, Z10)
	CMPQ  R10, $4
	JLT   aloaded
	ROWLOAD((DI)(R12*1), 64(DI)(R12*1), Z3, Z11)
	CMPQ  R10, $5
	JLT   aloaded
	ROWLOAD((R13), 64(R13), Z4, Z12)
	CMPQ  R10, $6
	JLT   aloaded
	ROWLOAD((R13)(R11*1), 64(R13)(R11*1), Z5, Z13)
	CMPQ  R10, $7
	JLT   aloaded
	ROWLOAD((R13)(R11*2), 64(R13)(R11*2), Z6, Z14)
	CMPQ  R10, $8
	JLT   aloaded
	ROWLOAD((R13)(R12*1), 64(R13)(R12*1), Z7, Z15)

aloaded:
	MOVQ p+16(FP), AX
	LEAQ (AX)(BX*4), R8
	MOVQ R15, SI
	MOVQ n+56(FP), CX

akey:
	LEAQ        (SI)(DX*8), R12
	PREFETCHT0  (R12)(DX*8)     // this chunk of the value 16 ahead
	VCVTPH2PS.Z (SI), K1, Z16
	VCVTPH2PS.Z 32(SI), K2, Z17
	ROWFMA((AX), Z18, Z0, Z8)
	CMPQ R10, $2
	JLT  anext
	ROWFMA((AX)(BX*1), Z19, Z1, Z9)
	CMPQ R10, $3
	JLT  anext
	ROWFMA((AX)(BX*2), Z20, Z2, Z10)
	CMPQ R10, $4
	JLT  anext
	ROWFMA((AX)(R9*1), Z21, Z3, Z11)
	CMPQ R10, $5
	JLT  anext
	ROWFMA((R8), Z22, Z4, Z12)
	CMPQ R10, $6
	JLT  anext
	ROWFMA((R8)(BX*1), Z23, Z5, Z13)
	CMPQ R10, $7
	JLT  anext
	ROWFMA((R8)(BX*2), Z24, Z6, Z14)
	CMPQ R10, $8
	JLT  anext
	ROWFMA((R8)(R9*1), Z25, Z7, Z15)

anext:
	ADDQ $4, AX
	ADDQ $4, R8
	ADDQ DX, SI
	DECQ CX
	JNZ  akey
	LEAQ (R11)(R11*2), R12

	ROWSTORE((DI), 64(DI), Z0, Z8)
	CMPQ R10, $2
	JLT  astored
	ROWSTORE((DI)(R11*1), 64(DI)(R11*1), Z1, Z9)
	CMPQ R10, $3
	JLT  astored
	ROWSTORE((DI)(R11*2), 64(DI)(R11*2), Z2, Z10)
	CMPQ R10, $4
	JLT  astored
	ROWSTORE((DI)(R12*1), 64(DI)(R12*1), Z3, Z11)
	CMPQ R10, $5
	JLT  astored
	ROWSTORE((R13), 64(R13), Z4, Z12)
	CMPQ R10, $6
	JLT  astored
	ROWSTORE((R13)(R11*1), 64(R13)(R11*1), Z5, Z13)
	CMPQ R10, $7
	JLT  astored
	ROWSTORE((R13)(R11*2), 64(R13)(R11*2), Z6, Z14)
	CMPQ R10, $8
	JLT  astored
	ROWSTORE((R13)(R12*1), 64(R13)(R12*1), Z7, Z15)

astored:
	ADDQ $128, DI
	ADDQ $64, R15
	SUBQ $32, R14
	JG   apair
	VZEROUPPER
	RET
