package convert

import (
	"math"

	"github.com/upgtools/upg/codec"
	"math/rand/v2"
	"testing"
)

// TestSeqCorrection checks the sequential target W* = W + W·M against its
// definition: the gradient of Σ_t ‖W·x_t − W*·x̃_t‖² + λ·N·‖W* − W‖² must
// vanish at W*.
func TestSeqCorrection(t *testing.T) {
	for _, tc := range []struct {
		name       string
		cols, n    int
		noise      float64
		correlated bool
	}{
		{"small", 3, 50, 0.1, false},
		{"noisy", 8, 200, 0.5, false},
		{"correlated inputs", 13, 400, 0.05, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tc.cols)))
			c, n := tc.cols, tc.n
			x := make([]float32, n*c)
			xq := make([]float32, n*c)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
				if tc.correlated && i%c > 0 {
					x[i] = 0.8*x[i-1] + 0.2*x[i]
				}
				xq[i] = x[i] + float32(tc.noise*rng.NormFloat64())
			}
			s := &seqStats{cols: c, gram: make([]float64, c*c), diff: make([]float64, c*c)}
			s.add(x[:n/2*c], xq[:n/2*c], n/2) // in two batches, as the passes do
			s.add(x[n/2*c:], xq[n/2*c:], n-n/2)
			st, m, err := s.result()
			if err != nil {
				t.Fatal(err)
			}
			if st.N != int64(n) {
				t.Fatalf("N = %d, want %d", st.N, n)
			}
			w := make([]float32, c)
			for i := range w {
				w[i] = float32(rng.NormFloat64())
			}
			j := &job{corr: map[string][]float64{"w": m}}
			ws := j.corrected("w", w, 1, c)
			var tr float64
			for i := range c {
				tr += st.Diag[i] / float64(n)
			}
			lambda := seqDamp * tr / float64(c)
			grad := make([]float64, c)
			var scale float64
			for tt := range n {
				var r float64 // W·x_t − W*·x̃_t
				for i := range c {
					r += float64(w[i])*float64(x[tt*c+i]) - float64(ws[i])*float64(xq[tt*c+i])
				}
				for k := range c {
					grad[k] += r * float64(xq[tt*c+k]) / float64(n)
					scale += math.Abs(float64(w[k]) * float64(xq[tt*c+k]) * float64(xq[tt*c+k]))
				}
			}
			scale /= float64(n * c)
			for k := range c {
				g := grad[k] - lambda*(float64(ws[k])-float64(w[k]))
				if math.Abs(g) > 1e-4*scale {
					t.Errorf("gradient %d at W* is %g (scale %g)", k, g, scale)
				}
			}
			if ident := j.corrected("other", w, 1, c); &ident[0] != &w[0] {
				t.Error("a matrix without correction was copied")
			}
		})
	}
}

// TestSeqGroups checks that matrices fed the same input are grouped and
// that groups follow the order of first use.
func TestSeqGroups(t *testing.T) {
	j := &job{stats: map[string]*Stats{}}
	add := func(name string, order int, sig uint64) {
		s := &Stats{Cols: 8, order: order, sig: sig}
		s.used.Store(true)
		j.stats[name] = s
		p := &tensorPlan{Name: name, Shape: []int64{8, 8}, Encode: true, Opts: []option{{name: "q4", codec: mustCodec(t, "q4")}}}
		j.plans = append(j.plans, p)
	}
	add("down", 5, 30)
	add("q", 1, 10)
	add("k", 2, 10)
	add("emb", 0, 99)
	add("o", 3, 20)
	add("gate", 4, 40)
	add("up", 6, 40) // same input as gate, but used after down: its own group
	got := j.seqGroups()
	want := [][]string{{"emb"}, {"q", "k"}, {"o"}, {"gate"}, {"down"}, {"up"}}
	if len(got) != len(want) {
		t.Fatalf("groups %v, want %v", got, want)
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("groups %v, want %v", got, want)
		}
		for k := range want[i] {
			if got[i][k] != want[i][k] {
				t.Fatalf("groups %v, want %v", got, want)
			}
		}
	}
}

func mustCodec(t *testing.T, name string) *codec.Codec {
	t.Helper()
	c, err := codec.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
