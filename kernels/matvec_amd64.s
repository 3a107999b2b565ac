//go:build amd64 && !purego

#include "textflag.h"

// Matrix-vector kernels of matvec.go. Each computes, for g < groups and
// i < 4, dst[4g+i] = Σ_{c<n} W[4g+i][c]·x[c] with row r of W starting
// ld elements after row r-1, four rows at a time: every block of x is
// loaded once for the four rows, each row keeps its own accumulators
// (two vectors, over even and odd blocks), and the weight stream is
// prefetched pf bytes ahead in each of the four rows; once that runs past
// the end of the row it moves on to the same place in the next group's
// row (3·ld further), so the next four rows start already in cache. n is
// a multiple of the vector width (16 lanes for AVX-512, 8 for AVX2).

// func matVec4BF16AVX512(dst *float32, w unsafe.Pointer, x *float32, groups, n, ld, pf int)
TEXT ·matVec4BF16AVX512(SB), NOSPLIT, $0-56
	MOVQ          dst+0(FP), DX
	MOVQ          w+8(FP), AX
	MOVQ          groups+24(FP), BX
	MOVQ          ld+40(FP), R8
	SHLQ          $1, R8
	LEAQ          (R8)(R8*2), R9
	MOVQ          R8, R11
	SHLQ          $2, R11
	TESTQ         BX, BX
	JE            matVec4BF16AVX512_done

matVec4BF16AVX512_group:
	MOVQ          AX, SI
	MOVQ          x+16(FP), DI
	MOVQ          n+32(FP), CX
	MOVQ          pf+48(FP), R10
	ADDQ          SI, R10
	LEAQ          (SI)(R8*1), R12 // end of the group's first row
	VXORPS        Z0, Z0, Z0
	VXORPS        Z1, Z1, Z1
	VXORPS        Z2, Z2, Z2
	VXORPS        Z3, Z3, Z3
	VXORPS        Z4, Z4, Z4
	VXORPS        Z5, Z5, Z5
	VXORPS        Z6, Z6, Z6
	VXORPS        Z7, Z7, Z7
	CMPQ          CX, $32
	JL            matVec4BF16AVX512_one

matVec4BF16AVX512_two:
	VMOVUPS       (DI), Z16
	VMOVUPS       64(DI), Z17
	VPMOVZXWD     (SI), Z8
	VPSLLD        $16, Z8, Z8
	VFMADD231PS   Z16, Z8, Z0
	VPMOVZXWD     32(SI), Z9
	VPSLLD        $16, Z9, Z9
	VFMADD231PS   Z17, Z9, Z1
	PREFETCHT0    (R10)
	VPMOVZXWD     (SI)(R8*1), Z10
	VPSLLD        $16, Z10, Z10
	VFMADD231PS   Z16, Z10, Z2
	VPMOVZXWD     32(SI)(R8*1), Z11
	VPSLLD        $16, Z11, Z11
	VFMADD231PS   Z17, Z11, Z3
	PREFETCHT0    (R10)(R8*1)
	VPMOVZXWD     (SI)(R8*2), Z12
	VPSLLD        $16, Z12, Z12
	VFMADD231PS   Z16, Z12, Z4
	VPMOVZXWD     32(SI)(R8*2), Z13
	VPSLLD        $16, Z13, Z13
	VFMADD231PS   Z17, Z13, Z5
	PREFETCHT0    (R10)(R8*2)
	VPMOVZXWD     (SI)(R9*1), Z14
	VPSLLD        $16, Z14, Z14
	VFMADD231PS   Z16, Z14, Z6
	VPMOVZXWD     32(SI)(R9*1), Z15
	VPSLLD        $16, Z15, Z15
	VFMADD231PS   Z17, Z15, Z7
	PREFETCHT0    (R10)(R9*1)
	ADDQ          $64, SI
	ADDQ          $64, R10
	CMPQ          R10, R12
	JB            matVec4BF16AVX512_pfok
	ADDQ          R9, R10
	MOVQ          $-1, R12
