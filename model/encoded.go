package model

import (
	"fmt"
	"math"
	"sync"

	"github.com/upgtools/upg/codec"
	"github.com/upgtools/upg/kernels"
)

// encBatchMin is the smallest batch whose products decode the rows to
// float32 for the GEMM; smaller batches run the matrix-vector kernel on the
// codes once per input. Decoding a matrix costs about as much as 30
// matrix-vector products: prefill of a TinyLlama-shaped UPG model (upg
// bench -p N -n 1), batched vs one input at a time: N=4 5 vs 25 tok/s,
// N=16 18 vs 25, N=32 30 vs 31, N=48 28 vs 26.
const encBatchMin = 32

// lutBatchMin is encBatchMin for the LUT codecs: never. Their
// matrix-vector product costs about 1/80 of decoding the matrix to float32
// (BenchmarkDotRows vs BenchmarkDecodeRowsRotated, lut2 2048×5632: 0.17 vs
// 14 ms), and a batch's tokens reuse the codes from cache: prefill of a
// TinyLlama-shaped model (upg bench -p N -n 2 -r 3) one token at a time vs
// batched: N=96 82.5 vs 47.2 tok/s, N=512 80.6 vs 54–63.
const lutBatchMin = math.MaxInt

// encBlock is the number of rows a worker decodes at once for a
// matrix-matrix product: the GEMM's packed row block (64), so that each
// panel of inputs it loads serves 16 micro-tiles before the next is read
// (16 rows read the whole input from L3 four times as often: pp512 of a
// TinyLlama-shaped UPG model ran ~1.5× slower).
const encBlock = 64

// Encoded is a weight matrix kept in a UPG codec. Products run on the codes:
// for one vector the codec's dot kernels read the codes directly (the input
// is rotated once per product); for several, each worker decodes a block of
// rows once into a small float32 buffer and multiplies it with all rotated
// inputs (kernels.MatMulF32). Nothing is expanded beyond a few rows per
// worker. Products on one matrix are serialized (the scratch is shared).
type Encoded struct {
	enc   *codec.Encoded
	p     int  // rotated (padded) row length
	outs  bool // has an outlier table (added to batched products separately)
	align int  // row granularity of a matrix-vector product's chunks
	batch int  // the smallest batch multiplied through decoded rows (encBatchMin, lutBatchMin)

	mu    sync.Mutex
	group sharedGroup // the matrix-vector loop's state (MatMulShared's when m leads)
	rows  [][]float32 // per-worker scratch of row windows' dot products
	big   *mulScratch // the matrix-matrix product in flight
}

// mulScratch is the scratch of a matrix-matrix product: rotated inputs
// (n×p) and one decoded row block per worker. It is shared between all
// matrices through a pool, so prefill memory does not grow with the number
// of matrices.
type mulScratch struct {
	xr   []float32
	rows [][]float32
}

var mulScratchPool = sync.Pool{New: func() any { return new(mulScratch) }}

// NewEncoded wraps a validated encoded tensor.
func NewEncoded(e *codec.Encoded) (*Encoded, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	c, err := codec.ByID(e.Codec)
	if err != nil {
		return nil, err
	}
	// The LUT codecs' kernel computes whole 64-row tiles (RowMultiple), and
	// several at once (the product table is read once per pass): chunks of
	// at least four tiles. Decode of a TinyLlama-shaped model (upg bench
	// -p 16 -n 48 -r 3, eight alternating runs, median): 63.6 tok/s against
	// 59.2 with two-tile chunks and 56.4 with eight.
	align := 16
	if r := c.RowMultiple(); r > align {
		align = 4 * r
	}
	batch := encBatchMin
	if c.TableProducts() {
		batch = lutBatchMin
	}
	return &Encoded{enc: e, p: e.RotatedLen(), outs: e.HasOutliers(), align: align, batch: batch}, nil
}

// Codec returns the underlying encoded tensor.
func (m *Encoded) Codec() *codec.Encoded { return m.enc }

// Rows implements Linear.
func (m *Encoded) Rows() int { return m.enc.Rows }

// Cols implements Linear.
func (m *Encoded) Cols() int { return m.enc.Cols }

// Bytes implements Linear: every stored byte of the codec.
func (m *Encoded) Bytes() int64 { return m.enc.Bytes() }

