package convert

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/upgtools/upg/eval"
	"github.com/upgtools/upg/kernels"
	"github.com/upgtools/upg/model"
)

// seqDamp is the relative ridge of the sequential correction: the target
// W* minimizes Σ_t ‖W·x_t − W*·x̃_t‖² + λ·N·‖W* − W‖² with
// λ = seqDamp·mean(diag H̃).
const seqDamp = 0.01

// seqGroup is a set of matrices fed the same input, in forward order.
type seqGroup []string

// seqGroups orders the calibrated matrices the job encodes by their first
// use in the forward pass and groups those sharing an input (equal
// fingerprints of the first input vector, consecutive in use order).
func (j *job) seqGroups() []seqGroup {
	type use struct {
		name  string
		order int
		sig   uint64
	}
	var uses []use
	for _, p := range j.plans {
		s := j.stats[p.Name]
		if !p.Encode || p.chosen().codec == nil || s == nil || !s.used.Load() {
			continue
		}
		uses = append(uses, use{p.Name, s.order, s.sig})
	}
	sort.Slice(uses, func(a, b int) bool { return uses[a].order < uses[b].order })
	var groups []seqGroup
	for i, u := range uses {
		if i > 0 && u.sig != 0 && u.sig == uses[i-1].sig {
			groups[len(groups)-1] = append(groups[len(groups)-1], u.name)
			continue
		}
		groups = append(groups, seqGroup{u.name})
	}
	return groups
}

// seqStats are the inputs of one group measured in the original model (x)
// and in the model whose earlier matrices are encoded (x̃).
type seqStats struct {
	cols int
	n    int64
	gram []float64 // Σ x̃ x̃ᵀ (upper triangle)
	diff []float64 // Σ (x − x̃) x̃ᵀ, row i: input i of x − x̃
}

// add accumulates n paired input vectors.
func (s *seqStats) add(x, xq []float32, n int) {
	c := s.cols
	s.n += int64(n)
	qt := make([]float32, n*c) // x̃, column-major
	dt := make([]float32, n*c) // x − x̃, column-major
	for t := range n {
		for i := range c {
			qt[i*n+t] = xq[t*c+i]
			dt[i*n+t] = x[t*c+i] - xq[t*c+i]
		}
	}
	for i := range c {
		qi, di := qt[i*n:(i+1)*n], dt[i*n:(i+1)*n]
		g, d := s.gram[i*c:(i+1)*c], s.diff[i*c:(i+1)*c]
		for k := range c {
			qk := qt[k*n : (k+1)*n]
			if k >= i {
				g[k] += float64(kernels.Dot(qi, qk))
			}
			d[k] += float64(kernels.Dot(di, qk))
		}
	}
}

// result returns the Stats of x̃ (what the encoder weighs the error by) and
// the correction M (cols×cols, row-major) with W* = W + W·M:
// M = D·(H̃ + λI)⁻¹, D = Σ(x − x̃)x̃ᵀ/N, H̃ = Σ x̃x̃ᵀ/N.
func (s *seqStats) result() (*Stats, []float64, error) {
	c := s.cols
	st := &Stats{Cols: c, N: s.n, Diag: make([]float64, c), Gram: s.gram}
	for i := range c {
		st.Diag[i] = s.gram[i*c+i]
	}
	if s.n == 0 {
		return st, nil, nil
	}
	inv := 1 / float64(s.n)
	a := make([]float64, c*c)
	var tr float64
	for i := range c {
		for k := i; k < c; k++ {
			v := s.gram[i*c+k] * inv
			a[i*c+k], a[k*c+i] = v, v
		}
		tr += a[i*c+i]
	}
	lambda := seqDamp*tr/float64(c) + 1e-12
	for i := range c {
		a[i*c+i] += lambda
	}
	if err := cholesky64(a, c); err != nil {
		return nil, nil, err
	}
	// M = D·A⁻¹: each row m of M solves m·A = d, i.e. A·mᵀ = dᵀ (A symmetric).
	m := make([]float64, c*c)
	for i := range c {
		row := m[i*c : (i+1)*c]
		for k := range c {
			row[k] = s.diff[i*c+k] * inv
		}
		cholSolve64(a, c, row)
	}
	return st, m, nil
}

// cholesky64 overwrites the lower triangle of the symmetric positive
// definite c×c matrix a with its Cholesky factor.
func cholesky64(a []float64, c int) error {
	for i := range c {
		for k := 0; k <= i; k++ {
			s := a[i*c+k]
			for t := range k {
				s -= a[i*c+t] * a[k*c+t]
			}
			if k == i {
				if !(s > 0) {
					return fmt.Errorf("sequential calibration: input Gram matrix not positive definite at %d", i)
				}
				a[i*c+i] = math.Sqrt(s)
			} else {
				a[i*c+k] = s / a[k*c+k]
			}
		}
	}
	return nil
}

