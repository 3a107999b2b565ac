// Package verify checks a UPG model directory: every tensor present and
// decodable, checksums, the compression ratio recomputed from the files on
// disk, that the model loads and runs, and — against the original
// checkpoint — per-tensor error and model quality (perplexity of both, KL
// divergence, top-1 agreement; definitions in docs/measurement.md).
package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/upgtools/upg/checkpoint"
	"github.com/upgtools/upg/codec"
	"github.com/upgtools/upg/corpus"
	"github.com/upgtools/upg/engine"
	"github.com/upgtools/upg/eval"
	"github.com/upgtools/upg/model"
	"github.com/upgtools/upg/tokenizer"
	"github.com/upgtools/upg/upg"
)

// Options are the inputs and thresholds of a verification.
type Options struct {
	Against  string  // original checkpoint directory ("" : integrity and running checks only)
	Text     string  // evaluation text (default corpus.Sample)
	TextName string  // how to name Text in the report
	Docs     string  // document separator (document protocol); "" with a user text: window protocol
	Ctx      int     // window length of the window protocol (default 512, at most the model's)
	MaxTok   int     // bound on scored tokens (0: all)
	MinRatio float64 // minimum ratio vs BF16 (default 8; negative: not checked)
	MaxKL    float64 // maximum mean KL in nats (0: reported, not checked)
	MinTop1  float64 // minimum top-1 agreement (0: not checked)
	Threads  int
	Progress func(stage string, done, total int)
}

// Check is one PASS/FAIL line.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// TensorError is one tensor's error against the original.
type TensorError struct {
	Name  string  `json:"name"`
	Codec string  `json:"codec"`
	NMSE  float64 `json:"nmse"`
}

// Report is the outcome of Run.
type Report struct {
	Dir       string           `json:"dir"`
	Pass      bool             `json:"pass"`
	Checks    []Check          `json:"checks"`
	Params    int64            `json:"params"`
	UPGBytes  int64            `json:"upg_bytes"`
	Ratio     float64          `json:"ratio"`
	BPW       float64          `json:"bpw"`
	Tensors   []TensorError    `json:"tensors,omitempty"`
	Text      string           `json:"text,omitempty"`
	PPL       float64          `json:"ppl,omitempty"` // without --against
	Quality   *eval.Comparison `json:"quality,omitempty"`
	Verdict   string           `json:"verdict,omitempty"`
	firstFail error
}

func (r *Report) add(name string, err error, detail string) bool {
	c := Check{Name: name, OK: err == nil, Detail: detail}
	if err != nil {
		c.Detail = err.Error()
		if r.firstFail == nil {
			r.firstFail = err
		}
	}
	r.Checks = append(r.Checks, c)
	return err == nil
}

// Err returns nil when every check passed, else the first failure.
func (r *Report) Err() error {
	if r.firstFail != nil {
		return fmt.Errorf("verification of %s failed: %w", r.Dir, r.firstFail)
	}
	return nil
}

// ErrThreshold marks a figure outside its threshold.
var ErrThreshold = errors.New("outside threshold")

// Run verifies dir. It returns a report whose Pass and Checks say what
// held; err is only for failures that stop verification early (they are
// also in the report).
func Run(ctx context.Context, dir string, o Options) (*Report, error) {
	r := &Report{Dir: dir}
	if o.MinRatio == 0 {
		o.MinRatio = 8
	}
	d, err := upg.OpenDir(dir)
	if !r.add("open", err, fmt.Sprintf("%s: structure, metadata and codec parameters valid", dir)) {
		return r, r.Err()
	}
	defer d.Close()
	r.add("checksums", d.Verify(), fmt.Sprintf("CRC-32C of every blob in %d file(s)", len(d.Files())))
	if err := r.decodeAll(d); err != nil {
		return r, r.Err()
	}
	r.sizes(d, o)
	l, err := engine.Load(dir, model.Options{Threads: o.Threads})
	if !r.add("load", err, "configs, tokenizer and every tensor consumed by the architecture") {
		return r, r.Err()
	}
	defer l.Close()
	if o.Text == "" {
		o.Text, o.TextName, o.Docs = corpus.Sample, "built-in TinyStories sample (corpus/sample.txt)", corpus.DocSeparator
	}
	if o.TextName == "" {
		o.TextName = "user text"
	}
	r.Text = o.TextName
	segs, err := segments(l, o)
	if !r.add("text", err, fmt.Sprintf("%s: %d segments", o.TextName, len(segs))) {
		return r, r.Err()
	}
	if o.Against == "" {
		res, err := eval.Perplexity(ctx, l.Model, segs, progressFn(o, "perplexity"), nil)
		if err == nil && !(res.PPL > 0 && !math.IsInf(res.PPL, 0)) {
			err = fmt.Errorf("perplexity %v is not finite", res.PPL)
		}
		r.PPL = res.PPL
		r.add("runs", err, fmt.Sprintf("perplexity %.4f over %d tokens", res.PPL, res.Scored))
	} else if err := r.against(ctx, d, l, segs, o); err != nil {
		return r, r.Err()
	}
	r.Pass = r.firstFail == nil
	return r, r.Err()
}

