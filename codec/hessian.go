package codec

import (
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/upgtools/upg/kernels"
)

// hessDamp is GPTQ's relative damping: λ = hessDamp·mean(diag H').
const hessDamp = 0.01

// hessEps keeps the normalized H' positive definite when h is all zero.
const hessEps = 1e-6

// EncodeHessian encodes the row-major rows×cols matrix w like Encode, but
// minimizes the output error Σ_t ‖(W−Ŵ)·x_t‖² over calibration inputs
// instead of the weight error: h is the cols×cols input Gram matrix
// Σ_t x_t·x_tᵀ (row-major, symmetric, any positive scale), and the codes are
// chosen with GPTQ-style error feedback. The result is a normal *Encoded
// (the decoders do not change).
//
// The work happens in the stored (padded, rotated) domain, with
// H' = R·H·Rᵀ (H zero-padded to RotatedLen), normalized to mean diagonal
// 1 and damped by λ = 0.01·mean(diag H') (+1e-6) on every diagonal entry;
// columns whose diag H is 0 ("dead" inputs, the padding) are not zeroed:
// the damping alone weighs their error, so their weights stay
// approximated. With the Cholesky factor H' = L·Lᵀ, columns are quantized
// in blocks (one 8-weight vector, or one 32-weight scale group) from the
// last to the first; each block's target is the least-squares correction
// of the original weights for the errors already made to its right
// (t_B = w_B + c_B·L_BB⁻¹, c_k = Σ_{j right of B} (w_j − ŵ_j)·L_jk). This
// is GPTQ with the column order reversed, which lets it use the Cholesky
// factor of H' itself instead of the factor of its inverse (in the rotated
// domain all columns are alike, so the order is immaterial). Vector codecs
// quantize each 8-vector jointly through all stages (stage 1 nearest,
// stage 2 on its residual) under per-coordinate weights diag(L_BB·L_BBᵀ),
// the exact diagonal of the block's error metric, with the row scales of
// each stage fixed beforehand by the plain encoder's rule weighted by
// diag H'. Scalar codecs fix each group's scale from the group's target
// (weights diag H'), then quantize the group's columns one at a time with
// scalar feedback inside the group.
//
// Outliers (p.OutlierFrac > 0) are chosen on the original weights by
// |w|·sqrt(diag H), zeroed before quantizing and stored as in Encode.
//
// Memory: one P×P float32 matrix (about 4·P² bytes, P = RotatedLen)
// plus two float32 rows per row of a worker's chunk. Time: O(P³/3) for the
// factorization and O(rows·P²/2) for the feedback, both parallel over
// GOMAXPROCS, plus the codes' search (as Encode, twice for the vector
// codecs, whose row scales come from a plain pass).
func (c *Codec) EncodeHessian(w []float32, rows, cols int, h []float32, p Params) (*Encoded, error) {
	if err := c.checkWeights(w, rows, cols); err != nil {
		return nil, err
	}
	diag, err := checkHessian(h, cols)
	if err != nil {
		return nil, fmt.Errorf("codec %s: %w", c.Name, err)
	}
	e, rot, err := c.newEncoded(rows, cols, p)
	if err != nil {
		return nil, err
	}
	dense, outPos := c.splitOutliers(w, cols, diag, e.Params.OutlierFrac)
	f, err := newHessFactor(h, cols, c.rotatedLen(cols), rot)
	if err != nil {
		return nil, fmt.Errorf("codec %s: %w", c.Name, err)
	}
	c.gptq(e, rot, f, dense)
	return c.finish(e, rot, w, outPos)
}

