package codec

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"
	"unsafe"
)

// Fast paths of the vector codecs' row products and decoders.
//
// Every vq codeword is expanded from a lookup table built once from the
// normative codebooks: entry c of a stage's table holds the 8 int8
// components q[0..8) of the codeword of code c (u16 packing: the whole
// uint16, 65536 entries = 512 KiB; u8 packing: 256 entries; radix packing:
// k·128+signs, 7040 entries); the int8 kernel's copies hold q+128. The reference loops
// (vqDotRowRef, the codec's decodeRow) stay the specification.
//
// Two kernels use the tables (chosen at run time, see fast_amd64.go):
//   - a float kernel (AVX2+FMA): Σ float32(q[i])·xr[i] with the sums
//     reassociated; it differs from the reference by float rounding only.
//     The per-row dotRow of every vq codec uses it.
//   - an int8 kernel (AVX-512 VNNI): DotRowsRotated quantizes xr once per
//     call (Input.Prepare once per input) to two int8 digits per column (see xQuant; per 64-column block,
//     scale s = max|x|/127) and multiplies the table bytes (stored as q+128)
//     with both digits by VPDPBUSD. Besides float rounding it differs from
//     the reference by the rounding of x: per column at most s/512, so per
//     stage by at most D·Σ|q[i]|·s(i)/512 (≈1e-5 of Σ|w||x| for Gaussian-like
//     rotated inputs). Columns after the last full 64-block use Go.
//   - for u16 codes (svqTable2), where the CPU also has AVX-512 BW, VBMI
//     and GFNI, a transposed int8 kernel (fast_t16.go) replaces the
//     plain one on every full 512-column superblock: the same products
//     without the 512 KiB table (BenchmarkDotRows/vq2: 20 G weights/s per
//     core on the development machine, 8.6 with the plain kernel alone);
//     the plain kernel takes the remaining full 64-blocks. A u16 first
//     stage (vq2, vq3) runs two rows at a time, vq4 both stages of a row
//     together (dotVNNI16T2).
//   - for radix codes on the same CPUs, a transposed kernel (fast_rt.go)
//     after a bulk expansion of the words into digit and sign bytes.
//   - the input quantization itself (absMax64, quantBlock64,
//     transposeT16) is AVX-512 code too; quantBlock is its Go form.

// xBlock is the number of input columns sharing one int8 scale; it is also
// the number of weights (8 vectors) the int8 kernel consumes per step.
const xBlock = 64

// forceRef disables every fast path (tests and benchmarks compare against
// the reference in the same binary).
var forceRef bool

type packing uint8

const (
	packU16 packing = iota
	packU8
	packRadix
)

// stagePacking returns the packing of s (the codebook decides it: FORMAT.md
// pairs svqTable2 with u16, svqTable1 with u8 and svqTable16 with radix).
func stagePacking(s *vqStage) packing {
	switch s.t {
	case &svqTable1:
		return packU8
	case &svqTable16:
		return packRadix
	}
	return packU16
}

// codeTable is the lazily built lookup table of one codebook and packing;
// bias is XORed into every byte (0x80 for the int8 kernel's q+128).
type codeTable struct {
	once sync.Once
	t    *svqTable
	p    packing
	bias uint64
	w    []uint64
}

const vnniBias = 0x8080808080808080

// tables[biased][packing]; only the tables a CPU's kernels use are built.
var tables = [2][3]codeTable{
	{{t: &svqTable2, p: packU16}, {t: &svqTable1, p: packU8}, {t: &svqTable16, p: packRadix}},
	{{t: &svqTable2, p: packU16, bias: vnniBias}, {t: &svqTable1, p: packU8, bias: vnniBias}, {t: &svqTable16, p: packRadix, bias: vnniBias}},
}

// tableFor returns the signed (float kernel, decoder) or biased (int8
// kernel) table of packing p.
func tableFor(p packing, biased bool) *codeTable {
	if biased {
		return &tables[1][p]
	}
	return &tables[0][p]
}

