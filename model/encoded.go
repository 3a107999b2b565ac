package model

import (
	"fmt"
	"sync"

	"github.com/upgtools/upg/codec"
	"github.com/upgtools/upg/kernels"
)

// Encoded is a weight matrix kept in a UPG codec: products run on the codes
// directly (the input is rotated once per product), nothing is expanded to
// float32 beyond a few rows of scratch.
type Encoded struct {
	enc     *codec.Encoded
	scratch sync.Pool // *[]float32 of RotatedLen (rotated inputs)
}

// NewEncoded wraps a validated encoded tensor.
func NewEncoded(e *codec.Encoded) (*Encoded, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return &Encoded{enc: e}, nil
}

// Codec returns the underlying encoded tensor.
func (m *Encoded) Codec() *codec.Encoded { return m.enc }

// Rows implements Linear.
func (m *Encoded) Rows() int { return m.enc.Rows }

// Cols implements Linear.
func (m *Encoded) Cols() int { return m.enc.Cols }

// Bytes implements Linear: every stored byte of the codec.
func (m *Encoded) Bytes() int64 { return m.enc.Bytes() }

// Row implements Linear (the reference decoder; used for embeddings).
func (m *Encoded) Row(r int, dst []float32) {
	// The tensor was validated and r, dst come from the model, which checks
	// token ids; an error here is a programming error of the caller.
	if err := m.enc.DecodeRow(r, dst[:m.enc.Cols]); err != nil {
		panic(fmt.Sprintf("model: decoding row %d: %v", r, err))
	}
}

func (m *Encoded) buf(n int) *[]float32 {
	if b, ok := m.scratch.Get().(*[]float32); ok && cap(*b) >= n {
		*b = (*b)[:n]
		return b
	}
	b := make([]float32, n)
	return &b
}

// MatMul implements Linear. For one vector the rows' dot products run on the
// codes; for several, each row is decoded once and used for all of them.
func (m *Encoded) MatMul(p *kernels.Pool, dst, x []float32, n int) {
	e := m.enc
	rows, cols := e.Rows, e.Cols
	if n == 1 {
		xb := m.buf(e.RotatedLen())
		xr := *xb
		if err := e.RotateInput(xr, x[:cols]); err != nil {
			panic(fmt.Sprintf("model: rotating input: %v", err))
		}
		p.For(rows, 16, func(lo, hi int) {
			// Shapes were checked above; DotRowsRotated cannot fail here.
			_ = e.DotRowsRotated(dst, x[:cols], xr, lo, hi)
		})
		m.scratch.Put(xb)
		return
	}
	p.For(rows, 16, func(lo, hi int) {
		wb := m.buf(cols)
		w := *wb
		for r := lo; r < hi; r++ {
			_ = e.DecodeRow(r, w)
			for t := range n {
				dst[t*rows+r] = kernels.Dot(w, x[t*cols:(t+1)*cols])
			}
		}
		m.scratch.Put(wb)
	})
}
