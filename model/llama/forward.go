package llama

import (
	"fmt"

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

	// Attention state: the cache of the call in flight, a counter of
	// attention calls (which tells a worker's converted keys and values
	// apart from the previous call's) and per-worker scratch.
	cache   *model.Cache
	attnGen int
	attn    []attnScratch
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
	qkv, qkvOut := [3]model.Linear{L.Q, L.K, L.V}, [3][]float32{b.q, b.k, b.v}
	model.MatMulShared(m.pool, qkv[:], qkvOut[:], b.xb[:n*H], n)
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
	gu, guOut := [2]model.Linear{L.Gate, L.Up}, [2][]float32{b.gate, b.up}
	model.MatMulShared(m.pool, gu[:], guOut[:], b.xb[:n*H], n)
	kernels.SwiGLU(b.gate[:n*F], b.up[:n*F])
	L.Down.MatMul(m.pool, b.xb, b.gate[:n*F], n)
	for t := range n {
		kernels.AXPY(b.x[t*H:(t+1)*H], 1, b.xb[t*H:(t+1)*H])
	}
}

func addBias(x, bias []float32) {
	if bias != nil {
		kernels.AXPY(x, 1, bias)
	}
}