matVec4BF16AVX512_pfok:
	ADDQ          $128, DI
	SUBQ          $32, CX
	CMPQ          CX, $32
	JGE           matVec4BF16AVX512_two

matVec4BF16AVX512_one:
	CMPQ          CX, $16
	JL            matVec4BF16AVX512_reduce
	VMOVUPS       (DI), Z16
	VPMOVZXWD     (SI), Z8
	VPSLLD        $16, Z8, Z8
	VFMADD231PS   Z16, Z8, Z0
	VPMOVZXWD     (SI)(R8*1), Z10
	VPSLLD        $16, Z10, Z10
	VFMADD231PS   Z16, Z10, Z2
	VPMOVZXWD     (SI)(R8*2), Z12
	VPSLLD        $16, Z12, Z12
	VFMADD231PS   Z16, Z12, Z4
	VPMOVZXWD     (SI)(R9*1), Z14
	VPSLLD        $16, Z14, Z14
	VFMADD231PS   Z16, Z14, Z6

matVec4BF16AVX512_reduce:
	VADDPS        Z1, Z0, Z0
	VADDPS        Z3, Z2, Z2
	VADDPS        Z5, Z4, Z4
	VADDPS        Z7, Z6, Z6
	VEXTRACTF64X4 $1, Z0, Y8
	VADDPS        Y8, Y0, Y0
	VEXTRACTF64X4 $1, Z2, Y8
	VADDPS        Y8, Y2, Y2
	VEXTRACTF64X4 $1, Z4, Y8
	VADDPS        Y8, Y4, Y4
	VEXTRACTF64X4 $1, Z6, Y8
	VADDPS        Y8, Y6, Y6
	VEXTRACTF128  $1, Y0, X8
	VADDPS        X8, X0, X0
	VEXTRACTF128  $1, Y2, X8
	VADDPS        X8, X2, X2
	VEXTRACTF128  $1, Y4, X8
	VADDPS        X8, X4, X4
	VEXTRACTF128  $1, Y6, X8
	VADDPS        X8, X6, X6
	VHADDPS       X2, X0, X0
	VHADDPS       X6, X4, X4
	VHADDPS       X4, X0, X0
	VMOVUPS       X0, (DX)
	ADDQ          $16, DX
	ADDQ          R11, AX
	DECQ          BX
	JNE           matVec4BF16AVX512_group

matVec4BF16AVX512_done:
	VZEROUPPER
	RET

// func matVec4F16AVX512(dst *float32, w unsafe.Pointer, x *float32, groups, n, ld, pf int)
TEXT ·matVec4F16AVX512(SB), NOSPLIT, $0-56
	MOVQ          dst+0(FP), DX
	MOVQ          w+8(FP), AX
	MOVQ          groups+24(FP), BX
	MOVQ          ld+40(FP), R8
	SHLQ          $1, R8
	LEAQ          (R8)(R8*2), R9
	MOVQ          R8, R11
	SHLQ          $2, R11
	TESTQ         BX, BX
	JE            matVec4F16AVX512_done

matVec4F16AVX512_group:
	MOVQ          AX, SI
	MOVQ          x+16(FP), DI
	MOVQ          n+32(FP), CX
	MOVQ          pf+48(FP), R10
	ADDQ          SI, R10
	LEAQ          (SI)(R8*1), R12 // end of the group's first row
	VXORPS        Z0, Z0, Z0
	VXORPS        Z1, Z1, Z1
	VXORPS        Z2, Z2, Z2
	VXORPS        Z3, Z3, Z3
	VXORPS        Z4, Z4, Z4
	VXORPS        Z5, Z5, Z5
	VXORPS        Z6, Z6, Z6
	VXORPS        Z7, Z7, Z7
	CMPQ          CX, $32
	JL            matVec4F16AVX512_one

