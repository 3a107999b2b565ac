package codec

import (
	"math"
	"math/bits"
	"unsafe"
)

// Vectorized nearest-codeword search (the encoders' hot loop).
//
// nearestRef evaluates every entry k and shift variant exactly:
//
//	d_k = base + Σ_i w_i·f_ki·(f_ki − 2·av_i)  [+ 4·min_i w_i·f_ki·av_i if k's parity mismatches]
//
// nearestScan gets the same answer in two steps:
//  1. a scan kernel (AVX-512, one call per shift variant) computes an
//     approximation of every d_k, 16 entries per step, from a per-table
//     structure-of-arrays copy of the codebook (f, f² and a padding bias per
//     block of 16 entries) and keeps the running minimum m;
//  2. a mask kernel flags every entry whose approximation is ≤ m + 2ε, and
//     only those are evaluated exactly with evalEntry, in (shift, entry)
//     order, the first strict minimum winning as in nearestRef.
//
// ε bounds the float32 rounding of both computations: every partial sum of
// either is at most M = base + Σ_i w_i·F·(F + 2·av_i) + 4·max_i w_i·F·av_i in
// magnitude (F: the table's largest |entry|), and both sum fewer than 20
// rounded terms, so each differs from the exact value by less than
// 32·2⁻²⁴·M; ε = 2⁻¹⁸·M (64·2⁻²⁴·M) covers that with a margin. If k* is
// nearestRef's winner and j the scan's argmin, approx(k*) ≤ d(k*) + ε ≤
// d(j) + ε ≤ approx(j) + 2ε = m + 2ε, so k* (and every entry tying with
// it) is flagged: the result is bit-identical to nearestRef's. Inputs whose
// bound is not finite go to nearestRef.

// svqBlock is the number of entries per step of the scan kernel.
const svqBlock = 16

// svqRows is the number of 16-float rows per block of the scan table:
// f_i (i < 8), f_i² (8 ≤ i < 16) and the bias (0, +Inf for padding).
const svqRows = 17

// svqScanTable is the structure-of-arrays copy of a codebook used by the
// scan kernel.
type svqScanTable struct {
	nblk int       // blocks of 16 entries (the last padded)
	tab  []float32 // nblk·17·16 floats: block b, row r, lane j at (b·17+r)·16+j
	par  []uint16  // per block: bit j set when entry 16b+j has parity 1
	fmax float32   // largest |entry|
}

// scanTable returns t's scan table, or nil for tables too small to gain
// from the kernel (fewer than 16 entries).
func (t *svqTable) scanTable() *svqScanTable {
	t.scanOnce.Do(func() {
		k := len(t.abs)
		if k < svqBlock {
			return
		}
		f := &svqScanTable{nblk: (k + svqBlock - 1) / svqBlock}
		f.tab = make([]float32, f.nblk*svqRows*svqBlock)
		f.par = make([]uint16, f.nblk)
		for b := range f.nblk {
			base := b * svqRows * svqBlock
			for j := range svqBlock {
				e := b*svqBlock + j
				if e >= k {
					f.tab[base+16*svqBlock+j] = float32(math.Inf(1))
					continue
				}
				for i, a := range t.abs[e] {
					v := float32(a)
					f.tab[base+i*svqBlock+j] = v
					f.tab[base+(8+i)*svqBlock+j] = v * v
					f.fmax = max(f.fmax, v)
				}
				f.par[b] |= uint16(t.parity[e]&1) << j
			}
		}
		t.scan = f
	})
	return t.scan
}

// scanCoefs writes the scan kernel's coefficients for the shift state p
// into coef and returns the rounding scale M of the comment at the top of
// this file (fmax: the table's largest |entry|); ok is false for negative
// or NaN weights, which the bound does not cover.
func scanCoefs(p *svqShift, fmax float32, coef *[24]float32) (m float32, ok bool) {
	var sw, swa, pmax float32
	for i := range 8 {
		wi := p.wv[i]
		if !(wi >= 0) {
			return 0, false
		}
		wa := wi * p.av[i]
		coef[i] = wi
		coef[8+i] = -2 * wa
		coef[16+i] = 4 * wa
		sw += wi
		swa += wa
		if wa > pmax {
			pmax = wa
		}
	}
	return p.base + fmax*(fmax*sw+2*swa+4*pmax), true
}

// The scan kernel (svqScanAVX512, specification svqScanGo) computes, for
// nblk blocks of the scan table tab and the coefficients coef (w[8],
// −2·w·av[8], 4·w·av[8]),
//
//	out[16b+j] = base + Σ_i (w_i·f² + c_i·f) + bias + (mismatch ? min_i p_i·f : 0)
//
// where entry 16b+j mismatches when bit j of par[b]^flip is set, and
// lowers vmin[j] to the minimum of out over the blocks' lane j.
//
// The mask kernel (svqMaskAVX512, specification svqMaskGo) sets bit j of
// mask[b] when d[16b+j] ≤ min(vmin) + eps2, for nblk blocks.