func progressFn(o Options, stage string) func(int, int) {
	if o.Progress == nil {
		return nil
	}
	return func(done, total int) { o.Progress(stage, done, total) }
}

// decodeAll decodes every encoded tensor fully and checks the values are
// finite.
func (r *Report) decodeAll(d *upg.Dir) error {
	names := d.Names()
	var dec []float32
	for _, n := range names {
		ent := d.Entry(n)
		if ent.Kind != upg.KindEncoded {
			continue
		}
		e, err := d.Encoded(n)
		if err == nil {
			dec = growTo(dec, e.Rows*e.Cols)
			if err = e.Decode(dec); err == nil {
				if i := firstNonFinite(dec); i >= 0 {
					err = fmt.Errorf("%w: decoded value %d is %v", codec.ErrCorrupt, i, dec[i])
				}
			}
		}
		if err != nil {
			r.add("decode", fmt.Errorf("%s: tensor %s: %w", d.FileOf(n), n, err), "")
			return err
		}
	}
	r.add("decode", nil, fmt.Sprintf("%d tensors decode to finite values", len(names)))
	return nil
}

func growTo(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

func firstNonFinite(v []float32) int {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return i
		}
	}
	return -1
}

// sizes recomputes the ratio from the files on disk and compares it with
// metadata.json.
func (r *Report) sizes(d *upg.Dir, o Options) {
	for _, n := range d.Names() {
		p := int64(1)
		for _, s := range d.Entry(n).Shape {
			p *= s
		}
		r.Params += p
	}
	for _, f := range d.Files() {
		if st, err := os.Stat(f); err == nil {
			r.UPGBytes += st.Size()
		}
	}
	r.Ratio = float64(2*r.Params) / float64(r.UPGBytes)
	r.BPW = 8 * float64(r.UPGBytes) / float64(r.Params)
	detail := fmt.Sprintf("%.2f:1 vs BF16 (%d params, %d bytes of .upg files, %.3f bpw)", r.Ratio, r.Params, r.UPGBytes, r.BPW)
	var err error
	if o.MinRatio > 0 && r.Ratio < o.MinRatio {
		err = fmt.Errorf("%w: ratio %.3f:1 below the required %.3g:1 (%s)", ErrThreshold, r.Ratio, o.MinRatio, detail)
	}
	r.add("ratio", err, detail)
	raw, err := os.ReadFile(filepath.Join(d.Path, upg.MetaFile))
	if err != nil {
		r.add("metadata.json", err, "")
		return
	}
	var meta struct {
		UPGBytes int64 `json:"upg_bytes"`
	}
	if err = json.Unmarshal(raw, &meta); err != nil {
		err = fmt.Errorf("%s: %w", upg.MetaFile, err)
	} else if meta.UPGBytes != r.UPGBytes {
		err = fmt.Errorf("%s says upg_bytes %d, the files hold %d", upg.MetaFile, meta.UPGBytes, r.UPGBytes)
	}
	r.add("metadata.json", err, "sizes match the files on disk")
}