// entries returns the table, building it on first use.
func (c *codeTable) entries() []uint64 {
	c.once.Do(func() {
		var n int
		var code func(i int) svqCode
		switch c.p {
		case packU16:
			n = 1 << 16
			code = func(i int) svqCode {
				return svqCode{k: uint16(i & 0xff), signs: uint8(i>>8) & 0x7f, shift: uint8(i >> 15)}
			}
		case packU8:
			n = 256
			code = func(i int) svqCode { return svqCode{k: uint16(i & 1), signs: uint8(i >> 1)} }
		case packRadix:
			n = radixBase << 7
			code = func(i int) svqCode { return svqCode{k: uint16(i >> 7), signs: uint8(i & 0x7f)} }
		}
		w := make([]uint64, n)
		var q [8]int32
		for i := range w {
			c.t.expand(code(i), &q)
			var e uint64
			for j, v := range q {
				// |q| ≤ 127 + shift < 128 for every normative table
				// (checked by TestCodeTables).
				e |= uint64(uint8(int8(v))) << (8 * j)
			}
			w[i] = e ^ c.bias
		}
		c.w = w
	})
	return c.w
}

// entryQ returns component j of an entry of a table with the given bias.
func entryQ(e, bias uint64, j int) int32 {
	return int32(int8(uint8((e ^ bias) >> (8 * j))))
}

// radixLo3 and radixHi2 split a radix word's 29-bit N = hi·55³ + lo into
// its five base-55 digits with two look-ups: radixLo3[lo] holds digits 0-2
// (one byte each), radixHi2[hi] digits 3-4.
var (
	radixOnce sync.Once
	radixLo3  []uint32 // 55³ entries (650 KiB)
	radixHi2  []uint16 // 55² entries
)

func radixTables() {
	radixOnce.Do(func() {
		radixLo3 = make([]uint32, radixPow[3])
		for v := range radixLo3 {
			radixLo3[v] = uint32(v%radixBase) | uint32(v/radixBase%radixBase)<<8 | uint32(v/(radixBase*radixBase))<<16
		}
		radixHi2 = make([]uint16, radixPow[2])
		for v := range radixHi2 {
			radixHi2[v] = uint16(v%radixBase) | uint16(v/radixBase)<<8
		}
	})
}

// radixWord returns the five digits of word x's N packed one per byte
// (digit j in bits 8j..8j+7). N must be < 55⁵ (checked by Validate).
func radixWord(x uint64) uint64 {
	n := x >> 35
	hi := n / (radixBase * radixBase * radixBase)
	lo := n - hi*(radixBase*radixBase*radixBase)
	return uint64(radixLo3[lo]) | uint64(radixHi2[hi])<<24
}

// radixIndices writes the table indices k·128+signs of the n radix-packed
// vectors starting at global vector index gi into idx.
func radixIndices(b []byte, gi, n int, idx []uint16) {
	radixTables()
	w, j := gi/5, gi%5
	i := 0
	for i < n {
		x := binary.LittleEndian.Uint64(b[8*w:])
		d := radixWord(x)
		if j == 0 && i+5 <= n { // a whole word
			_ = idx[i+4]
			idx[i] = uint16(d&0xff)<<7 | uint16(x&0x7f)
			idx[i+1] = uint16(d>>8&0xff)<<7 | uint16(x>>7&0x7f)
			idx[i+2] = uint16(d>>16&0xff)<<7 | uint16(x>>14&0x7f)
			idx[i+3] = uint16(d>>24&0xff)<<7 | uint16(x>>21&0x7f)
			idx[i+4] = uint16(d>>32&0xff)<<7 | uint16(x>>28&0x7f)
			i += 5
			w++
			continue
		}
		for ; j < 5 && i < n; j, i = j+1, i+1 {
			idx[i] = uint16(d>>(8*j)&0xff)<<7 | uint16(x>>(7*j)&0x7f)
		}
		j, w = 0, w+1
	}
}

// radixChunk is the number of radix vectors decoded into indices at a time
// (a multiple of the 8 vectors of one input block).
const radixChunk = 256

// vqDotRow is the dotRow of a vector codec: the float kernel when the CPU
// has one, else the reference.
func vqDotRow(stages []vqStage, e *Encoded, r int, xr []float32) float32 {
	if forceRef || !useF32Kernel {
		return vqDotRowRef(stages, e, r, xr)
	}
	nv := vecsPerRow(e.Cols)
	var out float32
	for i := range stages {
		s := &stages[i]
		p := stagePacking(s)
		tab := tableFor(p, false).entries()
		codes := e.Blobs[s.codes]
		var acc float32
		switch p {
		case packU16:
			acc = dotF32U16(&codes[2*r*nv], nv, &tab[0], &xr[0])
		case packU8:
			acc = dotF32U8(&codes[r*nv], nv, &tab[0], &xr[0])
		case packRadix:
			var idx [radixChunk]uint16
			for v0 := 0; v0 < nv; v0 += radixChunk {
				n := min(radixChunk, nv-v0)
				radixIndices(codes, r*nv+v0, n, idx[:n])
				acc += dotF32U16((*byte)(unsafe.Pointer(&idx[0])), n, &tab[0], &xr[8*v0])
			}
		}
		out += rowScale(e.Blobs[s.scales], r) * acc
	}
	return out
}

