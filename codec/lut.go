package codec

import (
	"encoding/binary"
	"math"
	"unsafe"

	"github.com/upgtools/upg/kernels"
)

// Lookup-table (LUT) codecs: every group of d consecutive rotated weights
// of a row is one byte, the index of an entry of a fixed 256-entry
// d-dimensional codebook (lut_tables.go, integers in units of 1/32, entry
// k+128 the negative of entry k), times
// the row's F16 scale. Codes are stored in tiles of lutTile rows: the code
// of row r, group g is byte ((r/64)·G + g)·64 + r%64 of blob "codes", with
// G = ceil(P/d) groups per row (P = RotatedLen; the last group of a row is
// partial when d does not divide P: its coordinates past P are not part of
// the row). Rows past the last one in the final tile are padding (encoders
// write 0, decoders ignore them).
//
// The layout is the matrix-vector kernel's: for an input x the kernel
// builds once the int8 table T[g][j] ≈ x_g·c_j (kernels.LUTBuildHalf: its
// first 128 entries, the codebooks being sign-symmetric), and one 64-byte
// load then gives the 64 rows of a tile the byte whose table entry they add
// (kernels.LUTDotSym) — one lookup per d weights, no decoding.

// lutTile is the number of rows per code tile.
const lutTile = 64

// lutSpec is one LUT codec's codebook.
type lutSpec struct {
	d      int
	book   []int8    // 256·d integers, entry j at [j·d, (j+1)·d)
	bookF  []float32 // book as float32
	cbT    []float32 // book transposed: [i·256+j]
	ccT    []float32 // squares of cbT's values
	cbHalf []float32 // entries 0..127 transposed, for kernels.LUTBuildHalf: [i·128+j]
	maxN   float64   // largest entry norm
}

func newLUTSpec(d int, book []int8) *lutSpec {
	s := &lutSpec{d: d, book: book, bookF: make([]float32, len(book)), cbT: make([]float32, len(book)), ccT: make([]float32, len(book)), cbHalf: make([]float32, len(book)/2)}
	for j := range 256 {
		var n2 float64
		for i := range d {
			v := float32(book[j*d+i])
			s.bookF[j*d+i] = v
			s.cbT[i*256+j] = v
			s.ccT[i*256+j] = v * v
			if j < 128 {
				s.cbHalf[i*128+j] = v
			}
			n2 += float64(v) * float64(v)
		}
		s.maxN = max(s.maxN, math.Sqrt(n2))
	}
	return s
}

// flatBook returns the entries of a codebook table one after the other.
func flatBook[E [2]int8 | [4]int8 | [5]int8](b *[256]E) []int8 {
	return unsafe.Slice((*int8)(unsafe.Pointer(b)), int(unsafe.Sizeof(*b)))
}

var (
	lutSpec2 = newLUTSpec(2, flatBook(&lutBook2))
	lutSpec4 = newLUTSpec(4, flatBook(&lutBook4))
	lutSpec5 = newLUTSpec(5, flatBook(&lutBook5))
)

// TableProducts reports whether the codec's matrix-vector products build a
// table per input vector (the LUT codecs): matrices applied to one vector
// then gain from sharing a rotation seed (Encoded.SharesInput), since the
// table is built once for all of them.
func (c *Codec) TableProducts() bool { return c.impl.lut != nil }

// lutGroups is the number of code groups of a row of rotated length p.
func lutGroups(p, d int) int { return (p + d - 1) / d }

// lutTiles is the number of code tiles of a matrix.
func lutTiles(rows int) int { return (rows + lutTile - 1) / lutTile }

// lutCodeAt is the offset of the code of row r, group g.
func lutCodeAt(groups, r, g int) int { return ((r/lutTile)*groups+g)*lutTile + r%lutTile }