// nearestScan is nearest through the scan kernels (the assembly ones when
// asm is set, else their Go specifications; see the comment at the top of
// this file); it returns nearestRef's result.
func (t *svqTable) nearestScan(f *svqScanTable, z, w *[8]float32, asm bool) (svqCode, float32) {
	nsh := 1
	if t.shift != 0 {
		nsh = 2
	}
	const maxBlk = 256 / svqBlock
	var (
		ps    [2]svqShift
		coef  [24]float32
		dbuf  [2 * maxBlk * svqBlock]float32
		masks [2 * maxBlk]uint16
		vmin  [svqBlock]float32
	)
	if f.nblk > maxBlk {
		return t.nearestRef(z, w)
	}
	inf := float32(math.Inf(1))
	for j := range vmin {
		vmin[j] = inf
	}
	var bound float32
	for si := range nsh {
		p := &ps[si]
		t.prepShift(z, w, si, p)
		m, ok := scanCoefs(p, f.fmax, &coef)
		if !ok {
			return t.nearestRef(z, w)
		}
		bound = max(bound, m)
		flip := uint16(0)
		if p.neg&1 != 0 {
			flip = 0xffff
		}
		if asm {
			svqScanAVX512(&f.tab[0], f.nblk, &coef[0], p.base, &f.par[0], flip, &dbuf[si*f.nblk*svqBlock], &vmin[0])
		} else {
			svqScanGo(&f.tab[0], f.nblk, &coef[0], p.base, &f.par[0], flip, &dbuf[si*f.nblk*svqBlock], &vmin[0])
		}
	}
	if !(bound < inf) { // also NaN
		return t.nearestRef(z, w)
	}
	eps2 := bound * (2.0 / (1 << 18))
	nb := nsh * f.nblk
	if asm {
		svqMaskAVX512(&dbuf[0], nb, &vmin[0], eps2, &masks[0])
	} else {
		svqMaskGo(&dbuf[0], nb, &vmin[0], eps2, &masks[0])
	}
	best := inf
	var bc svqCode
	for b, mk := range masks[:nb] {
		for mk != 0 {
			j := bits.TrailingZeros16(mk)
			mk &= mk - 1
			si, k := b/f.nblk, (b%f.nblk)*svqBlock+j
			if k >= len(t.abs) {
				continue
			}
			if d, s := t.evalEntry(k, &ps[si]); d < best {
				best = d
				bc = svqCode{k: uint16(k), signs: s & 0x7f, shift: uint8(si)}
			}
		}
	}
	if best == inf { // cannot happen with a correct bound; stay exact
		return t.nearestRef(z, w)
	}
	return bc, best
}

// svqScanGo is the specification of the scan kernel .
func svqScanGo(tab *float32, nblk int, coef *float32, base float32, par *uint16, flip uint16, out *float32, vmin *float32) {
	tb := unsafeSlice(tab, nblk*svqRows*svqBlock)
	c := unsafeSlice(coef, 24)
	pr := unsafeSlice(par, nblk)
	o := unsafeSlice(out, nblk*svqBlock)
	vm := unsafeSlice(vmin, svqBlock)
	for b := range nblk {
		blk := tb[b*svqRows*svqBlock:]
		mis := pr[b] ^ flip
		for j := range svqBlock {
			acc1, acc2 := base, blk[16*svqBlock+j]
			pen := float32(math.Inf(1))
			for i := range 8 {
				fv := blk[i*svqBlock+j]
				acc1 += c[i] * blk[(8+i)*svqBlock+j]
				acc2 += c[8+i] * fv
				pen = min(pen, c[16+i]*fv)
			}
			d := acc1 + acc2
			if mis>>j&1 != 0 {
				d += pen
			}
			o[b*svqBlock+j] = d
			vm[j] = min(vm[j], d)
		}
	}
}

// svqMaskGo is the specification of the mask kernel.
func svqMaskGo(d *float32, nblk int, vmin *float32, eps2 float32, mask *uint16) {
	thr := float32(math.Inf(1))
	for _, v := range unsafeSlice(vmin, svqBlock) {
		if v < thr {
			thr = v
		}
	}
	thr += eps2
	dd := unsafeSlice(d, nblk*svqBlock)
	m := unsafeSlice(mask, nblk)
	for b := range nblk {
		var bits uint16
		for j := range svqBlock {
			if dd[b*svqBlock+j] <= thr {
				bits |= 1 << j
			}
		}
		m[b] = bits
	}
}

// unsafeSlice views n elements starting at p (the kernels' pointer
// arguments) as a slice.
func unsafeSlice[T any](p *T, n int) []T { return unsafe.Slice(p, n) }