// vqDotRowRef is the reference dotRow of a vector codec (the specification
// of the fast paths).
func vqDotRowRef(stages []vqStage, e *Encoded, r int, xr []float32) float32 {
	nv := vecsPerRow(e.Cols)
	var q [8]int32
	var out float32
	for _, s := range stages {
		codes := e.Blobs[s.codes]
		var acc float32
		for v := range nv {
			s.t.expand(s.get(codes, r*nv+v), &q)
			x := xr[8*v : 8*v+8]
			for i := range 8 {
				acc += float32(q[i]) * x[i]
			}
		}
		out += rowScale(e.Blobs[s.scales], r) * acc
	}
	return out
}

// xQuant is an input quantized for the int8 kernel, per 64-column block g
// of the nb = P/64 full blocks: with s = max|x|/127, q[j] = round(x[j]/s)
// and q2[j] = round(256·(x[j] − s·q[j])/s), so x[j] ≈ xs[g]·(256·q[j] +
// q2[j]) with xs[g] = s/256 (error ≤ s/512). corr = Σ_g xs[g]·128·Σ_{j∈g}
// (256·q[j] + q2[j]) is the term the +128 bias of the table bytes adds.
type xQuant struct {
	q, q2 []int8
	s     []float32
	corr  float32
	// cpre[g] is the bias correction of blocks 0..g-1 (prefix sums, so a
	// chunk's correction is one subtraction).
	cpre []float64
	// qt, q2t, st: the transposed kernel's layout of the full superblocks
	// (see setT).
	qt, q2t []int8
	st      []float32
	// rk, rs: stageDotRT's expanded radix digits and sign fields.
	rk, rs [rtBuf]byte
}

var xQuantPool = sync.Pool{New: func() any { return new(xQuant) }}

// set quantizes xr; it reports false when a block cannot be scaled (a
// non-finite value, or one so small that 127/max overflows).
func (xq *xQuant) set(xr []float32) bool {
	nb := len(xr) / xBlock
	if cap(xq.q) < nb*xBlock {
		xq.q = make([]int8, nb*xBlock)
		xq.q2 = make([]int8, nb*xBlock)
		xq.s = make([]float32, nb)
	}
	xq.q, xq.q2, xq.s = xq.q[:nb*xBlock], xq.q2[:nb*xBlock], xq.s[:nb]
	if cap(xq.cpre) < nb+1 {
		xq.cpre = make([]float64, nb+1)
	}
	xq.cpre = xq.cpre[:nb+1]
	var corr float64
	for g := range nb {
		blk := (*[xBlock]float32)(xr[g*xBlock:])
		var mb uint32 // max |x| as bits (monotone for non-negative floats; NaN above Inf)
		if useVNNI {
			mb = absMax64(&blk[0])
		} else {
			for _, v := range blk {
				mb = max(mb, math.Float32bits(v)&^(1<<31))
			}
		}
		m := math.Float32frombits(mb)
		q, q2 := (*[xBlock]int8)(xq.q[g*xBlock:]), (*[xBlock]int8)(xq.q2[g*xBlock:])
		xq.cpre[g] = corr
		if m == 0 {
			clear(q[:])
			clear(q2[:])
			xq.s[g] = 0
			continue
		}
		if !(m <= math.MaxFloat32) || 127/m > math.MaxFloat32/256 {
			return false
		}
		s := float64(m) / 127
		xq.s[g] = float32(s / 256)
		var sum int
		if useVNNI {
			sum = int(quantBlock64(&blk[0], float32(127/float64(m)), &q[0], &q2[0]))
		} else {
			sum = quantBlock(blk, q, q2, 127/float64(m))
		}
		corr += float64(xq.s[g]) * 128 * float64(sum)
	}
	xq.cpre[nb] = corr
	xq.corr = float32(corr)
	if useT16 || useRT {
		xq.setT(nb / 8)
	}
	return true
}

