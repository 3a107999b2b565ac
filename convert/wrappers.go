package convert

import (
	"github.com/upgtools/upg/checkpoint"
	"github.com/upgtools/upg/kernels"
	"github.com/upgtools/upg/model"
	"github.com/upgtools/upg/safetensors"
)

// MulRows lets architectures split a recorded fused matrix (Phi-3's
// qkv_proj, gate_up_proj) into row windows: the input is recorded for each
// window (the same x each time, so the statistics are unchanged), and the
// pages are released after each product.
func (l *recordingLinear) MulRows(p *kernels.Pool, dst, x []float32, n, off, rows int) {
	l.Linear.(model.RowMultiplier).MulRows(p, dst, x, n, off, rows)
	l.stats.add(x[:n*l.Cols()], n)
	safetensors.Release(l.data)
}

// MulRows lets a captured fused matrix be split into row windows; the input
// is captured once per product, by the window starting at row 0 (every
// split of a fused matrix has one).
func (l *capLinear) MulRows(p *kernels.Pool, dst, x []float32, n, off, rows int) {
	l.Linear.(model.RowMultiplier).MulRows(p, dst, x, n, off, rows)
	if l.capture && off == 0 {
		l.buf = append(l.buf, x[:n*l.Cols()]...)
	}
}

// releasingWeights hands out the checkpoint's matrices wrapped so that
// their pages leave memory after each product (see safetensors.Release):
// running the original model then keeps about one tensor resident.
type releasingWeights struct {
	model.Weights
	ck *checkpoint.Checkpoint
}

func (w *releasingWeights) Linear(name string) (model.Linear, error) {
	l, err := w.Weights.Linear(name)
	if err != nil {
		return nil, err
	}
	t, err := w.ck.Tensor(name)
	if err != nil {
		return l, nil
	}
	return &releasingLinear{Linear: l, data: t.Data}, nil
}

type releasingLinear struct {
	model.Linear
	data []byte
}

func (l *releasingLinear) MatMul(p *kernels.Pool, dst, x []float32, n int) {
	l.Linear.MatMul(p, dst, x, n)
	safetensors.Release(l.data)
}

func (l *releasingLinear) MulRows(p *kernels.Pool, dst, x []float32, n, off, rows int) {
	l.Linear.(model.RowMultiplier).MulRows(p, dst, x, n, off, rows)
	safetensors.Release(l.data)
}
