//go:build amd64 && !purego

package kernels

import "golang.org/x/sys/cpu"

// haveLUTAsm reports whether LUTBuildHalf and LUTDotSym run their assembly
// kernels: true when the CPU and the OS support AVX-512 F, BW and VBMI.
var haveLUTAsm = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VBMI

// lutBuildHalf is LUTBuildHalfPrefetch after the argument checks
// (len(dst) == G·128, len(cb) == d·128): the assembly kernel over the
// whole groups, prefetching two lines of pf per group, and the reference
// for a partial last group (the reference alone without the CPU
// features); what is left of pf is prefetched at the end.
func lutBuildHalf(dst []int8, x []float32, d int, cb []float32, inv float32, pf []byte) {
	if !haveLUTAsm {
		lutBuildHalfGo(dst, x, d, cb, inv)
		Prefetch(pf)
		return
	}
	full := len(x) / d
	if full > 0 {
		pairs := min(len(pf)/128, full)
		var p *byte
		if pairs > 0 {
			p = &pf[0]
		}
		lutBuildHalfAVX512(&dst[0], &x[0], full, d, &cb[0], inv, p, pairs)
		pf = pf[pairs*128:]
	}
	if full*d < len(x) {
		lutBuildHalfGo(dst[full*128:], x[full*d:], d, cb, inv)
	}
	Prefetch(pf)
}

// lutBuildHalfAVX512 writes the table of G whole groups of d inputs at x
// (G > 0, 1 ≤ d ≤ 8): per group the d inputs times inv broadcast, then for
// the 128 entries in 8 chunks of 16 lanes a product with codebook row 0 and
// fused multiply-adds with rows 1..d-1 (cb[i*128+j]), clamped to
// [-128, 127] (NaN to -128), converted half to even and narrowed to bytes
// at dst[g*128+j]. Before each of the first pairs groups it issues
// PREFETCHT1 for the next two 64-byte lines from pf: spread over the
// compute, the prefetches do not wait for free fill buffers as a burst of
// them does.
//
//go:noescape
func lutBuildHalfAVX512(dst *int8, x *float32, G, d int, cb *float32, inv float32, pf *byte, pairs int)

// lutDotSym is LUTDotSym after the argument checks (nt, G > 0, slices of
// exactly the needed lengths): eight tiles per pass over the groups while
// eight remain, then four, two and one.
func lutDotSym(out []int32, codes []byte, nt, G int, half []int8) {
	if !haveLUTAsm {
		lutDotSymGo(out, codes, nt, G, half)
		return
	}
	tile := G * LUTTileRows
	t := 0
	for ; t+8 <= nt; t += 8 {
		lutDotSym8AVX512(&out[t*LUTTileRows], &codes[t*tile], &half[0], G)
	}
	for ; t+4 <= nt; t += 4 {
		if G%2 == 0 {
			lutDotSym4x2AVX512(&out[t*LUTTileRows], &codes[t*tile], &half[0], G)
		} else {
			lutDotSym4AVX512(&out[t*LUTTileRows], &codes[t*tile], &half[0], G)
		}
	}
	for ; t+2 <= nt; t += 2 {
		lutDotSym2AVX512(&out[t*LUTTileRows], &codes[t*tile], &half[0], G)
	}
	if t < nt {
		lutDotSym1AVX512(&out[t*LUTTileRows], &codes[t*tile], &half[0], G)
	}
}

// lutDotSym1AVX512 sets out[i] = Σ_{g<G} e(g, codes[g*64+i]) for i < 64
// (G > 0), e as in LUTDotSym: per group the two 64-byte quarters of the
// half table XORed with 0x80 (entry + 128 as an unsigned byte), one
// VPERMI2B lookup of the code's low 7 bits, and for the codes with bit 7
// set the biased byte u replaced by 0 − u (the bias of the wrapped
// negation); the looked-up bytes' 16-bit words and their high bytes summed
// in int16 lanes, and every 128 groups the even and odd rows' sums
// separated, put in row order and added, widened, to the int32 sums, which
// start at −128·G to remove the bias (each 16-bit sum is at most
// 128·255 < 2¹⁵).
//
//go:noescape
func lutDotSym1AVX512(out *int32, codes *byte, table *int8, G int)

// lutDotSym2AVX512 is lutDotSym1AVX512 for two tiles (codes of tile 1 at
// codes+G·64, sums at out+64) sharing each group's table loads.
//
//go:noescape
func lutDotSym2AVX512(out *int32, codes *byte, table *int8, G int)

// lutDotSym4AVX512 is lutDotSym1AVX512 for four consecutive tiles sharing
// each group's table loads.
//
//go:noescape
func lutDotSym4AVX512(out *int32, codes *byte, table *int8, G int)

// lutDotSym4x2AVX512 is lutDotSym4AVX512 for an even G that reads eight
// streams, as the eight-tile kernel does: each tile's first and second
// half of the groups side by side (groups h and h+G/2 per step, two table
// loads), so that a four-tile pass streams from memory like an eight-tile
// one.
//
//go:noescape
func lutDotSym4x2AVX512(out *int32, codes *byte, table *int8, G int)

// lutDotSym8AVX512 is lutDotSym1AVX512 for eight consecutive tiles sharing
// each group's table loads.
//
//go:noescape
func lutDotSym8AVX512(out *int32, codes *byte, table *int8, G int)