// Row implements Linear (the reference decoder; used for embeddings). r and
// dst come from the model, which checks token ids against the vocabulary;
// on a contract violation dst is left unchanged.
func (m *Encoded) Row(r int, dst []float32) {
	_ = m.enc.DecodeRow(r, dst[:m.enc.Cols])
}

func grow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

// MatMul implements Linear.
func (m *Encoded) MatMul(p *kernels.Pool, dst, x []float32, n int) {
	m.MulRows(p, dst, x, n, 0, m.enc.Rows)
}

// MulRows implements RowMultiplier: products of rows [off, off+rows).
func (m *Encoded) MulRows(p *kernels.Pool, dst, x []float32, n, off, rows int) {
	e := m.enc
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.rows) < p.Threads() {
		m.rows = make([][]float32, p.Threads())
	}
	if n < m.batch {
		g := &m.group
		*g = sharedGroup{k: 1}
		g.ms[0], g.out[0], g.off[1] = m, dst, (rows+63)/64*64
		g.woff[0], g.wrows[0] = off, rows
		g.run(p, x, n)
		*g = sharedGroup{} // drop the references
		return
	}
	args := kernels.Args{Obj: m, A: dst, B: x, I: [4]int{n, off, rows}}
	sc := mulScratchPool.Get().(*mulScratch)
	if len(sc.rows) < p.Threads() {
		sc.rows = make([][]float32, p.Threads())
	}
	sc.xr = grow(sc.xr, n*m.p)
	for t := range n {
		_ = e.RotateInput(sc.xr[t*m.p:(t+1)*m.p], x[t*e.Cols:(t+1)*e.Cols])
	}
	m.big = sc
	p.ForArgsBalanced(rows, encBlock, args, encMulChunk)
	m.big = nil
	if m.outs {
		p.ForArgsBalanced(n, 1, args, encOutlierChunk)
	}
	mulScratchPool.Put(sc)
}

// inputPool holds the prepared inputs of matrix-vector products: one per
// product in flight rather than one per matrix (a LUT codec's product table
// is up to 256 bytes per 2 to 5 columns).
var inputPool = sync.Pool{New: func() any { return new(codec.Input) }}

// MatMulShared computes dsts[i] = ls[i]·x for matrices that all take the
// same n input vectors x (a layer's q, k and v projections). For one
// vector at a time, the encoded matrices that rotate their input like the
// first encoded one (codec.Encoded.SharesRotation: the converter gives
// them one rotation seed) rotate it once; those of one codec share the
// prepared input (for the LUT codecs the product table, the bulk of the
// preparation), the tables of all their codecs are built in one parallel
// loop, and their rows are split over the workers as one loop. Every other
// matrix, and every batch large enough for the batched product, runs its
// own MatMul.
func MatMulShared(p *kernels.Pool, ls []Linear, dsts [][]float32, x []float32, n int) {
	var lead *Encoded
	for _, l := range ls {
		if m, ok := l.(*Encoded); ok {
			lead = m
			break
		}
	}
	if lead == nil || n >= lead.batch {
		for i, l := range ls {
			l.MatMul(p, dsts[i], x, n)
		}
		return
	}
	lead.mu.Lock()
	defer lead.mu.Unlock()
	g := &lead.group
	*g = sharedGroup{}
	for i, l := range ls {
		m, ok := l.(*Encoded)
		if ok && n < m.batch && (m == lead || m.enc.SharesRotation(lead.enc)) && g.k < len(g.ms) {
			g.ms[g.k], g.out[g.k], g.wrows[g.k] = m, dsts[i], m.enc.Rows
			g.off[g.k+1] = g.off[g.k] + (m.enc.Rows+63)/64*64 // tile-aligned spans
			g.k++
			continue
		}
		l.MatMul(p, dsts[i], x, n)
	}
	g.run(p, x, n)
	*g = sharedGroup{} // drop the references
}

