package codec

import (
	"fmt"

	"github.com/upgtools/upg/kernels"
)

// Input is one input vector of a matrix-vector product prepared once —
// rotated and, for the int8 kernels, quantized — so that several
// goroutines can each compute a range of rows from it (DotRowsInput)
// without repeating that work. The zero value is ready for Prepare; an
// Input can be reused for other vectors and matrices, keeping its buffers.
type Input struct {
	e  *Encoded
	x  []float32 // the caller's vector (the outlier table uses it)
	xr []float32 // rotated and padded (RotatedLen values)
	xq xQuant    // xr quantized for the int8 kernels, when quantized
	q  bool      // xq holds xr
	lt lutTable  // the LUT codecs' product table, when lq
	lq bool
}

// Prepare sets in to x for products with e: x (Cols values) is rotated
// into a buffer of in and quantized for the fast kernels (for the LUT
// codecs: their product table is built). x must not change while products
// use in.
func (in *Input) Prepare(e *Encoded, x []float32) error {
	n, err := in.PrepareTable(e, x)
	if err == nil && n > 0 {
		in.BuildTable(0, n)
	}
	return err
}

// PrepareTable is Prepare without building a LUT codec's product table,
// for callers that build it on several threads: it returns the number n of
// table groups (0 when there is nothing left to build), and BuildTable must
// then be called on disjoint ranges covering [0, n) before any product.
func (in *Input) PrepareTable(e *Encoded, x []float32) (int, error) {
	in.e, in.x, in.q, in.lq = nil, nil, false, false
	if err := e.Validate(); err != nil {
		return 0, err
	}
	if len(x) != e.Cols {
		return 0, fmt.Errorf("prepare input: %d values, want %d: %w", len(x), e.Cols, ErrInvalid)
	}
	in.xr = growF32(in.xr, e.RotatedLen())
	if err := e.RotateInput(in.xr, x); err != nil {
		return 0, err
	}
	return in.finish(e, x), nil
}

// PrepareTableFrom is PrepareTable for a matrix e that SharesRotation with
// the matrix src was prepared for (of another codec, say): it takes the
// rotated vector from src instead of rotating the input again. src is not
// changed and may be used concurrently with in.
func (in *Input) PrepareTableFrom(e *Encoded, src *Input) (int, error) {
	in.e, in.x, in.q, in.lq = nil, nil, false, false
	if src.e == nil || !e.SharesRotation(src.e) {
		return 0, fmt.Errorf("prepare input: source prepared for a matrix of another rotation: %w", ErrInvalid)
	}
	in.xr = growF32(in.xr, len(src.xr))
	copy(in.xr, src.xr)
	return in.finish(e, src.x), nil
}

// finish completes PrepareTable once in.xr holds the rotated x: the int8
// quantization or the LUT table's setup. It returns the table's groups.
func (in *Input) finish(e *Encoded, x []float32) int {
	st := e.state.Load()
	if st.c.impl.stages != nil && useVNNI && !forceRef {
		in.q = in.xq.set(in.xr)
	}
	var groups int
	if st.c.impl.lut != nil && !forceRef {
		groups, in.lq = in.lt.setup(st.c.impl.lut, in.xr)
	}
	in.e, in.x = e, x
	return groups
}

