package codec

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// Encoded is one encoded rows×cols tensor: the codec, its resolved
// parameters and the exact bytes stored (blob name → bytes). Blob names:
// "scales", "codes" (stage 1), "scales2", "codes2" (residual stage),
// "outlier_idx", "outlier_val" (only with outliers). An Encoded built from a
// container is checked by Validate (the other methods call it) before any
// offset is trusted.
type Encoded struct {
	Codec  ID
	Rows   int
	Cols   int
	Params Params
	Blobs  map[string][]byte

	state atomic.Pointer[decodeState]
}

// decodeState is what Validate derives once: the codec row, the rotation
// and the parsed outlier table.
type decodeState struct {
	c    *Codec
	rot  *rotation
	outs outlierTable

	// the LUT codecs' codes and scales blobs and groups per tile row, for
	// the product loop (no map lookups per call)
	lutCodes, lutScales []byte
	lutGroups           int
}

// maxElems bounds rows*cols so that sizes never overflow.
const maxElems = 1 << 40

// Bytes returns the number of bytes stored for the tensor: every blob
// (codes, scales, outliers, padding). The codec ID, shape and the few
// integers of Params (rotation seed and block) are metadata of the
// container and are not counted here; they are O(1) per tensor.
func (e *Encoded) Bytes() int64 {
	var n int64
	for _, b := range e.Blobs {
		n += int64(len(b))
	}
	return n
}

// BPW returns 8·Bytes/(rows·cols).
func (e *Encoded) BPW() float64 {
	return 8 * float64(e.Bytes()) / float64(e.Rows*e.Cols)
}

// Validate checks the codec, shape, parameters and blob sizes and parses
// the outlier table. It is idempotent and safe for concurrent use.
func (e *Encoded) Validate() error {
	if e.state.Load() != nil {
		return nil
	}
	st, err := e.validate()
	if err != nil {
		return err
	}
	e.state.Store(st)
	return nil
}

func (e *Encoded) validate() (*decodeState, error) {
	c, err := ByID(e.Codec)
	if err != nil {
		return nil, err
	}
	if e.Rows <= 0 || e.Cols <= 0 || int64(e.Rows)*int64(e.Cols) > maxElems {
		return nil, fmt.Errorf("codec %s: shape %dx%d: %w", c.Name, e.Rows, e.Cols, ErrShape)
	}
	p := e.Params
	if p.Rotation == RotHadamard && p.RotBlock == 0 {
		return nil, fmt.Errorf("codec %s: hadamard rotation without block size: %w", c.Name, ErrCorrupt)
	}
	if p, err = p.resolve(c.rotatedLen(e.Cols)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	sizes, err := c.impl.layout(e.Rows, e.Cols)
	if err != nil {
		return nil, err
	}
	for name, n := range sizes {
		if len(e.Blobs[name]) != n {
			return nil, fmt.Errorf("codec %s: blob %q has %d bytes, want %d: %w", c.Name, name, len(e.Blobs[name]), n, ErrCorrupt)
		}
	}
	known := len(sizes)
	st := &decodeState{c: c}
	if p.Outliers > 0 || e.Blobs[blobOutIdx] != nil || e.Blobs[blobOutVal] != nil {
		if st.outs, err = parseOutliers(e.Blobs[blobOutIdx], e.Blobs[blobOutVal], p.Outliers, e.Rows, e.Cols); err != nil {
			return nil, fmt.Errorf("codec %s: %w", c.Name, err)
		}
		known += 2
	}
	if len(e.Blobs) != known {
		return nil, fmt.Errorf("codec %s: %d blobs, want %d: %w", c.Name, len(e.Blobs), known, ErrCorrupt)
	}
	if c.impl.check != nil {
		if err := c.impl.check(e); err != nil {
			return nil, fmt.Errorf("codec %s: %w", c.Name, err)
		}
	}
	st.rot = newRotation(p.Seed, p.RotBlock, c.rotatedLen(e.Cols))
	if l := c.impl.lut; l != nil {
		st.lutCodes, st.lutScales = e.Blobs["codes"], e.Blobs["scales"]
		st.lutGroups = lutGroups(c.rotatedLen(e.Cols), l.d)
	}
	return st, nil
}

// RotatedLen returns the length P of a row in the stored (rotated) domain
// and of the input RotateInput writes and DotRowsRotated takes: Cols for
// the scalar codecs, Cols rounded up to a multiple of 8 for the vector
// codecs (rows are zero-padded before rotation). For an unknown codec it
// returns Cols (Validate reports the error).
func (e *Encoded) RotatedLen() int {
	c, err := ByID(e.Codec)
	if err != nil {
		return e.Cols
	}
	return c.rotatedLen(e.Cols)
}

// Encode encodes the row-major rows×cols matrix w. importance, when not
// nil, holds E[x_j²] per column (length cols, finite, ≥ 0) and weights the
// error the encoder minimizes. p selects rotation, seed and outliers.
func (c *Codec) Encode(w []float32, rows, cols int, importance []float32, p Params) (*Encoded, error) {
	if err := c.checkWeights(w, rows, cols); err != nil {
		return nil, err
	}
	if importance != nil {
		if len(importance) != cols {
			return nil, fmt.Errorf("codec %s: importance has %d values, want %d: %w", c.Name, len(importance), cols, ErrInvalid)
		}
		for j, v := range importance {
			if !(v >= 0) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("codec %s: importance[%d] = %v: %w", c.Name, j, v, ErrInvalid)
			}
		}
	}
	e, rot, err := c.newEncoded(rows, cols, p)
	if err != nil {
		return nil, err
	}
	dense, outPos := c.splitOutliers(w, cols, importance, e.Params.OutlierFrac)
	n := c.rotatedLen(cols)
	var imp []float32
	if importance != nil {
		imp = make([]float32, n) // zero importance on the padding
		copy(imp, importance)
		imp = rot.rotateImportance(imp)
	}
	parallelChunks(rows, c.impl.rowChunk, func(r0, r1 int) {
		y := make([]float32, n)
		for r := r0; r < r1; r++ {
			copy(y, dense[r*cols:(r+1)*cols])
			clear(y[cols:])
			rot.forward(y)
			c.impl.encodeRow(e, r, y, imp)
		}
	})
	return c.finish(e, rot, w, outPos)
}

