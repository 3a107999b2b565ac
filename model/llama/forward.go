package llama

import (
	"fmt"
	"math"

	"github.com/upgtools/upg/kernels"
	"github.com/upgtools/upg/model"
)

// buffers are the activations of one forward call, reused between calls and
// grown only when a longer batch arrives.
type buffers struct {
	n        int
	x, xb    []float32 // [n, hidden] residual stream, normed copy
	q        []float32 // [n, heads·hd]
	k, v     []float32 // [n, kv·hd]
	att      []float32 // [n, heads·hd] attention output
	gate, up []float32 // [n, ffn]
	cos, sin []float32 // [n, rotDim/2]

	// Attention scratch, per worker, sized for the largest cache seen.
	cache   *model.Cache // the cache of the attention call in flight
	attnCap int          // positions each scores row holds
	attnThr int          // workers the scratch is laid out for
	scores  []float32    // [worker][group][attnCap]
	kvBlock []float32    // [worker][attnBlock·hd] converted F16 rows
}

// ensureAttn sizes the attention scratch for threads workers and a cache of
// capacity positions; it allocates only when either grows.
func (b *buffers) ensureAttn(c *model.Config, threads, capacity int) {
	if threads <= b.attnThr && capacity <= b.attnCap {
		return
	}
	b.attnThr, b.attnCap = max(threads, b.attnThr), max(capacity, b.attnCap)
	group := c.Heads / c.KVHeads
	b.scores = make([]float32, b.attnThr*group*b.attnCap)
	b.kvBlock = make([]float32, b.attnThr*attnBlock*c.HeadDim)
}

func (b *buffers) ensure(c *model.Config, n int) {
	if n <= b.n {
		return
	}
	qd, kvd := c.Heads*c.HeadDim, c.KVHeads*c.HeadDim
	b.n = n
	b.x, b.xb = make([]float32, n*c.Hidden), make([]float32, n*c.Hidden)
	b.q, b.att = make([]float32, n*qd), make([]float32, n*qd)
	b.k, b.v = make([]float32, n*kvd), make([]float32, n*kvd)
	b.gate, b.up = make([]float32, n*c.FFN), make([]float32, n*c.FFN)
	b.cos, b.sin = make([]float32, n*c.Rope.Dim/2), make([]float32, n*c.Rope.Dim/2)
}

// Forward implements model.Model: the whole batch of tokens goes through
// each layer as matrix-matrix products (prefill), one token is a
// matrix-vector product (decode).
func (m *Model) Forward(c *model.Cache, tokens []int, logits []float32, all bool) error {
	cfg := &m.cfg
	n := len(tokens)
	if n == 0 {
		return fmt.Errorf("forward: no tokens")
	}
	if err := c.Reserve(n); err != nil {
		return err
	}
	want := cfg.Vocab
	if all {
		want *= n
	}
	if len(logits) < want {
		return fmt.Errorf("forward: logits buffer has %d values, need %d", len(logits), want)
	}
	for _, t := range tokens {
		if t < 0 || t >= cfg.Vocab {
			return fmt.Errorf("forward: token id %d outside the vocabulary (%d)", t, cfg.Vocab)
		}
	}
	b := &m.buf
	b.ensure(cfg, n)
	H, pos0 := cfg.Hidden, c.Len()
	for t, tok := range tokens {
		m.Embed.Row(tok, b.x[t*H:(t+1)*H])
	}
	half := cfg.Rope.Dim / 2
	for t := range n {
		cfg.Rope.CosSin(pos0+t, pos0+n, b.cos[t*half:(t+1)*half], b.sin[t*half:(t+1)*half])
	}
	for l := range m.Layers {
		m.layer(l, c, n, pos0)
	}
	c.Advance(n)
	first := 0
	if !all {
		first = n - 1
	}
	for t := first; t < n; t++ {
		kernels.RMSNorm(b.xb[t*H:(t+1)*H], b.x[t*H:(t+1)*H], m.Norm, cfg.RMSEps)
	}
	m.Head.MatMul(m.pool, logits, b.xb[first*H:n*H], n-first)
	return nil
}

// layer runs decoder block l on the n tokens in the buffers:
// x += o_proj(attn(rope(q), rope(k), v)); x += down(silu(gate(xn)) * up(xn)).
func (m *Model) layer(l int, c *model.Cache, n, pos0 int) {
	cfg, b, L := &m.cfg, &m.buf, &m.Layers[l]
	H := cfg.Hidden
	qd, kvd := cfg.Heads*cfg.HeadDim, cfg.KVHeads*cfg.HeadDim
	half := cfg.Rope.Dim / 2
	for t := range n {
		kernels.RMSNorm(b.xb[t*H:(t+1)*H], b.x[t*H:(t+1)*H], L.AttnNorm, cfg.RMSEps)
	}
	L.Q.MatMul(m.pool, b.q, b.xb[:n*H], n)
	L.K.MatMul(m.pool, b.k, b.xb[:n*H], n)
	L.V.MatMul(m.pool, b.v, b.xb[:n*H], n)
	for t := range n {
		addBias(b.q[t*qd:(t+1)*qd], L.QB)
		addBias(b.k[t*kvd:(t+1)*kvd], L.KB)
		addBias(b.v[t*kvd:(t+1)*kvd], L.VB)
		cs, sn := b.cos[t*half:(t+1)*half], b.sin[t*half:(t+1)*half]
		kernels.RoPENeoX(b.q[t*qd:(t+1)*qd], cfg.HeadDim, cfg.Rope.Dim, cs, sn)
		kernels.RoPENeoX(b.k[t*kvd:(t+1)*kvd], cfg.HeadDim, cfg.Rope.Dim, cs, sn)
	}
	c.Store(l, pos0, b.k[:n*kvd], b.v[:n*kvd])
	m.attention(l, c, n, pos0)
	L.O.MatMul(m.pool, b.xb, b.att[:n*qd], n)
	for t := range n {
		addBias(b.xb[t*H:(t+1)*H], L.OB)
		kernels.AXPY(b.x[t*H:(t+1)*H], 1, b.xb[t*H:(t+1)*H])
		kernels.RMSNorm(b.xb[t*H:(t+1)*H], b.x[t*H:(t+1)*H], L.FFNNorm, cfg.RMSEps)
	}
	F := cfg.FFN
	L.Gate.MatMul(m.pool, b.gate, b.xb[:n*H], n)
	L.Up.MatMul(m.pool, b.up, b.xb[:n*H], n)
	kernels.SwiGLU(b.gate[:n*F], b.up[:n*F])
	L.Down.MatMul(m.pool, b.xb, b.gate[:n*F], n)
	for t := range n {
		kernels.AXPY(b.x[t*H:(t+1)*H], 1, b.xb[t*H:(t+1)*H])
	}
}