func lutCodec(s *lutSpec) codecImpl {
	return codecImpl{
		rowChunk:  lutTile,
		pad:       8,
		lut:       s,
		hessBlock: s.d * ((8 + s.d - 1) / s.d),
		layout: func(rows, cols int) (map[string]int, error) {
			g := lutGroups(8*vecsPerRow(cols), s.d)
			return map[string]int{"codes": lutTiles(rows) * lutTile * g, "scales": 2 * rows}, nil
		},
		encodeRow: func(e *Encoded, r int, y, w []float32) { s.encodeRow(e, r, y, w) },
		decodeRow: func(e *Encoded, r int, dst []float32) { s.decodeRow(e, r, dst) },
		dotRow:    func(e *Encoded, r int, xr []float32) float32 { return s.dotRow(e, r, xr) },
		quantBlock: func(e *Encoded, r, lo int, t, wv, out []float32) {
			s.quantBlock(e, r, lo, t, wv, out)
		},
	}
}

// nearest returns the entry minimizing Σ_i w_i·(z_i − c_i)² (w nil:
// uniform) over the d coordinates of z, scored as Σ_i (w_i·c_i² − 2·w_i·z_i·c_i)
// (the constant Σ w_i·z_i² left out) in float32 in lutScanGo's order; ties
// go to the lowest index. The AVX-512 scan computes the same scores.
func (s *lutSpec) nearest(z, w []float32) uint8 {
	var a, wv [8]float32
	for i := range s.d {
		wv[i] = 1
		if w != nil {
			wv[i] = w[i]
		}
		a[i] = -2 * float32(wv[i]*z[i])
	}
	var best [16]float32
	var idx [16]int32
	if useLUTScan {
		lutScanAVX512(&a[0], &wv[0], s.d, &s.cbT[0], &s.ccT[0], &best[0], &idx[0])
	} else {
		s.lutScanGo(&a, &wv, &best, &idx)
	}
	k := 0
	for l := 1; l < 16; l++ {
		if best[l] < best[k] || (best[l] == best[k] && idx[l] < idx[k]) {
			k = l
		}
	}
	return uint8(idx[k])
}

// lutScanGo scores the 256 entries for coefficients a_i = −2·w_i·z_i and
// weights w_i and keeps, per lane l (entries j ≡ l mod 16), the smallest
// score (first on ties) and its entry.
func (s *lutSpec) lutScanGo(a, w *[8]float32, best *[16]float32, idx *[16]int32) {
	for l := range 16 {
		best[l] = float32(math.Inf(1))
		idx[l] = 0
	}
	for j := range 256 {
		v := float32(w[0]*s.ccT[j]) + float32(a[0]*s.cbT[j])
		for i := 1; i < s.d; i++ {
			v = float32(v + float32(w[i]*s.ccT[i*256+j]))
			v = float32(v + float32(a[i]*s.cbT[i*256+j]))
		}
		if l := j % 16; v < best[l] {
			best[l], idx[l] = v, int32(j)
		}
	}
}

// group copies group g of y (and w) into z (and wz), zero past the end,
// and returns how many coordinates are real.
func (s *lutSpec) group(g int, y, w, z, wz []float32) int {
	lo := g * s.d
	n := min(s.d, len(y)-lo)
	copy(z, y[lo:lo+n])
	clear(z[n:s.d])
	if w != nil {
		copy(wz, w[lo:lo+n])
		clear(wz[n:s.d])
	}
	return n
}

// encodeRow codes rotated row y (importance w, nil: uniform): the codes
// for the weighted-RMS scale, then the least-squares scale for those codes,
// then once more the codes for that scale and its least-squares scale.
func (s *lutSpec) encodeRow(e *Encoded, r int, y, w []float32) {
	p := len(y)
	groups := lutGroups(p, s.d)
	codes := e.Blobs["codes"]
	scale := weightedRMS(y, w) // the codebooks are trained for unit variance
	var z, wz [8]float32
	for pass := 0; pass < 2 && scale > 0; pass++ {
		inv := float32(32 / scale)
		var sxy, sqq float64
		for g := range groups {
			n := s.group(g, y, w, z[:], wz[:])
			for i := range n {
				z[i] *= inv
			}
			var wp []float32
			switch {
			case w != nil:
				wp = wz[:s.d]
			case n < s.d: // a partial group: only the real coordinates count
				for i := range s.d {
					wz[i] = float32(min(1, max(0, n-i)))
				}
				wp = wz[:s.d]
			}
			k := s.nearest(z[:s.d], wp)
			codes[lutCodeAt(groups, r, g)] = k
			c := s.book[int(k)*s.d:]
			for i := range n {
				wi := weightAt(w, g*s.d+i)
				f := float64(c[i]) / 32
				sxy += wi * float64(y[g*s.d+i]) * f
				sqq += wi * f * f
			}
		}
		scale = 0
		if sqq > 0 && sxy > 0 {
			scale = sxy / sqq
		}
	}
	binary.LittleEndian.PutUint16(e.Blobs["scales"][2*r:], kernels.F32ToF16(float32(scale)))
}