// newEncoded resolves p and allocates the blobs of a rows×cols encoding.
func (c *Codec) newEncoded(rows, cols int, p Params) (*Encoded, *rotation, error) {
	n := c.rotatedLen(cols)
	p, err := p.resolve(n)
	if err != nil {
		return nil, nil, fmt.Errorf("codec %s: %w", c.Name, err)
	}
	sizes, err := c.impl.layout(rows, cols)
	if err != nil {
		return nil, nil, err
	}
	e := &Encoded{Codec: c.ID, Rows: rows, Cols: cols, Params: p, Blobs: map[string][]byte{}}
	for name, size := range sizes {
		e.Blobs[name] = make([]byte, size)
	}
	return e, newRotation(p.Seed, p.RotBlock, n), nil
}

// splitOutliers picks the outlier positions (round(frac·len(w)) largest
// |w|·sqrt(imp)) and returns w with them zeroed (w itself when none).
func (c *Codec) splitOutliers(w []float32, cols int, imp []float32, frac float64) (dense []float32, pos []int) {
	n := int(math.Round(frac * float64(len(w))))
	if n <= 0 {
		return w, nil
	}
	pos = selectOutliers(w, cols, imp, n)
	dense = append([]float32(nil), w...)
	for _, i := range pos {
		dense[i] = 0
	}
	return dense, pos
}

// finish attaches the outlier table for positions pos (if any) and
// validates the encoding.
func (c *Codec) finish(e *Encoded, rot *rotation, w []float32, pos []int) (*Encoded, error) {
	if pos != nil {
		e.Params.Outliers = len(pos)
		e.Blobs[blobOutIdx], e.Blobs[blobOutVal] = buildOutliers(e, c, rot, w, pos)
	}
	if err := e.Validate(); err != nil {
		return nil, fmt.Errorf("codec %s: encoder produced invalid data: %w", c.Name, err)
	}
	return e, nil
}

// checkWeights checks the shape and that every weight is finite and
// representable.
func (c *Codec) checkWeights(w []float32, rows, cols int) error {
	if rows <= 0 || cols <= 0 || int64(rows)*int64(cols) > maxElems || len(w) != rows*cols {
		return fmt.Errorf("codec %s: %d weights for shape %dx%d: %w", c.Name, len(w), rows, cols, ErrShape)
	}
	if i := firstNonFinite(w); i >= 0 {
		return fmt.Errorf("codec %s: weight %d (row %d, col %d) is %v (must be finite, |w| < 32768): %w", c.Name, i, i/cols, i%cols, w[i], ErrInvalid)
	}
	return nil
}