func segments(l *engine.Loaded, o Options) ([]eval.Segment, error) {
	cfg := l.Model.Config()
	var segs []eval.Segment
	var err error
	if o.Docs != "" {
		segs, err = eval.DocumentSegments(l.Tokenizer, o.Text, o.Docs, cfg.BOS, cfg.MaxSeq)
	} else {
		c := o.Ctx
		if c <= 0 {
			c = 512
		}
		c = min(c, cfg.MaxSeq)
		segs, err = eval.WindowSegments(l.Tokenizer.Encode(o.Text, tokenizer.EncodeOptions{}), c, cfg.BOS)
	}
	if err != nil {
		return nil, err
	}
	if o.MaxTok > 0 {
		segs = eval.LimitTokens(segs, o.MaxTok)
	}
	return segs, nil
}

// against compares with the original: the same tensors, per-tensor NMSE and
// model quality.
func (r *Report) against(ctx context.Context, d *upg.Dir, l *engine.Loaded, segs []eval.Segment, o Options) error {
	ck, err := checkpoint.Open(o.Against)
	if !r.add("original", err, o.Against) {
		return err
	}
	defer ck.Close()
	var missing []string
	for _, n := range ck.Names() {
		if !d.Has(n) && !strings.HasSuffix(n, "_scale_inv") {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		err = fmt.Errorf("%w: %d tensors of the original are not in %s: %s", upg.ErrMissing, len(missing), d.Path, strings.Join(missing[:min(len(missing), 5)], ", "))
	}
	if !r.add("tensors", err, fmt.Sprintf("all %d tensors of the original present", len(ck.Names()))) {
		return err
	}
	var dec []float32
	for i, n := range d.SortedNames() {
		orig, err := ck.Float32(n)
		if err != nil {
			r.add("tensor error", err, "")
			return err
		}
		te := TensorError{Name: n, Codec: "plain"}
		dec = growTo(dec, len(orig))
		if ent := d.Entry(n); ent.Kind == upg.KindEncoded {
			te.Codec = ent.Codec
			e, _ := d.Encoded(n)
			err = e.Decode(dec)
		} else {
			var v []float32
			dt, _, data, perr := d.Plain(n)
			if err = perr; err == nil {
				if v, err = model.PlainFloat32(dt, data); err == nil {
					copy(dec, v)
				}
			}
		}
		if err != nil {
			r.add("tensor error", err, n)
			return err
		}
		te.NMSE = codec.NMSE(orig, dec)
		r.Tensors = append(r.Tensors, te)
		if o.Progress != nil {
			o.Progress("tensors", i+1, len(d.Names()))
		}
	}
	sort.Slice(r.Tensors, func(a, b int) bool { return r.Tensors[a].NMSE > r.Tensors[b].NMSE })
	r.add("tensor error", nil, fmt.Sprintf("NMSE per tensor measured; worst %s %.4g", r.Tensors[0].Name, r.Tensors[0].NMSE))
	ref, err := model.LoadCheckpoint(ck, model.Options{Threads: o.Threads})
	if !r.add("original loads", err, "") {
		return err
	}
	defer ref.Close()
	cmp, err := eval.Compare(ctx, ref, l.Model, segs, progressFn(o, "quality"))
	if !r.add("quality", err, "") {
		return err
	}
	r.Checks = r.Checks[:len(r.Checks)-1]
	r.Quality = &cmp
	r.Verdict = eval.Verdict(cmp.KLMean)
	detail := fmt.Sprintf("PPL %.4f → %.4f, KL mean %.4f p99 %.4f nats, top-1 %.1f%% over %d tokens (%s)", cmp.PPLA, cmp.PPLB, cmp.KLMean, cmp.KLP99, 100*cmp.Top1, cmp.Scored, r.Verdict)
	err = nil
	switch {
	case math.IsNaN(cmp.KLMean) || math.IsInf(cmp.PPLB, 0):
		err = fmt.Errorf("quality figures are not finite: %s", detail)
	case o.MaxKL > 0 && cmp.KLMean > o.MaxKL:
		err = fmt.Errorf("%w: mean KL %.4f > %.4g: %s", ErrThreshold, cmp.KLMean, o.MaxKL, detail)
	case o.MinTop1 > 0 && cmp.Top1 < o.MinTop1:
		err = fmt.Errorf("%w: top-1 agreement %.3f < %.3g: %s", ErrThreshold, cmp.Top1, o.MinTop1, detail)
	}
	r.add("quality", err, detail)
	return nil
}
