//go:build amd64 && !purego

#include "textflag.h"

// lutPackIdx is the VPERMD order that undoes the lane interleave of
// VPACKSSDW/VPACKSSWB: after packing four vectors of 16 int32 the dword
// holding entries 4k..4k+3 is at 4·(k mod 4) + k/4.
DATA lutPackIdx<>+0(SB)/8, $0x0000000400000000
DATA lutPackIdx<>+8(SB)/8, $0x0000000c00000008
DATA lutPackIdx<>+16(SB)/8, $0x0000000500000001
DATA lutPackIdx<>+24(SB)/8, $0x0000000d00000009
DATA lutPackIdx<>+32(SB)/8, $0x0000000600000002
DATA lutPackIdx<>+40(SB)/8, $0x0000000e0000000a
DATA lutPackIdx<>+48(SB)/8, $0x0000000700000003
DATA lutPackIdx<>+56(SB)/8, $0x0000000f0000000b
GLOBL lutPackIdx<>(SB), RODATA|NOPTR, $64

// NARROW4 turns the 64 floats of a, b, c, d (entries 0-15, 16-31, 32-47,
// 48-63) into bytes at off(DI): VMINPS with 127 first and the value second
// returns the value when it is NaN, which VCVTPS2DQ (half to even) then maps
// to 0x80000000 as it does everything below -2³¹, so NaN and large negative
// values give -128 and large positive ones 127; the signed-saturating packs
// clamp the rest to [-128, 127], and VPERMD (order Z28) restores the entry
// order.
#define NARROW4(a, b, c, d, off) \
	VMINPS    a, Z30, a;  \
	VMINPS    b, Z30, b;  \
	VMINPS    c, Z30, c;  \
	VMINPS    d, Z30, d;  \
	VCVTPS2DQ a, a;       \
	VCVTPS2DQ b, b;       \
	VCVTPS2DQ c, c;       \
	VCVTPS2DQ d, d;       \
	VPACKSSDW b, a, a;    \
	VPACKSSDW d, c, c;    \
	VPACKSSWB c, a, a;    \
	VPERMD    a, Z28, a;  \
	VMOVDQU64 a, off(DI)

// CHUNKS8 applies op with the memory operand 64·c(base) and Z16 to the
// accumulators Zc for c < 8 (the 128 first-half entries of one group).
#define CHUNKS8(op, base) \
	op 0(base), Z16, Z0;   \
	op 64(base), Z16, Z1;  \
	op 128(base), Z16, Z2; \
	op 192(base), Z16, Z3; \
	op 256(base), Z16, Z4; \
	op 320(base), Z16, Z5; \
	op 384(base), Z16, Z6; \
	op 448(base), Z16, Z7

// func lutBuildHalfAVX512(dst *int8, x *float32, G, d int, cb *float32, inv float32, pf *byte, pairs int)
TEXT ·lutBuildHalfAVX512(SB), NOSPLIT, $0-64
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         G+16(FP), CX
	MOVQ         d+24(FP), R8
	MOVQ         cb+32(FP), DX
	VBROADCASTSS inv+40(FP), Z31
	VMOVDQU64    lutPackIdx<>+0(SB), Z28
	MOVL         $0x42fe0000, AX // 127.0
	VPBROADCASTD AX, Z30
	MOVQ         pf+48(FP), R12
	MOVQ         pairs+56(FP), R13

luthgroup:
	CMPQ         R13, $0
	JLE          luthcompute
	PREFETCHT1   (R12)
	PREFETCHT1   64(R12)
	ADDQ         $128, R12
	DECQ         R13

luthcompute:
	VBROADCASTSS (SI), Z16
	VMULPS       Z31, Z16, Z16
	CHUNKS8(VMULPS, DX)
	MOVQ         DX, R10
	LEAQ         4(SI), R11
	MOVQ         R8, BX
	DECQ         BX
	JZ           luthnarrow

luthcoord:
	ADDQ         $512, R10
	VBROADCASTSS (R11), Z16
	VMULPS       Z31, Z16, Z16
	ADDQ         $4, R11
	CHUNKS8(VFMADD231PS, R10)
	DECQ         BX
	JNZ          luthcoord

