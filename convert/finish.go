package convert

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/upgtools/upg/corpus"
	"github.com/upgtools/upg/engine"
	"github.com/upgtools/upg/eval"
	"github.com/upgtools/upg/internal/atomicfile"
	"github.com/upgtools/upg/internal/sysinfo"
	"github.com/upgtools/upg/model"
	"github.com/upgtools/upg/upg"
)

// finish writes the index, copies the configs and tokenizer, runs the
// self-check, writes metadata.json and moves the directory into place.
func (j *job) finish(ctx context.Context) (*Report, error) {
	n := j.shardCount()
	if n > 1 {
		var names []string
		for k := range n {
			names = append(names, j.shardName(k))
		}
		if err := upg.WriteIndex(j.partial, names); err != nil {
			return nil, err
		}
	}
	if err := copyAux(j.in, j.partial); err != nil {
		return nil, err
	}
	rep, err := j.report()
	if err != nil {
		return nil, err
	}
	if j.o.SelfCheck {
		if rep.SelfCheck, err = j.selfCheck(ctx); err != nil {
			return nil, fmt.Errorf("self-check: %w", err)
		}
	}
	rep.Conversion.Seconds = time.Since(j.start).Seconds()
	rep.Conversion.PeakRSS = sysinfo.PeakRSS()
	rep.Conversion.ParamsPerSecCore = float64(j.params) / rep.Conversion.Seconds / float64(j.o.Threads)
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(filepath.Join(j.partial, upg.MetaFile), append(js, '\n')); err != nil {
		return nil, err
	}
	if err := os.Remove(filepath.Join(j.partial, stateFile)); err != nil {
		return nil, err
	}
	if err := os.Rename(j.partial, j.o.Out); err != nil {
		return nil, fmt.Errorf("moving %s into place: %w", j.partial, err)
	}
	return rep, nil
}

// auxSkip are input files that hold weights (not copied).
var auxSkip = []string{".safetensors", ".safetensors.index.json", ".bin", ".pt", ".pth", ".gguf", ".ckpt", ".h5", ".msgpack", ".upg", ".incomplete", ".part", ".tmp"}

// copyAux copies the configs, tokenizer and other small files of the input
// directory (not its weights, not subdirectories).
func copyAux(in, out string) error {
	ents, err := os.ReadDir(in)
	if err != nil {
		return err
	}
	for _, e := range ents {
		name := e.Name()
		skip := !e.Type().IsRegular() || strings.HasPrefix(name, ".") || name == upg.MetaFile
		for _, s := range auxSkip {
			skip = skip || strings.HasSuffix(name, s)
		}
		if skip {
			continue
		}
		if err := copyFile(filepath.Join(in, name), filepath.Join(out, name)); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	r, err := os.Open(src)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return fmt.Errorf("copying %s: %w", src, err)
	}
	return w.Close()
}

// report gathers sizes from the files on disk and the tensor records.
func (j *job) report() (*Report, error) {
	r := &Report{Format: upg.FormatName, FormatVersion: upg.FormatVersion, Tool: j.o.ToolVersion, ByCodec: map[string]CodecTotal{}}
	r.Source.Dir, r.Source.Architecture, r.Source.Params = j.in, j.ck.Architecture, j.params
	for _, p := range j.plans {
		r.Source.Bytes += p.srcBytes(j)
	}
	r.BF16Bytes = 2 * j.params
	ents, err := os.ReadDir(j.partial)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		st, err := e.Info()
		if err != nil || !st.Mode().IsRegular() || e.Name() == stateFile {
			continue
		}
		r.Files = append(r.Files, FileSize{e.Name(), st.Size()})
		if strings.HasSuffix(e.Name(), ".upg") {
			r.UPGBytes += st.Size()
		} else {
			r.OtherBytes += st.Size()
		}
	}
	r.Ratio = float64(r.BF16Bytes) / float64(r.UPGBytes)
	r.BPW = 8 * float64(r.UPGBytes) / float64(j.params)
	s := &r.Settings
	if j.o.Codec == "" {
		s.TargetRatio = j.o.Ratio
		s.Sensitivity = j.o.Sensitivity
		s.Prefer = j.o.Prefer
	}
	s.Codec, s.Calibration, s.ShardBytes, s.Budget, s.Outliers = j.o.Codec, j.o.Calib, j.o.ShardBytes, j.o.Budget, j.outFrac
	if j.o.Calib != CalibNone {
		s.CalibText, s.CalibTokens = j.o.CalibName, j.o.CalibTokens
	}
	r.Tensors = append(r.Tensors, j.state.Tensors...)
	sort.Slice(r.Tensors, func(a, b int) bool { return r.Tensors[a].Name < r.Tensors[b].Name })
	var payload int64
	for _, t := range r.Tensors {
		payload += t.Bytes
		c := r.ByCodec[t.Codec]
		c.Tensors++
		c.Params += t.Params
		c.Bytes += t.Bytes
		c.BPW = 8 * float64(c.Bytes) / float64(c.Params)
		r.ByCodec[t.Codec] = c
	}
	r.PayloadBPW = 8 * float64(payload) / float64(j.params)
	r.Conversion.Threads, r.Conversion.Resumed = j.o.Threads, j.state.Resumed
	return r, nil
}

