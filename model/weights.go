package model

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/upgtools/upg/checkpoint"
)

// Weights is where an architecture takes its tensors from: a Hugging Face
// checkpoint or a UPG directory. Each accessor records the name as used, so
// that loading can fail on tensors nothing consumed.
type Weights interface {
	// Linear returns a 2-D tensor as a matrix in its stored form.
	Linear(name string) (Linear, error)
	// Vector returns a 1-D tensor (a norm gain or a bias) as float32.
	Vector(name string) ([]float32, error)
	// Has reports whether the tensor exists (without marking it used).
	Has(name string) bool
	// Unused lists the tensors never requested, sorted.
	Unused() []string
}

// CheckpointWeights serves tensors from a Hugging Face checkpoint.
type CheckpointWeights struct {
	ck   *checkpoint.Checkpoint
	mu   sync.Mutex
	used map[string]bool
}

// NewCheckpointWeights wraps an open checkpoint.
func NewCheckpointWeights(ck *checkpoint.Checkpoint) *CheckpointWeights {
	return &CheckpointWeights{ck: ck, used: map[string]bool{}}
}

func (w *CheckpointWeights) mark(name string) {
	w.mu.Lock()
	w.used[name] = true
	w.mu.Unlock()
}

// Has implements Weights.
func (w *CheckpointWeights) Has(name string) bool { return w.ck.Has(name) }

// Linear implements Weights.
func (w *CheckpointWeights) Linear(name string) (Linear, error) {
	t, err := w.ck.Tensor(name)
	if err != nil {
		return nil, err
	}
	w.mark(name)
	if len(t.Shape) != 2 {
		return nil, fmt.Errorf("%s: tensor %s: want 2 dimensions, have shape %v", t.File, name, t.Shape)
	}
	rows, cols := int(t.Shape[0]), int(t.Shape[1])
	var l Linear
	switch dt := string(t.DType); dt {
	case "F32", "BF16", "F16":
		l, err = NewDenseBytes(dt, t.Data, rows, cols)
	case "F8_E4M3":
		scaleName := name + "_scale_inv"
		var s []float32
		s, err = w.ck.Float32(scaleName)
		if err == nil {
			w.mark(scaleName)
			l, err = NewDenseF8(t.Data, s, rows, cols)
		}
	default:
		err = fmt.Errorf("unsupported dtype %s for a weight matrix", dt)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: tensor %s: %w", t.File, name, err)
	}
	return l, nil
}

// Vector implements Weights.
func (w *CheckpointWeights) Vector(name string) ([]float32, error) {
	t, err := w.ck.Tensor(name)
	if err != nil {
		return nil, err
	}
	w.mark(name)
	if len(t.Shape) != 1 {
		return nil, fmt.Errorf("%s: tensor %s: want 1 dimension, have shape %v", t.File, name, t.Shape)
	}
	return w.ck.Float32(name)
}

// Unused implements Weights.
func (w *CheckpointWeights) Unused() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, n := range w.ck.Names() {
		if !w.used[n] {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// checkUnused fails when tensors were left unconsumed, except those whose
// names end in one of the ignorable suffixes.
func checkUnused(w Weights, ignore []string) error {
	var left []string
	for _, n := range w.Unused() {
		skip := false
		for _, s := range ignore {
			if strings.HasSuffix(n, s) {
				skip = true
				break
			}
		}
		if !skip {
			left = append(left, n)
		}
	}
	if len(left) == 0 {
		return nil
	}
	if len(left) > 8 {
		left = append(left[:8], fmt.Sprintf("… (%d more)", len(left)-8))
	}
	return fmt.Errorf("tensors not used by the architecture: %s", strings.Join(left, ", "))
}
