package engine

import (
	"math"
	"math/rand/v2"
	"sort"

	"github.com/upgtools/upg/kernels"
)

// SampleOptions choose how the next token is picked from the logits. The
// filters apply in llama.cpp's order: repetition penalty, top-k, top-p,
// min-p, temperature; Temperature ≤ 0 means greedy (argmax).
type SampleOptions struct {
	Temperature   float64
	TopK          int     // keep the k most likely (0: all)
	TopP          float64 // keep the smallest set with this much probability (0 or 1: all)
	MinP          float64 // drop tokens below MinP × the top probability (0: none)
	RepeatPenalty float64 // divide positive / multiply negative logits of recent tokens (1 or 0: off)
	RepeatLastN   int     // how many recent tokens the penalty looks at (0: 64)
	Seed          uint64  // the same seed gives the same tokens
}

// Greedy is the deterministic argmax setting.
var Greedy = SampleOptions{}

// Sampler picks tokens; it keeps its random state between calls.
type Sampler struct {
	o    SampleOptions
	rng  *rand.Rand
	cand []candidate
}

type candidate struct {
	id int
	p  float32
}

// NewSampler creates a sampler seeded from o.Seed.
func NewSampler(o SampleOptions) *Sampler {
	return &Sampler{o: o, rng: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))}
}

// Sample returns the next token id for logits (modified in place by the
// repetition penalty), given the ids generated so far.
func (s *Sampler) Sample(logits []float32, history []int) int {
	o := s.o
	if o.RepeatPenalty > 0 && o.RepeatPenalty != 1 {
		n := o.RepeatLastN
		if n <= 0 {
			n = 64
		}
		seen := map[int]bool{}
		for _, id := range history[max(0, len(history)-n):] {
			if seen[id] || id < 0 || id >= len(logits) {
				continue
			}
			seen[id] = true
			if logits[id] > 0 {
				logits[id] /= float32(o.RepeatPenalty)
			} else {
				logits[id] *= float32(o.RepeatPenalty)
			}
		}
	}
	if o.Temperature <= 0 {
		return kernels.Argmax(logits)
	}
	c := s.cand[:0]
	for i, l := range logits {
		c = append(c, candidate{i, l})
	}
	sort.Slice(c, func(i, j int) bool { return c[i].p > c[j].p || (c[i].p == c[j].p && c[i].id < c[j].id) })
	if o.TopK > 0 && o.TopK < len(c) {
		c = c[:o.TopK]
	}
	// Probabilities at temperature 1 for the top-p / min-p filters, as
	// llama.cpp computes them before applying the temperature.
	probs := softmaxOf(c, 1)
	if o.TopP > 0 && o.TopP < 1 {
		var cum float64
		for i, p := range probs {
			cum += p
			if cum >= o.TopP {
				c, probs = c[:i+1], probs[:i+1]
				break
			}
		}
	}
	if o.MinP > 0 {
		limit := o.MinP * probs[0]
		k := 1
		for k < len(c) && probs[k] >= limit {
			k++
		}
		c = c[:k]
	}
	probs = softmaxOf(c, o.Temperature)
	s.cand = c[:0]
	r := s.rng.Float64()
	var cum float64
	for i, p := range probs {
		cum += p
		if r < cum {
			return c[i].id
		}
	}
	return c[len(c)-1].id
}

func softmaxOf(c []candidate, temp float64) []float64 {
	out := make([]float64, len(c))
	top := float64(c[0].p)
	var sum float64
	for i, x := range c {
		out[i] = math.Exp((float64(x.p) - top) / temp)
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}
