//go:build amd64 && !purego

#include "textflag.h"

// EXPCONSTS broadcasts the constants of EXPZ into Z16-Z27: the clamp
// bounds -104 (below it exp underflows to 0) and 88.75 (above it, +Inf),
// log2(e), ln2 in a high part exact in 9 bits and a low part, the six
// coefficients of P highest degree first (the last is 1/2), and 1.
#define EXPCONSTS \
	MOVL $0xc2d00000, AX; VPBROADCASTD AX, Z16; \
	MOVL $0x42b18000, AX; VPBROADCASTD AX, Z17; \
	MOVL $0x3fb8aa3b, AX; VPBROADCASTD AX, Z18; \
	MOVL $0x3f318000, AX; VPBROADCASTD AX, Z19; \
	MOVL $0xb95e8083, AX; VPBROADCASTD AX, Z20; \
	MOVL $0x39506967, AX; VPBROADCASTD AX, Z21; \
	MOVL $0x3ab743ce, AX; VPBROADCASTD AX, Z22; \
	MOVL $0x3c088908, AX; VPBROADCASTD AX, Z23; \
	MOVL $0x3d2aa9c1, AX; VPBROADCASTD AX, Z24; \
	MOVL $0x3e2aaaaa, AX; VPBROADCASTD AX, Z25; \
	MOVL $0x3f000000, AX; VPBROADCASTD AX, Z26; \
	MOVL $0x3f800000, AX; VPBROADCASTD AX, Z27

// EXPZ replaces the 16 lanes of x by exp(x): clamp to [-104, 88.75],
// n = round(x·log2e), r = x − n·ln2 (two-part ln2), exp(r) ≈ 1 + r +
// r²·P(r) with the degree-5 Cephes expf polynomial, then x = exp(r)·2^n by
// VSCALEFPS (which gives denormals, 0 and +Inf where they belong).
// Clobbers n and t.
#define EXPZ(x, n, t) \
	VMAXPS       Z16, x, x; \
	VMINPS       Z17, x, x; \
	VMULPS       Z18, x, n; \
	VRNDSCALEPS  $0, n, n;  \
	VFNMADD231PS Z19, n, x; \
	VFNMADD231PS Z20, n, x; \
	VMOVAPS      Z21, t;    \
	VFMADD213PS  Z22, x, t; \
	VFMADD213PS  Z23, x, t; \
	VFMADD213PS  Z24, x, t; \
	VFMADD213PS  Z25, x, t; \
	VFMADD213PS  Z26, x, t; \
	VMULPS       x, t, t;   \
	VFMADD213PS  x, x, t;   \
	VADDPS       Z27, t, t; \
	VSCALEFPS    n, t, x

// func expShiftSumAVX512(x *float32, n int, shift float32) float32
TEXT ·expShiftSumAVX512(SB), NOSPLIT, $0-28
	MOVQ   x+0(FP), DI
	MOVQ   n+8(FP), CX
	VBROADCASTSS shift+16(FP), Z15
	EXPCONSTS
	VXORPS Z14, Z14, Z14 // sum
	VXORPS Z13, Z13, Z13 // second sum
	CMPQ   CX, $32
	JLT    one

two:
	VMOVUPS (DI), Z0
	VMOVUPS 64(DI), Z3
	VSUBPS  Z15, Z0, Z0
	VSUBPS  Z15, Z3, Z3
	EXPZ(Z0, Z1, Z2)
	EXPZ(Z3, Z4, Z5)
	VMOVUPS Z0, (DI)
	VMOVUPS Z3, 64(DI)
	VADDPS  Z0, Z14, Z14
	VADDPS  Z3, Z13, Z13
	ADDQ    $128, DI
	SUBQ    $32, CX
	CMPQ    CX, $32
	JGE     two

one:
	CMPQ CX, $16
	JLT  tail
	VMOVUPS (DI), Z0
	VSUBPS  Z15, Z0, Z0
	EXPZ(Z0, Z1, Z2)
	VMOVUPS Z0, (DI)
	VADDPS  Z0, Z14, Z14
	ADDQ    $64, DI
	SUBQ    $16, CX