// maxWeight bounds |w| so that every scale and correction fits in F16.
const maxWeight = 1 << 15

func firstNonFinite(w []float32) int {
	for i, v := range w {
		if !(math.Abs(float64(v)) < maxWeight) {
			return i
		}
	}
	return -1
}

// parallelChunks runs f over [0,rows) in chunks whose size is a multiple of
// chunk, on up to GOMAXPROCS goroutines.
func parallelChunks(rows, chunk int, f func(r0, r1 int)) {
	workers := runtime.GOMAXPROCS(0)
	per := (rows + workers - 1) / workers
	per = (per + chunk - 1) / chunk * chunk
	var wg sync.WaitGroup
	for r0 := 0; r0 < rows; r0 += per {
		r1 := min(r0+per, rows)
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(r0, r1)
		}()
	}
	wg.Wait()
}

// Decode writes the whole decoded matrix (row-major, rows*cols) into dst.
func (e *Encoded) Decode(dst []float32) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if len(dst) != e.Rows*e.Cols {
		return fmt.Errorf("decode: dst has %d values, want %d: %w", len(dst), e.Rows*e.Cols, ErrInvalid)
	}
	parallelChunks(e.Rows, 1, func(r0, r1 int) {
		tmp := make([]float32, e.RotatedLen())
		for r := r0; r < r1; r++ {
			e.decodeRow(r, dst[r*e.Cols:(r+1)*e.Cols], tmp)
		}
	})
	return nil
}

// DecodeRow writes row r (len(dst) == Cols) — the reference decoder.
func (e *Encoded) DecodeRow(r int, dst []float32) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if r < 0 || r >= e.Rows || len(dst) != e.Cols {
		return fmt.Errorf("decode row %d of %d into %d values: %w", r, e.Rows, len(dst), ErrInvalid)
	}
	e.decodeRow(r, dst, make([]float32, e.RotatedLen()))
	return nil
}

// decodeRow decodes row r into dst (Cols values) using tmp (RotatedLen
// values) as the stored-domain row.
func (e *Encoded) decodeRow(r int, dst, tmp []float32) {
	st := e.state.Load()
	st.c.impl.decodeRow(e, r, tmp)
	st.rot.inverse(tmp)
	copy(dst, tmp)
	st.outs.addRow(r, dst)
}

// RotateInput writes the rotated input xr = R·x that DotRowsRotated takes:
// len(x) == Cols, len(xr) == RotatedLen(); x is zero-extended to
// RotatedLen() first (xr is a padded copy when the tensor is not rotated).
// Compute it once per x and share it between workers.
func (e *Encoded) RotateInput(xr, x []float32) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if n := e.RotatedLen(); len(x) != e.Cols || len(xr) != n {
		return fmt.Errorf("rotate input: xr %d and x %d values, want %d and %d: %w", len(xr), len(x), n, e.Cols, ErrInvalid)
	}
	copy(xr, x)
	clear(xr[e.Cols:])
	e.state.Load().rot.forward(xr)
	return nil
}

// DotRows sets dst[r] = (decoded row r) · x for lo ≤ r < hi, working on the
// codes directly; the rotation is applied to x once per call.
func (e *Encoded) DotRows(dst, x []float32, lo, hi int) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if len(x) != e.Cols {
		return fmt.Errorf("dot rows: x has %d values, want %d: %w", len(x), e.Cols, ErrInvalid)
	}
	xr := make([]float32, e.RotatedLen())
	if err := e.RotateInput(xr, x); err != nil {
		return err
	}
	return e.DotRowsRotated(dst, x, xr, lo, hi)
}

// DotRowsRotated is DotRows with xr = RotateInput(x) computed by the caller
// (len(xr) == RotatedLen()); x is still needed for the outlier corrections.
func (e *Encoded) DotRowsRotated(dst, x, xr []float32, lo, hi int) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if len(x) != e.Cols || len(xr) != e.RotatedLen() || lo < 0 || hi > e.Rows || lo > hi || len(dst) < hi {
		return fmt.Errorf("dot rows [%d,%d) of %d, x %d, xr %d, dst %d: %w", lo, hi, e.Rows, len(x), len(xr), len(dst), ErrInvalid)
	}
	st := e.state.Load()
	if e.dotRowsFast(st, dst, x, xr, nil, lo, hi) {
		return nil
	}
	for r := lo; r < hi; r++ {
		dst[r] = st.c.impl.dotRow(e, r, xr) + st.outs.dotRow(r, x)
	}
	return nil
}