// checkHessian checks that h is a finite, symmetric cols×cols matrix with a
// non-negative diagonal and returns the diagonal.
func checkHessian(h []float32, cols int) ([]float32, error) {
	if len(h) != cols*cols {
		return nil, fmt.Errorf("hessian has %d values, want %d×%d: %w", len(h), cols, cols, ErrInvalid)
	}
	diag := make([]float32, cols)
	for i := range cols {
		d := h[i*cols+i]
		if !(d >= 0) || math.IsInf(float64(d), 0) {
			return nil, fmt.Errorf("hessian diagonal %d is %v: %w", i, d, ErrInvalid)
		}
		diag[i] = d
	}
	for i := range cols {
		for j := range i {
			a, b := float64(h[i*cols+j]), float64(h[j*cols+i])
			if math.IsNaN(a) || math.IsInf(a, 0) || math.IsNaN(b) || math.IsInf(b, 0) {
				return nil, fmt.Errorf("hessian entry (%d,%d) is not finite: %w", i, j, ErrInvalid)
			}
			tol := 1e-3*math.Sqrt(float64(diag[i])*float64(diag[j])) + 1e-30
			if math.Abs(a-b) > tol {
				return nil, fmt.Errorf("hessian not symmetric: (%d,%d) = %v, (%d,%d) = %v: %w", i, j, a, j, i, b, ErrInvalid)
			}
		}
	}
	return diag, nil
}

// hessFactor is the factored H' of one tensor: a is n×n row-major with the
// Cholesky factor L (H' + λI = L·Lᵀ) in its lower triangle (diagonal
// included) and its transpose above the diagonal (a[k·n+j] = L_jk, j > k),
// so that column k of L below the diagonal is contiguous. diag is the
// undamped diag H'.
type hessFactor struct {
	n    int
	a    []float32
	diag []float32
}

// newHessFactor builds and factors H' = R·H·Rᵀ for h (cols×cols) padded to
// n.
func newHessFactor(h []float32, cols, n int, rot *rotation) (*hessFactor, error) {
	var tr float64
	for i := range cols {
		tr += float64(h[i*cols+i])
	}
	s := 1.0
	if tr > 0 {
		s = float64(cols) / tr
	}
	a := make([]float32, n*n)
	for i := range cols {
		for j := range cols {
			a[i*n+j] = float32(s * 0.5 * (float64(h[i*cols+j]) + float64(h[j*cols+i])))
		}
	}
	if rot != nil {
		parallelChunks(cols, 1, func(r0, r1 int) { // rows: H·Rᵀ
			for i := r0; i < r1; i++ {
				rot.forward(a[i*n : (i+1)*n])
			}
		})
		transpose(a, n)
		parallelChunks(n, 1, func(r0, r1 int) { // rows of R·H, rotated: R·H·Rᵀ
			for i := r0; i < r1; i++ {
				rot.forward(a[i*n : (i+1)*n])
			}
		})
	}
	f := &hessFactor{n: n, a: a, diag: make([]float32, n)}
	var mean float64
	for i := range n {
		f.diag[i] = a[i*n+i]
		mean += float64(a[i*n+i])
	}
	lambda := float32(hessDamp*mean/float64(n) + hessEps)
	for i := range n {
		a[i*n+i] += lambda
	}
	if err := cholesky(a, n); err != nil {
		return nil, err
	}
	// Mirror L into the upper triangle.
	const tile = 64
	for k0 := 0; k0 < n; k0 += tile {
		for j0 := k0; j0 < n; j0 += tile {
			for k := k0; k < min(k0+tile, n); k++ {
				for j := max(j0, k+1); j < min(j0+tile, n); j++ {
					a[k*n+j] = a[j*n+k]
				}
			}
		}
	}
	return f, nil
}

// transpose transposes the n×n matrix a in place.
func transpose(a []float32, n int) {
	const tile = 64
	for i0 := 0; i0 < n; i0 += tile {
		for j0 := i0; j0 < n; j0 += tile {
			for i := i0; i < min(i0+tile, n); i++ {
				for j := max(j0, i+1); j < min(j0+tile, n); j++ {
					a[i*n+j], a[j*n+i] = a[j*n+i], a[i*n+j]
				}
			}
		}
	}
}

