package model

import (
	"fmt"
	"unsafe"

	"github.com/upgtools/upg/kernels"
)

// Linear is a weight matrix W of Rows()×Cols() that can multiply vectors,
// whatever its storage (F32, BF16, F16, FP8, a UPG codec). Layers only use
// this interface; the storage is chosen once, at load.
type Linear interface {
	// Rows is the number of output features, Cols the number of inputs.
	Rows() int
	Cols() int
	// MatMul computes dst[t·Rows()+r] = Σ_c W[r,c]·x[t·Cols()+c] for the n
	// vectors t < n of x, splitting the rows across the pool's workers.
	MatMul(p *kernels.Pool, dst, x []float32, n int)
	// Row decodes row r into dst[:Cols()] (used for embedding look-ups).
	Row(r int, dst []float32)
	// Bytes is the storage the weight occupies.
	Bytes() int64
}

// rowDotter is the storage-specific core of a dense matrix.
type rowDotter interface {
	dot(r int, x []float32) float32
	row(r int, dst []float32)
}

// Dense is a row-major matrix kept in its stored dtype.
type Dense struct {
	rows, cols int
	bytes      int64
	f32        bool // rows can be used in place (no decode)
	store      rowDotter
}

// NewDenseF32 wraps a row-major float32 matrix.
func NewDenseF32(w []float32, rows, cols int) (*Dense, error) {
	if len(w) != rows*cols {
		return nil, fmt.Errorf("F32 matrix %d×%d: have %d values", rows, cols, len(w))
	}
	return &Dense{rows, cols, int64(4 * len(w)), true, f32Store{w, cols}}, nil
}

// NewDenseBytes wraps little-endian stored bytes of dtype "F32", "BF16" or
// "F16" without copying them (when they are suitably aligned).
func NewDenseBytes(dtype string, b []byte, rows, cols int) (*Dense, error) {
	n := rows * cols
	switch dtype {
	case "F32":
		if len(b) != 4*n {
			return nil, fmt.Errorf("F32 matrix %d×%d: have %d bytes, want %d", rows, cols, len(b), 4*n)
		}
		return NewDenseF32(asF32(b), rows, cols)
	case "BF16", "F16":
		if len(b) != 2*n {
			return nil, fmt.Errorf("%s matrix %d×%d: have %d bytes, want %d", dtype, rows, cols, len(b), 2*n)
		}
		u := asU16(b)
		if dtype == "BF16" {
			return &Dense{rows, cols, int64(len(b)), false, bf16Store{u, cols}}, nil
		}
		return &Dense{rows, cols, int64(len(b)), false, f16Store{u, cols}}, nil
	}
	return nil, fmt.Errorf("dense matrix: unsupported dtype %s", dtype)
}

// Rows implements Linear.
func (d *Dense) Rows() int { return d.rows }

// Cols implements Linear.
func (d *Dense) Cols() int { return d.cols }

// Bytes implements Linear.
func (d *Dense) Bytes() int64 { return d.bytes }

// Row implements Linear.
func (d *Dense) Row(r int, dst []float32) { d.store.row(r, dst) }

// MatMul implements Linear. For one vector, F32, BF16 and F16 stores run the
// matrix-vector kernels (kernels.MatVecBF16 and its siblings: four rows per
// pass at memory bandwidth) and other stores fuse decoding into a dot
// product per row; for several, F32, BF16 and F16 stores run the blocked
// kernels (kernels.MatMulF32 and its siblings), and other stores decode each
// row once and use it for all of them.
func (d *Dense) MatMul(p *kernels.Pool, dst, x []float32, n int) {
	d.MulRows(p, dst, x, n, 0, d.rows)
}

// blockMulStore is a store with a matrix-matrix kernel: matMul writes
// dst[t·ld+i] = Σ_c W[r0+i,c]·x[t·cols+c] for i < rows and t < n.
type blockMulStore interface {
	matMul(dst, x []float32, r0, rows, n, ld int)
}

// matVecStore is a store with a matrix-vector kernel: matVec writes
// dst[i] = Σ_c W[r0+i,c]·x[c] for i < rows (the decode step, one vector).
type matVecStore interface {
	matVec(dst, x []float32, r0, rows int)
}

// MulRows implements RowMultiplier: the products of rows [off, off+rows) of d, writing
// dst[t·rows+r] for r < rows; RowSlice uses it for its window. The loop body
// captures nothing (ForArgs), so a decode step does not allocate.
func (d *Dense) MulRows(p *kernels.Pool, dst, x []float32, n, off, rows int) {
	p.ForArgs(rows, 16, kernels.Args{Obj: d, A: dst, B: x, I: [4]int{n, off, rows}}, mulRowsChunk)
}

// mulRowsChunk is MulRows' loop body for output rows [lo, hi), with a.Obj
// the *Dense, a.A dst, a.B x and a.I = {n, off, rows}.
func mulRowsChunk(a *kernels.Args, _, lo, hi int) {
	d, dst, x := a.Obj.(*Dense), a.A, a.B
	n, off, rows := a.I[0], a.I[1], a.I[2]
	if n == 1 {
		if mv, ok := d.store.(matVecStore); ok {
			mv.matVec(dst[lo:hi], x, off+lo, hi-lo)
			return
		}
		for r := lo; r < hi; r++ {
			dst[r] = d.store.dot(off+r, x)
		}
		return
	}
	if bm, ok := d.store.(blockMulStore); ok {
		bm.matMul(dst[lo:], x, off+lo, hi-lo, n, rows)
		return
	}
	cols := d.cols
	buf := make([]float32, cols)
	for r := lo; r < hi; r++ {
		d.store.row(off+r, buf)
		for t := range n {
			dst[t*rows+r] = kernels.Dot(buf, x[t*cols:(t+1)*cols])
		}
	}
}