// cholSolve64 solves L·Lᵀ·x = b in place (L the lower triangle of a).
func cholSolve64(a []float64, c int, b []float64) {
	for i := range c {
		s := b[i]
		for t := range i {
			s -= a[i*c+t] * b[t]
		}
		b[i] = s / a[i*c+i]
	}
	for i := c - 1; i >= 0; i-- {
		s := b[i]
		for t := i + 1; t < c; t++ {
			s -= a[t*c+i] * b[t]
		}
		b[i] = s / a[i*c+i]
	}
}

// capWeights serves matrices for a sequential pass: those in enc from
// their encodings, the rest from the checkpoint, every one through a
// capLinear that can capture its inputs. Unused reports nothing, so that a
// model cut to its first layers loads.
type capWeights struct {
	model.Weights
	enc map[string]model.Linear
	lin map[string]*capLinear
}

func (w *capWeights) Linear(name string) (model.Linear, error) {
	l, err := w.Weights.Linear(name) // marks it used
	if err != nil {
		return nil, err
	}
	if e := w.enc[name]; e != nil {
		l = e
	}
	c := &capLinear{Linear: l}
	w.lin[name] = c
	return c, nil
}

func (w *capWeights) Unused() []string { return nil }

// capLinear is a matrix whose MatMul inputs are appended to buf while
// capture is set.
type capLinear struct {
	model.Linear
	capture bool
	buf     []float32
}

func (l *capLinear) MatMul(p *kernels.Pool, dst, x []float32, n int) {
	l.Linear.MatMul(p, dst, x, n)
	if l.capture {
		l.buf = append(l.buf, x[:n*l.Cols()]...)
	}
}

// seqInputs runs the model of ck (its first `layers` decoder layers when
// layers > 0, the matrices in enc replaced by their encodings) over segs
// and returns the inputs of each named matrix, token after token.
func (j *job) seqInputs(ctx context.Context, segs []eval.Segment, layers int, enc map[string]model.Linear, names []string) ([][]float32, error) {
	ck := *j.ck
	if layers > 0 {
		cfg, err := withLayers(ck.Config, layers)
		if err != nil {
			return nil, err
		}
		ck.Config = cfg
	}
	w := &capWeights{Weights: model.NewCheckpointWeights(j.ck), enc: enc, lin: map[string]*capLinear{}}
	m, err := model.LoadWeights(&ck, w, model.Options{Threads: j.o.Threads})
	if err != nil {
		return nil, err
	}
	defer m.Close()
	for _, n := range names {
		if w.lin[n] == nil {
			return nil, fmt.Errorf("sequential calibration: matrix %s not used by the model", n)
		}
		w.lin[n].capture = true
	}
	if err := forwardAll(ctx, m, segs); err != nil {
		return nil, err
	}
	out := make([][]float32, len(names))
	for i, n := range names {
		out[i] = w.lin[n].buf
	}
	return out, nil
}

// withLayers returns config.json with num_hidden_layers set to n.
func withLayers(cfg []byte, n int) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(cfg, &m); err != nil {
		return nil, fmt.Errorf("config.json: %w", err)
	}
	m["num_hidden_layers"] = json.RawMessage(strconv.Itoa(n))
	return json.Marshal(m)
}

// seqLayers is the number of decoder layers a pass measuring matrix name
// needs: up to its own layer, or all (0) for matrices outside the layers
// or when the config does not name its layer count.
func seqLayers(cfg []byte, name string) int {
	m := layerRe.FindStringSubmatch(name)
	if m == nil {
		return 0
	}
	var c struct {
		Layers int `json:"num_hidden_layers"`
	}
	if json.Unmarshal(cfg, &c) != nil || c.Layers <= 0 {
		return 0
	}
	l, _ := strconv.Atoi(m[1])
	if l+1 >= c.Layers {
		return 0
	}
	return l + 1
}

// seqWindow is the window (tokens) of the sequential passes: shorter than
// the first calibration's, as these passes run the model once per group.
const seqWindow = 128

// seqRefBytes bounds the original model's inputs kept for all groups at
// once; above it they are recomputed for each group.
const seqRefBytes = 256 << 20