// cholesky overwrites the lower triangle of the symmetric n×n matrix a
// with its Cholesky factor L (a = L·Lᵀ), row by row (Crout form, every
// entry one dot product of two contiguous row prefixes). Rows are done in
// panels of 32; a panel's columns left of it are filled in parallel.
func cholesky(a []float32, n int) error {
	const panel = 32
	workers := runtime.GOMAXPROCS(0)
	inv := make([]float32, n)
	for a0 := 0; a0 < n; a0 += panel {
		a1 := min(a0+panel, n)
		if a0 > 0 {
			per := (a1 - a0 + workers - 1) / workers
			var wg sync.WaitGroup
			for s := a0; s < a1; s += per {
				e := min(s+per, a1)
				wg.Add(1)
				go func() {
					defer wg.Done()
					for b := range a0 {
						lb, ib := a[b*n:b*n+b], inv[b]
						for i := s; i < e; i++ {
							row := a[i*n : i*n+b+1]
							row[b] = (row[b] - kernels.Dot(lb, row)) * ib
						}
					}
				}()
			}
			wg.Wait()
		}
		for i := a0; i < a1; i++ {
			row := a[i*n : i*n+i+1]
			for b := a0; b < i; b++ {
				row[b] = (row[b] - kernels.Dot(a[b*n:b*n+b], row)) * inv[b]
			}
			d := float64(row[i]) - float64(kernels.Dot(row[:i], row))
			if !(d > 0) || math.IsInf(d, 0) {
				return fmt.Errorf("hessian is not positive semidefinite (pivot %d is %v after damping): %w", i, d, ErrInvalid)
			}
			row[i] = float32(math.Sqrt(d))
			inv[i] = 1 / row[i]
		}
	}
	return nil
}

// hessBlock is one block of columns [lo, hi) of the feedback pass with
// L_BB⁻¹ (lower, (hi−lo)², row-major) and the weights diag(L_BB·L_BBᵀ).
type hessBlock struct {
	lo, hi int
	linv   []float32
	wdiag  []float32
}

// blocks splits [0, n) into blocks of size bs (the last may be shorter).
func (f *hessFactor) blocks(bs int) []hessBlock {
	var out []hessBlock
	for lo := 0; lo < f.n; lo += bs {
		hi := min(lo+bs, f.n)
		m := hi - lo
		b := hessBlock{lo: lo, hi: hi, linv: make([]float32, m*m), wdiag: make([]float32, m)}
		inv := make([]float64, m*m)
		for i := range m {
			var s float64
			for k := 0; k <= i; k++ {
				v := float64(f.a[(lo+i)*f.n+lo+k])
				s += v * v
			}
			b.wdiag[i] = float32(s)
			// Row i of L⁻¹ by forward substitution: (L⁻¹)_ij for j ≤ i.
			lii := float64(f.a[(lo+i)*f.n+lo+i])
			inv[i*m+i] = 1 / lii
			for j := range i {
				var t float64
				for k := j; k < i; k++ {
					t += float64(f.a[(lo+i)*f.n+lo+k]) * inv[k*m+j]
				}
				inv[i*m+j] = -t / lii
			}
		}
		for i, v := range inv {
			b.linv[i] = float32(v)
		}
		out = append(out, b)
	}
	return out
}

// target writes the block target t_B = wo_B + c_B·L_BB⁻¹ into t.
func (b *hessBlock) target(t, wo, c []float32) {
	m := b.hi - b.lo
	for i := range m {
		var s float32
		for k := i; k < m; k++ {
			s += c[k] * b.linv[k*m+i]
		}
		t[i] = wo[i] + s
	}
}

// gptq runs the feedback pass over every row of dense into e's blobs.
func (c *Codec) gptq(e *Encoded, rot *rotation, f *hessFactor, dense []float32) {
	cols, n := e.Cols, f.n
	bs := c.impl.hessBlock
	if bs == 0 {
		bs = scalarGroup
	}
	blocks := f.blocks(bs)
	chunk := 16 * c.impl.rowChunk
	nChunks := (e.Rows + chunk - 1) / chunk
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), nChunks) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wo := make([]float32, chunk*n)
			delta := make([]float32, chunk*n)
			for {
				k := int(next.Add(1)) - 1
				if k >= nChunks {
					return
				}
				r0 := k * chunk
				r1 := min(r0+chunk, e.Rows)
				for r := r0; r < r1; r++ {
					y := wo[(r-r0)*n : (r-r0+1)*n]
					copy(y, dense[r*cols:(r+1)*cols])
					clear(y[cols:])
					rot.forward(y)
					if c.impl.quantBlock != nil {
						c.impl.encodeRow(e, r, y, f.diag) // fixes the row scales
					}
				}
				clear(delta)
				c.gptqChunk(e, f, blocks, r0, r1, wo, delta)
			}
		}()
	}
	wg.Wait()
}

