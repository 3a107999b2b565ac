package kernels

import (
	"errors"
	"fmt"
	"math"
)

// Lookup-table (LUT) weight codecs store one byte per group of d consecutive
// weights: an index j into a fixed 256-entry d-dimensional codebook that is
// sign-symmetric (entry j+128 is the negative of entry j < 128). A
// matrix-vector product builds once per input x the int8 table
// T[g][j] ≈ x_g·c_j of the first 128 entries (LUTBuildHalf) and then sums,
// per row, one table entry per code byte, negated for codes ≥ 128
// (LUTDotSym). Codes come in tiles of LUTTileRows rows: tile t, group g,
// row-in-tile i is byte (t·G + g)·64 + i.

// LUTTileRows is the number of rows in one tile of LUT codes: one 64-byte
// load holds the codes of one group for every row of a tile.
const LUTTileRows = 64

// LUTMaxDim is the largest group size (codebook dimension) LUTBuildHalf
// accepts.
const LUTMaxDim = 8

// LUTHalf is the number of table entries LUTBuildHalf stores per group and
// LUTDotSym reads: the first half of a sign-symmetric 256-entry codebook.
const LUTHalf = 128

// ErrLUTArgs marks arguments of the LUT kernels (LUTBuildHalf, LUTDotSym,
// LUTScaleRows) that do not fit together: a group size out of range, a
// negative shape, a slice too short for the shape.
var ErrLUTArgs = errors.New("invalid LUT kernel arguments")

// LUTBuildHalf writes the compact int8 product table of input x for a
// sign-symmetric codebook given by its first half (the tables LUTDotSym
// reads): cb holds d·128 float32 (cb[i*128+j] is coordinate i of entry
// j < 128, entry j+128 being its negative) and for g < G = ceil(len(x)/d)
// and j < 128, with xs_i = x[g*d+i]·inv rounded to float32 (0 past the end
// of x),
//
//	dst[g*128+j] = sat8(roundHalfEven(xs_0·cb[j] + xs_1·cb[128+j] + …)),
//
// sat8 clamping to [-128, 127] (NaN gives -128): 128 bytes per group, the
// entries of the negated codebook half being left to LUTDotSym. The
// reference lutBuildHalfGo rounds every product and accumulates left to
// right; on amd64 with AVX-512 (without the purego build tag) an assembly
// kernel uses fused multiply-adds, so an entry may differ from the
// reference by at most 1. It needs 1 ≤ d ≤ LUTMaxDim, len(dst) ≥ G·128 and
// len(cb) ≥ d·128; otherwise it writes nothing and returns an error
// wrapping ErrLUTArgs.
func LUTBuildHalf(dst []int8, x []float32, d int, cb []float32, inv float32) error {
	return LUTBuildHalfPrefetch(dst, x, d, cb, inv, nil)
}

// LUTBuildHalfPrefetch is LUTBuildHalf that also asks for the bytes of pf
// to be brought into cache (L2), as Prefetch does, but spread over the
// build: the assembly kernel issues two 64-byte lines of pf per group. A
// product then fetches the first codes it will read while the table is
// computed, instead of after it: a burst of prefetches stalls the core
// once the fill buffers are full, so Prefetch after the build would add
// its time to the build's. What the groups do not cover is prefetched at
// the end. The table is LUTBuildHalf's.
func LUTBuildHalfPrefetch(dst []int8, x []float32, d int, cb []float32, inv float32, pf []byte) error {
	if d < 1 || d > LUTMaxDim {
		return fmt.Errorf("kernels: LUTBuildHalf: group size %d outside [1, %d]: %w", d, LUTMaxDim, ErrLUTArgs)
	}
	if len(cb) < d*LUTHalf {
		return fmt.Errorf("kernels: LUTBuildHalf: codebook of %d floats, need %d for d=%d: %w", len(cb), d*LUTHalf, d, ErrLUTArgs)
	}
	G := (len(x) + d - 1) / d
	if len(dst)/LUTHalf < G {
		return fmt.Errorf("kernels: LUTBuildHalf: table of %d bytes, need %d for %d groups: %w", len(dst), G*LUTHalf, G, ErrLUTArgs)
	}
	lutBuildHalf(dst[:G*LUTHalf], x, d, cb[:d*LUTHalf], inv, pf)
	return nil
}

