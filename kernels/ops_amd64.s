//go:build amd64 && !purego

#include "textflag.h"

// TAILMASK sets the mask register k to the low n bits (0 < n < 16; n is CX
// so that SHLL can take it). Clobbers AX.
#define TAILMASK(k) \
	MOVL  $1, AX; \
	SHLL  CX, AX; \
	DECL  AX;     \
	KMOVW AX, k

// func axpyAVX512(y, x *float32, n int, a float32)
TEXT ·axpyAVX512(SB), NOSPLIT, $0-28
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS a+24(FP), Z15

axtwo:
	CMPQ    CX, $32
	JLT     axone
	VMULPS  (SI), Z15, Z0
	VMULPS  64(SI), Z15, Z1
	VADDPS  (DI), Z0, Z0
	VADDPS  64(DI), Z1, Z1
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $32, CX
	JMP     axtwo

axone:
	CMPQ    CX, $16
	JLT     axtail
	VMULPS  (SI), Z15, Z0
	VADDPS  (DI), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX

axtail:
	TESTQ CX, CX
	JZ    axdone
	TAILMASK(K1)
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z (DI), K1, Z1
	VMULPS    Z15, Z0, Z0
	VADDPS    Z1, Z0, Z0
	VMOVUPS   Z0, K1, (DI)

axdone:
	VZEROUPPER
	RET

// func sumSquaresAVX512(x *float32, n int) float64
TEXT ·sumSquaresAVX512(SB), NOSPLIT, $0-24
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	VXORPD Z0, Z0, Z0
	VXORPD Z1, Z1, Z1
	VXORPD Z2, Z2, Z2
	VXORPD Z3, Z3, Z3

ssfour:
	CMPQ        CX, $32
	JLT         ssone
	VCVTPS2PD   (SI), Z4
	VCVTPS2PD   32(SI), Z5
	VCVTPS2PD   64(SI), Z6
	VCVTPS2PD   96(SI), Z7
	VFMADD231PD Z4, Z4, Z0
	VFMADD231PD Z5, Z5, Z1
	VFMADD231PD Z6, Z6, Z2
	VFMADD231PD Z7, Z7, Z3
	ADDQ        $128, SI
	SUBQ        $32, CX
	JMP         ssfour

ssone:
	CMPQ        CX, $8
	JLT         sstail
	VCVTPS2PD   (SI), Z4
	VFMADD231PD Z4, Z4, Z0
	ADDQ        $32, SI
	SUBQ        $8, CX
	JMP         ssone

sstail:
	TESTQ CX, CX
	JZ    ssreduce
	TAILMASK(K1)
	VMOVUPS.Z   (SI), K1, Z4
	VCVTPS2PD   Y4, Z4
	VFMADD231PD Z4, Z4, Z0

ssreduce:
	VADDPD        Z1, Z0, Z0
	VADDPD        Z3, Z2, Z2
	VADDPD        Z2, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPD        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPD        X1, X0, X0
	VUNPCKHPD     X0, X0, X1
	VADDSD        X1, X0, X0
	VMOVSD        X0, ret+16(FP)
	VZEROUPPER
	RET

// func rmsScaleAVX512(dst, x, w *float32, n int, inv float32)
TEXT ·rmsScaleAVX512(SB), NOSPLIT, $0-36
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         w+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSS inv+32(FP), Z15
	TESTQ        DX, DX
	JZ           ntwo

gtwo:
	CMPQ    CX, $32
	JLT     gone
	VMULPS  (SI), Z15, Z0
	VMULPS  64(SI), Z15, Z1
	VMULPS  (DX), Z0, Z0
	VMULPS  64(DX), Z1, Z1
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	ADDQ    $128, SI
	ADDQ    $128, DX
	ADDQ    $128, DI
	SUBQ    $32, CX
	JMP     gtwo

gone:
	CMPQ    CX, $16
	JLT     gtail
	VMULPS  (SI), Z15, Z0
	VMULPS  (DX), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $64, DI
	SUBQ    $16, CX

gtail:
	TESTQ CX, CX
	JZ    sdone
	TAILMASK(K1)
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z (DX), K1, Z1
	VMULPS    Z15, Z0, Z0
	VMULPS    Z1, Z0, Z0
	VMOVUPS   Z0, K1, (DI)
	JMP       sdone

ntwo:
	CMPQ    CX, $32
	JLT     none
	VMULPS  (SI), Z15, Z0
	VMULPS  64(SI), Z15, Z1
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $32, CX
	JMP     ntwo

none:
	CMPQ    CX, $16
	JLT     ntail
	VMULPS  (SI), Z15, Z0
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX

ntail:
	TESTQ CX, CX
	JZ    sdone
	TAILMASK(K1)
	VMOVUPS.Z (SI), K1, Z0
	VMULPS    Z15, Z0, Z0
	VMOVUPS   Z0, K1, (DI)

sdone:
	VZEROUPPER
	RET

