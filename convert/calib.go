package convert

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/upgtools/upg/checkpoint"
	"github.com/upgtools/upg/eval"
	"github.com/upgtools/upg/kernels"
	"github.com/upgtools/upg/model"
	"github.com/upgtools/upg/safetensors"
	"github.com/upgtools/upg/tokenizer"
)

// Stats are the calibration statistics of one weight matrix's input x:
// Σ x_j² per column and, in Hessian mode, the Gram matrix Σ x xᵀ.
type Stats struct {
	Cols int
	N    int64     // input vectors seen
	Diag []float64 // Σ x_j², length Cols
	Gram []float64 // Σ x xᵀ, Cols×Cols row-major (upper triangle filled, mirrored by Hessian); nil in diagonal mode

	// order is the rank of the matrix's first use (a product or, for an
	// embedding, a row look-up) in the calibration pass; sig fingerprints
	// its first input vector, so that matrices fed the same input (q, k
	// and v; gate and up) can be told apart from the rest. Both are set
	// once, under recordingWeights.mu.
	order int
	sig   uint64
	used  atomic.Bool
}

func newStats(cols int, full bool) *Stats {
	s := &Stats{Cols: cols, Diag: make([]float64, cols)}
	if full {
		s.Gram = make([]float64, cols*cols)
	}
	return s
}

// add accumulates n input vectors of x (n×Cols, row-major).
func (s *Stats) add(x []float32, n int) {
	c := s.Cols
	s.N += int64(n)
	for t := range n {
		for j, v := range x[t*c : (t+1)*c] {
			s.Diag[j] += float64(v) * float64(v)
		}
	}
	if s.Gram == nil {
		return
	}
	// Column-major copy so each Gram entry is one contiguous dot product.
	xt := make([]float32, n*c)
	for t := range n {
		for j := range c {
			xt[j*n+t] = x[t*c+j]
		}
	}
	for i := range c {
		xi := xt[i*n : (i+1)*n]
		row := s.Gram[i*c:]
		for j := i; j < c; j++ {
			row[j] += float64(kernels.Dot(xi, xt[j*n:(j+1)*n]))
		}
	}
}

// Importance returns E[x_j²] per column (nil when nothing was seen).
func (s *Stats) Importance() []float32 {
	if s == nil || s.N == 0 {
		return nil
	}
	out := make([]float32, s.Cols)
	for j, v := range s.Diag {
		out[j] = float32(v / float64(s.N))
	}
	return out
}

// Hessian returns the symmetric Gram matrix divided by N as float32 (nil in
// diagonal mode or when nothing was seen).
func (s *Stats) Hessian() []float32 {
	if s == nil || s.Gram == nil || s.N == 0 {
		return nil
	}
	c := s.Cols
	h := make([]float32, c*c)
	inv := 1 / float64(s.N)
	for i := range c {
		for j := i; j < c; j++ {
			v := float32(s.Gram[i*c+j] * inv)
			h[i*c+j], h[j*c+i] = v, v
		}
	}
	return h
}

// recordingWeights hands out matrices that record their inputs and release
// their pages after each product, so a calibration pass over a large model
// keeps only the tensor in use resident.
type recordingWeights struct {
	model.Weights
	ck    *checkpoint.Checkpoint
	full  func(cols int) bool
	mu    sync.Mutex
	stats map[string]*Stats
	uses  int // matrices used so far
}

