package convert

import (
	"context"
	"fmt"
	"time"

	"github.com/upgtools/upg/eval"
	"github.com/upgtools/upg/model"
)

// sensTokens is how many calibration tokens the damage measurement scores.
const sensTokens = 512

// measureCosts sets every option's cost to the measured mean KL divergence
// (nats, on calibration text) of the model with only that tensor encoded
// with that option. Affordable for small models only (MeasureLimit).
func (j *job) measureCosts(ctx context.Context) error {
	bos := j.tok.BOS()
	segs, err := calibSegments(j.tok, j.o.CalibText, bos, 128, sensTokens)
	if err != nil {
		return err
	}
	ref, err := j.refLogprobs(ctx, segs)
	if err != nil {
		return err
	}
	total := 0
	for _, p := range j.plans {
		if p.Encode {
			total += len(p.Opts)
		}
	}
	j.o.log("measuring the damage of %d (tensor, codec) choices on %d calibration tokens", total, countTokens(segs))
	done := 0
	for _, p := range j.plans {
		if !p.Encode {
			continue
		}
		vals, err := j.ck.Float32(p.Name)
		if err != nil {
			return err
		}
		rows, cols := int(p.Shape[0]), int(p.Shape[1])
		for i := range p.Opts {
			o := &p.Opts[i]
			done++
			if o.codec == nil {
				o.cost = 0 // kept at 16 bits: treated as lossless
				continue
			}
			key := p.Name + "\x00" + o.name
			if c, ok := j.o.Costs.get(key); ok {
				o.cost = c
				continue
			}
			e, err := j.encodeWith(o.codec, p.Name, vals, rows, cols)
			if err != nil {
				return fmt.Errorf("tensor %s, codec %s: %w", p.Name, o.name, err)
			}
			lin, err := model.NewEncoded(e)
			if err != nil {
				return err
			}
			if o.cost, err = j.klWith(ctx, segs, ref, map[string]model.Linear{p.Name: lin}); err != nil {
				return err
			}
			j.o.Costs.put(key, o.cost)
			if j.o.Progress != nil {
				j.o.Progress(Progress{Stage: "measure", Done: done, Total: total, Tensor: p.Name + " " + o.name, Elapsed: time.Since(j.start)})
			}
		}
	}
	return nil
}

// refLogprobs returns the original model's log-probabilities at every
// scored position of segs.
func (j *job) refLogprobs(ctx context.Context, segs []eval.Segment) ([][]float32, error) {
	m, err := model.LoadCheckpoint(j.ck, model.Options{Threads: j.o.Threads})
	if err != nil {
		return nil, err
	}
	defer m.Close()
	var rows [][]float32
	err = eval.Visit(ctx, m, segs, nil, func(_, _ int, logits []float32, _ int) error {
		r := make([]float32, len(logits))
		eval.LogSoftmax(r, logits)
		rows = append(rows, r)
		return nil
	})
	return rows, err
}

// klWith is the mean KL(reference ‖ model with the given matrices
// substituted) over the scored positions of segs.
func (j *job) klWith(ctx context.Context, segs []eval.Segment, ref [][]float32, subst map[string]model.Linear) (float64, error) {
	w := &substWeights{Weights: model.NewCheckpointWeights(j.ck), subst: subst}
	m, err := model.LoadWeights(j.ck, w, model.Options{Threads: j.o.Threads})
	if err != nil {
		return 0, err
	}
	defer m.Close()
	var sum float64
	i := 0
	lp := make([]float32, m.Config().Vocab)
	err = eval.Visit(ctx, m, segs, nil, func(_, _ int, logits []float32, _ int) error {
		eval.LogSoftmax(lp, logits)
		sum += eval.KL(ref[i], lp)
		i++
		return nil
	})
	if err != nil {
		return 0, err
	}
	return sum / float64(max(i, 1)), nil
}

// substWeights serves some matrices from a map and the rest from the
// checkpoint.
type substWeights struct {
	model.Weights
	subst map[string]model.Linear
}

func (w *substWeights) Linear(name string) (model.Linear, error) {
	l, err := w.Weights.Linear(name) // marks it used
	if s, ok := w.subst[name]; ok && err == nil {
		return s, nil
	}
	return l, err
}