matVec4F16AVX512_two:
	VMOVUPS       (DI), Z16
	VMOVUPS       64(DI), Z17
	VCVTPH2PS     (SI), Z8
	VFMADD231PS   Z16, Z8, Z0
	VCVTPH2PS     32(SI), Z9
	VFMADD231PS   Z17, Z9, Z1
	PREFETCHT0    (R10)
	VCVTPH2PS     (SI)(R8*1), Z10
	VFMADD231PS   Z16, Z10, Z2
	VCVTPH2PS     32(SI)(R8*1), Z11
	VFMADD231PS   Z17, Z11, Z3
	PREFETCHT0    (R10)(R8*1)
	VCVTPH2PS     (SI)(R8*2), Z12
	VFMADD231PS   Z16, Z12, Z4
	VCVTPH2PS     32(SI)(R8*2), Z13
	VFMADD231PS   Z17, Z13, Z5
	PREFETCHT0    (R10)(R8*2)
	VCVTPH2PS     (SI)(R9*1), Z14
	VFMADD231PS   Z16, Z14, Z6
	VCVTPH2PS     32(SI)(R9*1), Z15
	VFMADD231PS   Z17, Z15, Z7
	PREFETCHT0    (R10)(R9*1)
	ADDQ          $64, SI
	ADDQ          $64, R10
	CMPQ          R10, R12
	JB            matVec4F16AVX512_pfok
	ADDQ          R9, R10
	MOVQ          $-1, R12
matVec4F16AVX512_pfok:
	ADDQ          $128, DI
	SUBQ          $32, CX
	CMPQ          CX, $32
	JGE           matVec4F16AVX512_two

matVec4F16AVX512_one:
	CMPQ          CX, $16
	JL            matVec4F16AVX512_reduce
	VMOVUPS       (DI), Z16
	VCVTPH2PS     (SI), Z8
	VFMADD231PS   Z16, Z8, Z0
	VCVTPH2PS     (SI)(R8*1), Z10
	VFMADD231PS   Z16, Z10, Z2
	VCVTPH2PS     (SI)(R8*2), Z12
	VFMADD231PS   Z16, Z12, Z4
	VCVTPH2PS     (SI)(R9*1), Z14
	VFMADD231PS   Z16, Z14, Z6

matVec4F16AVX512_reduce:
	VADDPS        Z1, Z0, Z0
	VADDPS        Z3, Z2, Z2
	VADDPS        Z5, Z4, Z4
	VADDPS        Z7, Z6, Z6
	VEXTRACTF64X4 $1, Z0, Y8
	VADDPS        Y8, Y0, Y0
	VEXTRACTF64X4 $1, Z2, Y8
	VADDPS        Y8, Y2, Y2
	VEXTRACTF64X4 $1, Z4, Y8
	VADDPS        Y8, Y4, Y4
	VEXTRACTF64X4 $1, Z6, Y8
	VADDPS        Y8, Y6, Y6
	VEXTRACTF128  $1, Y0, X8
	VADDPS        X8, X0, X0
	VEXTRACTF128  $1, Y2, X8
	VADDPS        X8, X2, X2
	VEXTRACTF128  $1, Y4, X8
	VADDPS        X8, X4, X4
	VEXTRACTF128  $1, Y6, X8
	VADDPS        X8, X6, X6
	VHADDPS       X2, X0, X0
	VHADDPS       X6, X4, X4
	VHADDPS       X4, X0, X0
	VMOVUPS       X0, (DX)
	ADDQ          $16, DX
	ADDQ          R11, AX
	DECQ          BX
	JNE           matVec4F16AVX512_group

matVec4F16AVX512_done:
	VZEROUPPER
	RET