luthnarrow:
	NARROW4(Z0, Z1, Z2, Z3, 0)
	NARROW4(Z4, Z5, Z6, Z7, 64)
	ADDQ         $128, DI
	LEAQ         (SI)(R8*4), SI
	DECQ         CX
	JNZ          luthgroup
	VZEROUPPER
	RET

// lutRowIdx holds the two VPERMI2W word indices that interleave a tile's
// even-row sums (table 0, words 0-31) and odd-row sums (table 1, words
// 32-63) into row order: rows 0-31, then rows 32-63.
DATA lutRowIdx<>+0(SB)/8, $0x0021000100200000
DATA lutRowIdx<>+8(SB)/8, $0x0023000300220002
DATA lutRowIdx<>+16(SB)/8, $0x0025000500240004
DATA lutRowIdx<>+24(SB)/8, $0x0027000700260006
DATA lutRowIdx<>+32(SB)/8, $0x0029000900280008
DATA lutRowIdx<>+40(SB)/8, $0x002b000b002a000a
DATA lutRowIdx<>+48(SB)/8, $0x002d000d002c000c
DATA lutRowIdx<>+56(SB)/8, $0x002f000f002e000e
DATA lutRowIdx<>+64(SB)/8, $0x0031001100300010
DATA lutRowIdx<>+72(SB)/8, $0x0033001300320012
DATA lutRowIdx<>+80(SB)/8, $0x0035001500340014
DATA lutRowIdx<>+88(SB)/8, $0x0037001700360016
DATA lutRowIdx<>+96(SB)/8, $0x0039001900380018
DATA lutRowIdx<>+104(SB)/8, $0x003b001b003a001a
DATA lutRowIdx<>+112(SB)/8, $0x003d001d003c001c
DATA lutRowIdx<>+120(SB)/8, $0x003f001f003e001e
GLOBL lutRowIdx<>(SB), RODATA|NOPTR, $128

// The LUTDotSym kernels read the first halves of sign-symmetric tables,
// 128 bytes per group, and look entries up biased, u = e XOR 0x80 = e+128
// as an unsigned byte: the biased byte of int8(−e) is 0 − u (mod 256), so
// one VPERMI2B of the code's low 7 bits and a subtraction from zero under
// the mask of the codes' bit 7 give the biased entry of every code (e =
// −128, u = 0, stays −128: the wrap). A lookup's 32 words are then
// u_odd·256 + u_even: per tile the kernels add the words (mod 2¹⁶) into ae
// and the words' high bytes (u_odd) into ao. Every 128 groups (a chunk)
// ae − 256·ao is Σ u_even, and both sums lie in [0, 128·255], so they widen
// exactly to the int32 sums, which start at −128·G to remove the bias.

// LUTCONST loads the constants of the LUTDotSym kernels (after LUTARGS): Z30
// the bias bytes 0x80, Z31 the int32 −128·G, Z28, Z29 the row-order word
// indices.
#define LUTCONST \
	MOVL         $0x80808080, AX;      \
	VPBROADCASTD AX, Z30;              \
	IMUL3Q       $-128, CX, AX;        \
	VPBROADCASTD AX, Z31;              \
	VMOVDQU64    lutRowIdx<>+0(SB), Z28; \
	VMOVDQU64    lutRowIdx<>+64(SB), Z29

// ZEROTILE sets the 64 int32 sums of one tile at off(DI) to −128·G (Z31).
#define ZEROTILE(off) \
	VMOVDQU32 Z31, off(DI);     \
	VMOVDQU32 Z31, off+64(DI);  \
	VMOVDQU32 Z31, off+128(DI); \
	VMOVDQU32 Z31, off+192(DI)

