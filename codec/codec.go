package codec

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
)

// ID is a codec's stable numeric identifier, stored in the container. IDs
// are never reused; removed codecs keep their number reserved here.
//
// Assigned: 1 q4, 2 q2, 3 vq2, 4 vq1p6, 5 vq3, 6 vq4, 7 q8, 8 q3, 9 vq1,
// 10 lut2, 11 lut1p6, 12 lut4. Reserved:
// none yet.
type ID uint16

// Sentinel errors, usable with errors.Is.
var (
	ErrUnknownCodec = errors.New("unknown codec")
	ErrShape        = errors.New("unsupported shape")
	ErrInvalid      = errors.New("invalid input")
	ErrCorrupt      = errors.New("corrupt encoded data")
)

// Codec is one row of the codec table.
type Codec struct {
	Name          string  // stable name, e.g. "vq2"
	ID            ID      // stable numeric ID, never reused
	GroupSize     int     // weights per code group (vector or scale group)
	BitsPerWeight float64 // nominal code bits per weight, excluding per-row/group scales and outliers
	Doc           string  // one-line description

	impl codecImpl
}

// codecImpl holds a codec's functions; every one works on one row in the
// stored (rotated) domain.
type codecImpl struct {
	// layout returns the exact size of each blob for a shape, or an error
	// when the shape is not supported.
	layout func(rows, cols int) (map[string]int, error)
	// rowChunk is the number of rows whose codes never share a byte with
	// other rows' (encoding is parallel over such chunks).
	rowChunk int
	// pad is the granularity rows are zero-padded to before rotation
	// (8 for the vector codecs, 1 for the scalar ones).
	pad int
	// stages are the vector codec's stages (nil for scalar codecs) and
	// bits the scalar codec's bits per weight (0 for vector codecs); the
	// Hessian-aware encoder works from them.
	stages []vqStage
	bits   int
	// encodeRow encodes rotated row y (importance w, nil: uniform) into
	// e.Blobs.
	encodeRow func(e *Encoded, r int, y, w []float32)
	// decodeRow writes row r in the rotated domain.
	decodeRow func(e *Encoded, r int, dst []float32)
	// dotRow returns row r · xr, xr already rotated.
	dotRow func(e *Encoded, r int, xr []float32) float32
	// lut is the LUT codec's codebook (nil for the other codecs).
	lut *lutSpec
	// hessBlock is the column block of the Hessian-aware feedback pass
	// and quantBlock codes one such block of a row with the row's fixed
	// scales (see vqQuantBlock); both unset for the scalar codecs, whose
	// blocks are their scale groups.
	hessBlock  int
	quantBlock func(e *Encoded, r, lo int, t, wv, out []float32)
	// check validates code values that the layout alone cannot (nil: none).
	check func(e *Encoded) error
}

var (
	table  []*Codec
	byName = map[string]*Codec{}
	byID   = map[ID]*Codec{}
)

func register(c *Codec) {
	if byName[c.Name] != nil || byID[c.ID] != nil {
		panic("codec: duplicate registration of " + c.Name)
	}
	table = append(table, c)
	sort.Slice(table, func(i, j int) bool { return table[i].ID < table[j].ID })
	byName[c.Name] = c
	byID[c.ID] = c
}

// Codecs returns every codec, ordered by ID.
func Codecs() []*Codec { return append([]*Codec(nil), table...) }

// Lookup returns the codec with the given name.
func Lookup(name string) (*Codec, error) {
	if c := byName[name]; c != nil {
		return c, nil
	}
	return nil, fmt.Errorf("codec %q: %w", name, ErrUnknownCodec)
}

// ByID returns the codec with the given numeric ID.
func ByID(id ID) (*Codec, error) {
	if c := byID[id]; c != nil {
		return c, nil
	}
	return nil, fmt.Errorf("codec id %d: %w", id, ErrUnknownCodec)
}