// func matVec4F32AVX512(dst *float32, w unsafe.Pointer, x *float32, groups, n, ld, pf int)
TEXT ·matVec4F32AVX512(SB), NOSPLIT, $0-56
	MOVQ          dst+0(FP), DX
	MOVQ          w+8(FP), AX
	MOVQ          groups+24(FP), BX
	MOVQ          ld+40(FP), R8
	SHLQ          $2, R8
	LEAQ          (R8)(R8*2), R9
	MOVQ          R8, R11
	SHLQ          $2, R11
	TESTQ         BX, BX
	JE            matVec4F32AVX512_done

matVec4F32AVX512_group:
	MOVQ          AX, SI
	MOVQ          x+16(FP), DI
	MOVQ          n+32(FP), CX
	MOVQ          pf+48(FP), R10
	ADDQ          SI, R10
	LEAQ          (SI)(R8*1), R12 // end of the group's first row
	VXORPS        Z0, Z0, Z0
	VXORPS        Z1, Z1, Z1
	VXORPS        Z2, Z2, Z2
	VXORPS        Z3, Z3, Z3
	VXORPS        Z4, Z4, Z4
	VXORPS        Z5, Z5, Z5
	VXORPS        Z6, Z6, Z6
	VXORPS        Z7, Z7, Z7
	CMPQ          CX, $32
	JL            matVec4F32AVX512_one

matVec4F32AVX512_two:
	VMOVUPS       (DI), Z16
	VMOVUPS       64(DI), Z17
	VMOVUPS       (SI), Z8
	VFMADD231PS   Z16, Z8, Z0
	VMOVUPS       64(SI), Z9
	VFMADD231PS   Z17, Z9, Z1
	PREFETCHT0    (R10)
	PREFETCHT0    64(R10)
	VMOVUPS       (SI)(R8*1), Z10
	VFMADD231PS   Z16, Z10, Z2
	VMOVUPS       64(SI)(R8*1), Z11
	VFMADD231PS   Z17, Z11, Z3
	PREFETCHT0    (R10)(R8*1)
	PREFETCHT0    64(R10)(R8*1)
	VMOVUPS       (SI)(R8*2), Z12
	VFMADD231PS   Z16, Z12, Z4
	VMOVUPS       64(SI)(R8*2), Z13
	VFMADD231PS   Z17, Z13, Z5
	PREFETCHT0    (R10)(R8*2)
	PREFETCHT0    64(R10)(R8*2)
	VMOVUPS       (SI)(R9*1), Z14
	VFMADD231PS   Z16, Z14, Z6
	VMOVUPS       64(SI)(R9*1), Z15
	VFMADD231PS   Z17, Z15, Z7
	PREFETCHT0    (R10)(R9*1)
	PREFETCHT0    64(R10)(R9*1)
	ADDQ          $128, SI
	ADDQ          $128, R10
	CMPQ          R10, R12
	JB            matVec4F32AVX512_pfok
	ADDQ          R9, R10
	MOVQ          $-1, R12
matVec4F32AVX512_pfok:
	ADDQ          $128, DI
	SUBQ          $32, CX
	CMPQ          CX, $32
	JGE           matVec4F32AVX512_two

matVec4F32AVX512_one:
	CMPQ          CX, $16
	JL            matVec4F32AVX512_reduce
	VMOVUPS       (DI), Z16
	VMOVUPS       (SI), Z8
	VFMADD231PS   Z16, Z8, Z0
	VMOVUPS       (SI)(R8*1), Z10
	VFMADD231PS   Z16, Z10, Z2
	VMOVUPS       (SI)(R8*2), Z12
	VFMADD231PS   Z16, Z12, Z4
	VMOVUPS       (SI)(R9*1), Z14
	VFMADD231PS   Z16, Z14, Z6

