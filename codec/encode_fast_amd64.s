//go:build amd64 && !purego

#include "textflag.h"

// One codebook coordinate I of the scan: acc1 += w_I·f², acc2 += c_I·f,
// pen = min(pen, p_I·f). FOFF/F2OFF are the byte offsets of rows I and 8+I.
#define SVQ_COORD(FOFF, F2OFF, ZW, ZC, ZP) \
	VFMADD231PS F2OFF(SI), ZW, Z24 \
	VFMADD231PS FOFF(SI), ZC, Z25  \
	VMULPS      FOFF(SI), ZP, Z27  \
	VMINPS      Z27, Z26, Z26

// func svqScanAVX512(tab *float32, nblk int, coef *float32, base float32, par *uint16, flip uint16, out *float32, vmin *float32)
TEXT ·svqScanAVX512(SB), NOSPLIT, $0-64
	MOVQ         tab+0(FP), SI
	MOVQ         nblk+8(FP), CX
	MOVQ         coef+16(FP), DX
	VBROADCASTSS base+24(FP), Z28
	MOVQ         par+32(FP), R8
	MOVWLZX      flip+40(FP), R9
	MOVQ         out+48(FP), DI
	MOVQ         vmin+56(FP), R10
	VBROADCASTSS 0(DX), Z0
	VBROADCASTSS 4(DX), Z1
	VBROADCASTSS 8(DX), Z2
	VBROADCASTSS 12(DX), Z3
	VBROADCASTSS 16(DX), Z4
	VBROADCASTSS 20(DX), Z5
	VBROADCASTSS 24(DX), Z6
	VBROADCASTSS 28(DX), Z7
	VBROADCASTSS 32(DX), Z8
	VBROADCASTSS 36(DX), Z9
	VBROADCASTSS 40(DX), Z10
	VBROADCASTSS 44(DX), Z11
	VBROADCASTSS 48(DX), Z12
	VBROADCASTSS 52(DX), Z13
	VBROADCASTSS 56(DX), Z14
	VBROADCASTSS 60(DX), Z15
	VBROADCASTSS 64(DX), Z16
	VBROADCASTSS 68(DX), Z17
	VBROADCASTSS 72(DX), Z18
	VBROADCASTSS 76(DX), Z19
	VBROADCASTSS 80(DX), Z20
	VBROADCASTSS 84(DX), Z21
	VBROADCASTSS 88(DX), Z22
	VBROADCASTSS 92(DX), Z23
	VMOVUPS      (R10), Z29

scanloop:
	TESTQ   CX, CX
	JE      scandone
	VMOVAPS Z28, Z24
	VMOVUPS 1024(SI), Z25
	VFMADD231PS 512(SI), Z0, Z24
	VFMADD231PS 0(SI), Z8, Z25
	VMULPS      0(SI), Z16, Z26
	SVQ_COORD(64, 576, Z1, Z9, Z17)
	SVQ_COORD(128, 640, Z2, Z10, Z18)
	SVQ_COORD(192, 704, Z3, Z11, Z19)
	SVQ_COORD(256, 768, Z4, Z12, Z20)
	SVQ_COORD(320, 832, Z5, Z13, Z21)
	SVQ_COORD(384, 896, Z6, Z14, Z22)
	SVQ_COORD(448, 960, Z7, Z15, Z23)
	VADDPS  Z25, Z24, Z24
	MOVWLZX (R8), AX
	XORL    R9, AX
	KMOVW   AX, K1
	VADDPS  Z26, Z24, K1, Z24
	VMOVUPS Z24, (DI)
	VMINPS  Z24, Z29, Z29
	ADDQ    $1088, SI
	ADDQ    $2, R8
	ADDQ    $64, DI
	DECQ    CX
	JMP     scanloop

scandone:
	VMOVUPS Z29, (R10)
	VZEROUPPER
	RET

// func svqMaskAVX512(d *float32, nblk int, vmin *float32, eps2 float32, mask *uint16)
TEXT ·svqMaskAVX512(SB), NOSPLIT, $0-40
	MOVQ          d+0(FP), SI
	MOVQ          nblk+8(FP), CX
	MOVQ          vmin+16(FP), DX
	MOVQ          mask+32(FP), DI
	VMOVUPS       (DX), Z1
	VEXTRACTF32X8 $1, Z1, Y2
	VMINPS        Y2, Y1, Y1
	VEXTRACTF128  $1, Y1, X2
	VMINPS        X2, X1, X1
	VPERMILPS     $0x4e, X1, X2
	VMINPS        X2, X1, X1
	VPERMILPS     $0xb1, X1, X2
	VMINPS        X2, X1, X1
	VADDSS        eps2+24(FP), X1, X1
	VBROADCASTSS  X1, Z1

maskloop:
	TESTQ   CX, CX
	JE      maskdone
	VMOVUPS (SI), Z0
	VCMPPS  $2, Z1, Z0, K1
	KMOVW   K1, AX
	MOVW    AX, (DI)
	ADDQ    $64, SI
	ADDQ    $2, DI
	DECQ    CX
	JMP     maskloop

maskdone:
	VZEROUPPER
	RET