// FLUSH turns ae into the even rows' sums (ae − 256·ao) and adds them and
// the odd rows' sums ao in row order, widened to int32, to the tile's 64
// sums at off(DI); Z4-Z6 are scratch.
#define FLUSH(ae, ao, off) \
	VPSLLW        $8, ao, Z4;               \
	VPSUBW        Z4, ae, ae;               \
	VMOVDQA64     Z28, Z4;                  \
	VPERMI2W      ao, ae, Z4;               \
	VMOVDQA64     Z29, Z5;                  \
	VPERMI2W      ao, ae, Z5;               \
	VPMOVSXWD     Y4, Z6;                   \
	VPADDD        off(DI), Z6, Z6;          \
	VMOVDQU32     Z6, off(DI);              \
	VEXTRACTI64X4 $1, Z4, Y4;               \
	VPMOVSXWD     Y4, Z6;                   \
	VPADDD        off+64(DI), Z6, Z6;       \
	VMOVDQU32     Z6, off+64(DI);           \
	VPMOVSXWD     Y5, Z6;                   \
	VPADDD        off+128(DI), Z6, Z6;      \
	VMOVDQU32     Z6, off+128(DI);          \
	VEXTRACTI64X4 $1, Z5, Y5;               \
	VPMOVSXWD     Y5, Z6;                   \
	VPADDD        off+192(DI), Z6, Z6;      \
	VMOVDQU32     Z6, off+192(DI)

// LUTARGS loads the arguments (out DI, codes SI, table DX, groups CX) and
// the tile stride G·64 into R8, 3·G·64 into R9.
#define LUTARGS \
	MOVQ out+0(FP), DI;   \
	MOVQ codes+8(FP), SI; \
	MOVQ table+16(FP), DX; \
	MOVQ G+24(FP), CX;    \
	MOVQ CX, R8;          \
	SHLQ $6, R8;          \
	LEAQ (R8)(R8*2), R9

// CHUNK sets BX to the groups of the next chunk, min(CX, 128), and takes
// them off CX: sums of 128 biased bytes stay below 2¹⁵.
#define CHUNK \
	MOVQ    $128, BX; \
	CMPQ    CX, BX;   \
	CMOVQLT CX, BX;   \
	SUBQ    BX, CX

// The kernels prefetch each tile's codes 8 groups (512 bytes) ahead: on a
// matrix streamed from memory that measured about 10% faster. Eight tiles
// per pass (halving the table loads of four) measured about 5% faster.

// LOADHALF loads the group's 128-entry half table at DX, biased, into
// Z0-Z1.
#define LOADHALF \
	VPXORD (DX), Z30, Z0;    \
	VPXORD 64(DX), Z30, Z1

// LOOKUPSYMT looks the 64 codes at addr up in the half table t0-t1 (entry
// code&127, then 0 − u for the codes with bit 7 set, in k; Z2 zero) and
// adds the biased entries' words to ae and their odd bytes to ao; ta, tb
// are scratch.
#define LOOKUPSYMT(addr, t0, t1, ta, tb, k, ae, ao) \
	VMOVDQU64  addr, ta;        \
	VPMOVB2M   ta, k;           \
	VPERMI2B   t1, t0, ta;      \
	VPSUBB     ta, Z2, k, ta;   \
	VPSRLW     $8, ta, tb;      \
	VPADDW     ta, ae, ae;      \
	VPADDW     tb, ao, ao

// LOOKUPSYM is LOOKUPSYMT with the half table in Z0-Z1 (LOADHALF).
#define LOOKUPSYM(addr, ta, tb, k, ae, ao) LOOKUPSYMT(addr, Z0, Z1, ta, tb, k, ae, ao)

// ZEROACC8 clears the accumulators Z8-Z15 (four tiles' ae, ao).
#define ZEROACC8 \
	VPXORD Z8, Z8, Z8;    \
	VPXORD Z9, Z9, Z9;    \
	VPXORD Z10, Z10, Z10; \
	VPXORD Z11, Z11, Z11; \
	VPXORD Z12, Z12, Z12; \
	VPXORD Z13, Z13, Z13; \
	VPXORD Z14, Z14, Z14; \
	VPXORD Z15, Z15, Z15