// sequential re-calibrates the matrices in forward order, each group with
// the groups before it already encoded with their chosen codecs: a group's
// statistics become those of its inputs in the partly encoded model, and
// its weights are first corrected towards reproducing the original
// model's outputs from them (W* = W + W·M, see seqStats.result), so that
// later matrices make up for the error of earlier ones. encodeWith then
// encodes every matrix from these statistics, deterministically, so a
// resumed conversion writes the same bytes.
func (j *job) sequential(ctx context.Context) error {
	t0 := time.Now()
	groups := j.seqGroups()
	if len(groups) < 2 {
		return nil
	}
	segs, err := calibSegments(j.tok, j.o.CalibText, j.tok.BOS(), seqWindow, j.o.CalibTokens)
	if err != nil {
		return err
	}
	plan := map[string]*tensorPlan{}
	for _, p := range j.plans {
		plan[p.Name] = p
	}
	var lead []string
	var refBytes int
	for _, g := range groups[1:] {
		lead = append(lead, g[0])
		refBytes += 4 * countTokens(segs) * int(plan[g[0]].Shape[1])
	}
	var ref [][]float32
	if refBytes <= seqRefBytes {
		if ref, err = j.seqInputs(ctx, segs, 0, nil, lead); err != nil {
			return err
		}
	}
	j.corr = map[string][]float64{}
	enc := map[string]model.Linear{}
	for gi, g := range groups {
		if gi > 0 { // the first group's inputs are the original ones
			if err := j.seqCalibrate(ctx, segs, g, enc, ref); err != nil {
				return err
			}
			if ref != nil {
				ref[0], ref = nil, ref[1:]
			}
		}
		for _, name := range g {
			p := plan[name]
			vals, err := j.ck.Float32(name)
			if err != nil {
				return err
			}
			e, err := j.encodeWith(p.chosen().codec, name, vals, int(p.Shape[0]), int(p.Shape[1]))
			if err != nil {
				return fmt.Errorf("tensor %s, codec %s: %w", name, p.chosen().name, err)
			}
			// The decoded weights as a plain matrix: the same values as
			// the encoding's products, through the faster dense kernels.
			dec := make([]float32, len(vals))
			if err := e.Decode(dec); err != nil {
				return fmt.Errorf("tensor %s: %w", name, err)
			}
			if enc[name], err = model.NewDenseF32(dec, int(p.Shape[0]), int(p.Shape[1])); err != nil {
				return err
			}
		}
	}
	j.o.log("sequential calibration of %d groups done in %.1fs", len(groups), time.Since(t0).Seconds())
	return nil
}

// seqCalibrate measures group g's inputs in the model with the matrices of
// enc encoded and sets the group's statistics and correction. ref, when
// set, starts with the group's inputs in the original model.
func (j *job) seqCalibrate(ctx context.Context, segs []eval.Segment, g seqGroup, enc map[string]model.Linear, ref [][]float32) error {
	layers := seqLayers(j.ck.Config, g[0])
	xq, err := j.seqInputs(ctx, segs, layers, enc, g[:1])
	if err != nil {
		return err
	}
	var x []float32
	if ref != nil {
		x = ref[0]
	} else {
		xr, err := j.seqInputs(ctx, segs, layers, nil, g[:1])
		if err != nil {
			return err
		}
		x = xr[0]
	}
	if len(x) != len(xq[0]) {
		return fmt.Errorf("sequential calibration: matrix %s saw %d inputs in the original model, %d in the encoded one", g[0], len(x), len(xq[0]))
	}
	c := j.stats[g[0]].Cols
	ps := &seqStats{cols: c, gram: make([]float64, c*c), diff: make([]float64, c*c)}
	const chunk = 512
	for t := 0; t*c < len(x); t += chunk {
		n := min(chunk, len(x)/c-t)
		ps.add(x[t*c:(t+n)*c], xq[0][t*c:(t+n)*c], n)
	}
	st, m, err := ps.result()
	if err != nil {
		return fmt.Errorf("tensor %s: %w", g[0], err)
	}
	for _, name := range g {
		j.stats[name], j.corr[name] = st, m
	}
	return nil
}

// corrected returns w (rows×cols) moved to its sequential target
// W + W·M, or w itself when the matrix has no correction.
func (j *job) corrected(name string, w []float32, rows, cols int) []float32 {
	m := j.corr[name]
	if m == nil || len(m) != cols*cols {
		return w
	}
	out := make([]float32, len(w))
	acc := make([]float64, cols)
	for r := range rows {
		src := w[r*cols : (r+1)*cols]
		for k, v := range src {
			acc[k] = float64(v)
		}
		for i, v := range src {
			if v == 0 {
				continue
			}
			mi := m[i*cols : (i+1)*cols]
			for k := range cols {
				acc[k] += float64(v) * mi[k]
			}
		}
		for k, v := range acc {
			out[r*cols+k] = float32(v)
		}
	}
	return out
}