// ROTATE computes, from a = R0, b = R1, cos = R2, sin = R3 (R is the
// register kind: X, Y or Z), the rotated pair R4 = a·cos − b·sin and
// R6 = a·sin + b·cos, each product rounded before the difference or sum (no
// FMA, as ropeNeoXRef). Clobbers R5, R7.
#define ROTATE(r0, r1, r2, r3, r4, r5, r6, r7) \
	VMULPS r2, r0, r4; \
	VMULPS r3, r1, r5; \
	VSUBPS r5, r4, r4; \
	VMULPS r3, r0, r6; \
	VMULPS r2, r1, r7; \
	VADDPS r7, r6, r6

// SMALLHEADS is the half < 16 loop at width W (registers W0..W7): the
// masked loads of cos, sin and the first head, then per head the rotation,
// the next head's loads and this head's stores. LOOP and LAST are labels.
#define SMALLHEADS(W0, W1, W2, W3, W4, W5, W6, W7, LOOP, LAST) \
	MOVQ      R9, CX                      \
	TAILMASK(K1)                          \
	VMOVUPS.Z (R10), K1, W2               \
	VMOVUPS.Z (R11), K1, W3               \
	VMOVUPS.Z (DI), K1, W0                \
	VMOVUPS.Z (DI)(R15*1), K1, W1         \
LOOP:                                     \
	ROTATE(W0, W1, W2, W3, W4, W5, W6, W7) \
	MOVQ      DI, SI                      \
	ADDQ      R8, DI                      \
	DECQ      BX                          \
	JZ        LAST                        \
	VMOVUPS.Z (DI), K1, W0                \
	VMOVUPS.Z (DI)(R15*1), K1, W1         \
	VMOVUPS   W4, K1, (SI)                \
	VMOVUPS   W6, K1, (SI)(R15*1)         \
	JMP       LOOP                        \
LAST:                                     \
	VMOVUPS W4, K1, (SI)                  \
	VMOVUPS W6, K1, (SI)(R15*1)           \
	VZEROUPPER                            \
	RET

// func ropeNeoXAVX512(x *float32, heads, hd, half int, cos, sin *float32)
//
// A load whose span overlaps that of an earlier masked store (even in
// masked-off lanes) waits for the store to reach the cache, so neither path
// loads what an earlier store's span covers: with half < 16 each head is one
// masked step whose loads run before the previous head's stores; otherwise a head's last 16 pairs (overlapping the
// full steps when 16 does not divide half) are loaded and rotated first and
// stored last, rewriting the same values.
TEXT ·ropeNeoXAVX512(SB), NOSPLIT, $0-48
	MOVQ x+0(FP), DI
	MOVQ heads+8(FP), BX
	MOVQ hd+16(FP), R8
	MOVQ half+24(FP), R9
	MOVQ cos+32(FP), R10
	MOVQ sin+40(FP), R11
	SHLQ $2, R8          // head stride in bytes
	LEAQ (R9*4), R15     // half in bytes: a to b
	CMPQ R9, $16
	JGE  rbig

	// half < 16: one masked step per head, in the narrowest vector that
	// holds half lanes (so that its span, under 2·half floats, never
	// reaches two heads on), cos and sin loaded once, each head's loads
	// before the previous head's stores.
	CMPQ R9, $4
	JLE  rx
	CMPQ R9, $8
	JLE  ry

rz:
	SMALLHEADS(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, rzloop, rzlast)

ry:
	SMALLHEADS(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, ryloop, rylast)

rx:
	SMALLHEADS(X0, X1, X2, X3, X4, X5, X6, X7, rxloop, rxlast)

rbig:
	LEAQ -64(R15), R14   // byte offset of the last 16 pairs

rhead:
	VMOVUPS (DI)(R14*1), Z0
	LEAQ    (DI)(R15*1), DX  // b = x[h+half:]
	VMOVUPS (DX)(R14*1), Z1
	VMOVUPS (R10)(R14*1), Z2
	VMOVUPS (R11)(R14*1), Z3
	ROTATE(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	VMOVAPS Z4, Z8
	VMOVAPS Z6, Z9
	MOVQ    DI, SI           // a = x[h:]
	MOVQ    R10, R12
	MOVQ    R11, R13
	MOVQ    R9, CX

rpair:
	CMPQ    CX, $16
	JLT     rtail
	VMOVUPS (SI), Z0
	VMOVUPS (DX), Z1
	VMOVUPS (R12), Z2
	VMOVUPS (R13), Z3
	ROTATE(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	VMOVUPS Z4, (SI)
	VMOVUPS Z6, (DX)
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $64, R12
	ADDQ    $64, R13
	SUBQ    $16, CX
	JMP     rpair

rtail:
	VMOVUPS Z8, (DI)(R14*1)
	LEAQ    (DI)(R15*1), DX
	VMOVUPS Z9, (DX)(R14*1)
	ADDQ    R8, DI
	DECQ    BX
	JNZ     rhead
	VZEROUPPER
	RET
