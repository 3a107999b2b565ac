package codec

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/upgtools/upg/kernels"
)

// scalarGroup is the number of consecutive weights of a row sharing one F16
// scale in the scalar codecs; the last group of a row may be shorter.
const scalarGroup = 32

// scalarCodec is uniform symmetric scalar quantization with `bits` bits per
// weight: code c ∈ [0, 2^bits) means level L = 2c − (2^bits − 1) and weight
// d·L, d the group's F16 scale. Codes of a row are packed LSB-first, the
// row starting on a byte boundary.
func scalarCodec(bits int) codecImpl {
	lmax := 1<<bits - 1
	rowBytes := func(cols int) int { return (cols*bits + 7) / 8 }
	groups := func(cols int) int { return (cols + scalarGroup - 1) / scalarGroup }
	code := func(b []byte, j int) int { return scalarCode(b, j, bits) }
	return codecImpl{
		rowChunk: 1,
		bits:     bits,
		layout: func(rows, cols int) (map[string]int, error) {
			return map[string]int{"codes": rows * rowBytes(cols), "scales": 2 * rows * groups(cols)}, nil
		},
		encodeRow: func(e *Encoded, r int, y, w []float32) {
			codes := e.Blobs["codes"][r*rowBytes(e.Cols):]
			for g := 0; g*scalarGroup < e.Cols; g++ {
				lo, hi := g*scalarGroup, min((g+1)*scalarGroup, e.Cols)
				var wg []float32
				if w != nil {
					wg = w[lo:hi]
				}
				h := kernels.F32ToF16(scalarScale(y[lo:hi], wg, lmax))
				binary.LittleEndian.PutUint16(e.Blobs["scales"][2*(r*groups(e.Cols)+g):], h)
				d := kernels.F16ToF32(h)
				for j := lo; j < hi; j++ {
					putScalarCode(codes, j, bits, scalarLevel(y[j], d, lmax))
				}
			}
		},
		decodeRow: func(e *Encoded, r int, dst []float32) {
			codes := e.Blobs["codes"][r*rowBytes(e.Cols):]
			for j := range dst {
				d := kernels.F16ToF32(binary.LittleEndian.Uint16(e.Blobs["scales"][2*(r*groups(e.Cols)+j/scalarGroup):]))
				dst[j] = d * float32(2*code(codes, j)-lmax)
			}
		},
		dotRow: func(e *Encoded, r int, xr []float32) float32 {
			codes := e.Blobs["codes"][r*rowBytes(e.Cols):]
			var out float32
			for g := 0; g*scalarGroup < e.Cols; g++ {
				var acc float32
				for j := g * scalarGroup; j < min((g+1)*scalarGroup, e.Cols); j++ {
					acc += float32(2*code(codes, j)-lmax) * xr[j]
				}
				out += kernels.F16ToF32(binary.LittleEndian.Uint16(e.Blobs["scales"][2*(r*groups(e.Cols)+g):])) * acc
			}
			return out
		},
		check: func(e *Encoded) error {
			for o := 0; o+1 < len(e.Blobs["scales"]); o += 2 {
				v := kernels.F16ToF32(binary.LittleEndian.Uint16(e.Blobs["scales"][o:]))
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return fmt.Errorf("blob \"scales\": byte %d is %v: %w", o, v, ErrCorrupt)
				}
			}
			return nil
		},
	}
}

// scalarCode returns the bits-bit code of weight j of a row's bytes b
// (LSB first; a code may span two bytes when 8 % bits != 0).
func scalarCode(b []byte, j, bits int) int {
	bit := j * bits
	v := int(b[bit/8]) >> (bit % 8)
	if bit%8+bits > 8 {
		v |= int(b[bit/8+1]) << (8 - bit%8)
	}
	return v & (1<<bits - 1)
}

// putScalarCode stores code c of weight j into a row's bytes b, replacing
// what was there.
func putScalarCode(b []byte, j, bits, c int) {
	bit := j * bits
	m := 1<<bits - 1
	b[bit/8] = b[bit/8]&^byte(m<<(bit%8)) | byte(c<<(bit%8))
	if bit%8+bits > 8 {
		sh := 8 - bit%8
		b[bit/8+1] = b[bit/8+1]&^byte(m>>sh) | byte(c>>sh)
	}
}

// scalarLevel returns the code of the level nearest y for step d.
func scalarLevel(y, d float32, lmax int) int {
	if d == 0 {
		return (lmax + 1) / 2
	}
	c := int(math.Floor(float64((y/d+float32(lmax))/2) + 0.5))
	return max(0, min(lmax, c))
}

// scalarScale picks the group scale: the best of a grid of clipping factors
// of max|y|/lmax (weighted error), refined by least squares for its codes.
func scalarScale(y, w []float32, lmax int) float32 {
	var amax float32
	for _, v := range y {
		amax = max(amax, float32(math.Abs(float64(v))))
	}
	if amax == 0 {
		return 0
	}
	best, bestD := math.Inf(1), float32(0)
	for f := 0.40; f <= 1.0001; f += 0.025 {
		d := amax / float32(lmax) * float32(f)
		var err, sxy, sqq float64
		for j, v := range y {
			l := float64(2*scalarLevel(v, d, lmax) - lmax)
			wi := weightAt(w, j)
			e := float64(v) - float64(d)*l
			err += wi * e * e
			sxy += wi * float64(v) * l
			sqq += wi * l * l
		}
		if err < best {
			best, bestD = err, d
			if sqq > 0 && sxy > 0 {
				bestD = float32(sxy / sqq)
			}
		}
	}
	return bestD
}

func init() {
	register(&Codec{Name: "q4", ID: 1, GroupSize: scalarGroup, BitsPerWeight: 4,
		Doc: "4-bit uniform scalar, F16 scale per 32 weights (4.5 bpw)", impl: scalarCodec(4)})
	register(&Codec{Name: "q2", ID: 2, GroupSize: scalarGroup, BitsPerWeight: 2,
		Doc: "2-bit uniform scalar, F16 scale per 32 weights (2.5 bpw)", impl: scalarCodec(2)})
	register(&Codec{Name: "q8", ID: 7, GroupSize: scalarGroup, BitsPerWeight: 8,
		Doc: "8-bit uniform scalar, F16 scale per 32 weights (8.5 bpw)", impl: scalarCodec(8)})
	register(&Codec{Name: "q3", ID: 8, GroupSize: scalarGroup, BitsPerWeight: 3,
		Doc: "3-bit uniform scalar, F16 scale per 32 weights (3.5 bpw)", impl: scalarCodec(3)})
}
