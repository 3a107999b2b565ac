package llama

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/upgtools/upg/kernels"
	"github.com/upgtools/upg/model"
)

// attentionTolerance bounds |blocked − reference| per output element. The
// outputs are convex combinations of N(0,1) values; the blocked path differs
// from the float64 reference by float32 products and sums over at most a
// few hundred keys and the fast exp (relative 1.2e-7).
const attentionTolerance = 2e-5

// attentionRef is the specification of Model.attention, the per-token path
// the blocked one replaced: for each token t and head h, the scores
// q·k/√hd over positions [windowStart(pos0+t), pos0+t], a softmax with
// math.Exp, and Σ p·v, all in float64 from the cache's own (converted)
// values.
func attentionRef(m *Model, c *model.Cache, l, n, pos0 int) []float32 {
	cfg := &m.cfg
	hd, group := cfg.HeadDim, cfg.Heads/cfg.KVHeads
	qd, kvd := cfg.Heads*hd, cfg.KVHeads*hd
	at := func(f32 [][]float32, f16 [][]uint16, i int) float64 {
		if c.Type() == model.KVF32 {
			return float64(f32[l][i])
		}
		return float64(kernels.F16ToF32(f16[l][i]))
	}
	out := make([]float32, n*qd)
	for t := range n {
		end := pos0 + t + 1
		start := m.windowStart(pos0 + t)
		for h := range cfg.Heads {
			off := (h / group) * hd
			q := m.buf.q[t*qd+h*hd : t*qd+(h+1)*hd]
			p := make([]float64, end-start)
			mx := math.Inf(-1)
			for j := start; j < end; j++ {
				var s float64
				for d, v := range q {
					s += float64(v) * at(c.K, c.K16, j*kvd+off+d)
				}
				p[j-start] = s / math.Sqrt(float64(hd))
				mx = max(mx, p[j-start])
			}
			var sum float64
			for i := range p {
				p[i] = math.Exp(p[i] - mx)
				sum += p[i]
			}
			for d := range hd {
				var o float64
				for j := start; j < end; j++ {
					o += p[j-start] * at(c.V, c.V16, j*kvd+off+d)
				}
				out[t*qd+h*hd+d] = float32(o / sum)
			}
		}
	}
	return out
}

