package codec

import (
	"encoding/binary"

	"github.com/upgtools/upg/kernels"
)

// scalarDotRowsFast is DotRowsRotated for the 4- and 8-bit scalar codecs:
// the reference dotRow's arithmetic in the same order (so bit-identical),
// with the blobs looked up once per call and the codes read a byte at a
// time instead of by the generic bit extraction. It reports false (and
// writes nothing) for other widths.
func (e *Encoded) scalarDotRowsFast(st *decodeState, dst, x, xr []float32, lo, hi int) bool {
	bits := st.c.impl.bits
	if forceRef || (bits != 4 && bits != 8) {
		return false
	}
	codes, scales := e.Blobs["codes"], e.Blobs["scales"]
	rb := (e.Cols*bits + 7) / 8
	ng := (e.Cols + scalarGroup - 1) / scalarGroup
	lmax := 1<<bits - 1
	var lv [16]float32 // the 4-bit levels 2c − 15
	for c := range lv {
		lv[c] = float32(2*c - 15)
	}
	for r := lo; r < hi; r++ {
		row := codes[r*rb : (r+1)*rb]
		sc := scales[2*r*ng : 2*(r+1)*ng]
		var out float32
		for g := range ng {
			j0, j1 := g*scalarGroup, min((g+1)*scalarGroup, e.Cols)
			var acc float32
			if bits == 4 {
				j := j0
				for ; j+1 < j1; j += 2 {
					b := row[j>>1]
					acc += lv[b&15] * xr[j]
					acc += lv[b>>4] * xr[j+1]
				}
				if j < j1 {
					acc += lv[row[j>>1]&15] * xr[j]
				}
			} else {
				for j := j0; j < j1; j++ {
					acc += float32(2*int(row[j])-lmax) * xr[j]
				}
			}
			out += kernels.F16ToF32(binary.LittleEndian.Uint16(sc[2*g:])) * acc
		}
		dst[r] = out + st.outs.dotRow(r, x)
	}
	return true
}