// gptqChunk quantizes rows [r0, r1) block by block from the right; wo holds
// their rotated rows and delta receives wo − ŵ.
func (c *Codec) gptqChunk(e *Encoded, f *hessFactor, blocks []hessBlock, r0, r1 int, wo, delta []float32) {
	n := f.n
	var cb, t [scalarGroup]float32
	for bi := len(blocks) - 1; bi >= 0; bi-- {
		b := &blocks[bi]
		m := b.hi - b.lo
		for r := r0; r < r1; r++ {
			row, d := wo[(r-r0)*n:(r-r0+1)*n], delta[(r-r0)*n:(r-r0+1)*n]
			if b.hi < n {
				for k := b.lo; k < b.hi; k++ {
					cb[k-b.lo] = kernels.Dot(f.a[k*n+b.hi:k*n+n], d[b.hi:])
				}
			} else {
				clear(cb[:m])
			}
			b.target(t[:m], row[b.lo:b.hi], cb[:m])
			if c.impl.quantBlock != nil {
				c.impl.quantBlock(e, r, b.lo, t[:m], b.wdiag, d[b.lo:b.hi])
				for i := range m {
					d[b.lo+i] = row[b.lo+i] - d[b.lo+i]
				}
			} else {
				c.scalarGroupFeedback(e, f, b, r, row, d, t[:m], cb[:m])
			}
		}
	}
}

// vqQuantBlock codes the 8-vector target t of row r, vector v through all
// stages with the row's fixed scales and weights wv, and writes the decoded
// values (the decoder's float32 arithmetic) to out.
func vqQuantBlock(stages []vqStage, e *Encoded, r, v int, t, wv, out []float32) {
	nv := vecsPerRow(e.Cols)
	var z, w, res, acc [8]float32
	copy(w[:], wv)
	copy(res[:], t)
	var q [8]int32
	for _, s := range stages {
		dd := rowScale(e.Blobs[s.scales], r)
		var code svqCode
		if dd != 0 {
			for i := range 8 {
				z[i] = res[i] / dd
			}
			code, _ = s.t.nearest(&z, &w)
		}
		s.put(e.Blobs[s.codes], r*nv+v, code)
		s.t.expand(code, &q)
		for i := range 8 {
			acc[i] += float32(dd * float32(q[i]))
			res[i] = t[i] - acc[i]
		}
	}
	copy(out, acc[:])
}

// scalarGroupFeedback fixes the scale of group b of row r from its target
// t, then codes its columns from the right with scalar feedback: column
// k's target is wo_k + (c_k + Σ_{j>k in b} δ_j·L_jk)/L_kk. It sets
// d[b.lo:b.hi] to wo − ŵ.
func (c *Codec) scalarGroupFeedback(e *Encoded, f *hessFactor, b *hessBlock, r int, wo, d, t, cb []float32) {
	n, bits := f.n, c.impl.bits
	lmax := 1<<bits - 1
	g := b.lo / scalarGroup
	groups := (e.Cols + scalarGroup - 1) / scalarGroup
	h := kernels.F32ToF16(scalarScale(t, f.diag[b.lo:b.hi], lmax))
	binary.LittleEndian.PutUint16(e.Blobs["scales"][2*(r*groups+g):], h)
	ds := kernels.F16ToF32(h)
	codes := e.Blobs["codes"][r*((e.Cols*bits+7)/8):]
	for k := b.hi - 1; k >= b.lo; k-- {
		s := cb[k-b.lo]
		for j := k + 1; j < b.hi; j++ {
			s += d[j] * f.a[j*n+k]
		}
		tk := wo[k] + s/f.a[k*n+k]
		code := scalarLevel(tk, ds, lmax)
		putScalarCode(codes, k, bits, code)
		d[k] = wo[k] - ds*float32(2*code-lmax)
	}
}
