// Package eval measures model quality as ../shared/docs/measurement.md
// defines it: perplexity by llama.cpp's window protocol or the document
// protocol, per-position log-probability dumps, and KL divergence / top-1
// agreement between two models on the same tokens.
package eval

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/upgtools/upg/model"
	"github.com/upgtools/upg/tokenizer"
)

// Segment is one independently evaluated token sequence: it is run from an
// empty KV cache and the logits at positions First … len(Tokens)−2 are scored
// against the tokens that follow them.
type Segment struct {
	Tokens []int `json:"tokens"`
	First  int   `json:"first_scored"`
}

// Scored is the number of scored positions.
func (s Segment) Scored() int { return max(0, len(s.Tokens)-1-s.First) }

// WindowSegments cuts tokens (BOS already first where the model has one)
// into non-overlapping windows of ctx tokens, drops a trailing partial
// window, replaces each window's first token by bos (when bos ≥ 0) and
// scores the second half: llama.cpp's llama-perplexity protocol.
func WindowSegments(tokens []int, ctx, bos int) ([]Segment, error) {
	if ctx < 4 {
		return nil, fmt.Errorf("context %d is too small (need ≥ 4)", ctx)
	}
	n := len(tokens) / ctx
	if n == 0 {
		return nil, fmt.Errorf("text has %d tokens, fewer than one window of %d", len(tokens), ctx)
	}
	segs := make([]Segment, n)
	for i := range segs {
		w := append([]int(nil), tokens[i*ctx:(i+1)*ctx]...)
		if bos >= 0 {
			w[0] = bos
		}
		segs[i] = Segment{Tokens: w, First: ctx / 2}
	}
	return segs, nil
}

// DocumentSegments splits text on sep, strips each piece, and makes each
// non-empty document one segment: BOS (when bos ≥ 0) + its tokens, truncated
// to maxLen, every position scored.
func DocumentSegments(tok *tokenizer.Tokenizer, text, sep string, bos, maxLen int) ([]Segment, error) {
	var segs []Segment
	for _, doc := range strings.Split(text, sep) {
		doc = strings.TrimSpace(doc)
		if doc == "" {
			continue
		}
		var ids []int
		if bos >= 0 {
			ids = append(ids, bos)
		}
		ids = append(ids, tok.Encode(doc, tokenizer.EncodeOptions{})...)
		if maxLen > 0 && len(ids) > maxLen {
			ids = ids[:maxLen]
		}
		if len(ids) >= 2 {
			segs = append(segs, Segment{Tokens: ids})
		}
	}
	if len(segs) == 0 {
		return nil, fmt.Errorf("no document with at least 2 tokens (separator %q)", sep)
	}
	return segs, nil
}

// LimitTokens keeps whole segments, and a cut last one, up to n tokens in
// all (a cut shorter than 2 tokens is dropped: it would score nothing).
func LimitTokens(segs []Segment, n int) []Segment {
	var out []Segment
	for _, s := range segs {
		if n < 2 {
			break
		}
		if len(s.Tokens) > n {
			s.Tokens = s.Tokens[:n]
		}
		n -= len(s.Tokens)
		out = append(out, s)
	}
	return out
}

// Visit runs each segment through the model and calls fn with the logits of
// every scored position and the token they should predict. Progress, when
// not nil, is told the segments done.
func Visit(ctx context.Context, m model.Model, segs []Segment, progress func(done, total int), fn func(seg, pos int, logits []float32, target int) error) error {
	cfg := m.Config()
	longest := 0
	for _, s := range segs {
		longest = max(longest, len(s.Tokens))
	}
	cache := model.NewCache(cfg, longest)
	logits := make([]float32, longest*cfg.Vocab)
	for si, s := range segs {
		if err := ctx.Err(); err != nil {
			return err
		}
		cache.Reset()
		if err := m.Forward(cache, s.Tokens, logits, true); err != nil {
			return fmt.Errorf("segment %d: %w", si, err)
		}
		for p := s.First; p < len(s.Tokens)-1; p++ {
			if err := fn(si, p, logits[p*cfg.Vocab:(p+1)*cfg.Vocab], s.Tokens[p+1]); err != nil {
				return err
			}
		}
		if progress != nil {
			progress(si+1, len(segs))
		}
	}
	return nil
}

// LogSoftmax writes the natural-log softmax of logits into dst.
func LogSoftmax(dst, logits []float32) {
	m := logits[0]
	for _, v := range logits {
		m = max(m, v)
	}
	var sum float64
	for _, v := range logits {
		sum += math.Exp(float64(v - m))
	}
	lse := float64(m) + math.Log(sum)
	for i, v := range logits {
		dst[i] = float32(float64(v) - lse)
	}
}

// PPLResult is a perplexity measurement.
type PPLResult struct {
	PPL      float64 `json:"ppl"`
	MeanNLL  float64 `json:"mean_nll"`
	Scored   int     `json:"scored_tokens"`
	Segments int     `json:"segments"`
}

// Perplexity runs the segments and returns exp(mean negative log-likelihood).
// onRow, when not nil, receives each scored position's log-probabilities.
func Perplexity(ctx context.Context, m model.Model, segs []Segment, progress func(done, total int), onRow func(logprobs []float32) error) (PPLResult, error) {
	var nll float64
	var n int
	lp := make([]float32, m.Config().Vocab)
	err := Visit(ctx, m, segs, progress, func(_, _ int, logits []float32, target int) error {
		LogSoftmax(lp, logits)
		nll -= float64(lp[target])
		n++
		if onRow != nil {
			return onRow(lp)
		}
		return nil
	})
	if err != nil {
		return PPLResult{}, err
	}
	if n == 0 {
		return PPLResult{}, fmt.Errorf("nothing to score")
	}
	return PPLResult{PPL: math.Exp(nll / float64(n)), MeanNLL: nll / float64(n), Scored: n, Segments: len(segs)}, nil
}
