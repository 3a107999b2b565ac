package codec

import (
	"encoding/binary"
	"sync"
	"unsafe"
)

// The transposed int8 kernel of the radix codes (svqTable16: vq1p6).
//
// A row's radix words are first expanded in bulk (radixExpand): 8 words at
// a time, N = x>>35 is split into its five base-55 digits (from the top,
// as a 32-bit fixed-point fraction N/55^5 multiplied by 55 per digit; see
// radixFix), the digits and the 7-bit sign fields are packed one byte per
// vector into two byte arrays k and s (vector order). The kernel
// (dotVNNIRT) then works like the u16 transposed kernel (fast_t16.go) on
// superblocks of 64 vectors in the same lane order (t16Vec: one VPERMB of
// k and s per superblock) and uses the same transposed input digits
// (xQuant.qt, q2t, st), but the 55-entry table fits one register per
// coordinate: 128+abs[k_v][i] is one VPERMB, the sign bit i a masked
// negation (256−(128+a) = 128−a), coordinate 7's sign the parity of the
// sign field plus P[k] (bit 7 of T_7, which holds abs without the bias),
// and the bias is 128 (no shift).

// rtTables holds the per-coordinate tables of svqTable16 (T_i[k] =
// 128+abs[k][i] at byte 64i+k for i < 7; T_7[k] = abs[k][7] | parity[k]<<7)
// and the constants of radixExpand and dotVNNIRT (see fast_rt_amd64.s).
type rtTables struct {
	once   sync.Once
	tab    [8 * 64]byte
	consts [rtConstLen]byte
}

// Constants block layout (byte offsets).
const (
	rtPerm     = 0   // VPERMB index: byte 5w+j ← byte 8w+j (w < 8, j < 5)
	rtShiftCtl = 64  // VPMULTISHIFTQB control: bytes 0,7,14,21,28 per qword
	rtLow7     = 128 // 0x7f bytes
	rtMagic    = 192 // qwords radixFix
	rtBase     = 256 // qwords 55
	rtHigh     = 320 // 0x80 bytes
	rtBits     = 384 // 384+64i: bytes 1<<i, i < 7
	rtVec      = 832 // VPERMB index: byte p ← byte t16Vec(p)
	rtParity   = 896 // VGF2P8AFFINEQB matrix qwords (parityMatrix)
	rtOne      = 960 // qwords 1
	rtConstLen = rtOne + 64
)

// radixFix is ⌈2^60/55^5⌉ (< 2^32): for every N < 2^29, F =
// ⌊N·radixFix/2^28⌋ + 1 exceeds 2^32·N/55^5 by more than 0 and less than
// 3 < 2^32/55^5, so that the integer parts of F·55^m/2^32 (m = 1..5) are
// those of N·55^m/55^5 and the low 32 bits of F (mod 2^32, dropping the
// integer part of an invalid N ≥ 55^5, whose digits 0-4 are those of
// N mod 55^5) yield the five digits from the top.
const radixFix = (1<<60 + radixPow5 - 1) / radixPow5

// radixPow5 is 55^5.
const radixPow5 = radixBase * radixBase * radixBase * radixBase * radixBase

var rt rtTables

// get builds the tables on first use.
func (t *rtTables) get() *rtTables {
	t.once.Do(func() {
		st := &svqTable16
		for k := range st.abs {
			for i := range 7 {
				t.tab[64*i+k] = 128 + st.abs[k][i]
			}
			t.tab[64*7+k] = st.abs[k][7] | st.parity[k]<<7
		}
		c := t.consts[:]
		for i := range 64 {
			if i < 40 {
				c[rtPerm+i] = byte(8*(i/5) + i%5)
			}
			if i%8 < 5 {
				c[rtShiftCtl+i] = byte(7 * (i % 8))
			}
			c[rtLow7+i] = 0x7f
			c[rtHigh+i] = 0x80
			for b := range 7 {
				c[rtBits+64*b+i] = 1 << b
			}
			c[rtVec+i] = byte(t16Vec(i))
		}
		for w := range 8 {
			binary.LittleEndian.PutUint64(c[rtMagic+8*w:], radixFix)
			binary.LittleEndian.PutUint64(c[rtBase+8*w:], radixBase)
			binary.LittleEndian.PutUint64(c[rtParity+8*w:], parityMatrix)
			binary.LittleEndian.PutUint64(c[rtOne+8*w:], 1)
		}
	})
	return t
}

