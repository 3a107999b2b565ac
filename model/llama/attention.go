package llama

import (
	"math"

	"github.com/upgtools/upg/kernels"
	"github.com/upgtools/upg/model"
)

const (
	// attnRows is the target number of query rows (tokens × group heads)
	// one work item handles against each block of keys.
	attnRows = 64
	// attnKeys is the number of keys per score block: one MulPanel64 panel.
	attnKeys = kernels.PanelWidth
	// decodeKeys is the number of keys per online-softmax block of the
	// direct F16 decode path: a group's scores for one block stay in L1.
	decodeKeys = 256
)

// directF16Decode routes single-token attention over an F16 cache through
// decodeF16, which reads the cache in place. Tests and benchmarks turn it
// off to run (and time) the blocked path on the same input.
var directF16Decode = true

// attnScratch is one worker's attention space. Keys and values of one KV
// head are converted to float32 once per attention call (keys transposed,
// dimension-major, so that scores are a panel product) and reused by every
// block of queries the worker takes for that head.
type attnScratch struct {
	q          []float32 // [rows × hd] scaled queries of the item
	s          []float32 // [rows × attnKeys] scores, then probabilities
	o          []float32 // [rows × hdp] unnormalized outputs
	mx, sum, a []float32 // [rows] running max, running sum, rescale
	kt         []float32 // [hd × ldk] keys from position lo, transposed
	v          []float32 // [ldk × hdp] values from position lo (zero padded columns)
	row        []float32 // [hd] one widened key
	ldk        int       // positions kt and v hold room for
	gen, kvh   int       // the attention call and KV head kt and v hold
	lo         int       // the first position kt and v hold

	// The direct F16 decode path (decodeF16): one item's rows of a group.
	dq            []float32 // [rows × hd] scaled queries
	ds            []float32 // [rows × decodeKeys] scores, then probabilities
	dmx, dsum, da []float32 // [rows] running max, running sum, rescale
}

// attnShape are the sizes of one attention call.
type attnShape struct {
	hd, hdp, group int // head dim, head dim rounded up to attnKeys, heads per KV head
	qTok, rows     int // query tokens per item, their rows rounded up to 4
	blocks         int // items per KV head
}

func newAttnShape(c *model.Config, n int) attnShape {
	group := c.Heads / c.KVHeads
	qTok := max(1, min(n, attnRows/group))
	return attnShape{
		hd: c.HeadDim, hdp: (c.HeadDim + attnKeys - 1) / attnKeys * attnKeys, group: group,
		qTok: qTok, rows: (qTok*group + 3) &^ 3, blocks: (n + qTok - 1) / qTok,
	}
}

// ensureAttn sizes each worker's attention scratch for threads workers, a
// cache of capacity positions and batches of n tokens; it allocates only
// when something grows.
func (b *buffers) ensureAttn(c *model.Config, threads, capacity, n int) {
	sh := newAttnShape(c, n)
	ldk := (capacity+attnKeys-1)/attnKeys*attnKeys + attnKeys
	for len(b.attn) < threads {
		b.attn = append(b.attn, attnScratch{gen: -1})
	}
	for w := range b.attn[:threads] {
		s := &b.attn[w]
		if len(s.q) < sh.rows*sh.hd {
			s.q = make([]float32, sh.rows*sh.hd)
			s.s = make([]float32, sh.rows*attnKeys)
			s.o = make([]float32, sh.rows*sh.hdp)
			s.mx, s.sum, s.a = make([]float32, sh.rows), make([]float32, sh.rows), make([]float32, sh.rows)
		}
		if s.ldk < ldk {
			s.ldk = ldk
			s.kt = make([]float32, sh.hd*ldk)
			s.v = make([]float32, ldk*sh.hdp)
			s.row = make([]float32, sh.hd)
			s.gen = -1
		}
	}
}