// decodeRow writes row r in the rotated domain: dd·c[i] with dd = the row
// scale times 2⁻⁵.
func (s *lutSpec) decodeRow(e *Encoded, r int, dst []float32) {
	p, d := len(dst), s.d
	groups := lutGroups(p, d)
	dd := rowScale(e.Blobs["scales"], r)
	codes := e.Blobs["codes"][lutCodeAt(groups, r, 0):]
	full := p / d
	switch d {
	case 4: // lut2, the common case, unrolled
		for g := range full {
			c := (*[4]float32)(s.bookF[int(codes[g*lutTile])*4:])
			o := (*[4]float32)(dst[g*4:])
			o[0], o[1], o[2], o[3] = dd*c[0], dd*c[1], dd*c[2], dd*c[3]
		}
	default:
		for g := range full {
			k := int(codes[g*lutTile]) * d
			c, o := s.bookF[k:k+d], dst[g*d:g*d+d]
			for i := range o {
				o[i] = dd * c[i]
			}
		}
	}
	if full < groups {
		c := s.bookF[int(codes[full*lutTile])*d:]
		for i := range p - full*d {
			dst[full*d+i] = dd * c[i]
		}
	}
}

// dotRow is the reference product: Σ decoded·xr in float32, group by group.
func (s *lutSpec) dotRow(e *Encoded, r int, xr []float32) float32 {
	p, d := len(xr), s.d
	groups := lutGroups(p, d)
	dd := rowScale(e.Blobs["scales"], r)
	codes := e.Blobs["codes"][lutCodeAt(groups, r, 0):]
	var sum float32
	for g := range groups {
		c := s.bookF[int(codes[g*lutTile])*d:]
		lo := g * d
		for i := range min(d, p-lo) {
			sum += dd * c[i] * xr[lo+i]
		}
	}
	return sum
}

// quantBlock codes the target t of row r at rotated columns [lo, lo+len(t))
// — whole groups, the last possibly cut by the row's end — with the row's
// fixed scale and weights wv, and writes the decoded values to out.
func (s *lutSpec) quantBlock(e *Encoded, r, lo int, t, wv, out []float32) {
	p := e.RotatedLen()
	groups := lutGroups(p, s.d)
	dd := rowScale(e.Blobs["scales"], r)
	codes := e.Blobs["codes"]
	var z, wz [8]float32
	for o := 0; o < len(t); o += s.d {
		n := s.group(o/s.d, t, wv, z[:], wz[:])
		var k uint8
		if dd != 0 {
			for i := range n {
				z[i] /= dd
			}
			k = s.nearest(z[:s.d], wz[:s.d])
		}
		codes[lutCodeAt(groups, r, (lo+o)/s.d)] = k
		c := s.bookF[int(k)*s.d:]
		for i := range n {
			out[o+i] = dd * c[i]
		}
	}
}

func init() {
	register(&Codec{Name: "lut2", ID: 10, GroupSize: 4, BitsPerWeight: 2,
		Doc:  "2 bpw: 4-weight groups, one byte each indexing a 256-entry trained table, F16 row scale; products by table lookup",
		impl: lutCodec(lutSpec4)})
	register(&Codec{Name: "lut1p6", ID: 11, GroupSize: 5, BitsPerWeight: 1.6,
		Doc:  "1.6 bpw: 5-weight groups, one byte each indexing a 256-entry trained table, F16 row scale; products by table lookup",
		impl: lutCodec(lutSpec5)})
	register(&Codec{Name: "lut4", ID: 12, GroupSize: 2, BitsPerWeight: 4,
		Doc:  "4 bpw: 2-weight groups, one byte each indexing a 256-entry trained table, F16 row scale; products by table lookup",
		impl: lutCodec(lutSpec2)})
}