// growF32 returns b resized to n values, reallocated only when too small.
func growF32(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

// BuildTable builds groups [lo, hi) of the product table after
// PrepareTable; calls on disjoint ranges may run concurrently.
func (in *Input) BuildTable(lo, hi int) { in.BuildTablePrefetch(lo, hi, nil) }

// BuildTablePrefetch is BuildTable that also brings pf into cache, spread
// over the build (kernels.LUTBuildHalfPrefetch): typically the first codes
// the product will read. Without a table to build it prefetches pf at
// once.
func (in *Input) BuildTablePrefetch(lo, hi int, pf []byte) {
	if in.lq && lo >= 0 && lo <= hi && hi*kernels.LUTHalf <= len(in.lt.t) {
		in.lt.fill(lo, hi, pf)
		return
	}
	kernels.Prefetch(pf)
}

// DotRowsInput sets dst[r] = (decoded row r) · x for lo ≤ r < hi, like
// DotRows, for the x that in was prepared with for e. Calls on disjoint
// row ranges may run concurrently.
//
// in may also have been prepared for another matrix that SharesInput with
// e: the prepared input (rotation, quantization, product table) is then
// the same.
func (e *Encoded) DotRowsInput(dst []float32, in *Input, lo, hi int) error {
	if in.e != e && (in.e == nil || !e.SharesInput(in.e)) {
		return fmt.Errorf("dot rows: input prepared for another matrix: %w", ErrInvalid)
	}
	if lo < 0 || hi > e.Rows || lo > hi || len(dst) < hi {
		return fmt.Errorf("dot rows [%d,%d) of %d, dst %d: %w", lo, hi, e.Rows, len(dst), ErrInvalid)
	}
	st := e.state.Load()
	if in.lq {
		e.lutDotRows(st, dst, in.x, &in.lt, lo, hi)
		return nil
	}
	if in.q && e.dotRowsFast(st, dst, in.x, in.xr, &in.xq, lo, hi) {
		return nil
	}
	if !in.q && e.dotRowsFast(st, dst, in.x, in.xr, nil, lo, hi) {
		return nil
	}
	for r := lo; r < hi; r++ {
		dst[r] = st.c.impl.dotRow(e, r, in.xr) + st.outs.dotRow(r, in.x)
	}
	return nil
}

// SharesInput reports whether an input prepared for o serves e as well:
// same codec, columns and rotation. A converter that gives the matrices
// applied to one vector (a layer's q, k and v projections) the same
// rotation seed lets a runtime prepare that vector once.
func (e *Encoded) SharesInput(o *Encoded) bool {
	return e.Codec == o.Codec && e.SharesRotation(o)
}

// SharesRotation reports whether e and o rotate their inputs alike (same
// columns and rotation), so that an input prepared for o gives
// PrepareTableFrom the rotated vector for e even where the codecs differ.
func (e *Encoded) SharesRotation(o *Encoded) bool {
	if e.Validate() != nil || o.Validate() != nil {
		return false
	}
	p, q := e.Params, o.Params
	return e.Cols == o.Cols && e.RotatedLen() == o.RotatedLen() && p.Rotation == q.Rotation && p.Seed == q.Seed && p.RotBlock == q.RotBlock
}

// HasOutliers reports whether e has a sparse outlier table, whose share of
// a product DecodeRowsRotated leaves out (see AddOutlierProducts).
func (e *Encoded) HasOutliers() bool {
	st := e.state.Load()
	return st != nil && st.outs.rowStart != nil
}

// AddOutlierProducts adds the outlier table's share of the products of rows
// lo..hi-1 with n inputs: dst[t·ld + r−lo] += Σ_c outlier(r, c)·x[t·Cols+c]
// for t < n. A batched product over rows decoded by DecodeRowsRotated (and
// inputs rotated by RotateInput) is complete with it. Without a table it
// does nothing.
func (e *Encoded) AddOutlierProducts(dst []float32, ld int, x []float32, n, lo, hi int) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if lo < 0 || hi > e.Rows || lo > hi || n < 0 || len(x) < n*e.Cols || (n > 0 && hi > lo && (ld < hi-lo || len(dst) < (n-1)*ld+hi-lo)) {
		return fmt.Errorf("outlier products of rows [%d,%d) of %d, %d inputs of %d, dst %d (ld %d): %w", lo, hi, e.Rows, n, len(x), len(dst), ld, ErrInvalid)
	}
	t := &e.state.Load().outs
	if t.rowStart == nil {
		return nil
	}
	if t.rowStart[lo] == t.rowStart[hi] {
		return nil
	}
	cols := e.Cols
	k := 0
	for ; k+4 <= n; k += 4 { // four inputs per pass over the entries
		x0, x1, x2, x3 := x[k*cols:(k+1)*cols], x[(k+1)*cols:(k+2)*cols], x[(k+2)*cols:(k+3)*cols], x[(k+3)*cols:(k+4)*cols]
		for r := lo; r < hi; r++ {
			if i0, i1 := t.rowStart[r], t.rowStart[r+1]; i0 < i1 {
				var s0, s1, s2, s3 float32
				for i := i0; i < i1; i++ {
					c, v := t.col[i], t.val[i]
					s0 += v * x0[c]
					s1 += v * x1[c]
					s2 += v * x2[c]
					s3 += v * x3[c]
				}
				dst[k*ld+r-lo] += s0
				dst[(k+1)*ld+r-lo] += s1
				dst[(k+2)*ld+r-lo] += s2
				dst[(k+3)*ld+r-lo] += s3
			}
		}
	}
	for ; k < n; k++ {
		xk := x[k*cols : (k+1)*cols]
		for r := lo; r < hi; r++ {
			if i0, i1 := t.rowStart[r], t.rowStart[r+1]; i0 < i1 {
				var s float32
				for i := i0; i < i1; i++ {
					s += t.val[i] * xk[t.col[i]]
				}
				dst[k*ld+r-lo] += s
			}
		}
	}
	return nil
}