// selfCheck compares the compressed model with the original on the
// built-in sample (document protocol, at most CheckTokens tokens).
func (j *job) selfCheck(ctx context.Context) (*SelfCheck, error) {
	opt := model.Options{Threads: j.o.Threads}
	// The original runs over releasing weights: its pages leave memory after
	// each product, so the check does not hold the uncompressed model.
	orig, err := model.LoadWeights(j.ck, &releasingWeights{Weights: model.NewCheckpointWeights(j.ck), ck: j.ck}, opt)
	if err != nil {
		return nil, err
	}
	defer orig.Close()
	if orig.Config().BOS < 0 {
		orig.Config().BOS = j.tok.BOS()
	}
	comp, err := engine.Load(j.partial, opt)
	if err != nil {
		return nil, fmt.Errorf("loading the result: %w", err)
	}
	defer comp.Close()
	segs, err := eval.DocumentSegments(j.tok, corpus.Sample, corpus.DocSeparator, orig.Config().BOS, orig.Config().MaxSeq)
	if err != nil {
		return nil, err
	}
	segs = eval.LimitTokens(segs, j.o.CheckTokens)
	j.o.log("self-check on %d tokens of the built-in sample", countTokens(segs))
	cmp, err := eval.Compare(ctx, orig, comp.Model, segs, nil)
	if err != nil {
		return nil, err
	}
	sc := &SelfCheck{Text: "built-in TinyStories sample (corpus/sample.txt), document protocol", Comparison: cmp, Verdict: eval.Verdict(cmp.KLMean)}
	if cmp.KLMean >= 0.1 {
		sc.SuggestRat, sc.Suggestion = j.suggest(cmp.KLMean)
	}
	return sc, nil
}

// suggest estimates which lower ratio would keep the loss mild, scaling the
// allocator's damage estimates so that they match the measured KL.
func (j *job) suggest(kl float64) (float64, string) {
	generic := "a lower ratio (for example --ratio 4) keeps more of the model"
	if j.o.Codec != "" {
		return 0, "try a codec with more bits, or --ratio 4 to let upg allocate bits"
	}
	var sum float64
	for _, p := range j.plans {
		sum += p.cost()
	}
	if sum <= 0 {
		return 0, generic
	}
	factor := kl / sum
	saved := make([]int, len(j.plans))
	for i, p := range j.plans {
		saved[i] = p.Choice
	}
	defer func() {
		for i, p := range j.plans {
			p.Choice = saved[i]
		}
	}()
	for _, r := range []float64{6.4, 5.3, 4.5, 4} {
		if r >= j.o.Ratio || allocate(j.plans, j.budget(r)) != nil {
			continue
		}
		var s float64
		for _, p := range j.plans {
			s += p.cost()
		}
		if pred := factor * s; pred < 0.1 {
			return r, fmt.Sprintf("estimated mean KL at --ratio %.1f: %.3f (mild)", r, pred)
		}
	}
	return 4, "even --ratio 4 is estimated to stay above mild loss for this model; small models have little redundancy"
}