// rtUsable reports whether the kernel can run svqTable16: at most 64
// entries, no shift, abs < 128 (bit 7 of T_7 carries the parity).
func rtUsable() bool {
	st := &svqTable16
	if len(st.abs) > 64 || len(st.abs) != radixBase || len(st.parity) != len(st.abs) || st.shift != 0 {
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

// useRT reports whether DotRowsRotated runs the transposed radix kernel
// (it needs the same instructions as the u16 one).
var useRT = t16Kernel && rtUsable()

// radixExpandGo is the specification of radixExpand: the five digits and
// sign fields of nwords words at b, one byte per vector, into k and s.
func radixExpandGo(b []byte, nwords int, k, s []byte) {
	for w := range nwords {
		x := binary.LittleEndian.Uint64(b[8*w:])
		n := x >> 35
		for j := range 5 {
			k[5*w+j] = byte(n % radixBase)
			n /= radixBase
			s[5*w+j] = byte(x>>(7*j)) & 0x7f
		}
	}
}

// dotVNNIRTGo is the specification of dotVNNIRT: dotVNNI16TGo with
// vector v's code (k[v], s[v]) of svqTable16 (so lane p of superblock b
// holds vector 64b+t16Vec(p)).
func dotVNNIRTGo(k, s []byte, nsb int, qt, q2t []int8, st []float32) float32 {
	var acc float32
	var q [8]int32
	for b := range nsb {
		var lane [16]int32
		for p := range 64 {
			v := 64*b + t16Vec(p)
			svqTable16.expand(svqCode{k: uint16(k[v]), signs: s[v]}, &q)
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

// rtChunk is the number of vectors of a row expanded at a time (8
// superblocks); rtBuf holds their digits or sign fields: up to 4 vectors
// before the first word boundary, 64 bytes of slack for the kernel's
// stores.
const (
	rtChunk = 8 * 64
	rtBuf   = rtChunk + 4 + 64
)

// stageDotRT is stageDotQ of a radix stage with the transposed kernel:
// row r's vectors in chunks of rtChunk, the full superblocks by dotVNNIRT,
// the remaining full 64-column blocks by dotVNNI16 on table indices, the
// rest in Go.
func stageDotRT(codes []byte, tab []uint64, r, nv int, xq *xQuant, xr []float32) float32 {
	t := rt.get()
	nb := len(xq.s)
	nsb := len(xq.st) / 16
	kb, sb := &xq.rk, &xq.rs // scratch in the pooled xQuant: not zeroed per call
	var idx [8]uint16
	var acc float32
	for v0 := 0; v0 < nv; v0 += rtChunk {
		n := min(rtChunk, nv-v0)
		g := r*nv + v0
		w0, ph := g/5, g%5
		nw := (ph + n + 4) / 5
		radixExpand(&codes[8*w0], nw, &kb[0], &sb[0], &t.consts[0])
		k, s := kb[ph:ph+n], sb[ph:ph+n]
		v := 0
		if sb0 := v0 / 64; sb0 < nsb {
			m := min(n/64, nsb-sb0)
			acc += dotVNNIRT(&k[0], &s[0], m, &t.tab[0], &xq.qt[t16Sb*sb0], &xq.q2t[t16Sb*sb0], &xq.st[16*sb0], &t.consts[0])
			acc -= xq.chunkCorr(8*sb0, 8*m)
			v = 64 * m
		}
		for ; v < n; v += 8 {
			blk := (v0 + v) / 8
			m := min(8, n-v)
			for i := range m {
				idx[i] = uint16(k[v+i])<<7 | uint16(s[v+i])
			}
			if m == 8 && blk < nb {
				acc += dotVNNI16((*byte)(unsafe.Pointer(&idx[0])), 1, &tab[0], &xq.q[xBlock*blk], &xq.q2[xBlock*blk], &xq.s[blk])
				acc -= xq.chunkCorr(blk, 1)
				continue
			}
			for i := range m {
				c := 8 * (v0 + v + i)
				acc += dotEntry(tab[idx[i]], xr[c:c+8])
			}
		}
	}
	return acc
}
