//go:build amd64 && !purego

#include "textflag.h"

// func lutScaleRowsAVX512(dst *float32, acc *int32, scales *byte, n int, post, mul float32)
TEXT ·lutScaleRowsAVX512(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         acc+8(FP), SI
	MOVQ         scales+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSS post+32(FP), Z30
	VBROADCASTSS mul+36(FP), Z31
	SHRQ         $4, CX

scaleloop:
	VCVTPH2PS (DX), Z0      // s
	VMULPS    Z30, Z0, Z0   // s·post
	VCVTDQ2PS (SI), Z1      // float32(acc)
	VMULPS    Z1, Z31, Z1   // mul·float32(acc)
	VMULPS    Z1, Z0, Z0    // (s·post)·(mul·acc)
	VMOVUPS   Z0, (DI)
	ADDQ      $32, DX
	ADDQ      $64, SI
	ADDQ      $64, DI
	DECQ      CX
	JNZ       scaleloop
	VZEROUPPER
	RET