// Rotation names.
const (
	RotHadamard = "hadamard" // seeded randomized Hadamard transform (default)
	RotNone     = "none"     // weights stored unrotated
)

// Params are a codec's settings. Encode fills in the resolved values; the
// result serializes to the JSON kept in the container's metadata and is all
// a decoder needs besides the blobs.
type Params struct {
	// Rotation is RotHadamard (default when empty) or RotNone.
	Rotation string `json:"rotation"`
	// Seed seeds the sign generator of the rotation.
	Seed uint64 `json:"seed"`
	// RotBlock is the Hadamard block size: a power of two dividing the
	// rotated length P (Encoded.RotatedLen: cols, or cols rounded up to a
	// multiple of 8 for the vector codecs). 0 on input means the default
	// (largest power of two dividing P, at most 4096); it is 0 in the
	// output when Rotation is RotNone.
	RotBlock int `json:"rot_block"`
	// OutlierFrac is the share of weights (0 ≤ f < 0.05) kept in the sparse
	// outlier table, chosen by |w|·sqrt(importance). Encoder input only.
	OutlierFrac float64 `json:"outlier_frac,omitempty"`
	// Outliers is the number of entries in the outlier table (set by Encode).
	Outliers int `json:"outliers"`
}

// JSON returns p as a JSON object.
func (p Params) JSON() string {
	b, _ := json.Marshal(p) // cannot fail: plain fields
	return string(b)
}

// ParseParams parses the JSON written by Params.JSON.
func ParseParams(s string) (Params, error) {
	var p Params
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return p, fmt.Errorf("codec params: %w: %v", ErrInvalid, err)
	}
	return p, nil
}

// resolve checks p for a tensor whose rotated length is n and fills in the
// defaults.
func (p Params) resolve(n int) (Params, error) {
	switch p.Rotation {
	case "", RotHadamard:
		p.Rotation = RotHadamard
		if p.RotBlock == 0 {
			p.RotBlock = autoRotBlock(n)
		}
		if p.RotBlock < 1 || p.RotBlock&(p.RotBlock-1) != 0 || n%p.RotBlock != 0 {
			return p, fmt.Errorf("codec params: rotation block %d must be a power of two dividing the rotated length %d: %w", p.RotBlock, n, ErrInvalid)
		}
	case RotNone:
		p.RotBlock = 0
	default:
		return p, fmt.Errorf("codec params: unknown rotation %q: %w", p.Rotation, ErrInvalid)
	}
	if !(p.OutlierFrac >= 0 && p.OutlierFrac < 0.05) {
		return p, fmt.Errorf("codec params: outlier fraction %v outside [0, 0.05): %w", p.OutlierFrac, ErrInvalid)
	}
	return p, nil
}

// rotatedLen returns the padded row length P the codec rotates and codes:
// cols rounded up to the codec's padding granularity.
func (c *Codec) rotatedLen(cols int) int {
	if c.impl.pad <= 1 {
		return cols
	}
	return (cols + c.impl.pad - 1) / c.impl.pad * c.impl.pad
}

// NMSE returns mean((w-what)²)/mean(w²) (0 when w is all zero and equal).
func NMSE(w, what []float32) float64 {
	var num, den float64
	for i := range w {
		d := float64(w[i]) - float64(what[i])
		num += d * d
		den += float64(w[i]) * float64(w[i])
	}
	if den == 0 {
		if num == 0 {
			return 0
		}
		return math.Inf(1)
	}
	return num / den
}

// WeightedNMSE is NMSE with each column j weighted by imp[j] (E[x_j²]);
// a nil imp weights all columns equally.
func WeightedNMSE(w, what []float32, cols int, imp []float32) float64 {
	if imp == nil {
		return NMSE(w, what)
	}
	var num, den float64
	for i := range w {
		m := float64(imp[i%cols])
		d := float64(w[i]) - float64(what[i])
		num += m * d * d
		den += m * float64(w[i]) * float64(w[i])
	}
	if den == 0 {
		return 0
	}
	return num / den
}
