package model

import (
	"fmt"
	"sort"
	"sync"

	"github.com/upgtools/upg/kernels"
	"github.com/upgtools/upg/safetensors"
	"github.com/upgtools/upg/upg"
)

// UPGWeights serves tensors from an opened UPG directory: encoded tensors
// as Encoded matrices, plain ones as Dense matrices or float32 vectors.
type UPGWeights struct {
	d    *upg.Dir
	mu   sync.Mutex
	used map[string]bool
}

// NewUPGWeights wraps an open UPG directory.
func NewUPGWeights(d *upg.Dir) *UPGWeights {
	return &UPGWeights{d: d, used: map[string]bool{}}
}

func (w *UPGWeights) mark(name string) {
	w.mu.Lock()
	w.used[name] = true
	w.mu.Unlock()
}

// Has implements Weights.
func (w *UPGWeights) Has(name string) bool { return w.d.Has(name) }

// Linear implements Weights.
func (w *UPGWeights) Linear(name string) (Linear, error) {
	ent := w.d.Entry(name)
	if ent == nil {
		return nil, fmt.Errorf("%s: tensor %s: %w", w.d.Path, name, upg.ErrMissing)
	}
	w.mark(name)
	file := w.d.FileOf(name)
	if ent.Kind == upg.KindEncoded {
		e, err := w.d.Encoded(name)
		if err != nil {
			return nil, err
		}
		l, err := NewEncoded(e)
		if err != nil {
			return nil, fmt.Errorf("%s: tensor %s: %w", file, name, err)
		}
		return l, nil
	}
	dt, shape, data, err := w.d.Plain(name)
	if err != nil {
		return nil, err
	}
	if len(shape) != 2 {
		return nil, fmt.Errorf("%s: tensor %s: want 2 dimensions, have shape %v", file, name, shape)
	}
	l, err := NewDenseBytes(string(dt), data, int(shape[0]), int(shape[1]))
	if err != nil {
		return nil, fmt.Errorf("%s: tensor %s: %w", file, name, err)
	}
	return l, nil
}

// Vector implements Weights: plain F32, BF16 or F16 1-D tensors.
func (w *UPGWeights) Vector(name string) ([]float32, error) {
	file := w.d.FileOf(name)
	dt, shape, data, err := w.d.Plain(name)
	if err != nil {
		return nil, err
	}
	w.mark(name)
	if len(shape) != 1 {
		return nil, fmt.Errorf("%s: tensor %s: want 1 dimension, have shape %v", file, name, shape)
	}
	out, err := PlainFloat32(dt, data)
	if err != nil {
		return nil, fmt.Errorf("%s: tensor %s: %w", file, name, err)
	}
	return out, nil
}

// PlainFloat32 converts little-endian F32, BF16 or F16 bytes to float32.
func PlainFloat32(dt safetensors.DType, data []byte) ([]float32, error) {
	switch dt {
	case safetensors.F32:
		return append([]float32(nil), asF32(data)...), nil
	case safetensors.BF16, safetensors.F16:
		u := asU16(data)
		out := make([]float32, len(u))
		for i, h := range u {
			if dt == safetensors.BF16 {
				out[i] = kernels.BF16ToF32(h)
			} else {
				out[i] = kernels.F16ToF32(h)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported dtype %s for a float tensor", dt)
}

// Unused implements Weights.
func (w *UPGWeights) Unused() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, n := range w.d.Names() {
		if !w.used[n] {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}