// PREFETCH8 prefetches, 512 bytes ahead, the eight code streams at SI and
// R11, each 0, 1, 2 and 3 tile strides (R8, R9 = 3·R8) on.
#define PREFETCH8 \
	PREFETCHT0 512(SI);       \
	PREFETCHT0 512(SI)(R8*1); \
	PREFETCHT0 512(SI)(R8*2); \
	PREFETCHT0 512(SI)(R9*1); \
	PREFETCHT0 512(R11);       \
	PREFETCHT0 512(R11)(R8*1); \
	PREFETCHT0 512(R11)(R8*2); \
	PREFETCHT0 512(R11)(R9*1)

// func lutDotSym1AVX512(out *int32, codes *byte, table *int8, G int)
TEXT ·lutDotSym1AVX512(SB), NOSPLIT, $0-32
	LUTARGS
	LUTCONST
	VPXORD Z2, Z2, Z2
	ZEROTILE(0)

luts1chunk:
	CHUNK
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9

luts1group:
	PREFETCHT0 512(SI)
	LOADHALF
	LOOKUPSYM((SI), Z4, Z5, K1, Z8, Z9)
	ADDQ $64, SI
	ADDQ $128, DX
	DECQ BX
	JNZ  luts1group
	FLUSH(Z8, Z9, 0)
	TESTQ CX, CX
	JNZ   luts1chunk
	VZEROUPPER
	RET

// func lutDotSym2AVX512(out *int32, codes *byte, table *int8, G int)
TEXT ·lutDotSym2AVX512(SB), NOSPLIT, $0-32
	LUTARGS
	LUTCONST
	VPXORD Z2, Z2, Z2
	ZEROTILE(0)
	ZEROTILE(256)

luts2chunk:
	CHUNK
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11

luts2group:
	PREFETCHT0 512(SI)
	PREFETCHT0 512(SI)(R8*1)
	LOADHALF
	LOOKUPSYM((SI), Z4, Z5, K1, Z8, Z9)
	LOOKUPSYM((SI)(R8*1), Z6, Z7, K2, Z10, Z11)
	ADDQ $64, SI
	ADDQ $128, DX
	DECQ BX
	JNZ  luts2group
	FLUSH(Z8, Z9, 0)
	FLUSH(Z10, Z11, 256)
	TESTQ CX, CX
	JNZ   luts2chunk
	VZEROUPPER
	RET

// func lutDotSym4AVX512(out *int32, codes *byte, table *int8, G int)
TEXT ·lutDotSym4AVX512(SB), NOSPLIT, $0-32
	LUTARGS
	LUTCONST
	VPXORD Z2, Z2, Z2
	ZEROTILE(0)
	ZEROTILE(256)
	ZEROTILE(512)
	ZEROTILE(768)

luts4chunk:
	CHUNK
	ZEROACC8

luts4group:
	LOADHALF
	PREFETCHT0 512(SI)
	PREFETCHT0 512(SI)(R8*1)
	PREFETCHT0 512(SI)(R8*2)
	PREFETCHT0 512(SI)(R9*1)
	LOOKUPSYM((SI), Z4, Z5, K1, Z8, Z9)
	LOOKUPSYM((SI)(R8*1), Z6, Z7, K2, Z10, Z11)
	LOOKUPSYM((SI)(R8*2), Z16, Z17, K3, Z12, Z13)
	LOOKUPSYM((SI)(R9*1), Z18, Z19, K4, Z14, Z15)
	ADDQ $64, SI
	ADDQ $128, DX
	DECQ BX
	JNZ  luts4group
	FLUSH(Z8, Z9, 0)
	FLUSH(Z10, Z11, 256)
	FLUSH(Z12, Z13, 512)
	FLUSH(Z14, Z15, 768)
	TESTQ CX, CX
	JNZ   luts4chunk
	VZEROUPPER
	RET

// func lutDotSym8AVX512(out *int32, codes *byte, table *int8, G int)
TEXT ·lutDotSym8AVX512(SB), NOSPLIT, $0-32
	LUTARGS
	LUTCONST
	VPXORD Z2, Z2, Z2
	ZEROTILE(0)
	ZEROTILE(256)
	ZEROTILE(512)
	ZEROTILE(768)
	ZEROTILE(1024)
	ZEROTILE(1280)
	ZEROTILE(1536)
	ZEROTILE(1792)
	LEAQ (SI)(R8*4), R11

