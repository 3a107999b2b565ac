//go:build amd64 && !purego

#include "textflag.h"

// GNFINISH stores the maximum of the lanes of Z0 at m and the sum of the
// lanes of Z1 at s (NaN if any lane is).
#define GNFINISH \
	VEXTRACTF64X4 $1, Z0, Y2; \
	VMAXPS        Y2, Y0, Y0; \
	VEXTRACTF128  $1, Y0, X2; \
	VMAXPS        X2, X0, X0; \
	VPSRLDQ       $8, X0, X2; \
	VMAXPS        X2, X0, X0; \
	VPSRLDQ       $4, X0, X2; \
	VMAXPS        X2, X0, X0; \
	MOVSS         X0, m+16(FP); \
	VEXTRACTF64X4 $1, Z1, Y2; \
	VADDPS        Y2, Y1, Y1; \
	VEXTRACTF128  $1, Y1, X2; \
	VADDPS        X2, X1, X1; \
	VPSRLDQ       $8, X1, X2; \
	VADDPS        X2, X1, X1; \
	VPSRLDQ       $4, X1, X2; \
	VADDPS        X2, X1, X1; \
	MOVSS         X1, s+20(FP); \
	VZEROUPPER

// func maxGroupNorm2x2AVX512(x *float32, n int) (m, s float32)
TEXT ·maxGroupNorm2x2AVX512(SB), NOSPLIT, $0-24
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	MOVL   $0x5555, AX
	KMOVW  AX, K1

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
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	MOVL   $0x1111, AX
	KMOVW  AX, K1

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
