//go:build amd64 && !purego

#include "textflag.h"

// REDUCE4Z sums each of the four 16-lane accumulators a, b, c, d (rows
// r..r+3 of one token) to a float, adds the four sums to the floats at (R8)
// and stores them back, then steps R8 by R9 bytes (to the next token).
// Clobbers Z24-Z27.
#define REDUCE4Z(a, b, c, d) \
	VUNPCKLPS     b, a, Z24;   \
	VUNPCKHPS     b, a, Z25;   \
	VADDPS        Z25, Z24, Z24; \
	VUNPCKLPS     d, c, Z26;   \
	VUNPCKHPS     d, c, Z27;   \
	VADDPS        Z27, Z26, Z26; \
	VUNPCKLPD     Z26, Z24, Z25; \
	VUNPCKHPD     Z26, Z24, Z27; \
	VADDPS        Z27, Z25, Z24; \
	VEXTRACTF64X4 $1, Z24, Y25; \
	VADDPS        Y25, Y24, Y24; \
	VEXTRACTF32X4 $1, Y24, X25; \
	VADDPS        X25, X24, X24; \
	VADDPS        (R8), X24, X24; \
	VMOVUPS       X24, (R8);   \
	ADDQ          R9, R8

// FMA4Z multiplies the token vector x by the four row vectors Z24-Z27 into
// the accumulators a, b, c, d.
#define FMA4Z(x, a, b, c, d) \
	VFMADD231PS Z24, x, a; \
	VFMADD231PS Z25, x, b; \
	VFMADD231PS Z26, x, c; \
	VFMADD231PS Z27, x, d

// func gemm4x6AVX512(w *float32, ldw int, x *float32, ldx int, k int, out *float32, ldo int)
TEXT ·gemm4x6AVX512(SB), NOSPLIT, $0-56
	MOVQ w+0(FP), SI
	MOVQ ldw+8(FP), BX
	SHLQ $2, BX
	LEAQ (SI)(BX*2), R13
	ADDQ BX, R13              // R13: row 3
	MOVQ x+16(FP), DI
	MOVQ ldx+24(FP), DX
	SHLQ $2, DX
	LEAQ (DI)(DX*2), R12
	ADDQ DX, R12              // R12: token 3
	MOVQ k+32(FP), CX
	SHRQ $4, CX
	MOVQ out+40(FP), R8
	MOVQ ldo+48(FP), R9
	SHLQ $2, R9
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
	VXORPS Z16, Z16, Z16
	VXORPS Z17, Z17, Z17
	VXORPS Z18, Z18, Z18
	VXORPS Z19, Z19, Z19
	VXORPS Z20, Z20, Z20
	VXORPS Z21, Z21, Z21
	VXORPS Z22, Z22, Z22
	VXORPS Z23, Z23, Z23

z46loop:
	VMOVUPS (SI), Z24
	VMOVUPS (SI)(BX*1), Z25
	VMOVUPS (SI)(BX*2), Z26
	VMOVUPS (R13), Z27
	VMOVUPS (DI), Z28
	VMOVUPS (DI)(DX*1), Z29
	FMA4Z(Z28, Z0, Z1, Z2, Z3)
	VMOVUPS (DI)(DX*2), Z30
	FMA4Z(Z29, Z4, Z5, Z6, Z7)
	VMOVUPS (R12), Z31
	FMA4Z(Z30, Z8, Z9, Z10, Z11)
	VMOVUPS (R12)(DX*1), Z28
	FMA4Z(Z31, Z12, Z13, Z14, Z15)
	VMOVUPS (R12)(DX*2), Z29
	FMA4Z(Z28, Z16, Z17, Z18, Z19)
	FMA4Z(Z29, Z20, Z21, Z22, Z23)
	ADDQ $64, SI
	ADDQ $64, R13
	ADDQ $64, DI
	ADDQ $64, R12
	DECQ CX
	JNZ  z46loop

	REDUCE4Z(Z0, Z1, Z2, Z3)
	REDUCE4Z(Z4, Z5, Z6, Z7)
	REDUCE4Z(Z8, Z9, Z10, Z11)
	REDUCE4Z(Z12, Z13, Z14, Z15)
	REDUCE4Z(Z16, Z17, Z18, Z19)
	REDUCE4Z(Z20, Z21, Z22, Z23)
	VZEROUPPER
	RET