// attnInputs is a model of configuration cfg (window, pool) with random
// queries for n tokens (3·N(0,1): peaked softmaxes) and a cache of type typ
// holding random N(0,1) keys and values of layer 1 for positions up to
// pos0+n.
func attnInputs(rng *rand.Rand, cfg model.Config, window int, pool *kernels.Pool, typ model.KVType, n, pos0 int) (*Model, *model.Cache) {
	m := &Model{cfg: cfg, window: window, pool: pool}
	total := pos0 + n
	c := model.NewCacheKV(&cfg, total+3, typ)
	kvd, qd := cfg.KVHeads*cfg.HeadDim, cfg.Heads*cfg.HeadDim
	k, v := make([]float32, total*kvd), make([]float32, total*kvd)
	for i := range k {
		k[i], v[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
	}
	c.Store(1, 0, k, v)
	m.buf.q = make([]float32, n*qd)
	for i := range m.buf.q {
		m.buf.q[i] = float32(3 * rng.NormFloat64())
	}
	m.buf.att = make([]float32, n*qd)
	return m, c
}

// TestAttentionMatchesReference runs the blocked attention on random
// queries, keys and values — odd token counts, head dimensions that are not
// multiples of the 64-wide panel, group sizes 1 to 8, sliding windows,
// prefill after a prefix and single-token decode, one and two workers, both
// cache types — and compares every output with attentionRef.
func TestAttentionMatchesReference(t *testing.T) {
	cases := []struct {
		heads, kvHeads, hd, n, pos0, window int
	}{
		{8, 4, 8, 22, 0, 0},     // stories260K's shape
		{32, 4, 64, 130, 0, 0},  // TinyLlama's, several query and key blocks
		{6, 6, 40, 37, 5, 0},    // no grouping, padded head dimension
		{12, 4, 96, 70, 20, 17}, // group 3, two output panels, window
		{8, 2, 64, 1, 100, 0},   // decode
		{8, 2, 64, 1, 100, 33},  // decode with a window
		{4, 1, 128, 65, 3, 50},  // group 4, window longer than a block
		{16, 2, 64, 200, 0, 70}, // window across key blocks, many items
	}
	rng := rand.New(rand.NewPCG(51, 52))
	for _, tc := range cases {
		for _, typ := range []model.KVType{model.KVF32, model.KVF16} {
			for _, threads := range []int{1, 2} {
				name := fmt.Sprintf("h=%d kv=%d hd=%d n=%d pos0=%d window=%d %v threads=%d",
					tc.heads, tc.kvHeads, tc.hd, tc.n, tc.pos0, tc.window, typ, threads)
				cfg := model.Config{Layers: 2, Heads: tc.heads, KVHeads: tc.kvHeads, HeadDim: tc.hd}
				pool := kernels.NewPool(threads)
				m, c := attnInputs(rng, cfg, tc.window, pool, typ, tc.n, tc.pos0)
				qd := tc.heads * tc.hd
				m.attention(1, c, tc.n, tc.pos0)
				pool.Close()
				want := attentionRef(m, c, 1, tc.n, tc.pos0)
				worst := 0.0
				for i, g := range m.buf.att {
					d := math.Abs(float64(g - want[i]))
					if !(d <= attentionTolerance) {
						t.Fatalf("%s: output %d (token %d) = %g, reference %g", name, i, i/qd, g, want[i])
					}
					worst = max(worst, d)
				}
				if threads == 2 {
					t.Logf("%s: max |diff| %.2g", name, worst)
				}
			}
		}
	}
}

// TestDecodeF16MatchesReference runs single-token attention over an F16
// cache through the direct path (decodeF16) at positions 0 to 1030 (one to
// five online-softmax blocks of decodeKeys, partial last blocks), grouped
// and ungrouped heads, head dimensions with lane tails, sliding windows
// shorter and longer than a block, and one to three workers (three is more
// than some shapes' KV heads, so a group's heads are split between items).
// Every output must be within attentionTolerance of attentionRef and of the
// blocked path on the same input.
func TestDecodeF16MatchesReference(t *testing.T) {
	cases := []struct {
		heads, kvHeads, hd, window int
	}{
		{32, 4, 64, 0},   // TinyLlama's shape
		{8, 8, 64, 0},    // multi-head attention, no grouping
		{6, 2, 40, 0},    // group 3, a head dimension with a lane tail
		{12, 4, 96, 100}, // window shorter than a block
		{8, 1, 17, 300},  // one KV head, window across blocks
	}
	positions := []int{0, 1, 17, 300, 1030}
	if testing.Short() {
		positions = positions[:4]
	}
	rng := rand.New(rand.NewPCG(55, 56))
	for _, tc := range cases {
		for _, pos0 := range positions {
			cfg := model.Config{Layers: 2, Heads: tc.heads, KVHeads: tc.kvHeads, HeadDim: tc.hd}
			pool := kernels.NewPool(1)
			m, c := attnInputs(rng, cfg, tc.window, pool, model.KVF16, 1, pos0)
			want := attentionRef(m, c, 1, 1, pos0)
			directF16Decode = false
			m.attention(1, c, 1, pos0)
			directF16Decode = true
			blocked := append([]float32(nil), m.buf.att...)
			pool.Close()
			for _, threads := range []int{1, 2, 3} {
				name := fmt.Sprintf("h=%d kv=%d hd=%d pos0=%d window=%d threads=%d",
					tc.heads, tc.kvHeads, tc.hd, pos0, tc.window, threads)
				m.pool = kernels.NewPool(threads)
				clear(m.buf.att)
				gen := m.buf.attnGen // counts the blocked path's calls
				m.attention(1, c, 1, pos0)
				m.pool.Close()
				if m.buf.attnGen != gen {
					t.Fatalf("%s: the blocked path ran, not decodeF16", name)
				}
				worst := 0.0
				for i, g := range m.buf.att {
					d, db := math.Abs(float64(g-want[i])), math.Abs(float64(g-blocked[i]))
					if !(d <= attentionTolerance && db <= attentionTolerance) {
						t.Fatalf("%s: output %d = %g, reference %g, blocked path %g", name, i, g, want[i], blocked[i])
					}
					worst = max(worst, d)
				}
				if threads == 3 {
					t.Logf("%s: max |diff| %.2g", name, worst)
				}
			}
		}
	}
}

// BenchmarkAttention times one layer's attention in TinyLlama's shape (32
// heads, 4 KV heads, head dimension 64, F16 cache, 2 workers): a 512-token
// prefill, and one decoded token after 512 and after 2000 positions, both
// through the blocked path (which converts the layer's cached keys and
// values to float32) and the direct one (decodeF16, which reads them in
// place). ns/op is per layer; GFLOP/s counts the causal products (2·hd
// multiply-adds per query head and visible key, both halves).
func BenchmarkAttention(b *testing.B) {
	for _, tc := range []struct {
		name    string
		n, pos0 int
		direct  bool
	}{
		{"prefill512", 512, 0, false},
		{"decode@512/blocked", 1, 512, false}, {"decode@512/direct", 1, 512, true},
		{"decode@2000/blocked", 1, 2000, false}, {"decode@2000/direct", 1, 2000, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := model.Config{Layers: 1, Heads: 32, KVHeads: 4, HeadDim: 64}
			pool := kernels.NewPool(2)
			defer pool.Close()
			m := &Model{cfg: cfg, pool: pool}
			total := tc.pos0 + tc.n
			c := model.NewCacheKV(&cfg, total, model.KVF16)
			rng := rand.New(rand.NewPCG(53, 54))
			kvd, qd := 4*64, 32*64
			k, v := make([]float32, total*kvd), make([]float32, total*kvd)
			for i := range k {
				k[i], v[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
			}
			c.Store(0, 0, k, v)
			m.buf.q, m.buf.att = make([]float32, tc.n*qd), make([]float32, tc.n*qd)
			for i := range m.buf.q {
				m.buf.q[i] = float32(rng.NormFloat64())
			}
			var pairs float64 // (token, key) pairs visible
			for t := range tc.n {
				pairs += float64(tc.pos0 + t + 1)
			}
			defer func(old bool) { directF16Decode = old }(directF16Decode)
			directF16Decode = tc.direct
			for b.Loop() {
				m.attention(0, c, tc.n, tc.pos0)
			}
			b.ReportMetric(pairs*32*64*2*2*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
