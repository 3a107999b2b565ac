package kernels

import (
	"errors"
	"fmt"
	"math"
)

// Lookup-table (LUT) weight codecs store one byte per group of d consecutive
// weights: an index j into a fixed 256-entry d-dimensional codebook. A
// matrix-vector product builds once per input x the int8 table
// T[g][j] ≈ x_g·c_j (LUTBuild) and then sums, per row, one table entry per
// code byte (LUTDot). Codes come in tiles of LUTTileRows rows: tile t,
// group g, row-in-tile i is byte (t·G + g)·64 + i.

// LUTTileRows is the number of rows in one tile of LUT codes: one 64-byte
// load holds the codes of one group for every row of a tile.
const LUTTileRows = 64

// LUTMaxDim is the largest group size (codebook dimension) LUTBuild,
// LUTBuildSym and LUTBuildHalf accept.
const LUTMaxDim = 8

// ErrLUTArgs marks arguments of the LUT kernels (LUTBuild, LUTBuildSym,
// LUTBuildHalf, LUTDot, LUTDotSym, LUTScaleRows) that do not fit together: a
// group size out of range, a negative shape, a slice too short for the
// shape.
var ErrLUTArgs = errors.New("invalid LUT kernel arguments")

// LUTBuild writes the int8 product table of input x for a LUT codec with
// groups of d values (1 ≤ d ≤ LUTMaxDim) and codebook cb (d·256 float32,
// transposed: cb[i*256+j] is coordinate i of entry j): for g < G =
// ceil(len(x)/d) and j < 256, with xs_i = x[g*d+i]·inv rounded to float32
// (0 past the end of x),
//
//	dst[g*256+j] = sat8(roundHalfEven(xs_0·cb[j] + xs_1·cb[256+j] + …)),
//
// sat8 clamping to [-128, 127] (NaN gives -128). The reference lutBuildGo
// rounds every product and accumulates left to right; on amd64 with
// AVX-512 (without the purego build tag) an assembly kernel uses fused
// multiply-adds, so an entry may differ from the reference by at most 1.
// It needs len(dst) ≥ G·256 and len(cb) ≥ d·256; otherwise it writes
// nothing and returns an error wrapping ErrLUTArgs.
func LUTBuild(dst []int8, x []float32, d int, cb []float32, inv float32) error {
	G, err := lutBuildArgs("LUTBuild", dst, x, d, len(cb), 256, 256)
	if err != nil {
		return err
	}
	lutBuild(dst[:G*256], x, d, cb[:d*256], inv)
	return nil
}

// lutBuildArgs checks the arguments of LUTBuild (256 codebook entries
// given, tables of tab = 256 bytes per group), LUTBuildSym (128 entries,
// 256 bytes) or LUTBuildHalf (128 entries, 128 bytes) and returns the group
// count.
func lutBuildArgs(fn string, dst []int8, x []float32, d, ncb, entries, tab int) (int, error) {
	if d < 1 || d > LUTMaxDim {
		return 0, fmt.Errorf("kernels: %s: group size %d outside [1, %d]: %w", fn, d, LUTMaxDim, ErrLUTArgs)
	}
	if ncb < d*entries {
		return 0, fmt.Errorf("kernels: %s: codebook of %d floats, need %d for d=%d: %w", fn, ncb, d*entries, d, ErrLUTArgs)
	}
	G := (len(x) + d - 1) / d
	if len(dst)/tab < G {
		return 0, fmt.Errorf("kernels: %s: table of %d bytes, need %d for %d groups: %w", fn, len(dst), G*tab, G, ErrLUTArgs)
	}
	return G, nil
}

