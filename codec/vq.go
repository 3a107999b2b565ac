package codec

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/upgtools/upg/kernels"
)

// vqStage is one quantization stage of a vector codec: a codebook, the
// packing of its codes and the names of its blobs.
type vqStage struct {
	t      *svqTable
	codes  string
	scales string
	bytes  func(nvec int) int
	get    func(b []byte, v int) svqCode
	put    func(b []byte, v int, c svqCode)
}

// u16 packing: one little-endian uint16 per vector: bits 0-7 entry,
// bits 8-14 sign bits of coordinates 0..6, bit 15 shift bit.
func u16Stage(t *svqTable, codes, scales string) vqStage {
	return vqStage{t: t, codes: codes, scales: scales,
		bytes: func(n int) int { return 2 * n },
		get: func(b []byte, v int) svqCode {
			x := binary.LittleEndian.Uint16(b[2*v:])
			return svqCode{k: x & 0xff, signs: uint8(x>>8) & 0x7f, shift: uint8(x >> 15)}
		},
		put: func(b []byte, v int, c svqCode) {
			binary.LittleEndian.PutUint16(b[2*v:], c.k|uint16(c.signs)<<8|uint16(c.shift)<<15)
		},
	}
}

// u8 packing (2-entry table, no shift): bit 0 entry, bits 1-7 sign bits.
func u8Stage(t *svqTable, codes, scales string) vqStage {
	return vqStage{t: t, codes: codes, scales: scales,
		bytes: func(n int) int { return n },
		get:   func(b []byte, v int) svqCode { return svqCode{k: uint16(b[v] & 1), signs: b[v] >> 1} },
		put:   func(b []byte, v int, c svqCode) { b[v] = uint8(c.k) | c.signs<<1 },
	}
}

// radixBase is the entry count of the 1.6-bit table; 5 entries in base 55
// take 29 bits, so 5 vectors (40 weights) fit one uint64.
const radixBase = 55

var radixPow = [6]uint64{1, 55, 55 * 55, 55 * 55 * 55, 55 * 55 * 55 * 55, 55 * 55 * 55 * 55 * 55}

// radix packing: per 5 vectors one little-endian uint64: bits 7j..7j+6 are
// vector j's sign bits, bits 35..63 hold N = Σ k_j·55^j.
func radixStage(t *svqTable, codes, scales string) vqStage {
	return vqStage{t: t, codes: codes, scales: scales,
		bytes: func(n int) int { return 8 * ((n + 4) / 5) },
		get: func(b []byte, v int) svqCode {
			x := binary.LittleEndian.Uint64(b[8*(v/5):])
			j := v % 5
			k := (x >> 35) / radixPow[j] % radixBase
			return svqCode{k: uint16(k), signs: uint8(x>>(7*j)) & 0x7f}
		},
		put: func(b []byte, v int, c svqCode) {
			x := binary.LittleEndian.Uint64(b[8*(v/5):])
			j := v % 5
			n := x >> 35
			old := n / radixPow[j] % radixBase
			n = n - old*radixPow[j] + uint64(c.k)*radixPow[j]
			x = x&^(0x7f<<(7*j)) | uint64(c.signs)<<(7*j)
			x = x&(1<<35-1) | n<<35
			binary.LittleEndian.PutUint64(b[8*(v/5):], x)
		},
	}
}

// vqCodec builds the functions of a vector codec from its stages.
func vqCodec(stages []vqStage, rowChunk int) codecImpl {
	return codecImpl{
		rowChunk:  rowChunk,
		pad:       8,
		stages:    stages,
		hessBlock: 8,
		quantBlock: func(e *Encoded, r, lo int, t, wv, out []float32) {
			vqQuantBlock(stages, e, r, lo/8, t, wv, out)
		},
		layout: func(rows, cols int) (map[string]int, error) {
			m := map[string]int{}
			for _, s := range stages {
				m[s.codes] = s.bytes(rows * vecsPerRow(cols))
				m[s.scales] = 2 * rows
			}
			return m, nil
		},
		encodeRow: func(e *Encoded, r int, y, w []float32) { vqEncodeRow(stages, e, r, y, w) },
		decodeRow: func(e *Encoded, r int, dst []float32) {
			clear(dst)
			nv := vecsPerRow(e.Cols)
			var q [8]int32
			for _, s := range stages {
				dd := rowScale(e.Blobs[s.scales], r)
				codes := e.Blobs[s.codes]
				for v := range nv {
					s.t.expand(s.get(codes, r*nv+v), &q)
					for i := range 8 {
						dst[8*v+i] += float32(dd * float32(q[i]))
					}
				}
			}
		},
		dotRow: func(e *Encoded, r int, xr []float32) float32 {
			return vqDotRow(stages, e, r, xr) // reference: vqDotRowRef
		},
		check: func(e *Encoded) error {
			for _, s := range stages {
				if s.t == &svqTable16 {
					b := e.Blobs[s.codes]
					for o := 0; o < len(b); o += 8 {
						if binary.LittleEndian.Uint64(b[o:])>>35 >= radixPow[5] {
							return fmt.Errorf("blob %q: radix word at byte %d out of range: %w", s.codes, o, ErrCorrupt)
						}
					}
				}
			}
			return nil
		},
	}
}