luts8chunk:
	CHUNK
	ZEROACC8
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23

luts8group:
	PREFETCH8
	LOADHALF
	LOOKUPSYM((SI), Z4, Z5, K1, Z8, Z9)
	LOOKUPSYM((SI)(R8*1), Z6, Z7, K2, Z10, Z11)
	LOOKUPSYM((SI)(R8*2), Z24, Z25, K3, Z12, Z13)
	LOOKUPSYM((SI)(R9*1), Z26, Z27, K4, Z14, Z15)
	LOOKUPSYM((R11), Z4, Z5, K5, Z16, Z17)
	LOOKUPSYM((R11)(R8*1), Z6, Z7, K6, Z18, Z19)
	LOOKUPSYM((R11)(R8*2), Z24, Z25, K7, Z20, Z21)
	LOOKUPSYM((R11)(R9*1), Z26, Z27, K1, Z22, Z23)
	ADDQ $64, SI
	ADDQ $64, R11
	ADDQ $128, DX
	DECQ BX
	JNZ  luts8group
	FLUSH(Z8, Z9, 0)
	FLUSH(Z10, Z11, 256)
	FLUSH(Z12, Z13, 512)
	FLUSH(Z14, Z15, 768)
	FLUSH(Z16, Z17, 1024)
	FLUSH(Z18, Z19, 1280)
	FLUSH(Z20, Z21, 1536)
	FLUSH(Z22, Z23, 1792)
	TESTQ CX, CX
	JNZ   luts8chunk
	VZEROUPPER
	RET

// func lutDotSym4x2AVX512(out *int32, codes *byte, table *int8, G int)
TEXT ·lutDotSym4x2AVX512(SB), NOSPLIT, $0-32
	LUTARGS
	LUTCONST
	VPXORD Z2, Z2, Z2
	ZEROTILE(0)
	ZEROTILE(256)
	ZEROTILE(512)
	ZEROTILE(768)
	MOVQ   R8, R10
	SHRQ   $1, R10             // H·64: the second half of each tile's groups
	LEAQ   (SI)(R10*1), R11
	SHRQ   $1, CX              // H iterations, two groups each

luts4x2chunk:
	MOVQ    $64, BX            // 64 iterations: 128 lookups per accumulator
	CMPQ    CX, BX
	CMOVQLT CX, BX
	SUBQ    BX, CX
	ZEROACC8

luts4x2group:
	PREFETCH8
	LOADHALF
	VPXORD     (DX)(R8*1), Z30, Z20   // group h+H's table: H·128 = G·64 bytes on
	VPXORD     64(DX)(R8*1), Z30, Z21
	LOOKUPSYMT((SI), Z0, Z1, Z4, Z5, K1, Z8, Z9)
	LOOKUPSYMT((SI)(R8*1), Z0, Z1, Z6, Z7, K2, Z10, Z11)
	LOOKUPSYMT((SI)(R8*2), Z0, Z1, Z16, Z17, K3, Z12, Z13)
	LOOKUPSYMT((SI)(R9*1), Z0, Z1, Z18, Z19, K4, Z14, Z15)
	LOOKUPSYMT((R11), Z20, Z21, Z22, Z23, K5, Z8, Z9)
	LOOKUPSYMT((R11)(R8*1), Z20, Z21, Z24, Z25, K6, Z10, Z11)
	LOOKUPSYMT((R11)(R8*2), Z20, Z21, Z26, Z27, K7, Z12, Z13)
	LOOKUPSYMT((R11)(R9*1), Z20, Z21, Z4, Z5, K1, Z14, Z15)
	ADDQ $64, SI
	ADDQ $64, R11
	ADDQ $128, DX
	DECQ BX
	JNZ  luts4x2group
	FLUSH(Z8, Z9, 0)
	FLUSH(Z10, Z11, 256)
	FLUSH(Z12, Z13, 512)
	FLUSH(Z14, Z15, 768)
	TESTQ CX, CX
	JNZ   luts4x2chunk
	VZEROUPPER
	RET