matVec4F32AVX512_reduce:
	VADDPS        Z1, Z0, Z0
	VADDPS        Z3, Z2, Z2
	VADDPS        Z5, Z4, Z4
	VADDPS        Z7, Z6, Z6
	VEXTRACTF64X4 $1, Z0, Y8
	VADDPS        Y8, Y0, Y0
	VEXTRACTF64X4 $1, Z2, Y8
	VADDPS        Y8, Y2, Y2
	VEXTRACTF64X4 $1, Z4, Y8
	VADDPS        Y8, Y4, Y4
	VEXTRACTF64X4 $1, Z6, Y8
	VADDPS        Y8, Y6, Y6
	VEXTRACTF128  $1, Y0, X8
	VADDPS        X8, X0, X0
	VEXTRACTF128  $1, Y2, X8
	VADDPS        X8, X2, X2
	VEXTRACTF128  $1, Y4, X8
	VADDPS        X8, X4, X4
	VEXTRACTF128  $1, Y6, X8
	VADDPS        X8, X6, X6
	VHADDPS       X2, X0, X0
	VHADDPS       X6, X4, X4
	VHADDPS       X4, X0, X0
	VMOVUPS       X0, (DX)
	ADDQ          $16, DX
	ADDQ          R11, AX
	DECQ          BX
	JNE           matVec4F32AVX512_group

matVec4F32AVX512_done:
	VZEROUPPER
	RET

// func matVec4BF16AVX2(dst *float32, w unsafe.Pointer, x *float32, groups, n, ld, pf int)
TEXT ·matVec4BF16AVX2(SB), NOSPLIT, $0-56
	MOVQ          dst+0(FP), DX
	MOVQ          w+8(FP), AX
	MOVQ          groups+24(FP), BX
	MOVQ          ld+40(FP), R8
	SHLQ          $1, R8
	LEAQ          (R8)(R8*2), R9
	MOVQ          R8, R11
	SHLQ          $2, R11
	TESTQ         BX, BX
	JE            matVec4BF16AVX2_done

matVec4BF16AVX2_group:
	MOVQ          AX, SI
	MOVQ          x+16(FP), DI
	MOVQ          n+32(FP), CX
	MOVQ          pf+48(FP), R10
	ADDQ          SI, R10
	LEAQ          (SI)(R8*1), R12 // end of the group's first row
	VXORPS        Y0, Y0, Y0
	VXORPS        Y1, Y1, Y1
	VXORPS        Y2, Y2, Y2
	VXORPS        Y3, Y3, Y3
	VXORPS        Y4, Y4, Y4
	VXORPS        Y5, Y5, Y5
	VXORPS        Y6, Y6, Y6
	VXORPS        Y7, Y7, Y7
	CMPQ          CX, $16
	JL            matVec4BF16AVX2_one

matVec4BF16AVX2_two:
	VMOVUPS       (DI), Y8
	VMOVUPS       32(DI), Y9
	VPMOVZXWD     (SI), Y10
	VPSLLD        $16, Y10, Y10
	VFMADD231PS   Y8, Y10, Y0
	VPMOVZXWD     16(SI), Y11
	VPSLLD        $16, Y11, Y11
	VFMADD231PS   Y9, Y11, Y1
	VPMOVZXWD     (SI)(R8*1), Y12
	VPSLLD        $16, Y12, Y12
	VFMADD231PS   Y8, Y12, Y2
	VPMOVZXWD     16(SI)(R8*1), Y13
	VPSLLD        $16, Y13, Y13
	VFMADD231PS   Y9, Y13, Y3
	VPMOVZXWD     (SI)(R8*2), Y14
	VPSLLD        $16, Y14, Y14
	VFMADD231PS   Y8, Y14, Y4
	VPMOVZXWD     16(SI)(R8*2), Y15
	VPSLLD        $16, Y15, Y15
	VFMADD231PS   Y9, Y15, Y5
	VPMOVZXWD     (SI)(R9*1), Y10
	VPSLLD        $16, Y10, Y10
	VFMADD231PS   Y8, Y10, Y6
	VPMOVZXWD     16(SI)(R9*1), Y11
	VPSLLD        $16, Y11, Y11
	VFMADD231PS   Y9, Y11, Y7
	PREFETCHT0    (R10)
	PREFETCHT0    (R10)(R8*1)
	PREFETCHT0    (R10)(R8*2)
	PREFETCHT0    (R10)(R9*1)
	ADDQ          $32, SI
	ADDQ          $32, R10
	CMPQ          R10, R12
	JB            matVec4BF16AVX2_pfok
	ADDQ          R9, R10
	MOVQ          $-1, R12
