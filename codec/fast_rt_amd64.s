//go:build amd64 && !purego

#include "textflag.h"

// Radix expansion and transposed int8 kernel of the radix (svqTable16)
// codes, see fast_rt.go. Constants block (rtTables.consts, offsets named
// in fast_rt.go): rtPerm VPERMB index compacting bytes 0-4 of each qword,
// rtShiftCtl VPMULTISHIFTQB control (bytes 0,7,14,21,28), rtLow7 0x7f,
// rtMagic qwords radixFix, rtBase qwords 55, rtHigh 0x80, rtBits+64i
// bytes 1<<i, rtVec the kernels' lane order (t16Vec), rtParity the
// VGF2P8AFFINEQB parity matrix, rtOne qwords 1.

// RT_EXPAND turns the 8 words of Z0 into 40 digit bytes (Z10) and 40 sign
// bytes (Z11), vector order. The digits come from the top as a 32-bit
// fixed-point fraction: F = ⌊N·radixFix/2^28⌋ + 1 ≈ 2^32·N/55^5 (above
// it by less than 3·2^-32 of 1, short of the 55^-5 that would change a
// digit), then each multiply by 55 moves the next digit into bits 32-37
// of the product and keeps the fraction in its low 32 bits, which the
// next VPMULUDQ reads. The digit of product j goes to byte j of its qword
// (K3, K4, K5: bytes 1, 2, 3 of every qword).
#define RT_EXPAND \
	VPSRLQ         $35, Z0, Z1   \
	VPMULUDQ       Z23, Z1, Z1   \
	VPSRLQ         $28, Z1, Z1   \
	VPADDQ         Z25, Z1, Z1   \
	VPMULUDQ       Z24, Z1, Z5   \
	VPMULUDQ       Z24, Z5, Z4   \
	VPMULUDQ       Z24, Z4, Z3   \
	VPMULUDQ       Z24, Z3, Z2   \
	VPMULUDQ       Z24, Z2, Z1   \
	VPSRLQ         $32, Z1, Z10  \
	VPSRLQ         $24, Z2, Z2   \
	VMOVDQU8       Z2, K3, Z10   \
	VPSRLQ         $16, Z3, Z3   \
	VMOVDQU8       Z3, K4, Z10   \
	VPSRLQ         $8, Z4, Z4    \
	VMOVDQU8       Z4, K5, Z10   \
	VPTERNLOGQ     $0xd8, Z26, Z5, Z10 \
	VPERMB         Z10, Z20, Z10 \
	VPMULTISHIFTQB Z0, Z21, Z11  \
	VPANDQ         Z22, Z11, Z11 \
	VPERMB         Z11, Z20, Z11

// func radixExpand(b *byte, nwords int, k, s *byte, c *byte)
TEXT ·radixExpand(SB), NOSPLIT, $0-40
	MOVQ      b+0(FP), SI
	MOVQ      nwords+8(FP), CX
	MOVQ      k+16(FP), DI
	MOVQ      s+24(FP), DX
	MOVQ      c+32(FP), R9
	VMOVDQU64 0(R9), Z20
	VMOVDQU64 64(R9), Z21
	VMOVDQU64 128(R9), Z22
	VMOVDQU64 192(R9), Z23
	VMOVDQU64 256(R9), Z24
	VMOVDQU64 960(R9), Z25
	MOVQ      $0x000000ff00000000, AX
	VPBROADCASTQ AX, Z26
	MOVQ      $0x0202020202020202, AX
	KMOVQ     AX, K3
	MOVQ      $0x0404040404040404, AX
	KMOVQ     AX, K4
	MOVQ      $0x0808080808080808, AX
	KMOVQ     AX, K5
	MOVQ      $0xffffffffff, AX
	KMOVQ     AX, K2
	CMPQ      CX, $8
	JL        rxtail

rxloop:
	PREFETCHT0 1024(SI)
	VMOVDQU64 (SI), Z0
	RT_EXPAND
	VMOVDQU8  Z10, K2, (DI)
	VMOVDQU8  Z11, K2, (DX)
	ADDQ      $64, SI
	ADDQ      $40, DI
	ADDQ      $40, DX
	SUBQ      $8, CX
	CMPQ      CX, $8
	JGE       rxloop

rxtail:
	TESTQ CX, CX
	JE    rxdone
	MOVQ  CX, R10
	LEAQ  (CX)(CX*4), CX
	MOVQ  $1, AX
	SHLQ  CX, AX
	DECQ  AX
	KMOVQ AX, K2
	MOVQ  R10, CX
	MOVQ  $1, AX
	SHLQ  CX, AX
	DECQ  AX
	KMOVW AX, K1
	VMOVDQU64.Z (SI), K1, Z0
	RT_EXPAND
	VMOVDQU8  Z10, K2, (DI)
	VMOVDQU8  Z11, K2, (DX)

