package llama

import (
	"math"
	"testing"

	"github.com/upgtools/upg/internal/modeltest"
	"github.com/upgtools/upg/model"
	"github.com/upgtools/upg/models/stories260k"
)

// stories writes the embedded stories260K and loads it with 2 threads.
func stories(t testing.TB) model.Model {
	t.Helper()
	dir := t.TempDir()
	if err := stories260k.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	return modeltest.Load(t, dir)
}

// storiesTokens is a sentence of stories260K's vocabulary after BOS.
var storiesTokens = []int{1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 40, 7, 300, 511, 2, 90, 403, 407, 261, 378}

// kvLogitsTolerance is how far F16 keys and values may move stories260K's
// logits (which span about ±15) from the F32 cache's: binary16 keeps 11
// significant bits, a relative error of 2^-12 per cached value.
const kvLogitsTolerance = 0.02

// TestKVF16CloseToF32 runs the same tokens with an F32 and an F16 cache, as
// one prefill and token by token, and bounds the logits' difference; the
// greedy next token must agree at every position.
func TestKVF16CloseToF32(t *testing.T) {
	m := stories(t)
	V := m.Config().Vocab
	n := len(storiesTokens)
	for _, decode := range []bool{false, true} {
		var logits [2][]float32
		for i, typ := range []model.KVType{model.KVF32, model.KVF16} {
			c := model.NewCacheKV(m.Config(), n, typ)
			if c.Type() != typ {
				t.Fatalf("cache type %v, want %v", c.Type(), typ)
			}
			logits[i] = make([]float32, n*V)
			if decode {
				for p, tok := range storiesTokens {
					if err := m.Forward(c, []int{tok}, logits[i][p*V:(p+1)*V], false); err != nil {
						t.Fatal(err)
					}
				}
			} else if err := m.Forward(c, storiesTokens, logits[i], true); err != nil {
				t.Fatal(err)
			}
		}
		d := modeltest.MaxDiff(logits[0], logits[1])
		t.Logf("decode=%v: max |logit F16 − logit F32| = %.3g", decode, d)
		if d > kvLogitsTolerance || d == 0 || math.IsNaN(d) {
			t.Fatalf("decode=%v: F16 cache moves the logits by %g (tolerance %g; 0 means the F16 path was not taken)", decode, d, kvLogitsTolerance)
		}
		for p := range n {
			if a, b := argmax(logits[0][p*V:(p+1)*V]), argmax(logits[1][p*V:(p+1)*V]); a != b {
				t.Errorf("decode=%v position %d: greedy token %d with F32, %d with F16", decode, p, a, b)
			}
		}
	}
}

// TestForwardDecodeAllocs: one decoded token allocates nothing, with either
// cache type and with one or two threads (the buffers exist after the first
// token).
func TestForwardDecodeAllocs(t *testing.T) {
	m := stories(t)
	for _, typ := range []model.KVType{model.KVF32, model.KVF16} {
		c := model.NewCacheKV(m.Config(), 256, typ)
		logits := make([]float32, m.Config().Vocab)
		tok := []int{1}
		if err := m.Forward(c, storiesTokens, logits, false); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(100, func() {
			if c.Reserve(1) != nil {
				c.Truncate(len(storiesTokens))
			}
			tok[0] = argmax(logits)
			if err := m.Forward(c, tok, logits, false); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%v cache: %.1f allocations per decoded token (parallel loops of the decode path must use kernels.Pool.ForArgs with a capture-free body, not For with a closure)", typ, allocs)
		}
	}
}

func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}
