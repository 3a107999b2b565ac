package codec

import (
	"math"
	"sync"

	"github.com/upgtools/upg/kernels"
)

// The LUT codecs' matrix-vector product (T-MAC style). For the rotated
// input xr the table T[g][j] = Σ_i xr[g·d+i]·c_j[i] is built once, scaled
// by inv = 127/(max_g ‖xr_g‖ · max_j ‖c_j‖) — so that no entry can exceed
// 127 in magnitude — and rounded to int8. The codebooks are
// sign-symmetric (entry j+128 = −entry j), so only each group's first 128
// entries are stored (kernels.LUTBuildHalf) and a code with bit 7 set
// looks up the negated entry. Row r's product is then dd_r/inv ·
// Σ_g T[g][code(r, g)], the sum exact in int32 (kernels.LUTDotSym, 64 rows
// per 64-byte load of codes), scaled by kernels.LUTScaleRows.
//
// Against the reference (Σ decoded·xr in float32) it differs by the
// rounding of the table: at most 1/2 per entry (1 where the fast builder's
// fused multiply-adds round across a half), so |fast − ref| ≤ dd·G/inv
// plus float rounding, and in practice ≈ dd·√G/(√12·inv). For
// Gaussian-like rotated inputs the relative error of a product is ≈ 1%,
// against the ≈ 30% (√NMSE) of the 2-bit weights themselves.

// lutTable is one input's product table.
type lutTable struct {
	t     []int8
	scale float32 // 1/inv: the value of one table unit
	inv   float32 // 0: x is zero, so is the table
	s     *lutSpec
	xr    []float32
}

// build fills t from xr for s; it reports false (the reference must run)
// when xr is not finite.
func (t *lutTable) build(s *lutSpec, xr []float32) bool {
	groups, ok := t.setup(s, xr)
	if ok {
		t.fill(0, groups, nil)
	}
	return ok
}

// setup sizes t for xr and sets its scale; fill then builds the entries.
// It returns the number of groups, and false (the reference must run) when
// xr is not finite.
func (t *lutTable) setup(s *lutSpec, xr []float32) (int, bool) {
	groups := lutGroups(len(xr), s.d)
	t.s, t.xr, t.inv = s, xr, 0
	// an overflow to +Inf, like a NaN, sends the product to the reference
	m := kernels.MaxGroupNorm2(xr, s.d)
	if m != m || math.IsInf(float64(m), 0) {
		return 0, false
	}
	if cap(t.t) < groups*kernels.LUTHalf {
		t.t = make([]int8, groups*kernels.LUTHalf)
	}
	t.t = t.t[:groups*kernels.LUTHalf]
	t.scale = 0
	if bound := math.Sqrt(float64(m)) * s.maxN * (1 + 1e-4); bound > 0 && !math.IsInf(127/bound, 0) {
		t.inv = float32(127 / bound)
		t.scale = 1 / t.inv
	}
	return groups, true
}

// fill builds groups [lo, hi) of the table set up by setup, prefetching pf
// meanwhile; disjoint ranges may be filled concurrently.
func (t *lutTable) fill(lo, hi int, pf []byte) {
	if t.inv == 0 {
		clear(t.t[lo*kernels.LUTHalf : hi*kernels.LUTHalf])
		kernels.Prefetch(pf)
		return
	}
	d := t.s.d
	// Sizes match by construction: LUTBuildHalfPrefetch cannot fail.
	_ = kernels.LUTBuildHalfPrefetch(t.t[lo*kernels.LUTHalf:hi*kernels.LUTHalf], t.xr[lo*d:min(hi*d, len(t.xr))], d, t.s.cbHalf, t.inv, pf)
}

// lutBatch is the number of tiles per kernel call (the int32 sums live on
// the stack).
const lutBatch = 8

// lutDotRows sets dst[r] for lo ≤ r < hi from table t (outlier
// corrections included). Each batch of tiles gets its outlier corrections
// right after its sums, while its outputs are in L1: the entries stream in
// behind the codes, without explicit prefetches (a burst of them stalls
// the core; measured slower, see the commit message).
func (e *Encoded) lutDotRows(st *decodeState, dst, x []float32, t *lutTable, lo, hi int) {
	groups, codes, scales := st.lutGroups, st.lutCodes, st.lutScales
	var acc [lutBatch * lutTile]int32
	for t0 := lo / lutTile; t0*lutTile < hi; t0 += lutBatch {
		nt := min(lutBatch, lutTiles(hi)-t0)
		// The blob and table sizes were validated: LUTDotSym and
		// LUTScaleRows cannot fail.
		_ = kernels.LUTDotSym(acc[:nt*lutTile], codes[t0*groups*lutTile:(t0+nt)*groups*lutTile], nt, groups, t.t)
		r0, r1 := max(lo, t0*lutTile), min(hi, (t0+nt)*lutTile)
		_ = kernels.LUTScaleRows(dst[r0:r1], acc[r0-t0*lutTile:r1-t0*lutTile], scales[2*r0:2*r1], 1.0/32, t.scale)
		st.outs.addDots(dst, x, r0, r1)
	}
}

var lutTablePool = sync.Pool{New: func() any { return new(lutTable) }}

// lutDotRowsFast is DotRowsRotated's LUT path (the table built per call).
func (e *Encoded) lutDotRowsFast(st *decodeState, dst, x, xr []float32, lo, hi int) bool {
	if forceRef {
		return false
	}
	t := lutTablePool.Get().(*lutTable)
	ok := t.build(st.c.impl.lut, xr)
	if ok {
		e.lutDotRows(st, dst, x, t, lo, hi)
	}
	t.xr = nil // the pool keeps the table buffer, not the caller's input
	lutTablePool.Put(t)
	return ok
}

// TileCodes returns the LUT codes of tiles [t0, t1) (clamped to the
// matrix) and the number of groups G of each: tile t's codes are the G·64
// bytes at (t−t0)·G·64, group-major. A matrix of another codec has none.
func (e *Encoded) TileCodes(t0, t1 int) (codes []byte, groups int) {
	st := e.state.Load()
	if st == nil || st.lutGroups == 0 {
		return nil, 0
	}
	groups = st.lutGroups
	t0, t1 = max(t0, 0), min(t1, lutTiles(e.Rows))
	if t0 >= t1 {
		return nil, groups
	}
	return st.lutCodes[t0*groups*lutTile : t1*groups*lutTile], groups
}