rxdone:
	VZEROUPPER
	RET

// RT_COORD is one coordinate i < 7: table TI (128 + abs), sign bit
// constant BIT, digits at XO; w = 128 ± abs is the table byte, negated
// (mod 256) where the sign is set. Z9 is 0.
#define RT_COORD(TI, BIT, XO, ACCH, ACCL) \
	VPERMB   TI, Z5, Z10          \
	VPTESTMB BIT, Z7, K3          \
	VPSUBB   Z10, Z9, K3, Z10     \
	VPDPBUSD XO(DX), Z10, ACCH    \
	VPDPBUSD XO(R8), Z10, ACCL

// func dotVNNIRT(k, s *byte, nsb int, tab *byte, xq, xq2 *int8, xs *float32, c *byte) float32
TEXT ·dotVNNIRT(SB), NOSPLIT, $0-68
	MOVQ      k+0(FP), SI
	MOVQ      s+8(FP), R10
	MOVQ      nsb+16(FP), CX
	MOVQ      tab+24(FP), DI
	MOVQ      xq+32(FP), DX
	MOVQ      xq2+40(FP), R8
	MOVQ      xs+48(FP), BX
	MOVQ      c+56(FP), R9
	VMOVDQU64 0(DI), Z16
	VMOVDQU64 64(DI), Z17
	VMOVDQU64 128(DI), Z18
	VMOVDQU64 192(DI), Z19
	VMOVDQU64 256(DI), Z20
	VMOVDQU64 320(DI), Z21
	VMOVDQU64 384(DI), Z22
	VMOVDQU64 448(DI), Z23
	VMOVDQU64 320(R9), Z27
	VMOVDQU64 384(R9), Z24
	VMOVDQU64 448(R9), Z25
	VMOVDQU64 512(R9), Z28
	VMOVDQU64 576(R9), Z29
	VMOVDQU64 640(R9), Z30
	VMOVDQU64 704(R9), Z31
	VMOVDQU64 768(R9), Z6
	VMOVDQU64 832(R9), Z8
	VMOVDQU64 896(R9), Z11
	VPXORD    Z9, Z9, Z9
	VPXORD    Z0, Z0, Z0
	TESTQ     CX, CX
	JE        rtdone

rtloop:
	VPERMB    (SI), Z8, Z5
	VPERMB    (R10), Z8, Z7
	VPXORD    Z1, Z1, Z1
	VPXORD    Z2, Z2, Z2
	VPXORD    Z3, Z3, Z3
	VPXORD    Z4, Z4, Z4
	RT_COORD(Z16, Z24, 0, Z1, Z2)
	RT_COORD(Z17, Z25, 64, Z3, Z4)
	RT_COORD(Z18, Z28, 128, Z1, Z2)
	RT_COORD(Z19, Z29, 192, Z3, Z4)
	RT_COORD(Z20, Z30, 256, Z1, Z2)
	RT_COORD(Z21, Z31, 320, Z3, Z4)
	RT_COORD(Z22, Z6, 384, Z1, Z2)

	// coordinate 7: T_7 = abs | P<<7; bit 7 of T_7 ^ parity(s) is the
	// sign, w = (abs | 0x80) negated where it is set
	VPERMB         Z23, Z5, Z10
	VGF2P8AFFINEQB $0, Z11, Z7, Z13
	VPXORD         Z10, Z13, Z13
	VPMOVB2M       Z13, K3
	VPORD          Z27, Z10, Z10
	VPSUBB         Z10, Z9, K3, Z10
	VPDPBUSD       448(DX), Z10, Z3
	VPDPBUSD       448(R8), Z10, Z4

	VPADDD      Z3, Z1, Z1
	VPADDD      Z4, Z2, Z2
	VPSLLD      $8, Z1, Z1
	VPADDD      Z2, Z1, Z1
	VCVTDQ2PS   Z1, Z1
	VFMADD231PS (BX), Z1, Z0
	ADDQ        $64, SI
	ADDQ        $64, R10
	ADDQ        $512, DX
	ADDQ        $512, R8
	ADDQ        $64, BX
	DECQ        CX
	JNZ         rtloop

rtdone:
	VEXTRACTF32X8 $1, Z0, Y1
	VADDPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VHADDPS       X0, X0, X0
	VHADDPS       X0, X0, X0
	VZEROUPPER
	MOVSS         X0, ret+64(FP)
	RET