// stageRun is one stage's per-call state of dotRowsFast: its blobs and
// table, looked up once per call instead of once per row.
type stageRun struct {
	s             *vqStage
	p             packing
	tab           []uint64
	codes, scales []byte
}

// maxStages bounds the stages of a vector codec (dotRowsFast keeps their
// stageRun on the stack).
const maxStages = 4

// quantBlock writes the two digits of one block, t = x·inv (inv = 127/max|x|):
// q = round(t), q2 = round(256·(t − q)), both clamped to ±127; it returns
// Σ (256·q + q2).
func quantBlock(blk *[xBlock]float32, q, q2 *[xBlock]int8, inv float64) int {
	// Adding and subtracting 1.5·2^52 rounds |t| < 2^51 to the nearest
	// integer, ties to even (|t| ≤ 127 here).
	const round = 1.5 * (1 << 52)
	sum := 0
	for j, v := range blk {
		t := float64(v) * inv
		c := (t + round) - round
		c2 := max(-127, min(127, int(((t-c)*256+round)-round)))
		ci := max(-127, min(127, int(c)))
		q[j], q2[j] = int8(ci), int8(c2)
		sum += 256*ci + c2
	}
	return sum
}

// xShareCopies holds the per-call copies of a shared (Input) quantization.
var xShareCopies = sync.Pool{New: func() any { return new(xQuant) }}

// dotRowsFast is DotRowsRotated's int8 path for the vector codecs; it
// reports false (and writes nothing) when it does not apply. shared, when
// not nil, is xr already quantized (Input); otherwise xr is quantized here.
func (e *Encoded) dotRowsFast(st *decodeState, dst, x, xr []float32, shared *xQuant, lo, hi int) bool {
	stages := st.c.impl.stages
	if st.c.impl.lut != nil {
		return e.lutDotRowsFast(st, dst, x, xr, lo, hi)
	}
	if stages == nil {
		return e.scalarDotRowsFast(st, dst, x, xr, lo, hi)
	}
	if forceRef || !useVNNI || lo == hi || len(stages) > maxStages {
		return false
	}
	var xq *xQuant
	if shared != nil {
		// A private copy: the kernels' scratch (rk, rs) must not be shared
		// between goroutines; the quantized digits are (read-only).
		xq = xShareCopies.Get().(*xQuant)
		*xq = *shared
		defer func() { *xq = xQuant{}; xShareCopies.Put(xq) }()
	} else {
		xq = xQuantPool.Get().(*xQuant)
		defer xQuantPool.Put(xq)
		if !xq.set(xr) {
			return false
		}
	}
	var runs [maxStages]stageRun
	for i := range stages {
		p := stagePacking(&stages[i])
		runs[i] = stageRun{s: &stages[i], p: p, tab: tableFor(p, true).entries(),
			codes: e.Blobs[stages[i].codes], scales: e.Blobs[stages[i].scales]}
	}
	if useT16 {
		t16.get()
	}
	if useRT {
		rt.get()
	}
	nv := vecsPerRow(e.Cols)
	rs := runs[:len(stages)]
	r := lo
	if useT16 && len(xq.s) >= 8 {
		switch {
		case len(rs) == 2 && rs[0].p == packU16 && rs[1].p == packU16:
			r = dotRowStagesU16(rs, dst, lo, hi, nv, xq, xr)
		case rs[0].p == packU16:
			r = dotRowPairsU16(rs, dst, lo, hi, nv, xq, xr)
		}
	}
	for ; r < hi; r++ {
		var out float32
		for i := range rs {
			out += rowScale(rs[i].scales, r) * stageDotQ(&rs[i], r, nv, xq, xr)
		}
		dst[r] = out
	}
	st.outs.addDots(dst, x, lo, hi)
	return true
}