tail:
	TESTQ CX, CX
	JZ    reduce
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX
	KMOVW AX, K1
	VMOVUPS.Z (DI), K1, Z0
	VSUBPS  Z15, Z0, Z0
	EXPZ(Z0, Z1, Z2)
	VMOVUPS Z0, K1, (DI)
	VADDPS  Z0, Z14, K1, Z14

reduce:
	VADDPS        Z13, Z14, Z14
	VEXTRACTF64X4 $1, Z14, Y0
	VADDPS        Y0, Y14, Y14
	VEXTRACTF128  $1, Y14, X0
	VADDPS        X0, X14, X14
	VMOVHLPS      X14, X14, X0
	VADDPS        X0, X14, X14
	VPSHUFD       $1, X14, X0
	VADDSS        X0, X14, X14
	VMOVSS        X14, ret+24(FP)
	VZEROUPPER
	RET

// func expAVX512(dst, x *float32, n int)
TEXT ·expAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	EXPCONSTS

loop:
	CMPQ CX, $16
	JLT  etail
	VMOVUPS (SI), Z0
	EXPZ(Z0, Z1, Z2)
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     loop

etail:
	TESTQ CX, CX
	JZ    edone
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX
	KMOVW AX, K1
	VMOVUPS.Z (SI), K1, Z0
	EXPZ(Z0, Z1, Z2)
	VMOVUPS Z0, K1, (DI)

edone:
	VZEROUPPER
	RET

// func maxAVX512(x *float32, n int) float32
TEXT ·maxAVX512(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	MOVL $0xff800000, AX
	VPBROADCASTD AX, Z0
	VMOVAPS Z0, Z1

mloop:
	CMPQ CX, $32
	JLT  mone
	VMAXPS (SI), Z0, Z0
	VMAXPS 64(SI), Z1, Z1
	ADDQ   $128, SI
	SUBQ   $32, CX
	JMP    mloop

mone:
	CMPQ CX, $16
	JLT  mtail
	VMAXPS (SI), Z0, Z0
	ADDQ   $64, SI
	SUBQ   $16, CX

mtail:
	TESTQ CX, CX
	JZ    mreduce
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX
	KMOVW AX, K1
	VMOVAPS Z1, Z2
	VMOVUPS (SI), K1, Z2
	VMAXPS  Z2, Z1, Z1

mreduce:
	VMAXPS        Z1, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VMAXPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VMAXPS        X1, X0, X0
	VMOVHLPS      X0, X0, X1
	VMAXPS        X1, X0, X0
	VPSHUFD       $1, X0, X1
	VMAXSS        X1, X0, X0
	VMOVSS        X0, ret+16(FP)
	VZEROUPPER
	RET

// SILU replaces the 16 lanes of g by g / (1 + exp(−g)) · u (Z28 zero).
#define SILU(g, u) \
	VSUBPS  g, Z28, Z3;  \
	EXPZ(Z3, Z1, Z2);    \
	VADDPS  Z27, Z3, Z3; \
	VDIVPS  Z3, g, g;    \
	VMULPS  u, g, g

// func swiGLUAVX512(gate, up *float32, n int)
TEXT ·swiGLUAVX512(SB), NOSPLIT, $0-24
	MOVQ   gate+0(FP), DI
	MOVQ   up+8(FP), SI
	MOVQ   n+16(FP), CX
	EXPCONSTS
	VPXORD Z28, Z28, Z28

sloop:
	CMPQ    CX, $16
	JLT     stail
	VMOVUPS (DI), Z0
	VMOVUPS (SI), Z4
	SILU(Z0, Z4)
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     sloop

stail:
	TESTQ CX, CX
	JZ    sdone
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX
	KMOVW AX, K1
	VMOVUPS.Z (DI), K1, Z0
	VMOVUPS.Z (SI), K1, Z4
	SILU(Z0, Z4)
	VMOVUPS Z0, K1, (DI)

sdone:
	VZEROUPPER
	RET