// REDUCE4Y is REDUCE4Z for 8-lane accumulators; it clobbers Y12-Y15.
#define REDUCE4Y(a, b, c, d) \
	VUNPCKLPS    b, a, Y12;     \
	VUNPCKHPS    b, a, Y13;     \
	VADDPS       Y13, Y12, Y12; \
	VUNPCKLPS    d, c, Y14;     \
	VUNPCKHPS    d, c, Y15;     \
	VADDPS       Y15, Y14, Y14; \
	VUNPCKLPD    Y14, Y12, Y13; \
	VUNPCKHPD    Y14, Y12, Y15; \
	VADDPS       Y15, Y13, Y12; \
	VEXTRACTF128 $1, Y12, X13;  \
	VADDPS       X13, X12, X12; \
	VADDPS       (R8), X12, X12; \
	VMOVUPS      X12, (R8);     \
	ADDQ         R9, R8

// FMA3Y multiplies the row vector Y15 by the three token vectors Y12-Y14
// into the accumulators a, b, c.
#define FMA3Y(a, b, c) \
	VFMADD231PS Y15, Y12, a; \
	VFMADD231PS Y15, Y13, b; \
	VFMADD231PS Y15, Y14, c

// func gemm4x3AVX2(w *float32, ldw int, x *float32, ldx int, k int, out *float32, ldo int)
TEXT ·gemm4x3AVX2(SB), NOSPLIT, $0-56
	MOVQ w+0(FP), SI
	MOVQ ldw+8(FP), BX
	SHLQ $2, BX
	LEAQ (SI)(BX*2), R13
	ADDQ BX, R13
	MOVQ x+16(FP), DI
	MOVQ ldx+24(FP), DX
	SHLQ $2, DX
	MOVQ k+32(FP), CX
	SHRQ $3, CX
	MOVQ out+40(FP), R8
	MOVQ ldo+48(FP), R9
	SHLQ $2, R9
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

y43loop:
	VMOVUPS (DI), Y12
	VMOVUPS (DI)(DX*1), Y13
	VMOVUPS (DI)(DX*2), Y14
	VMOVUPS (SI), Y15
	FMA3Y(Y0, Y4, Y8)
	VMOVUPS (SI)(BX*1), Y15
	FMA3Y(Y1, Y5, Y9)
	VMOVUPS (SI)(BX*2), Y15
	FMA3Y(Y2, Y6, Y10)
	VMOVUPS (R13), Y15
	FMA3Y(Y3, Y7, Y11)
	ADDQ $32, SI
	ADDQ $32, R13
	ADDQ $32, DI
	DECQ CX
	JNZ  y43loop

	REDUCE4Y(Y0, Y1, Y2, Y3)
	REDUCE4Y(Y4, Y5, Y6, Y7)
	REDUCE4Y(Y8, Y9, Y10, Y11)
	VZEROUPPER
	RET

// func widenBF16AVX2(dst *float32, src *uint16, n int)
TEXT ·widenBF16AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   wbdone

wbloop:
	VPMOVZXWD (SI), Y0
	VPSLLD    $16, Y0, Y0
	VMOVUPS   Y0, (DI)
	ADDQ      $16, SI
	ADDQ      $32, DI
	DECQ      CX
	JNZ       wbloop

wbdone:
	VZEROUPPER
	RET

// func widenF16F16C(dst *float32, src *uint16, n int)
TEXT ·widenF16F16C(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   whdone

whloop:
	VCVTPH2PS (SI), Y0
	VMOVUPS   Y0, (DI)
	ADDQ      $16, SI
	ADDQ      $32, DI
	DECQ      CX
	JNZ       whloop

whdone:
	VZEROUPPER
	RET

// func narrowF16F16C(dst *uint16, src *float32, n int)
TEXT ·narrowF16F16C(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   nhdone

nhloop:
	VMOVUPS   (SI), Y0
	VCVTPS2PH $0, Y0, (DI)
	ADDQ      $32, SI
	ADDQ      $16, DI
	DECQ      CX
	JNZ       nhloop

nhdone:
	VZEROUPPER
	RET

// func prefetchL2(p unsafe.Pointer, n int)
TEXT ·prefetchL2(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	ADDQ SI, CX

pfloop:
	CMPQ       SI, CX
	JAE        pfdone
	PREFETCHT1 (SI)
	ADDQ       $64, SI
	JMP        pfloop

pfdone:
	RET