// ensureDecode sizes each worker's decode scratch for threads workers and
// items of rows query heads; it allocates only when something grows.
func (b *buffers) ensureDecode(c *model.Config, threads, rows int) {
	for len(b.attn) < threads {
		b.attn = append(b.attn, attnScratch{gen: -1})
	}
	for w := range b.attn[:threads] {
		s := &b.attn[w]
		if len(s.dq) < rows*c.HeadDim || len(s.dmx) < rows {
			s.dq = make([]float32, rows*c.HeadDim)
			s.ds = make([]float32, rows*decodeKeys)
			s.dmx, s.dsum, s.da = make([]float32, rows), make([]float32, rows), make([]float32, rows)
		}
	}
}

// attention computes, for every token t and head h, softmax(q·Kᵀ/√hd)·V over
// the cached positions up to pos0+t (causal; limited to the sliding window
// when the model has one). Work items are a KV head and a block of query
// tokens (with all the heads of its group: about attnRows query rows); keys
// are taken attnKeys at a time with an online softmax (flash attention), so
// no n×n score matrix exists. Items are ordered head-major and, within a
// head, by zigzag over the query blocks so that the pool's contiguous
// chunks get equal causal work. One token over an F16 cache takes
// decodeF16 instead, which reads the cache without converting it.
func (m *Model) attention(l int, c *model.Cache, n, pos0 int) {
	if n == 1 && c.Type() == model.KVF16 && directF16Decode {
		m.decodeF16(l, c, pos0)
		return
	}
	cfg, b := &m.cfg, &m.buf
	b.ensureAttn(cfg, m.pool.Threads(), c.Cap(), n)
	b.attnGen++
	b.cache = c
	sh := newAttnShape(cfg, n)
	m.pool.ForArgs(cfg.KVHeads*sh.blocks, 1, kernels.Args{Obj: m, I: [4]int{l, pos0, n}}, attendChunk)
	b.cache = nil
}

// attendChunk is the ForArgs body of attention: a.Obj is the model, a.I
// holds the layer, the first position and the token count.
func attendChunk(a *kernels.Args, worker, lo, hi int) {
	m := a.Obj.(*Model)
	l, pos0, n := a.I[0], a.I[1], a.I[2]
	sh := newAttnShape(&m.cfg, n)
	for i := lo; i < hi; i++ {
		kvh, j := i/sh.blocks, i%sh.blocks
		qb := j / 2 // zigzag: 0, last, 1, last−1, …
		if j%2 == 1 {
			qb = sh.blocks - 1 - j/2
		}
		m.attendBlock(&m.buf.attn[worker], &sh, l, kvh, qb*sh.qTok, min((qb+1)*sh.qTok, n), pos0, n)
	}
}

// windowStart is the first position token position p may attend to.
func (m *Model) windowStart(p int) int {
	if m.window > 0 && p+1 > m.window {
		return p + 1 - m.window
	}
	return 0
}

// loadKV makes s hold layer l's keys (transposed) and values of KV head kvh
// for every position this attention call reads, [windowStart(pos0), pos0+n),
// converting them unless s already holds them for this call.
func (m *Model) loadKV(s *attnScratch, sh *attnShape, l, kvh, pos0, n int) {
	b := &m.buf
	if s.gen == b.attnGen && s.kvh == kvh {
		return
	}
	c, hd, kvd := b.cache, sh.hd, m.cfg.KVHeads*sh.hd
	lo, hi := m.windowStart(pos0), pos0+n
	s.gen, s.kvh, s.lo = b.attnGen, kvh, lo
	off := kvh * hd
	f32 := c.Type() == model.KVF32
	for j := lo; j < hi; j++ {
		r := j - lo
		var key []float32
		if f32 {
			key = c.K[l][j*kvd+off : j*kvd+off+hd]
		} else {
			key = s.row
			kernels.WidenF16(key, c.K16[l][j*kvd+off:j*kvd+off+hd])
		}
		for d, v := range key {
			s.kt[d*s.ldk+r] = v
		}
		dst := s.v[r*sh.hdp : r*sh.hdp+hd]
		if f32 {
			copy(dst, c.V[l][j*kvd+off:])
		} else {
			kernels.WidenF16(dst, c.V16[l][j*kvd+off:j*kvd+off+hd])
		}
	}
}