matVec4BF16AVX2_pfok:
	ADDQ          $64, DI
	SUBQ          $16, CX
	CMPQ          CX, $16
	JGE           matVec4BF16AVX2_two

matVec4BF16AVX2_one:
	CMPQ          CX, $8
	JL            matVec4BF16AVX2_reduce
	VMOVUPS       (DI), Y8
	VPMOVZXWD     (SI), Y10
	VPSLLD        $16, Y10, Y10
	VFMADD231PS   Y8, Y10, Y0
	VPMOVZXWD     (SI)(R8*1), Y12
	VPSLLD        $16, Y12, Y12
	VFMADD231PS   Y8, Y12, Y2
	VPMOVZXWD     (SI)(R8*2), Y14
	VPSLLD        $16, Y14, Y14
	VFMADD231PS   Y8, Y14, Y4
	VPMOVZXWD     (SI)(R9*1), Y10
	VPSLLD        $16, Y10, Y10
	VFMADD231PS   Y8, Y10, Y6
	ADDQ          $16, SI
	ADDQ          $32, DI
	SUBQ          $8, CX
	JMP           matVec4BF16AVX2_one

matVec4BF16AVX2_reduce:
	VADDPS        Y1, Y0, Y0
	VADDPS        Y3, Y2, Y2
	VADDPS        Y5, Y4, Y4
	VADDPS        Y7, Y6, Y6
	VEXTRACTF128  $1, Y0, X8
	VADDPS        X8, X0, X0
	VEXTRACTF128  $1, Y2, X8
	VADDPS        X8, X2, X2
	VEXTRACTF128  $1, Y4, X8
	VADDPS        X8, X4, X4
	VEXTRACTF128  $1, Y6, X8
	VADDPS        X8, X6, X6
	VHADDPS       X2, X0, X0
	VHADDPS       X6, X4, X4
	VHADDPS       X4, X0, X0
	VMOVUPS       X0, (DX)
	ADDQ          $16, DX
	ADDQ          R11, AX
	DECQ          BX
	JNE           matVec4BF16AVX2_group

matVec4BF16AVX2_done:
	VZEROUPPER
	RET

// func matVec4F16AVX2(dst *float32, w unsafe.Pointer, x *float32, groups, n, ld, pf int)
TEXT ·matVec4F16AVX2(SB), NOSPLIT, $0-56
	MOVQ          dst+0(FP), DX
	MOVQ          w+8(FP), AX
	MOVQ          groups+24(FP), BX
	MOVQ          ld+40(FP), R8
	SHLQ          $1, R8
	LEAQ          (R8)(R8*2), R9
	MOVQ          R8, R11
	SHLQ          $2, R11
	TESTQ         BX, BX
	JE            matVec4F16AVX2_done

matVec4F16AVX2_group:
	MOVQ          AX, SI
	MOVQ          x+16(FP), DI
	MOVQ          n+32(FP), CX
	MOVQ          pf+48(FP), R10
	ADDQ          SI, R10
	LEAQ          (SI)(R8*1), R12 // end of the group's first row
	VXORPS        Y0, Y0, Y0
	VXORPS        Y1, Y1, Y1
	VXORPS        Y2, Y2, Y2
	VXORPS        Y3, Y3, Y3
	VXORPS        Y4, Y4, Y4
	VXORPS        Y5, Y5, Y5
	VXORPS        Y6, Y6, Y6
	VXORPS        Y7, Y7, Y7
	CMPQ          CX, $16
	JL            matVec4F16AVX2_one