// LUTBuildSym is LUTBuild for a sign-symmetric codebook given by its first
// half: cb holds d·128 float32 (cb[i*128+j] is coordinate i of entry
// j < 128, entry j+128 being its negative). For g < G = ceil(len(x)/d) and
// j < 128, with xs_i = x[g*d+i]·inv rounded to float32 (0 past the end of
// x),
//
//	dst[g*256+j]     = v = sat8(roundHalfEven(xs_0·cb[j] + xs_1·cb[128+j] + …)),
//	dst[g*256+128+j] = sat8(−v),
//
// the second half negating the stored first-half byte (so −(−128) gives
// 127). It computes half the products of LUTBuild for the same table. The
// reference lutBuildSymGo rounds every product and accumulates left to
// right; on amd64 with AVX-512 (without the purego build tag) an assembly
// kernel uses fused multiply-adds, so a first-half entry may differ from the
// reference by at most 1 (and its negation with it). It needs
// len(dst) ≥ G·256 and len(cb) ≥ d·128; otherwise it writes nothing and
// returns an error wrapping ErrLUTArgs.
func LUTBuildSym(dst []int8, x []float32, d int, cb []float32, inv float32) error {
	G, err := lutBuildArgs("LUTBuildSym", dst, x, d, len(cb), 128, 256)
	if err != nil {
		return err
	}
	lutBuildSym(dst[:G*256], x, d, cb[:d*128], inv)
	return nil
}

// LUTBuildHalf writes the compact first half of the int8 product table of
// input x for a sign-symmetric codebook (the tables LUTDotSym reads): cb
// holds d·128 float32 (cb[i*128+j] is coordinate i of entry j < 128, entry
// j+128 being its negative) and for g < G = ceil(len(x)/d) and j < 128,
// with xs_i = x[g*d+i]·inv rounded to float32 (0 past the end of x),
//
//	dst[g*128+j] = sat8(roundHalfEven(xs_0·cb[j] + xs_1·cb[128+j] + …)),
//
// sat8 clamping to [-128, 127] (NaN gives -128): the first half of
// LUTBuildSym's table, 128 bytes per group. The reference lutBuildHalfGo
// rounds every product and accumulates left to right; on amd64 with
// AVX-512 (without the purego build tag) an assembly kernel uses fused
// multiply-adds, so an entry may differ from the reference by at most 1. It
// needs 1 ≤ d ≤ LUTMaxDim, len(dst) ≥ G·128 and len(cb) ≥ d·128; otherwise
// it writes nothing and returns an error wrapping ErrLUTArgs.
func LUTBuildHalf(dst []int8, x []float32, d int, cb []float32, inv float32) error {
	G, err := lutBuildArgs("LUTBuildHalf", dst, x, d, len(cb), 128, 128)
	if err != nil {
		return err
	}
	lutBuildHalf(dst[:G*128], x, d, cb[:d*128], inv)
	return nil
}

// LUTDot sets, for t < nt and i < 64,
//
//	out[t*64+i] = Σ_{g<G} int32(table[g*256+int(codes[(t*G+g)*64+i])]),
//
// the exact int32 sums (the assembly kernel on amd64 with AVX-512 BW and
// VBMI equals the reference lutDotGo bit for bit). It needs nt, G ≥ 0,
// len(codes) ≥ nt·G·64, len(table) ≥ G·256 and len(out) ≥ nt·64; otherwise
// it writes nothing and returns an error wrapping ErrLUTArgs.
func LUTDot(out []int32, codes []byte, nt, G int, table []int8) error {
	switch {
	case nt < 0 || G < 0:
		return fmt.Errorf("kernels: LUTDot: negative shape %d tiles × %d groups: %w", nt, G, ErrLUTArgs)
	case len(table)/256 < G:
		return fmt.Errorf("kernels: LUTDot: table of %d bytes, need 256 per group for %d groups: %w", len(table), G, ErrLUTArgs)
	case len(out)/LUTTileRows < nt:
		return fmt.Errorf("kernels: LUTDot: output of %d sums, need %d per tile for %d tiles: %w", len(out), LUTTileRows, nt, ErrLUTArgs)
	case G > 0 && len(codes)/LUTTileRows/G < nt:
		return fmt.Errorf("kernels: LUTDot: %d code bytes, need %d tiles × %d groups × 64: %w", len(codes), nt, G, ErrLUTArgs)
	}
	if nt == 0 {
		return nil
	}
	if G == 0 {
		clear(out[:nt*LUTTileRows])
		return nil
	}
	lutDot(out[:nt*LUTTileRows], codes[:nt*G*LUTTileRows], nt, G, table[:G*256])
	return nil
}

