//go:build amd64 && !purego

#include "textflag.h"

// STAGE is one in-register butterfly stage from SRC into DST: the partner
// of lane j is lane j XOR h (index vector IDX); lanes with bit h set (MASK)
// take partner − own, the others own + partner.
#define STAGE(IDX, MASK, SRC, DST) \
	VPERMPS SRC, IDX, Z1       \
	VADDPS  Z1, SRC, DST       \
	VSUBPS  SRC, Z1, MASK, DST

// func fwhtBlockAVX512(v *float32, n int, signs *uint32, scale float32, c *uint32)
//
// One rotation block of n values (a power of two ≥ 16) in place: sign
// flips (XOR with signs), the butterflies of fwht stage by stage (stages
// h = 1, 2, 4, 8 inside each 16-float register by VPERMPS with the index
// vectors c[16m:16m+16] = j XOR 2^m, then h = 16 … n/2 between registers),
// then × scale. Every value sees the same float32 operations as in the Go
// code, so the result is bit-identical.
TEXT ·fwhtBlockAVX512(SB), NOSPLIT, $0-40
	MOVQ         v+0(FP), DI
	MOVQ         n+8(FP), CX
	MOVQ         signs+16(FP), SI
	VBROADCASTSS scale+24(FP), Z31
	MOVQ         c+32(FP), R8
	VMOVDQU32    0(R8), Z24
	VMOVDQU32    64(R8), Z25
	VMOVDQU32    128(R8), Z26
	VMOVDQU32    192(R8), Z27
	MOVL         $0xAAAA, AX
	KMOVW        AX, K1
	MOVL         $0xCCCC, AX
	KMOVW        AX, K2
	MOVL         $0xF0F0, AX
	KMOVW        AX, K3
	MOVL         $0xFF00, AX
	KMOVW        AX, K4

	// pass 1: signs and the in-register stages, 16 values at a time
	XORQ R10, R10

p1loop:
	VMOVUPS (DI)(R10*4), Z0
	VPXORD  (SI)(R10*4), Z0, Z0
	STAGE(Z24, K1, Z0, Z2)
	STAGE(Z25, K2, Z2, Z0)
	STAGE(Z26, K3, Z0, Z2)
	STAGE(Z27, K4, Z2, Z0)
	CMPQ    CX, $16
	JNE     p1store
	VMULPS  Z31, Z0, Z0

p1store:
	VMOVUPS Z0, (DI)(R10*4)
	ADDQ    $16, R10
	CMPQ    R10, CX
	JLT     p1loop

	// stages h = 16 … n/2 (R9 = h): v[j], v[j+h] = a+b, a−b
	MOVQ $16, R9

hloop:
	CMPQ R9, CX
	JGE  done
	LEAQ (R9)(R9*1), R12 // 2h
	LEAQ (DI)(R9*4), R13 // DI + 4h: b = a + 4h bytes
	XORQ R10, R10        // block start i

iloop:
	MOVQ R10, R11
	LEAQ (R10)(R9*1), R14 // i + h

jloop:
	VMOVUPS (DI)(R11*4), Z0
	VMOVUPS (R13)(R11*4), Z1
	VADDPS  Z1, Z0, Z2
	VSUBPS  Z1, Z0, Z3
	CMPQ    R12, CX
	JNE     jstore
	VMULPS  Z31, Z2, Z2
	VMULPS  Z31, Z3, Z3

jstore:
	VMOVUPS Z2, (DI)(R11*4)
	VMOVUPS Z3, (R13)(R11*4)
	ADDQ    $16, R11
	CMPQ    R11, R14
	JLT     jloop
	ADDQ    R12, R10
	CMPQ    R10, CX
	JLT     iloop
	MOVQ    R12, R9
	JMP     hloop

done:
	VZEROUPPER
	RET