// attnBlock is how many cached values attention converts from binary16 at
// a time (per worker) before using them; keys are read with DotF16.
const attnBlock = 64

// attention computes, for every token t and head h, softmax(q·Kᵀ/√hd)·V over
// the cached positions up to pos0+t (causal; limited to the sliding window
// when the model has one). Query heads share KV heads in groups; the work is
// split over (token, KV head) pairs so an F16 cache converts each value row
// once per group (keys are dotted in binary16 directly, kernels.DotF16).
func (m *Model) attention(l int, c *model.Cache, n, pos0 int) {
	cfg, b := &m.cfg, &m.buf
	group := cfg.Heads / cfg.KVHeads
	b.ensureAttn(cfg, m.pool.Threads(), c.Cap())
	b.cache = c
	m.pool.ForArgs(n*cfg.KVHeads, 1, kernels.Args{Obj: m, I: [4]int{l, pos0, group}}, attendChunk)
	b.cache = nil
}

// attendChunk is the ForArgs body of attention: a.Obj is the model, a.I
// holds the layer, the first position and the group size.
func attendChunk(a *kernels.Args, worker, lo, hi int) {
	m := a.Obj.(*Model)
	l, pos0, group := a.I[0], a.I[1], a.I[2]
	for i := lo; i < hi; i++ {
		t, kvh := i/m.cfg.KVHeads, i%m.cfg.KVHeads
		m.attendGroup(worker, l, t, kvh, pos0, group)
	}
}

// attendGroup runs the group query heads of KV head kvh for token t.
func (m *Model) attendGroup(worker, l, t, kvh, pos0, group int) {
	cfg, b, c := &m.cfg, &m.buf, m.buf.cache
	hd, kvd, qd := cfg.HeadDim, cfg.KVHeads*cfg.HeadDim, cfg.Heads*cfg.HeadDim
	scale := float32(1 / math.Sqrt(float64(hd)))
	end := pos0 + t + 1
	start := 0
	if m.window > 0 && end > m.window {
		start = end - m.window
	}
	span := end - start
	kvOff := kvh * hd
	scores := b.scores[worker*group*b.attnCap : (worker+1)*group*b.attnCap]
	blk := b.kvBlock[worker*attnBlock*hd : (worker+1)*attnBlock*hd]
	for g := range group {
		h := kvh*group + g
		q := b.q[t*qd+h*hd : t*qd+(h+1)*hd]
		s := scores[g*b.attnCap:]
		if c.Type() == model.KVF32 {
			K := c.K[l]
			for j := start; j < end; j++ {
				s[j-start] = kernels.Dot(q, K[j*kvd+kvOff:j*kvd+kvOff+hd]) * scale
			}
			continue
		}
		K := c.K16[l]
		for j := start; j < end; j++ {
			s[j-start] = kernels.DotF16(K[j*kvd+kvOff:j*kvd+kvOff+hd], q) * scale
		}
	}
	for g := range group {
		kernels.Softmax(scores[g*b.attnCap : g*b.attnCap+span])
		h := kvh*group + g
		clear(b.att[t*qd+h*hd : t*qd+(h+1)*hd])
	}
	for j0 := start; j0 < end; j0 += attnBlock {
		j1 := min(j0+attnBlock, end)
		rows, stride := valueRows(c, l, j0, j1, kvd, kvOff, hd, blk)
		for g := range group {
			h := kvh*group + g
			out := b.att[t*qd+h*hd : t*qd+(h+1)*hd]
			s := scores[g*b.attnCap:]
			for j := j0; j < j1; j++ {
				kernels.AXPY(out, s[j-start], rows[(j-j0)*stride:(j-j0)*stride+hd])
			}
		}
	}
}

// valueRows returns rows [j0, j1) of one KV head (hd values at kvOff within
// each position's kvd) of layer l's values as a base slice and a stride: row
// r is base[r·stride : r·stride+hd]. For F32 they are the cache's own
// memory; for F16, blk filled with the converted rows.
func valueRows(c *model.Cache, l, j0, j1, kvd, kvOff, hd int, blk []float32) (base []float32, stride int) {
	if c.Type() == model.KVF32 {
		return c.V[l][j0*kvd+kvOff : (j1-1)*kvd+kvOff+hd], kvd
	}
	src := c.V16[l]
	for j := j0; j < j1; j++ {
		row := src[j*kvd+kvOff : j*kvd+kvOff+hd]
		dst := blk[(j-j0)*hd : (j-j0+1)*hd]
		for i, h := range row {
			dst[i] = kernels.F16ToF32(h)
		}
	}
	return blk, hd
}

func addBias(x, bias []float32) {
	if bias != nil {
		kernels.AXPY(x, 1, bias)
	}
}
