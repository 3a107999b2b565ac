//go:build amd64 && !purego

#include "textflag.h"

// HREDUCE folds the 16 lanes of z (y, x its lower halves) into lane 0 of
// x with op; Y2 is scratch.
#define HREDUCE(op, z, y, x) \
	VEXTRACTF64X4 $1, z, Y2; \
	op            Y2, y, y;  \
	VEXTRACTF128  $1, y, X2; \
	op            X2, x, x;  \
	VPSRLDQ       $8, x, X2; \
	op            X2, x, x;  \
	VPSRLDQ       $4, x, X2; \
	op            X2, x, x

// GNFINISH stores the maximum of the lanes of Z0 at m and the sum of the
// lanes of Z1 at s (NaN if any lane is).
#define GNFINISH \
	HREDUCE(VMAXPS, Z0, Y0, X0); \
	MOVSS X0, m+16(FP);          \
	HREDUCE(VADDPS, Z1, Y1, X1); \
	MOVSS X1, s+20(FP);          \
	VZEROUPPER

// GNSTART loads x (SI) and n (CX), zeroes the running maxima Z0 and sums
// Z1, and sets K1 to the lanes that hold a group's norm.
#define GNSTART(mask) \
	MOVQ   x+0(FP), SI; \
	MOVQ   n+8(FP), CX; \
	VPXORD Z0, Z0, Z0;  \
	VPXORD Z1, Z1, Z1;  \
	MOVL   mask, AX;    \
	KMOVW  AX, K1

// func maxGroupNorm2x2AVX512(x *float32, n int) (m, s float32)
TEXT ·maxGroupNorm2x2AVX512(SB), NOSPLIT, $0-24
	GNSTART($0x5555)

gn2loop:
	VMOVUPS (SI), Z2
	VMULPS  Z2, Z2, Z2
	VPSRLQ  $32, Z2, Z3
	VADDPS  Z3, Z2, Z4
	VMAXPS  Z4, Z0, K1, Z0
	VADDPS  Z4, Z1, Z1
	ADDQ    $64, SI
	SUBQ    $16, CX
	JNZ     gn2loop
	GNFINISH
	RET

// func maxGroupNorm2x4AVX512(x *float32, n int) (m, s float32)
TEXT ·maxGroupNorm2x4AVX512(SB), NOSPLIT, $0-24
	GNSTART($0x1111)

gn4loop:
	VMOVUPS (SI), Z2
	VMULPS  Z2, Z2, Z2
	VPSRLDQ $4, Z2, Z3
	VADDPS  Z3, Z2, Z4
	VPSRLDQ $8, Z2, Z3
	VADDPS  Z3, Z4, Z4
	VPSRLDQ $12, Z2, Z3
	VADDPS  Z3, Z4, Z4
	VMAXPS  Z4, Z0, K1, Z0
	VADDPS  Z4, Z1, Z1
	ADDQ    $64, SI
	SUBQ    $16, CX
	JNZ     gn4loop
	GNFINISH
	RET