// run computes the products of the group's matrices with the n vectors x,
// one vector at a time: one preparation by the caller (during which the
// other workers, otherwise idle, prefetch the codes their first chunk of
// the products starts with), one parallel loop building the tables (during
// which every worker prefetches those codes), one parallel loop over all
// rows.
func (g *sharedGroup) run(p *kernels.Pool, x []float32, n int) {
	total, align := g.off[g.k], 1
	for j := range g.k {
		align = max(align, g.ms[j].align)
	}
	g.threads = p.Threads()
	g.assign()
	cols := g.ms[0].enc.Cols
	for t := range n {
		g.planPrefetch(total, align)
		g.postIdlePrefetch(p)
		g.prepare(x[t*cols : (t+1)*cols])
		if g.groups[g.nin] > 0 {
			p.ForArgsBalanced(g.groups[g.nin], 32, kernels.Args{Obj: g}, sharedTableChunk)
		}
		for j := range g.k {
			rows := g.wrows[j]
			g.dst[j] = g.out[j][t*rows : (t+1)*rows]
		}
		p.ForArgsBalanced(total, align, kernels.Args{Obj: g}, sharedChunk)
		for _, in := range g.ins[:g.nin] {
			inputPool.Put(in)
		}
	}
}

// sharedGroup is the matrix-vector loop over the rows of several matrices
// (MatMulShared) or of a window of one (MulRows), laid end to end in spans
// padded to whole 64-row tiles, and over the product tables of their
// prepared inputs, laid end to end likewise.
type sharedGroup struct {
	k      int
	ms     [4]*Encoded
	woff   [4]int       // each matrix's rows [woff, woff+wrows)
	wrows  [4]int       // (the whole matrix but in MulRows)
	out    [4][]float32 // the products of all n vectors
	dst    [4][]float32 // the current vector's outputs
	off    [5]int       // span starts
	in     [4]int       // the prepared input of each matrix: ins[in[j]]
	nin    int
	ins    [4]*codec.Input // one per codec
	owner  [4]int          // a matrix each input was prepared for
	groups [5]int          // table group starts per prepared input

	threads int
	pf      [8]prefetchPlan // per worker, before and while the tables are built
}

// idlePrefetchBytes is how much of its first chunk's codes a worker
// prefetches while the caller prepares the input alone (~5 µs, about what
// one core streams in that time). While the tables are built, each worker
// then prefetches the following codes, two 64-byte lines per table group
// it builds (kernels.LUTBuildHalfPrefetch).
const idlePrefetchBytes = 64 << 10

// prefetchPlan is the codes one worker prefetches: the start of its likely
// first chunk, the first idlePrefetchBytes while it waits for the tables'
// loop, the rest (from done on) while it builds tables.
type prefetchPlan struct {
	codes []byte
	done  int
}

// planPrefetch sets each worker's prefetch plan: the codes of the first
// kernel pass (up to 8 tiles) of the chunk of [0, total) rows it is likely
// to take first — chunk w for worker w, the chunks cut as ForArgsBalanced
// cuts them.
func (g *sharedGroup) planPrefetch(total, align int) {
	left, pos := total, 0
	for w := range g.pf {
		g.pf[w] = prefetchPlan{}
		if w >= g.threads || pos >= total {
			continue
		}
		size := kernels.GuidedChunk(left, g.threads, align)
		j := 0
		for g.off[j+1] <= pos {
			j++
		}
		t0 := (g.woff[j] + pos - g.off[j]) / 64
		tiles := min(8, (min(pos+size, g.off[j+1])-pos+63)/64)
		codes, _ := g.ms[j].enc.TileCodes(t0, t0+tiles)
		g.pf[w] = prefetchPlan{codes: codes}
		if w > 0 { // the caller prepares the input meanwhile
			g.pf[w].done = min(len(codes), idlePrefetchBytes)
		}
		pos += size
		left -= size
	}
}

// postIdlePrefetch hands each worker but the caller the first
// idlePrefetchBytes of its plan to prefetch while the caller prepares the
// inputs alone (kernels.PrefetchIdle).
func (g *sharedGroup) postIdlePrefetch(p *kernels.Pool) {
	for w := 1; w < g.threads && w < len(g.pf); w++ {
		if pl := &g.pf[w]; pl.done > 0 {
			kernels.PrefetchIdle(p, w, pl.codes[:pl.done])
		}
	}
}

// nextPrefetch returns the next bytes of worker w's plan to prefetch while
// it builds n table groups: two lines per group.
func (g *sharedGroup) nextPrefetch(w, n int) []byte {
	if w >= len(g.pf) {
		return nil
	}
	pl := &g.pf[w]
	end := min(len(pl.codes), pl.done+n*128)
	b := pl.codes[pl.done:end]
	pl.done = end
	return b
}