type f32Store struct {
	w    []float32
	cols int
}

func (s f32Store) dot(r int, x []float32) float32 {
	return kernels.Dot(s.w[r*s.cols:(r+1)*s.cols], x)
}
func (s f32Store) matVec(dst, x []float32, r0, rows int) {
	kernels.MatVecF32(dst, s.w[r0*s.cols:(r0+rows)*s.cols], x, rows, s.cols)
}
func (s f32Store) row(r int, dst []float32) { copy(dst, s.w[r*s.cols:(r+1)*s.cols]) }
func (s f32Store) matMul(dst, x []float32, r0, rows, n, ld int) {
	kernels.MatMulF32(dst, s.w[r0*s.cols:(r0+rows)*s.cols], x, rows, s.cols, n, ld)
}

type bf16Store struct {
	w    []uint16
	cols int
}

func (s bf16Store) dot(r int, x []float32) float32 {
	return kernels.DotBF16(s.w[r*s.cols:(r+1)*s.cols], x)
}
func (s bf16Store) matMul(dst, x []float32, r0, rows, n, ld int) {
	kernels.MatMulBF16(dst, s.w[r0*s.cols:(r0+rows)*s.cols], x, rows, s.cols, n, ld)
}
func (s bf16Store) matVec(dst, x []float32, r0, rows int) {
	kernels.MatVecBF16(dst, s.w[r0*s.cols:(r0+rows)*s.cols], x, rows, s.cols)
}
func (s bf16Store) row(r int, dst []float32) {
	for i, h := range s.w[r*s.cols : (r+1)*s.cols] {
		dst[i] = kernels.BF16ToF32(h)
	}
}

type f16Store struct {
	w    []uint16
	cols int
}

func (s f16Store) dot(r int, x []float32) float32 {
	return kernels.DotF16(s.w[r*s.cols:(r+1)*s.cols], x)
}
func (s f16Store) matMul(dst, x []float32, r0, rows, n, ld int) {
	kernels.MatMulF16(dst, s.w[r0*s.cols:(r0+rows)*s.cols], x, rows, s.cols, n, ld)
}
func (s f16Store) matVec(dst, x []float32, r0, rows int) {
	kernels.MatVecF16(dst, s.w[r0*s.cols:(r0+rows)*s.cols], x, rows, s.cols)
}
func (s f16Store) row(r int, dst []float32) {
	for i, h := range s.w[r*s.cols : (r+1)*s.cols] {
		dst[i] = kernels.F16ToF32(h)
	}
}

// asF32 views little-endian bytes as float32s, copying only when b is not
// 4-byte aligned. (upg only targets little-endian machines.)
func asF32(b []byte) []float32 {
	if len(b) == 0 {
		return nil
	}
	if uintptr(unsafe.Pointer(&b[0]))%4 != 0 {
		out := make([]float32, len(b)/4)
		kernels.DecodeF32(out, b)
		return out
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}

// asU16 views little-endian bytes as uint16s, copying only when unaligned.
func asU16(b []byte) []uint16 {
	if len(b) == 0 {
		return nil
	}
	if uintptr(unsafe.Pointer(&b[0]))%2 != 0 {
		out := make([]uint16, len(b)/2)
		for i := range out {
			out[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
		}
		return out
	}
	return unsafe.Slice((*uint16)(unsafe.Pointer(&b[0])), len(b)/2)
}

// RowMultiplier is a Linear that can multiply a window of its rows: it sets
// dst[t·rows+r] = W[off+r]·x_t for r < rows, t < n. Dense and Encoded
// matrices are RowMultipliers, so fused projections can be split without
// copying.
type RowMultiplier interface {
	Linear
	MulRows(p *kernels.Pool, dst, x []float32, n, off, rows int)
}

// RowSlice is a view of rows [lo, hi) of another matrix, used to split
// fused projections (Phi-3's qkv_proj and gate_up_proj) without copying.
type RowSlice struct {
	base   RowMultiplier
	lo, hi int
}

// NewRowSlice returns the view of rows [lo, hi) of base, which must be a
// RowMultiplier.
func NewRowSlice(base Linear, lo, hi int) (*RowSlice, error) {
	if lo < 0 || hi > base.Rows() || lo >= hi {
		return nil, fmt.Errorf("row slice [%d,%d) of a %d-row matrix", lo, hi, base.Rows())
	}
	rm, ok := base.(RowMultiplier)
	if !ok {
		return nil, fmt.Errorf("row slice of %T is not supported", base)
	}
	return &RowSlice{rm, lo, hi}, nil
}

// Rows implements Linear.
func (s *RowSlice) Rows() int { return s.hi - s.lo }

// Cols implements Linear.
func (s *RowSlice) Cols() int { return s.base.Cols() }

// Bytes implements Linear.
func (s *RowSlice) Bytes() int64 {
	return s.base.Bytes() * int64(s.hi-s.lo) / int64(s.base.Rows())
}

// Row implements Linear.
func (s *RowSlice) Row(r int, dst []float32) { s.base.Row(s.lo+r, dst) }

// MatMul implements Linear.
func (s *RowSlice) MatMul(p *kernels.Pool, dst, x []float32, n int) {
	s.base.MulRows(p, dst, x, n, s.lo, s.Rows())
}