// vecsPerRow is the number of 8-weight vectors of a row: rows are
// zero-padded to a multiple of 8 before rotation.
func vecsPerRow(cols int) int { return (cols + 7) / 8 }

// rowScale returns the F16 scale of row r times 2^-5 (exact), the factor
// applied to the integer codewords.
func rowScale(b []byte, r int) float32 {
	return kernels.F16ToF32(binary.LittleEndian.Uint16(b[2*r:])) * (1.0 / 32)
}

// vqEncodeRow quantizes y stage by stage: each stage codes the residual of
// the previous ones with its own least-squares row scale.
func vqEncodeRow(stages []vqStage, e *Encoded, r int, y, w []float32) {
	nv := vecsPerRow(e.Cols)
	res := append([]float32(nil), y...)
	q := make([]int32, len(y))
	for _, s := range stages {
		var scale float64
		if rms := weightedRMS(res, w); rms > 0 {
			inv := float32(32 / rms)
			codes := e.Blobs[s.codes]
			var z, wv [8]float32
			var qv [8]int32
			for v := range nv {
				uniform := true
				for i := range 8 {
					z[i] = res[8*v+i] * inv
					wv[i] = float32(weightAt(w, 8*v+i))
					uniform = uniform && wv[i] == wv[0]
				}
				wp := &wv
				if uniform {
					wp = nil
				}
				c, _ := s.t.nearest(&z, wp)
				s.put(codes, r*nv+v, c)
				s.t.expand(c, &qv)
				copy(q[8*v:], qv[:])
			}
			// least-squares scale for the chosen codes: ŷ = scale·q/32
			var sxy, sqq float64
			for i, v := range res {
				wi := weightAt(w, i)
				f := float64(q[i]) / 32
				sxy += wi * float64(v) * f
				sqq += wi * f * f
			}
			if sqq > 0 && sxy > 0 {
				scale = sxy / sqq
			}
		}
		h := kernels.F32ToF16(float32(scale))
		binary.LittleEndian.PutUint16(e.Blobs[s.scales][2*r:], h)
		dd := kernels.F16ToF32(h) * (1.0 / 32)
		for i := range res {
			res[i] -= float32(dd * float32(q[i]))
		}
		clear(q)
	}
}

// weightedRMS returns sqrt(Σ w_i·y_i² / Σ w_i) (w nil: uniform), or 0
// when either sum is not positive.
func weightedRMS(y, w []float32) float64 {
	var num, den float64
	for i, v := range y {
		wi := weightAt(w, i)
		num += wi * float64(v) * float64(v)
		den += wi
	}
	if num > 0 && den > 0 {
		return math.Sqrt(num / den)
	}
	return 0
}

func weightAt(w []float32, i int) float64 {
	if w == nil {
		return 1
	}
	return float64(w[i])
}

func init() {
	register(&Codec{Name: "vq2", ID: 3, GroupSize: 8, BitsPerWeight: 2,
		Doc:  "2 bpw: 8-weight vectors, 256-entry sign-structured table (E8P-derived), 16 bits per vector, F16 row scale",
		impl: vqCodec([]vqStage{u16Stage(&svqTable2, "codes", "scales")}, 1)})
	register(&Codec{Name: "vq1p6", ID: 4, GroupSize: 40, BitsPerWeight: 1.6,
		Doc:  "1.6 bpw: 8-weight vectors, 55-entry table, 5 vectors per 64-bit word (radix 55), F16 row scale",
		impl: vqCodec([]vqStage{radixStage(&svqTable16, "codes", "scales")}, 5)})
	register(&Codec{Name: "vq3", ID: 5, GroupSize: 8, BitsPerWeight: 3,
		Doc: "3 bpw: vq2 plus a 1-bit-per-weight residual stage (2-entry table), F16 row scales",
		impl: vqCodec([]vqStage{u16Stage(&svqTable2, "codes", "scales"),
			u8Stage(&svqTable1, "codes2", "scales2")}, 1)})
	register(&Codec{Name: "vq4", ID: 6, GroupSize: 8, BitsPerWeight: 4,
		Doc: "4 bpw: vq2 plus a second vq2 stage on the residual, F16 row scales",
		impl: vqCodec([]vqStage{u16Stage(&svqTable2, "codes", "scales"),
			u16Stage(&svqTable2, "codes2", "scales2")}, 1)})
}