// stageDotQ returns row r · xr for one stage's codes (before the row
// scale): the int8 kernels over the full 64-column blocks, the float
// kernel over the rest.
func stageDotQ(s *stageRun, r, nv int, xq *xQuant, xr []float32) float32 {
	nb := len(xq.s)
	tab, codes := s.tab, s.codes
	var acc float32
	switch s.p {
	case packU16:
		g := 0
		if useT16 && nb >= 8 {
			t := &t16
			acc = dotVNNI16T(&codes[2*r*nv], nb/8, &t.tab[0], &xq.qt[0], &xq.q2t[0], &xq.st[0], &t.consts[0])
			g = nb / 8 * 8
		}
		acc = u16Rest(s, r, nv, g, acc, xq, xr)
	case packU8:
		if nb > 0 {
			acc = dotVNNI8(&codes[r*nv], nb, &tab[0], &xq.q[0], &xq.q2[0], &xq.s[0]) - xq.corr
		}
		for v := 8 * nb; v < nv; v++ {
			acc += dotEntry(tab[codes[r*nv+v]], xr[8*v:8*v+8])
		}
	case packRadix:
		if useRT {
			return stageDotRT(codes, tab, r, nv, xq, xr)
		}
		var idx [radixChunk]uint16
		for v0 := 0; v0 < nv; v0 += radixChunk {
			n := min(radixChunk, nv-v0)
			radixIndices(codes, r*nv+v0, n, idx[:n])
			full := min(n/8, nb-v0/8)
			if full > 0 {
				acc += dotVNNI16((*byte)(unsafe.Pointer(&idx[0])), full, &tab[0], &xq.q[8*v0], &xq.q2[8*v0], &xq.s[v0/8])
				acc -= xq.chunkCorr(v0/8, full)
			}
			for v := 8 * full; v < n; v++ {
				acc += dotEntry(tab[idx[v]], xr[8*(v0+v):8*(v0+v)+8])
			}
		}
	}
	return acc
}

// u16Rest completes a u16 stage's row product whose first g blocks are in
// acc: the plain kernel over the remaining full blocks, the bias
// correction and the float tail.
func u16Rest(s *stageRun, r, nv, g int, acc float32, xq *xQuant, xr []float32) float32 {
	nb := len(xq.s)
	tab, codes := s.tab, s.codes
	if g < nb {
		acc += dotVNNI16(&codes[2*(r*nv+8*g)], nb-g, &tab[0], &xq.q[xBlock*g], &xq.q2[xBlock*g], &xq.s[g])
	}
	if nb > 0 {
		acc -= xq.corr
	}
	if t := 8 * nb; t < nv {
		acc += dotF32U16Bias(codes[2*(r*nv+t):2*(r+1)*nv], tab, xr[8*t:])
	}
	return acc
}

// dotRowPairsU16 is dotRowsFast's loop for codecs whose first stage is
// u16 (vq2, vq3) with the transposed kernel: that stage two rows at a time
// by dotVNNI16T2, any further stage row by row, summed as the one-row loop
// does (rows lo..r-1 for the returned r are done; dotRowsFast adds the
// outlier table after).
func dotRowPairsU16(rs []stageRun, dst []float32, lo, hi, nv int, xq *xQuant, xr []float32) int {
	nb := len(xq.s)
	t := &t16
	s := &rs[0]
	r := lo
	for ; r+1 < hi; r += 2 {
		a, b := dotVNNI16T2(&s.codes[2*r*nv], &s.codes[2*(r+1)*nv], nb/8, &t.tab[0], &xq.qt[0], &xq.q2t[0], &xq.st[0], &t.consts[0])
		a = u16Rest(s, r, nv, nb/8*8, a, xq, xr)
		b = u16Rest(s, r+1, nv, nb/8*8, b, xq, xr)
		var oa, ob float32
		oa += rowScale(s.scales, r) * a
		ob += rowScale(s.scales, r+1) * b
		for i := 1; i < len(rs); i++ {
			oa += rowScale(rs[i].scales, r) * stageDotQ(&rs[i], r, nv, xq, xr)
			ob += rowScale(rs[i].scales, r+1) * stageDotQ(&rs[i], r+1, nv, xq, xr)
		}
		dst[r], dst[r+1] = oa, ob
	}
	return r
}

// dotRowStagesU16 is dotRowsFast's loop for two u16 stages (vq4): the two
// stages of a row share the input, so dotVNNI16T2 runs them together; the
// sums are those of the one-stage-at-a-time loop, bit for bit.
func dotRowStagesU16(rs []stageRun, dst []float32, lo, hi, nv int, xq *xQuant, xr []float32) int {
	nb := len(xq.s)
	t := &t16
	for r := lo; r < hi; r++ {
		a, b := dotVNNI16T2(&rs[0].codes[2*r*nv], &rs[1].codes[2*r*nv], nb/8, &t.tab[0], &xq.qt[0], &xq.q2t[0], &xq.st[0], &t.consts[0])
		a = u16Rest(&rs[0], r, nv, nb/8*8, a, xq, xr)
		b = u16Rest(&rs[1], r, nv, nb/8*8, b, xq, xr)
		var out float32
		out += rowScale(rs[0].scales, r) * a
		out += rowScale(rs[1].scales, r) * b
		dst[r] = out
	}
	return hi
}

