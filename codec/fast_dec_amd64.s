//go:build amd64 && !purego

#include "textflag.h"

// Two u16-coded vectors at byte offset OFF of the codes (SI): their table
// entries (DI) → 16 int8 → int32 → float → times dd (Z0) → added to the 16
// floats at DOFF(DX).
// VMULPS then VADDPS, never a fused multiply-add: the reference rounds
// dd·q to float32 before the sum.
#define DEC_PAIR(OFF, DOFF, RA, RB, XA, ZA) \
	MOVWQZX   OFF(SI), RA            \
	MOVWQZX   OFF+2(SI), RB          \
	VMOVQ     (DI)(RA*8), XA         \
	VPINSRQ   $1, (DI)(RB*8), XA, XA \
	VPMOVSXBD XA, ZA                 \
	VCVTDQ2PS ZA, ZA                 \
	VMULPS    Z0, ZA, ZA             \
	VADDPS    DOFF(DX), ZA, ZA       \
	VMOVUPS   ZA, DOFF(DX)

// func decAddU16(dst *float32, codes *byte, npairs int, tab *uint64, dd float32)
TEXT ·decAddU16(SB), NOSPLIT, $0-36
	MOVQ         dst+0(FP), DX
	MOVQ         codes+8(FP), SI
	MOVQ         npairs+16(FP), CX
	MOVQ         tab+24(FP), DI
	VBROADCASTSS dd+32(FP), Z0
	CMPQ         CX, $4
	JL           dectail

decfour:
	DEC_PAIR(0, 0, AX, BX, X1, Z1)
	DEC_PAIR(4, 64, R8, R9, X2, Z2)
	DEC_PAIR(8, 128, R10, R11, X3, Z3)
	DEC_PAIR(12, 192, R12, R13, X4, Z4)
	ADDQ $16, SI
	ADDQ $256, DX
	SUBQ $4, CX
	CMPQ CX, $4
	JGE  decfour

dectail:
	TESTQ CX, CX
	JZ    decdone

decone:
	DEC_PAIR(0, 0, AX, BX, X1, Z1)
	ADDQ $4, SI
	ADDQ $64, DX
	DECQ CX
	JNZ  decone

decdone:
	VZEROUPPER
	RET