matVec4F16AVX2_two:
	VMOVUPS       (DI), Y8
	VMOVUPS       32(DI), Y9
	VCVTPH2PS     (SI), Y10
	VFMADD231PS   Y8, Y10, Y0
	VCVTPH2PS     16(SI), Y11
	VFMADD231PS   Y9, Y11, Y1
	VCVTPH2PS     (SI)(R8*1), Y12
	VFMADD231PS   Y8, Y12, Y2
	VCVTPH2PS     16(SI)(R8*1), Y13
	VFMADD231PS   Y9, Y13, Y3
	VCVTPH2PS     (SI)(R8*2), Y14
	VFMADD231PS   Y8, Y14, Y4
	VCVTPH2PS     16(SI)(R8*2), Y15
	VFMADD231PS   Y9, Y15, Y5
	VCVTPH2PS     (SI)(R9*1), Y10
	VFMADD231PS   Y8, Y10, Y6
	VCVTPH2PS     16(SI)(R9*1), Y11
	VFMADD231PS   Y9, Y11, Y7
	PREFETCHT0    (R10)
	PREFETCHT0    (R10)(R8*1)
	PREFETCHT0    (R10)(R8*2)
	PREFETCHT0    (R10)(R9*1)
	ADDQ          $32, SI
	ADDQ          $32, R10
	CMPQ          R10, R12
	JB            matVec4F16AVX2_pfok
	ADDQ          R9, R10
	MOVQ          $-1, R12
matVec4F16AVX2_pfok:
	ADDQ          $64, DI
	SUBQ          $16, CX
	CMPQ          CX, $16
	JGE           matVec4F16AVX2_two

matVec4F16AVX2_one:
	CMPQ          CX, $8
	JL            matVec4F16AVX2_reduce
	VMOVUPS       (DI), Y8
	VCVTPH2PS     (SI), Y10
	VFMADD231PS   Y8, Y10, Y0
	VCVTPH2PS     (SI)(R8*1), Y12
	VFMADD231PS   Y8, Y12, Y2
	VCVTPH2PS     (SI)(R8*2), Y14
	VFMADD231PS   Y8, Y14, Y4
	VCVTPH2PS     (SI)(R9*1), Y10
	VFMADD231PS   Y8, Y10, Y6
	ADDQ          $16, SI
	ADDQ          $32, DI
	SUBQ          $8, CX
	JMP           matVec4F16AVX2_one

matVec4F16AVX2_reduce:
	VADDPS        Y1, Y0, Y0
	VADDPS        Y3, Y2, Y2
	VADDPS        Y5, Y4, Y4
	VADDPS        Y7, Y6, Y6
	VEXTRACTF128  $1, Y0, X8
	VADDPS        X8, X0, X0
	VEXTRACTF128  $1, Y2, X8
	VADDPS        X8, X2, X2
	VEXTRACTF128  $1, Y4, X8
	VADDPS        X8, X4, X4
	VEXTRACTF128  $1, Y6, X8
	VADDPS        X8, X6, X6
	VHADDPS       X2, X0, X0
	VHADDPS       X6, X4, X4
	VHADDPS       X4, X0, X0
	VMOVUPS       X0, (DX)
	ADDQ          $16, DX
	ADDQ          R11, AX
	DECQ          BX
	JNE           matVec4F16AVX2_group

matVec4F16AVX2_done:
	VZEROUPPER
	RET

// func matVec4F32AVX2(dst *float32, w unsafe.Pointer, x *float32, groups, n, ld, pf int)
TEXT ·matVec4F32AVX2(SB), NOSPLIT, $0-56
	MOVQ          dst+0(FP), DX
	MOVQ          w+8(FP), AX
	MOVQ          groups+24(FP), BX
	MOVQ          ld+40(FP), R8
	SHLQ          $2, R8
	LEAQ          (R8)(R8*2), R9
	MOVQ          R8, R11
	SHLQ          $2, R11
	TESTQ         BX, BX
	JE            matVec4F32AVX2_done

