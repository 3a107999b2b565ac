package codec

import (
	"encoding/binary"

	"github.com/upgtools/upg/kernels"
)

// The row products of the scalar codecs (q8, q4, q3, q2). The plain-Go
// loops (scalarDotGroupsGo) are the specification: bit for bit the
// reference dotRow of scalar.go, with the codes read a byte at a time. On
// amd64 with AVX-512 (useScalarKernel) the whole 32-weight groups of a row
// run in scalarDotLUT / scalarDotQ8 (fast_scalar_amd64.s), which differ
// from the loops only by float reassociation (16 lanes, two accumulators);
// the short last group, if any, runs in Go.

// scalarKern holds the constants of scalarDotLUT for one code width; the
// assembly reads the fields at the byte offsets 0, 64, 128, 192 and 200.
type scalarKern struct {
	// ctrl0, ctrl1: the VPMULTISHIFTQB controls of the group's first and
	// second 16 weights; byte 4i is the bit offset of code i in the qword
	// loaded at byte 0 (ctrl0) or off1 (ctrl1) of the group.
	ctrl0, ctrl1 [64]byte
	// lut[i] is the level 2·(i mod 2^bits) − (2^bits − 1) (the table reads
	// 4 bits; those above the code are ignored).
	lut [16]float32
	// off1 is the byte offset of the second qword, gb the bytes per group.
	off1, gb int64
}

// scalarKerns holds the constants per code width (index bits); the levels
// of widths 2, 3 and 4 are also the Go loops' tables.
var scalarKerns = [5]scalarKern{2: newScalarKern(2), 3: newScalarKern(3), 4: newScalarKern(4)}

// newScalarKern builds the constants of width bits (2, 3 or 4): a group is
// 4·bits bytes; its second half starts at bit 16·bits, read from the
// qword at off1 = min(2·bits, 4·bits − 8) so that no load leaves the group.
func newScalarKern(bits int) scalarKern {
	lmax := 1<<bits - 1
	k := scalarKern{gb: int64(4 * bits), off1: int64(min(2*bits, 4*bits-8))}
	for i := range k.lut {
		k.lut[i] = float32(2*(i&lmax) - lmax)
	}
	for i := range 16 {
		k.ctrl0[4*i] = byte(bits * i)
		k.ctrl1[4*i] = byte(16*bits - 8*int(k.off1) + bits*i)
	}
	return k
}

// scalarDotRowsFast is DotRowsRotated for the scalar codecs: dst[r] =
// scalarDotRow of row r plus its outlier products, for lo ≤ r < hi. It
// reports false (and writes nothing) under forceRef or for a width it does
// not know.
func (e *Encoded) scalarDotRowsFast(st *decodeState, dst, x, xr []float32, lo, hi int) bool {
	bits := st.c.impl.bits
	if forceRef || (bits != 2 && bits != 3 && bits != 4 && bits != 8) {
		return false
	}
	codes, scales := e.Blobs["codes"], e.Blobs["scales"]
	rb := (e.Cols*bits + 7) / 8
	ng := (e.Cols + scalarGroup - 1) / scalarGroup
	for r := lo; r < hi; r++ {
		row := codes[r*rb : (r+1)*rb]
		sc := scales[2*r*ng : 2*(r+1)*ng]
		dst[r] = scalarDotRow(bits, row, sc, xr[:e.Cols]) + st.outs.dotRow(r, x)
	}
	return true
}

// scalarDotRow returns the product of one row (codes row, F16 scales sc,
// len(xr) columns) with xr: the AVX-512 kernel over the whole groups where
// it runs, the Go loops for the rest.
func scalarDotRow(bits int, row, sc []byte, xr []float32) float32 {
	full := 0
	var out float32
	if useScalarKernel {
		if full = len(xr) / scalarGroup; full > 0 {
			if bits == 8 {
				out = scalarDotQ8(&row[0], full, &xr[0], &sc[0])
			} else {
				out = scalarDotLUT(&row[0], full, &xr[0], &sc[0], &scalarKerns[bits])
			}
		}
	}
	return out + scalarDotGroupsGo(bits, row, sc, xr, full)
}

// scalarDotGroupsGo returns Σ_{g ≥ g0} d_g·Σ_{j in g} L_j·xr[j] over the
// groups of one row from g0 on, in the reference's order of operations
// (so from g0 = 0 it equals dotRow bit for bit).
func scalarDotGroupsGo(bits int, row, sc []byte, xr []float32, g0 int) float32 {
	cols := len(xr)
	var out float32
	for g := g0; g*scalarGroup < cols; g++ {
		j0, j1 := g*scalarGroup, min((g+1)*scalarGroup, cols)
		out += kernels.F16ToF32(binary.LittleEndian.Uint16(sc[2*g:])) * scalarGroupGo(bits, row, xr, j0, j1)
	}
	return out
}

// scalarGroupGo returns Σ_{j0 ≤ j < j1} L_j·xr[j] in column order (j0 a
// multiple of 8).
func scalarGroupGo(bits int, row []byte, xr []float32, j0, j1 int) float32 {
	var acc float32
	j := j0
	if bits == 8 {
		for ; j < j1; j++ {
			acc += float32(2*int(row[j])-255) * xr[j]
		}
		return acc
	}
	lv := &scalarKerns[bits].lut
	switch bits {
	case 4:
		for ; j+2 <= j1; j += 2 {
			b := row[j>>1]
			acc += lv[b&15] * xr[j]
			acc += lv[b>>4] * xr[j+1]
		}
	case 3:
		for ; j+8 <= j1; j += 8 {
			o := 3 * j / 8
			v := uint32(row[o]) | uint32(row[o+1])<<8 | uint32(row[o+2])<<16
			for k := range 8 {
				acc += lv[v>>(3*k)&7] * xr[j+k]
			}
		}
	case 2:
		for ; j+4 <= j1; j += 4 {
			b := row[j>>2]
			acc += lv[b&3] * xr[j]
			acc += lv[b>>2&3] * xr[j+1]
			acc += lv[b>>4&3] * xr[j+2]
			acc += lv[b>>6] * xr[j+3]
		}
	}
	for ; j < j1; j++ {
		acc += lv[scalarCode(row, j, bits)] * xr[j]
	}
	return acc
}
