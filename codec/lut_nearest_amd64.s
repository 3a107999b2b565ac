//go:build amd64 && !purego

#include "textflag.h"

// func lutScanAVX512(a, w *float32, d int, cb, cc *float32, best *float32, idx *int32)
//
// For the 256 entries j, 16 at a time: v_j = w_0·cc[j] + a_0·cb[j] +
// Σ_{i≥1} (w_i·cc[i·256+j] + a_i·cb[i·256+j]), each product and sum
// rounded to float32 in exactly lutScanGo's order; per lane the smallest
// v (first on ties) and its entry go to best[0..16) and idx[0..16).
TEXT ·lutScanAVX512(SB), NOSPLIT, $0-56
	MOVQ a+0(FP), AX
	MOVQ w+8(FP), BX
	MOVQ d+16(FP), CX
	MOVQ cb+24(FP), SI
	MOVQ cc+32(FP), DI
	MOVQ best+40(FP), R8
	MOVQ idx+48(FP), R9

	MOVL $0x7f800000, DX // +Inf
	VPBROADCASTD DX, Z30 // best values
	VPXORD Z29, Z29, Z29 // best entries
	MOVL $16, DX
	VPBROADCASTD DX, Z27 // step
	VMOVDQU32 lutLanes<>(SB), Z28 // entry numbers of the chunk

	XORQ R10, R10 // byte offset of the chunk in a row of cb/cc

chunk:
	// coordinate 0
	VMOVUPS (DI)(R10*1), Z1
	VMULPS.BCST (BX), Z1, Z0
	VMOVUPS (SI)(R10*1), Z2
	VMULPS.BCST (AX), Z2, Z2
	VADDPS Z2, Z0, Z0
	MOVQ $1, R11
	LEAQ 1024(R10), R12 // offset of coordinate i's row

coord:
	CMPQ R11, CX
	JGE done
	VMOVUPS (DI)(R12*1), Z1
	VMULPS.BCST (BX)(R11*4), Z1, Z1
	VADDPS Z1, Z0, Z0
	VMOVUPS (SI)(R12*1), Z2
	VMULPS.BCST (AX)(R11*4), Z2, Z2
	VADDPS Z2, Z0, Z0
	INCQ R11
	ADDQ $1024, R12
	JMP coord

done:
	VCMPPS $1, Z30, Z0, K1 // v < best
	VMOVAPS Z0, K1, Z30
	VMOVDQA32 Z28, K1, Z29
	VPADDD Z27, Z28, Z28
	ADDQ $64, R10
	CMPQ R10, $1024
	JLT chunk

	VMOVUPS Z30, (R8)
	VMOVDQU32 Z29, (R9)
	VZEROUPPER
	RET

DATA lutLanes<>+0(SB)/4, $0
DATA lutLanes<>+4(SB)/4, $1
DATA lutLanes<>+8(SB)/4, $2
DATA lutLanes<>+12(SB)/4, $3
DATA lutLanes<>+16(SB)/4, $4
DATA lutLanes<>+20(SB)/4, $5
DATA lutLanes<>+24(SB)/4, $6
DATA lutLanes<>+28(SB)/4, $7
DATA lutLanes<>+32(SB)/4, $8
DATA lutLanes<>+36(SB)/4, $9
DATA lutLanes<>+40(SB)/4, $10
DATA lutLanes<>+44(SB)/4, $11
DATA lutLanes<>+48(SB)/4, $12
DATA lutLanes<>+52(SB)/4, $13
DATA lutLanes<>+56(SB)/4, $14
DATA lutLanes<>+60(SB)/4, $15
GLOBL lutLanes<>(SB), RODATA|NOPTR, $64