// LUTDotSym is LUTDot for sign-symmetric tables stored as their first
// halves (LUTBuildHalf's layout, 128 bytes per group): for t < nt and
// i < 64, with c = codes[(t*G+g)*64+i],
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
	case len(half)/128 < G:
		return fmt.Errorf("kernels: LUTDotSym: table of %d bytes, need 128 per group for %d groups: %w", len(half), G, ErrLUTArgs)
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
	lutDotSym(out[:nt*LUTTileRows], codes[:nt*G*LUTTileRows], nt, G, half[:G*128])
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

// lutBuildGo is the specification of LUTBuild (arguments already checked):
// xs_i = x[g*d+i]·inv, each product rounded to float32 and summed left to
// right, then sat8.
func lutBuildGo(dst []int8, x []float32, d int, cb []float32, inv float32) {
	var xs [LUTMaxDim]float32
	for g := range (len(x) + d - 1) / d {
		lutInputsGo(&xs, x, g, d, inv)
		lutEntriesGo(dst[g*256:g*256+256], &xs, d, cb, 256)
	}
}

// neg8 is the saturating negation of v: −(−128) gives 127.
func neg8(v int8) int8 {
	if v == math.MinInt8 {
		return math.MaxInt8
	}
	return -v
}

// lutBuildSymGo is the specification of LUTBuildSym (arguments already
// checked): the first half of each group's table as lutBuildGo computes it
// from the 128-entry codebook half, the second half its saturating
// negation.
func lutBuildSymGo(dst []int8, x []float32, d int, cb []float32, inv float32) {
	var xs [LUTMaxDim]float32
	for g := range (len(x) + d - 1) / d {
		lutInputsGo(&xs, x, g, d, inv)
		lo, hi := dst[g*256:g*256+128], dst[g*256+128:g*256+256]
		lutEntriesGo(lo, &xs, d, cb, 128)
		for j, v := range lo {
			hi[j] = neg8(v)
		}
	}
}

// lutInputsGo sets xs[i] = x[g*d+i]·inv for i < d (0 past the end of x).
func lutInputsGo(xs *[LUTMaxDim]float32, x []float32, g, d int, inv float32) {
	for i := range d {
		xs[i] = 0
		if k := g*d + i; k < len(x) {
			xs[i] = x[k] * inv
		}
	}
}

// lutEntriesGo sets out[j] = sat8(Σ_{i<d} xs_i·cb[i*stride+j]), every
// product rounded to float32 and summed left to right (the explicit
// float32 conversions keep the compiler from fusing a product with the
// sum).
func lutEntriesGo(out []int8, xs *[LUTMaxDim]float32, d int, cb []float32, stride int) {
	for j := range out {
		acc := float32(xs[0] * cb[j])
		for i := 1; i < d; i++ {
			acc += float32(xs[i] * cb[i*stride+j])
		}
		out[j] = sat8(acc)
	}
}

// lutDotGo is the specification of LUTDot (arguments already checked, nt,
// G > 0): per tile, per group, one table lookup per row added in int32.
func lutDotGo(out []int32, codes []byte, nt, G int, table []int8) {
	for t := range nt {
		o := out[t*LUTTileRows : t*LUTTileRows+LUTTileRows]
		clear(o)
		for g := range G {
			tg := table[g*256 : g*256+256]
			off := (t*G + g) * LUTTileRows
			c := codes[off : off+LUTTileRows]
			for i, v := range c {
				o[i] += int32(tg[v])
			}
		}
	}
}

// lutBuildHalfGo is the specification of LUTBuildHalf (arguments already
// checked): per group the 128 entries as lutBuildGo computes them from the
// codebook half, stored 128 bytes apart.
func lutBuildHalfGo(dst []int8, x []float32, d int, cb []float32, inv float32) {
	var xs [LUTMaxDim]float32
	for g := range (len(x) + d - 1) / d {
		lutInputsGo(&xs, x, g, d, inv)
		lutEntriesGo(dst[g*128:g*128+128], &xs, d, cb, 128)
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
				e := half[g*128+int(c&127)]
				if c >= 128 {
					e = -e // int8: −(−128) wraps to −128
				}
				sum += int32(e)
			}
			out[t*LUTTileRows+i] = sum
		}
	}
}
