package codec

import (
	"encoding/binary"
	"sync"
)

// The transposed int8 kernel of the u16 codes (svqTable2: vq2, the first
// stage of vq3 and both stages of vq4).
//
// The 512 KiB table of expanded codewords does not fit L1, and its 8-lane
// gathers bound the plain int8 kernel. This kernel expands the codewords
// arithmetically instead, on 64 vectors (512 weights, a "superblock") at
// a time: byte lane p holds vector t16Vec(p) (the order in which
// VPACKUSWB packs the two 32-code halves of a superblock), and the kernel
// steps through the 8 coordinates. For coordinate i it looks up
// abs[k_v][i] in a 256-byte per-coordinate table (T_i, 2 KiB for all, in
// L1) with four VPERMB (one per 64-entry quarter, merged by masks from
// bits 6 and 7 of k), applies sign bit i of the code as a masked
// subtraction and adds the shift and the +128 bias as one per-lane byte
// (128+S or 128−S). The input digits are stored transposed per superblock
// in the same lane order (xQuant.qt: byte 64i+p of superblock b is column
// 512b+8·t16Vec(p)+i), so VPDPBUSD sums 4 lanes' coordinate i per int32
// lane; lane j of a superblock covers lanes 4j..4j+3, four vectors of
// input block 8b+t16Blk(j), which share its scale (xQuant.st). The
// products are exactly those of the plain int8 kernel (q+128 times the two
// digits), summed in another order: integer sums per superblock and lane,
// then one float multiply-add per lane.

// t16Vec is the vector of byte lane p < 64 of a superblock: lanes 16m..
// 16m+7 hold vectors 8m..8m+7 and lanes 16m+8..16m+15 vectors 32+8m..
// 32+8m+7 (VPACKUSWB of the codes 0..31 and 32..63 works per 16 bytes).
func t16Vec(p int) int { return 8*(p>>4) + p&7 + 32*(p>>3&1) }

// t16Blk is the input block (within its superblock) of the four vectors
// of int32 lane j < 16.
func t16Blk(j int) int { return t16Vec(4*j) / 8 }

// t16Tables holds the per-coordinate tables of svqTable2 (T_i[k] =
// abs[k][i] at byte 256i+k; T_7 also has parity[k] in bit 7) and the
// kernel's constants (see fast_t16_amd64.s).
type t16Tables struct {
	once   sync.Once
	tab    [8 * 256]byte
	consts [t16ConstLen]byte
}

// Constants block layout (byte offsets).
const (
	t16Low8     = 0   // words 0x00ff
	t16Low7     = 64  // bytes 0x7f
	t16BiasPos  = 128 // bytes 128+S
	t16BiasNeg  = 192 // bytes 128−S
	t16Bits     = 256 // 256+64i: bytes 1<<i, i < 7
	t16Parity   = 704 // VGF2P8AFFINEQB matrix: bit 7 = parity of bits 0-6
	t16ConstLen = t16Parity + 64
)

// parityMatrix is the qword of a VGF2P8AFFINEQB matrix whose product with
// a byte is the parity of its bits 0-6 in bit 7 (output bit 7 is the
// parity of the input ANDed with the matrix's byte 0); bits 0-6 are 0.
const parityMatrix = 0x7f

var t16 t16Tables

// get builds the tables on first use.
func (t *t16Tables) get() *t16Tables {
	t.once.Do(func() {
		st := &svqTable2
		for k := range st.abs {
			for i := range 8 {
				t.tab[256*i+k] = st.abs[k][i]
			}
			t.tab[256*7+k] |= st.parity[k] << 7
		}
		c := t.consts[:]
		for j := range 64 {
			c[t16Low8+j] = byte(1-j%2) * 0xff
			c[t16Low7+j] = 0x7f
			c[t16BiasPos+j] = 128 + st.shift
			c[t16BiasNeg+j] = 128 - st.shift
			for i := range 7 {
				c[t16Bits+64*i+j] = 1 << i
			}
		}
		for w := range 8 {
			binary.LittleEndian.PutUint64(c[t16Parity+8*w:], parityMatrix)
		}
	})
	return t
}