// attendBlock runs query tokens [t0, t1) of the group of KV head kvh
// against their keys, attnKeys at a time: S = Q·Kᵀ (MulPanel64), causal and
// window mask, online softmax (SoftmaxOnline), O = α·O + P·V (MulPanel64),
// and finally att = O / Σ.
func (m *Model) attendBlock(s *attnScratch, sh *attnShape, l, kvh, t0, t1, pos0, n int) {
	b := &m.buf
	hd, hdp, group := sh.hd, sh.hdp, sh.group
	qd := m.cfg.Heads * hd
	m.loadKV(s, sh, l, kvh, pos0, n)
	rows := (t1 - t0) * group
	pad := (rows + 3) &^ 3
	scale := float32(1 / math.Sqrt(float64(hd)))
	for t := t0; t < t1; t++ {
		src := b.q[t*qd+kvh*group*hd : t*qd+(kvh+1)*group*hd]
		dst := s.q[(t-t0)*group*hd:]
		for i, v := range src {
			dst[i] = v * scale
		}
	}
	clear(s.q[rows*hd : pad*hd])
	negInf := float32(math.Inf(-1))
	for i := range pad {
		s.mx[i], s.sum[i] = negInf, 0
	}
	kStart, kEnd := m.windowStart(pos0+t0), pos0+t1
	for j0 := kStart; j0 < kEnd; j0 += attnKeys {
		kb := min(attnKeys, kEnd-j0)
		kernels.MulPanel64(s.s, attnKeys, s.q, hd, s.kt[j0-s.lo:], s.ldk, pad, hd, nil)
		m.maskScores(s.s, j0, kb, t0, t1, pos0, group)
		kernels.SoftmaxOnline(s.s, attnKeys, pad, kb, s.mx, s.sum, s.a)
		beta := s.a
		if j0 == kStart {
			beta = nil
		}
		for c0 := 0; c0 < hdp; c0 += attnKeys {
			kernels.MulPanel64(s.o[c0:], hdp, s.s, attnKeys, s.v[(j0-s.lo)*hdp+c0:], hdp, pad, kb, beta)
		}
	}
	for r := range rows {
		t, g := t0+r/group, r%group
		out := b.att[t*qd+(kvh*group+g)*hd : t*qd+(kvh*group+g+1)*hd]
		inv := 1 / s.sum[r]
		for d, v := range s.o[r*hdp : r*hdp+hd] {
			out[d] = v * inv
		}
	}
}

// maskScores sets to −Inf the scores of the block of kb keys from position
// j0 that the query rows of tokens [t0, t1) may not see: keys after the
// token's own position, and keys before its window.
func (m *Model) maskScores(sc []float32, j0, kb, t0, t1, pos0, group int) {
	negInf := float32(math.Inf(-1))
	if j0+kb-1 <= pos0+t0 && j0 >= m.windowStart(pos0+t1-1) {
		return // every row sees every key of the block
	}
	for t := t0; t < t1; t++ {
		lo := min(max(m.windowStart(pos0+t)-j0, 0), kb)
		hi := max(min(pos0+t+1-j0, kb), lo)
		for g := range group {
			row := sc[((t-t0)*group+g)*attnKeys:]
			for j := range lo {
				row[j] = negInf
			}
			for j := hi; j < kb; j++ {
				row[j] = negInf
			}
		}
	}
}