// firstUse records the first use of s (x: its first input vector, nil for
// a row look-up).
func (w *recordingWeights) firstUse(s *Stats, x []float32) {
	if s.used.Load() {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if s.used.Load() {
		return
	}
	s.order = w.uses
	w.uses++
	if x != nil {
		s.sig = fingerprint(x)
	}
	s.used.Store(true)
}

// fingerprint hashes the bits of x (FNV-1a).
func fingerprint(x []float32) uint64 {
	h := uint64(0xcbf29ce484222325)
	for _, v := range x {
		h ^= uint64(math.Float32bits(v))
		h *= 0x100000001b3
	}
	return h
}

func (w *recordingWeights) Linear(name string) (model.Linear, error) {
	l, err := w.Weights.Linear(name)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	s := w.stats[name]
	if s == nil {
		s = newStats(l.Cols(), w.full(l.Cols()))
		w.stats[name] = s
	}
	w.mu.Unlock()
	var data []byte
	if t, err := w.ck.Tensor(name); err == nil {
		data = t.Data
	}
	return &recordingLinear{Linear: l, w: w, stats: s, data: data}, nil
}

type recordingLinear struct {
	model.Linear
	w     *recordingWeights
	stats *Stats
	data  []byte
}

func (l *recordingLinear) MatMul(p *kernels.Pool, dst, x []float32, n int) {
	l.Linear.MatMul(p, dst, x, n)
	if n > 0 {
		l.w.firstUse(l.stats, x[:l.Cols()])
	}
	l.stats.add(x[:n*l.Cols()], n)
	safetensors.Release(l.data)
}

func (l *recordingLinear) Row(r int, dst []float32) {
	l.w.firstUse(l.stats, nil)
	l.Linear.Row(r, dst)
}

// calibSegments cuts the calibration text into windows of ctx tokens (BOS
// first where the model has one), at most maxTokens in all.
func calibSegments(tok *tokenizer.Tokenizer, text string, bos, ctx, maxTokens int) ([]eval.Segment, error) {
	ids := tok.Encode(text, tokenizer.EncodeOptions{})
	if maxTokens > 0 && len(ids) > maxTokens {
		ids = ids[:maxTokens]
	}
	var segs []eval.Segment
	for lo := 0; lo+2 <= len(ids); lo += ctx - 1 {
		hi := min(lo+ctx-1, len(ids))
		var s []int
		if bos >= 0 {
			s = append(s, bos)
		}
		s = append(s, ids[lo:hi]...)
		segs = append(segs, eval.Segment{Tokens: s})
	}
	if len(segs) == 0 {
		return nil, fmt.Errorf("calibration text gives %d tokens, need at least 2", len(ids))
	}
	return segs, nil
}

// calibrate runs the original model over the segments with recording
// weights and returns the input statistics of every matrix.
func calibrate(ctx context.Context, ck *checkpoint.Checkpoint, segs []eval.Segment, full func(cols int) bool, threads int) (map[string]*Stats, error) {
	rw := &recordingWeights{Weights: model.NewCheckpointWeights(ck), ck: ck, full: full, stats: map[string]*Stats{}}
	m, err := model.LoadWeights(ck, rw, model.Options{Threads: threads})
	if err != nil {
		return nil, err
	}
	defer m.Close()
	if err := forwardAll(ctx, m, segs); err != nil {
		return nil, err
	}
	return rw.stats, nil
}

// logitBudget bounds the logits (float32 values) one calibration step
// computes: segments are fed in chunks of at most logitBudget/vocab tokens.
const logitBudget = 1 << 22

// forwardAll runs m over every token of segs with the output head applied
// at every position (so that the head's inputs are recorded for all of
// them, not only the last of each segment).
func forwardAll(ctx context.Context, m model.Model, segs []eval.Segment) error {
	vocab := m.Config().Vocab
	step := max(1, min(512, logitBudget/max(vocab, 1)))
	logits := make([]float32, step*vocab)
	for _, s := range segs {
		c := model.NewCache(m.Config(), len(s.Tokens))
		for lo := 0; lo < len(s.Tokens); lo += step {
			if err := ctx.Err(); err != nil {
				return err
			}
			hi := min(lo+step, len(s.Tokens))
			if err := m.Forward(c, s.Tokens[lo:hi], logits, true); err != nil {
				return fmt.Errorf("calibration forward pass: %w", err)
			}
		}
	}
	return nil
}