matVec4F32AVX2_group:
	MOVQ          AX, SI
	MOVQ          x+16(FP), DI
	MOVQ          n+32(FP), CX
	MOVQ          pf+48(FP), R10
	ADDQ          SI, R10
	LEAQ          (SI)(R8*1), R12 // end of the group's first row
	VXORPS        Y0, Y0, Y0
	VXORPS        Y1, Y1, Y1
	VXORPS        Y2, Y2, Y2
	VXORPS        Y3, Y3, Y3
	VXORPS        Y4, Y4, Y4
	VXORPS        Y5, Y5, Y5
	VXORPS        Y6, Y6, Y6
	VXORPS        Y7, Y7, Y7
	CMPQ          CX, $16
	JL            matVec4F32AVX2_one

matVec4F32AVX2_two:
	VMOVUPS       (DI), Y8
	VMOVUPS       32(DI), Y9
	VFMADD231PS   (SI), Y8, Y0
	VFMADD231PS   32(SI), Y9, Y1
	VFMADD231PS   (SI)(R8*1), Y8, Y2
	VFMADD231PS   32(SI)(R8*1), Y9, Y3
	VFMADD231PS   (SI)(R8*2), Y8, Y4
	VFMADD231PS   32(SI)(R8*2), Y9, Y5
	VFMADD231PS   (SI)(R9*1), Y8, Y6
	VFMADD231PS   32(SI)(R9*1), Y9, Y7
	PREFETCHT0    (R10)
	PREFETCHT0    (R10)(R8*1)
	PREFETCHT0    (R10)(R8*2)
	PREFETCHT0    (R10)(R9*1)
	ADDQ          $64, SI
	ADDQ          $64, R10
	CMPQ          R10, R12
	JB            matVec4F32AVX2_pfok
	ADDQ          R9, R10
	MOVQ          $-1, R12
matVec4F32AVX2_pfok:
	ADDQ          $64, DI
	SUBQ          $16, CX
	CMPQ          CX, $16
	JGE           matVec4F32AVX2_two

matVec4F32AVX2_one:
	CMPQ          CX, $8
	JL            matVec4F32AVX2_reduce
	VMOVUPS       (DI), Y8
	VFMADD231PS   (SI), Y8, Y0
	VFMADD231PS   (SI)(R8*1), Y8, Y2
	VFMADD231PS   (SI)(R8*2), Y8, Y4
	VFMADD231PS   (SI)(R9*1), Y8, Y6
	ADDQ          $32, SI
	ADDQ          $32, DI
	SUBQ          $8, CX
	JMP           matVec4F32AVX2_one

matVec4F32AVX2_reduce:
	VADDPS        Y1, Y0, Y0
	VADDPS        Y3, Y2, Y2
	VADDPS        Y5, Y4, Y4
	VADDPS        Y7, Y6, Y6
	VEXTRACTF128  $1, Y0, X8
	VADDPS        X8, X0, X0
	VEXTRACTF128  $1, Y2, X8
	VADDPS        X8, X2, X2
	VEXTRACTF128  $1, Y4, X8
	VADDPS        X8, X4, X4
	VEXTRACTF128  $1, Y6, X8
	VADDPS        X8, X6, X6
	VHADDPS       X2, X0, X0
	VHADDPS       X6, X4, X4
	VHADDPS       X4, X0, X0
	VMOVUPS       X0, (DX)
	ADDQ          $16, DX
	ADDQ          R11, AX
	DECQ          BX
	JNE           matVec4F32AVX2_group

matVec4F32AVX2_done:
	VZEROUPPER
	RET