// t16Usable reports whether the transposed kernel can run svqTable2: 256
// entries with abs < 128 (bit 7 of T_7 carries the parity).
func t16Usable() bool {
	st := &svqTable2
	if len(st.abs) != 256 || len(st.parity) != 256 {
		return false
	}
	for k := range st.abs {
		for i := range 8 {
			if st.abs[k][i] > 127 {
				return false
			}
		}
	}
	return true
}

// useT16 reports whether DotRowsRotated runs the transposed kernel.
var useT16 = t16Kernel && t16Usable()

// t16Sb is the number of columns of one superblock.
const t16Sb = 8 * xBlock

// setT quantizes nothing new: it rearranges xq's digits of the nsb full
// superblocks into the transposed layout (qt[512b+64i+p] =
// q[512b+8·t16Vec(p)+i]) and spreads the block scales to the kernel's 16
// lanes per superblock (st[16b+j] = s[8b+t16Blk(j)]).
func (xq *xQuant) setT(nsb int) {
	n := nsb * t16Sb
	if cap(xq.qt) < n {
		xq.qt = make([]int8, n)
		xq.q2t = make([]int8, n)
		xq.st = make([]float32, 16*nsb)
	}
	xq.qt, xq.q2t, xq.st = xq.qt[:n], xq.q2t[:n], xq.st[:16*nsb]
	for b := range nsb {
		for j := range 16 {
			xq.st[16*b+j] = xq.s[8*b+t16Blk(j)]
		}
	}
	if nsb > 0 && useVNNI && t16Kernel {
		c := trConsts()
		transposeT16(&xq.q[0], &xq.qt[0], nsb, &c[0])
		transposeT16(&xq.q2[0], &xq.q2t[0], nsb, &c[0])
		return
	}
	for b := range nsb {
		q, q2 := xq.q[b*t16Sb:(b+1)*t16Sb], xq.q2[b*t16Sb:(b+1)*t16Sb]
		qt, q2t := xq.qt[b*t16Sb:(b+1)*t16Sb], xq.q2t[b*t16Sb:(b+1)*t16Sb]
		for p := range 64 {
			v := t16Vec(p)
			for i := range 8 {
				qt[64*i+p] = q[8*v+i]
				q2t[64*i+p] = q2[8*v+i]
			}
		}
	}
}

// trConsts returns the constants of transposeT16: the VPERMB index of an 8×8
// byte transpose within each qword (byte 8i+j ← byte 8j+i) and the qword
// offsets 64m of the scatter.
var trConsts = sync.OnceValue(func() *[128]byte {
	var c [128]byte
	for i := range 8 {
		for j := range 8 {
			c[8*i+j] = byte(8*j + i)
		}
		c[64+8*i] = byte(64 * i) // little-endian qword 64i (< 256)
		c[64+8*i+1] = byte(64 * i >> 8)
	}
	return &c
})

// dotVNNI16TGo is the specification of dotVNNI16T: Σ over nsb superblocks
// and lanes j of st[j]·Σ_{i<8} Σ_{p=4j..4j+3} (q[v]+128)·(256·qt[64i+p] +
// q2t[64i+p]) with v = t16Vec(p), q the codeword of code v.
func dotVNNI16TGo(codes []byte, nsb int, qt, q2t []int8, st []float32) float32 {
	var acc float32
	var q [8]int32
	for b := range nsb {
		var lane [16]int32
		for p := range 64 {
			o := 2 * (64*b + t16Vec(p))
			c := uint16(codes[o]) | uint16(codes[o+1])<<8
			svqTable2.expand(svqCode{k: c & 0xff, signs: uint8(c>>8) & 0x7f, shift: uint8(c >> 15)}, &q)
			for i := range 8 {
				x := 256*int32(qt[t16Sb*b+64*i+p]) + int32(q2t[t16Sb*b+64*i+p])
				lane[p/4] += (q[i] + 128) * x
			}
		}
		for j, l := range lane {
			acc += st[16*b+j] * float32(l)
		}
	}
	return acc
}