// chunkCorr is the bias correction of blocks g0..g0+n-1 alone.
func (xq *xQuant) chunkCorr(g0, n int) float32 {
	return float32(xq.cpre[g0+n] - xq.cpre[g0])
}

// dotEntry returns Σ q[j]·x[j] for one entry of a biased table.
func dotEntry(e uint64, x []float32) float32 {
	var acc float32
	for j := range 8 {
		acc += float32(entryQ(e, vnniBias, j)) * x[j]
	}
	return acc
}

// dotF32U16Bias is Σ over u16 codes of the table entries times x, in Go
// (used for the few vectors after the last full block).
func dotF32U16Bias(codes []byte, tab []uint64, x []float32) float32 {
	var acc float32
	for v := 0; 2*v < len(codes); v++ {
		acc += dotEntry(tab[binary.LittleEndian.Uint16(codes[2*v:])], x[8*v:8*v+8])
	}
	return acc
}

// DecodeRowsRotated writes rows lo..hi-1 in the stored (rotated) domain —
// the codec's values, without the inverse rotation and without outlier
// corrections — into dst, row-major with stride RotatedLen(). It is meant for
// batched products: decode a block of rows once, multiply it with many
// rotated inputs (RotateInput), then add the outlier corrections.
func (e *Encoded) DecodeRowsRotated(dst []float32, lo, hi int) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if lo < 0 || hi > e.Rows || lo > hi || len(dst) < (hi-lo)*e.RotatedLen() {
		return fmt.Errorf("decode rows [%d,%d) of %d into %d values: %w", lo, hi, e.Rows, len(dst), ErrInvalid)
	}
	st := e.state.Load()
	stages := st.c.impl.stages
	n := e.RotatedLen()
	for r := lo; r < hi; r++ {
		row := dst[(r-lo)*n : (r-lo+1)*n]
		if stages == nil || forceRef {
			st.c.impl.decodeRow(e, r, row)
			continue
		}
		vqDecodeRowTable(stages, e, r, row)
	}
	return nil
}

// vqDecodeRowTable is the vector codecs' decodeRow with the codewords read
// from the lookup tables; the arithmetic is the reference's, so the output
// is bit-identical.
// addEntry adds dd·q to d[0..7] for the unbiased table entry e (int8
// components, one per byte): the reference decoder's float32(dd·float32(q)).
func addEntry(d []float32, dd float32, e uint64) {
	o := (*[8]float32)(d[:8])
	o[0] += float32(dd * float32(int8(e)))
	o[1] += float32(dd * float32(int8(e>>8)))
	o[2] += float32(dd * float32(int8(e>>16)))
	o[3] += float32(dd * float32(int8(e>>24)))
	o[4] += float32(dd * float32(int8(e>>32)))
	o[5] += float32(dd * float32(int8(e>>40)))
	o[6] += float32(dd * float32(int8(e>>48)))
	o[7] += float32(dd * float32(int8(e>>56)))
}

func vqDecodeRowTable(stages []vqStage, e *Encoded, r int, dst []float32) {
	clear(dst)
	nv := vecsPerRow(e.Cols)
	var idx [radixChunk]uint16
	for i := range stages {
		s := &stages[i]
		p := stagePacking(s)
		tab := tableFor(p, false).entries()
		dd := rowScale(e.Blobs[s.scales], r)
		codes := e.Blobs[s.codes]
		for v0 := 0; v0 < nv; v0 += radixChunk {
			n := min(radixChunk, nv-v0)
			if p == packRadix {
				radixIndices(codes, r*nv+v0, n, idx[:n])
			}
			base := r*nv + v0
			switch p {
			case packU16:
				done := decAddU16Fast(dst[8*v0:8*(v0+n)], codes[2*base:2*(base+n)], tab, dd)
				for v := done; v < n; v++ {
					addEntry(dst[8*(v0+v):], dd, tab[binary.LittleEndian.Uint16(codes[2*(base+v):])])
				}
			case packU8:
				for v := range n {
					addEntry(dst[8*(v0+v):], dd, tab[codes[base+v]])
				}
			default:
				for v := range n {
					addEntry(dst[8*(v0+v):], dd, tab[idx[v]])
				}
			}
		}
	}
}