// assign gives each matrix its prepared input: one per codec, owned by
// the codec's first matrix (g.in, g.owner, g.nin). It depends on the
// matrices only, so run calls it once for all vectors.
func (g *sharedGroup) assign() {
	g.nin = 0
	for j, m := range g.ms[:g.k] {
		g.in[j] = -1
		for i := range g.nin {
			if m.enc.SharesInput(g.ms[g.owner[i]].enc) {
				g.in[j] = i
				break
			}
		}
		if g.in[j] < 0 {
			g.in[j], g.owner[g.nin] = g.nin, j
			g.nin++
		}
	}
}

// prepare rotates x once for the group's matrices and sets up their
// inputs (the first owner's from x, the others from its rotation),
// leaving their tables to build.
func (g *sharedGroup) prepare(x []float32) {
	for i, j := range g.owner[:g.nin] {
		in := inputPool.Get().(*codec.Input)
		// lengths and rotations match by construction
		var groups int
		if i == 0 {
			groups, _ = in.PrepareTable(g.ms[j].enc, x)
		} else {
			groups, _ = in.PrepareTableFrom(g.ms[j].enc, g.ins[0])
		}
		g.ins[i] = in
		g.groups[i+1] = g.groups[i] + groups
	}
}

// sharedTableChunk builds the table groups [lo, hi) of a sharedGroup's
// prepared inputs, laid end to end, prefetching the worker's plan as it
// goes.
func sharedTableChunk(a *kernels.Args, w, lo, hi int) {
	g := a.Obj.(*sharedGroup)
	for i := range g.nin {
		g0, g1 := max(lo, g.groups[i])-g.groups[i], min(hi, g.groups[i+1])-g.groups[i]
		if g0 < g1 {
			g.ins[i].BuildTablePrefetch(g0, g1, g.nextPrefetch(w, g1-g0))
		}
	}
}

// sharedChunk computes the rows [lo, hi) of the spans of a sharedGroup.
// DotRowsInput indexes its output by matrix row, so a window other than
// the whole matrix goes through the worker's scratch.
func sharedChunk(a *kernels.Args, worker, lo, hi int) {
	g := a.Obj.(*sharedGroup)
	for j := range g.k {
		r0, r1 := max(lo, g.off[j])-g.off[j], min(hi, g.off[j+1])-g.off[j]
		r1 = min(r1, g.wrows[j])
		if r0 >= r1 {
			continue
		}
		m, in, off := g.ms[j], g.ins[g.in[j]], g.woff[j]
		// shapes match by construction
		if off == 0 {
			_ = m.enc.DotRowsInput(g.dst[j], in, r0, r1)
			continue
		}
		buf := grow(m.rows[worker], off+r1)
		m.rows[worker] = buf
		_ = m.enc.DotRowsInput(buf, in, off+r0, off+r1)
		copy(g.dst[j][r0:r1], buf[off+r0:off+r1])
	}
}

// encMulChunk computes one worker's rows of a matrix-matrix product, a
// block of rows at a time: decoded once in the rotated domain, multiplied
// with all n rotated inputs (the outlier table's share is added after, by
// encOutlierChunk).
func encMulChunk(a *kernels.Args, worker, lo, hi int) {
	m := a.Obj.(*Encoded)
	e, dst, n, off, rows := m.enc, a.A, a.I[0], a.I[1], a.I[2]
	sc := m.big
	width := m.p
	buf := grow(sc.rows[worker], encBlock*width)
	sc.rows[worker] = buf
	for r0 := lo; r0 < hi; r0 += encBlock {
		r1 := min(r0+encBlock, hi)
		if err := e.DecodeRowsRotated(buf, off+r0, off+r1); err != nil {
			panic(fmt.Sprintf("model: decoding rows %d..%d: %v", off+r0, off+r1, err)) // validated at load: unreachable
		}
		kernels.MatMulF32(dst[r0:], buf[:(r1-r0)*width], sc.xr[:n*width], r1-r0, width, n, rows)
	}
}

// encOutlierChunk adds the outlier table's share to the products of
// inputs [lo, hi) (all rows of the window): one pass over each input,
// which stays in cache while the table's entries pick its columns.
func encOutlierChunk(a *kernels.Args, _, lo, hi int) {
	m := a.Obj.(*Encoded)
	e, dst, x, off, rows := m.enc, a.A, a.B, a.I[1], a.I[2]
	_ = e.AddOutlierProducts(dst[lo*rows:], rows, x[lo*e.Cols:], hi-lo, off, off+rows) // shapes match by construction
}