// decodeF16 is attention for one token (at position pos0) over an F16
// cache, read in place: for each KV head, the query heads of its group
// score the keys (kernels.ScoresF16: each key widened once per block and
// used by every head of the item), fold them into an online softmax
// (kernels.SoftmaxOnline) and add the weighted values (kernels.AccumF16),
// decodeKeys keys at a time. Work items are a KV head, or, when there are
// fewer KV heads than workers, a share of its group's query heads (those
// items read the same keys, from the shared cache levels).
func (m *Model) decodeF16(l int, c *model.Cache, pos0 int) {
	cfg, b := &m.cfg, &m.buf
	threads := m.pool.Threads()
	group := cfg.Heads / cfg.KVHeads
	split := 1
	if cfg.KVHeads < threads {
		split = min(group, (threads+cfg.KVHeads-1)/cfg.KVHeads)
	}
	per := (group + split - 1) / split
	split = (group + per - 1) / per
	b.ensureDecode(cfg, threads, per)
	b.cache = c
	m.pool.ForArgs(cfg.KVHeads*split, 1, kernels.Args{Obj: m, I: [4]int{l, pos0, per, split}}, decodeChunk)
	b.cache = nil
}

// decodeChunk is the ForArgs body of decodeF16: a.Obj is the model, a.I
// holds the layer, the position, the query heads per item and the items
// per KV head.
func decodeChunk(a *kernels.Args, worker, lo, hi int) {
	m := a.Obj.(*Model)
	l, pos0, per, split := a.I[0], a.I[1], a.I[2], a.I[3]
	group := m.cfg.Heads / m.cfg.KVHeads
	for i := lo; i < hi; i++ {
		kvh, g0 := i/split, i%split*per
		m.decodeHeads(&m.buf.attn[worker], l, kvh, g0, min(g0+per, group), pos0)
	}
}

// decodeHeads runs query heads [g0, g1) of KV head kvh's group, for the
// token at pos0, against keys and values [windowStart(pos0), pos0] of
// layer l, writing att = softmax(q·Kᵀ/√hd)·V.
func (m *Model) decodeHeads(s *attnScratch, l, kvh, g0, g1, pos0 int) {
	cfg, b := &m.cfg, &m.buf
	hd, group := cfg.HeadDim, cfg.Heads/cfg.KVHeads
	kvd, rows := cfg.KVHeads*hd, g1-g0
	h0 := kvh*group + g0
	scale := float32(1 / math.Sqrt(float64(hd)))
	q := s.dq[:rows*hd]
	for i, v := range b.q[h0*hd : (h0+rows)*hd] {
		q[i] = v * scale
	}
	o := b.att[h0*hd : (h0+rows)*hd]
	clear(o)
	mx, sum, alpha := s.dmx[:rows], s.dsum[:rows], s.da[:rows]
	negInf := float32(math.Inf(-1))
	for i := range rows {
		mx[i], sum[i] = negInf, 0
	}
	keys, vals := b.cache.K16[l][kvh*hd:], b.cache.V16[l][kvh*hd:]
	lo, hi := m.windowStart(pos0), pos0+1
	for j0 := lo; j0 < hi; j0 += decodeKeys {
		kb := min(decodeKeys, hi-j0)
		kernels.ScoresF16(s.ds, decodeKeys, q, rows, hd, keys[j0*kvd:], kvd, kb)
		kernels.SoftmaxOnline(s.ds, decodeKeys, rows, kb, mx, sum, alpha)
		if j0 > lo {
			for i, a := range alpha {
				if a != 1 {
					scaleRow(o[i*hd:(i+1)*hd], a)
				}
			}
		}
		kernels.AccumF16(o, hd, s.ds, decodeKeys, rows, vals[j0*kvd:], kvd, kb, hd)
	}
	for i := range rows {
		scaleRow(o[i*hd:(i+1)*hd], 1/sum[i])
	}
}

// scaleRow multiplies x by a.
func scaleRow(x []float32, a float32) {
	for i := range x {
		x[i] *= a
	}
}