// LUTDotSym sums, per row of each 64-row tile, one table entry per code
// byte from sign-symmetric tables stored as their first halves
// (LUTBuildHalf's layout, 128 bytes per group): for t < nt and i < 64,
// with c = codes[(t*G+g)*64+i],
//
//	out[t*64+i] = Σ_{g<G} int32(e(g, c)),
//	e(g, c) = half[g*128+c]              for c < 128,
//	e(g, c) = int8(−half[g*128+c−128])   for c ≥ 128,
//
// the negation taken in int8 with wrap-around, so an entry −128 reads as
// −128 under both signs (a codec whose table scale keeps every entry in
// [−127, 127] never meets it). The sums are exact: the assembly kernel on
// amd64 with AVX-512 BW and VBMI (one VPERMI2B per 64 codes and a masked
// negation) equals the reference lutDotSymGo bit for bit. It needs nt,
// G ≥ 0, len(codes) ≥ nt·G·64, len(half) ≥ G·128 and len(out) ≥ nt·64;
// otherwise it writes nothing and returns an error wrapping ErrLUTArgs.
// G = 0 gives zero sums.
func LUTDotSym(out []int32, codes []byte, nt, G int, half []int8) error {
	switch {
	case nt < 0 || G < 0:
		return fmt.Errorf("kernels: LUTDotSym: negative shape %d tiles × %d groups: %w", nt, G, ErrLUTArgs)
	case len(half)/LUTHalf < G:
		return fmt.Errorf("kernels: LUTDotSym: table of %d bytes, need %d per group for %d groups: %w", len(half), LUTHalf, G, ErrLUTArgs)
	case len(out)/LUTTileRows < nt:
		return fmt.Errorf("kernels: LUTDotSym: output of %d sums, need %d per tile for %d tiles: %w", len(out), LUTTileRows, nt, ErrLUTArgs)
	case G > 0 && len(codes)/LUTTileRows/G < nt:
		return fmt.Errorf("kernels: LUTDotSym: %d code bytes, need %d tiles × %d groups × 64: %w", len(codes), nt, G, ErrLUTArgs)
	}
	if nt == 0 {
		return nil
	}
	if G == 0 {
		clear(out[:nt*LUTTileRows])
		return nil
	}
	lutDotSym(out[:nt*LUTTileRows], codes[:nt*G*LUTTileRows], nt, G, half[:G*LUTHalf])
	return nil
}

// sat8 rounds v half to even and clamps it to [-128, 127]; NaN gives -128
// (as the fast path, which clamps in float before converting).
func sat8(v float32) int8 {
	switch {
	case !(v >= -128): // also NaN
		return -128
	case v > 127:
		return 127
	}
	return int8(math.RoundToEven(float64(v)))
}

// lutBuildHalfGo is the specification of LUTBuildHalf (arguments already
// checked): per group xs_i = x[g*d+i]·inv (0 past the end of x), then per
// entry j < 128 the products xs_i·cb[i*128+j], each rounded to float32 and
// summed left to right (the explicit float32 conversions keep the compiler
// from fusing a product with the sum), and sat8.
func lutBuildHalfGo(dst []int8, x []float32, d int, cb []float32, inv float32) {
	var xs [LUTMaxDim]float32
	for g := range (len(x) + d - 1) / d {
		for i := range d {
			xs[i] = 0
			if k := g*d + i; k < len(x) {
				xs[i] = x[k] * inv
			}
		}
		out := dst[g*LUTHalf : (g+1)*LUTHalf]
		for j := range out {
			acc := float32(xs[0] * cb[j])
			for i := 1; i < d; i++ {
				acc += float32(xs[i] * cb[i*LUTHalf+j])
			}
			out[j] = sat8(acc)
		}
	}
}

// lutDotSymGo is the specification of LUTDotSym (arguments already checked,
// nt, G > 0): per tile and row the sum over groups of the half-table entry
// of the code's low 7 bits, negated in int8 (wrapping) when bit 7 is set.
func lutDotSymGo(out []int32, codes []byte, nt, G int, half []int8) {
	for t := range nt {
		for i := range LUTTileRows {
			var sum int32
			for g := range G {
				c := codes[(t*G+g)*LUTTileRows+i]
				e := half[g*LUTHalf+int(c&127)]
				if c >= 128 {
					e = -e // int8: −(−128) wraps to −128
				}
				sum += int32(e)
			}
			out[t*LUTTileRows+i] = sum
		}
	}
}
