package convert

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/upgtools/upg/checkpoint"
	"github.com/upgtools/upg/codec"
	"github.com/upgtools/upg/corpus"
	"github.com/upgtools/upg/eval"
	"github.com/upgtools/upg/internal/sysinfo"
	"github.com/upgtools/upg/model"
	"github.com/upgtools/upg/tokenizer"
)

// Calibration modes.
const (
	CalibAuto    = "auto"    // hessian when the Gram matrices fit HessianBudget, else diag
	CalibHessian = "hessian" // full input Gram matrices: error feedback (GPTQ-style)
	CalibDiag    = "diag"    // per-column input energy only (importance weighting)
	CalibNone    = "none"    // no calibration pass
)

// Sensitivity modes.
const (
	SensAuto     = "auto"     // measured for models up to MeasureLimit parameters, else prior
	SensMeasured = "measured" // KL of the model with each tensor encoded alone, per codec
	SensPrior    = "prior"    // codec NMSE on Gaussian data × a per-tensor-class weight
)

// Budget accounting modes.
const (
	BudgetDisk    = "disk"
	BudgetPayload = "payload"
)

// CostCache keeps measured damage per (tensor, codec) between conversions.
type CostCache struct {
	mu sync.Mutex
	m  map[string]float64
}

func (c *CostCache) get(key string) (float64, bool) {
	if c == nil {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return v, ok
}

func (c *CostCache) put(key string, v float64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]float64{}
	}
	c.m[key] = v
}

// Sentinel errors.
var (
	ErrBudget   = errors.New("size budget cannot be met")
	ErrExists   = errors.New("output exists")
	ErrResume   = errors.New("cannot resume")
	ErrOptions  = errors.New("invalid options")
	ErrDiskFull = errors.New("not enough disk space")
)

// BudgetError says the requested size is below what the smallest codecs
// reach.
type BudgetError struct{ Min, Budget int64 }

func (e *BudgetError) Error() string {
	return fmt.Sprintf("%v: the smallest encoding of every tensor takes %d bytes, the budget is %d", ErrBudget, e.Min, e.Budget)
}

// Is makes errors.Is(err, ErrBudget) true.
func (e *BudgetError) Is(target error) bool { return target == ErrBudget }

// Options control a conversion. The zero value converts at DefaultRatio
// with automatic calibration on the built-in text.
type Options struct {
	Out   string  // output directory (must not exist)
	Ratio float64 // compression ratio vs BF16 (4–12); 0: DefaultRatio unless BPW or Codec is set
	BPW   float64 // bits per weight over the whole checkpoint (alternative to Ratio)
	Codec string  // one codec for every matrix (no allocation)
	// Prefer picks the allocator's codecs: PreferSpeed (default: Ladder)
	// or PreferQuality (QualityLadder).
	Prefer string

	Calib       string // CalibAuto (default), CalibHessian, CalibDiag, CalibNone
	CalibText   string // calibration text (default: corpus.Calibration)
	CalibName   string // how to name CalibText in the report
	CalibTokens int    // tokens of calibration text used (default 4096; 1024 above 1 B parameters)
	Sensitivity string // SensAuto (default), SensMeasured, SensPrior

	// Budget says what the ratio counts: BudgetDisk (default) the .upg
	// files as on disk, headers and alignment included (docs/measurement.md);
	// BudgetPayload only the tensor data (codes, scales, side tables, plain
	// tensors), the accounting of published bpw figures.
	Budget string
	// Costs, when set, caches measured damage between conversions of the
	// same input with the same calibration (the demo's ratio table).
	Costs *CostCache

	// Outliers is the share of each matrix's weights kept exactly (F16) in
	// a sparse side table, chosen by |w|·sqrt(input energy): 0 means auto
	// (DefaultOutliers above MeasureLimit parameters — trained LLMs have
	// outlier weights — and none for smaller models), negative none.
	Outliers float64

	ShardBytes int64 // split the output into shards of about this size (default 2 GiB)
	Resume     bool  // continue an interrupted conversion of the same input and options
	Threads    int   // worker threads (default: all CPUs)
	SelfCheck  bool  // compare against the original on a built-in text at the end
	// CheckTokens bounds the self-check's scored tokens (default 512).
	CheckTokens int

	// ToolVersion is recorded in the output.
	ToolVersion string
	// Progress, when set, receives events as the work advances.
	Progress func(Progress)
	// Log, when set, receives one line per stage.
	Log func(string)

	// stopAfterShards stops (as if killed) after this many shards were
	// written; tests use it to exercise Resume.
	stopAfterShards int
}

// Progress describes the state of a conversion.
type Progress struct {
	Stage      string // "calibrate", "measure", "encode", "check"
	Done       int    // tensors (or steps) done
	Total      int
	Bytes      int64 // input bytes done (encode stage)
	TotalBytes int64
	Tensor     string // the tensor just finished
	Elapsed    time.Duration
}

// Limits of the automatic choices.
const (
	HessianBudget = 1 << 30 // bytes of Gram matrices calibration may hold in CalibAuto
	MeasureLimit  = 20e6    // parameters up to which SensAuto measures damage
	// DefaultOutliers is the automatic outlier share above MeasureLimit.
	DefaultOutliers = 0.0005
	minRatio        = 2
	maxRatio        = 16
)

func (o *Options) defaults() error {
	if o.Out == "" {
		return fmt.Errorf("%w: no output directory", ErrOptions)
	}
	set := 0
	for _, b := range []bool{o.Ratio != 0, o.BPW != 0, o.Codec != ""} {
		if b {
			set++
		}
	}
	if set > 1 {
		return fmt.Errorf("%w: give only one of ratio, bpw and codec", ErrOptions)
	}
	if o.BPW != 0 {
		o.Ratio = 16 / o.BPW
	}
	if set == 0 {
		o.Ratio = DefaultRatio
	}
	if o.Prefer == "" {
		o.Prefer = PreferSpeed
	}
	if o.Prefer != PreferSpeed && o.Prefer != PreferQuality {
		return fmt.Errorf("%w: preference %q (want %s or %s)", ErrOptions, o.Prefer, PreferSpeed, PreferQuality)
	}
	if o.Codec == "" && (o.Ratio < minRatio-1e-9 || o.Ratio > maxRatio+1e-9) {
		return fmt.Errorf("%w: ratio %.3g:1 (%.3g bpw) outside %d:1–%d:1", ErrOptions, o.Ratio, 16/o.Ratio, minRatio, maxRatio)
	}
	if o.Codec != "" && o.Codec != PlainOption {
		if _, err := codec.Lookup(o.Codec); err != nil {
			return fmt.Errorf("%w: %w", ErrOptions, err)
		}
	}
	if o.Calib == "" {
		o.Calib = CalibAuto
	}
	switch o.Calib {
	case CalibAuto, CalibHessian, CalibDiag, CalibNone:
	default:
		return fmt.Errorf("%w: calibration mode %q (want auto, hessian, diag or none)", ErrOptions, o.Calib)
	}
	if o.Sensitivity == "" {
		o.Sensitivity = SensAuto
	}
	switch o.Sensitivity {
	case SensAuto, SensMeasured, SensPrior:
	default:
		return fmt.Errorf("%w: sensitivity mode %q (want auto, measured or prior)", ErrOptions, o.Sensitivity)
	}
	switch o.Budget {
	case "":
		o.Budget = BudgetDisk
	case BudgetDisk, BudgetPayload:
	default:
		return fmt.Errorf("%w: budget %q (want disk or payload)", ErrOptions, o.Budget)
	}
	if o.CalibText == "" {
		o.CalibText, o.CalibName = corpus.Calibration, "built-in TinyStories validation text (corpus/calibration.txt)"
	}
	if o.Outliers >= 0.05 {
		return fmt.Errorf("%w: outlier share %v (want < 0.05)", ErrOptions, o.Outliers)
	}
	if o.ShardBytes <= 0 {
		o.ShardBytes = 2 << 30
	}
	if o.Threads <= 0 {
		o.Threads = runtime.GOMAXPROCS(0)
	}
	if o.CheckTokens <= 0 {
		o.CheckTokens = 512
	}
	return nil
}

func (o *Options) log(format string, args ...any) {
	if o.Log != nil {
		o.Log(fmt.Sprintf(format, args...))
	}
}

// job is the state of one conversion.
type job struct {
	o       Options
	outFrac float64 // outlier share used for every matrix
	in      string
	ck      *checkpoint.Checkpoint
	tok     *tokenizer.Tokenizer
	plans   []*tensorPlan
	stats   map[string]*Stats
	params  int64
	partial string
	state   *state
	start   time.Time
	rep     *Report

	corr map[string][]float64 // sequential corrections (see sequential)
}

// Convert compresses the checkpoint in directory in into o.Out. Inputs are
// checked before any work; the output is built in o.Out+".partial" and
// renamed when complete, so an interrupted conversion never leaves a
// directory that looks finished (Options.Resume continues it; the result is
// byte-identical to an uninterrupted run).
func Convert(ctx context.Context, in string, o Options) (*Report, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	j := &job{o: o, in: in, partial: o.Out + ".partial", start: time.Now()}
	if _, err := os.Stat(o.Out); err == nil {
		return nil, fmt.Errorf("%s: %w (remove it or choose another -o)", o.Out, ErrExists)
	}
	ck, err := checkpoint.Open(in)
	if err != nil {
		return nil, err
	}
	defer ck.Close()
	j.ck = ck
	if _, err := model.LoaderFor(ck.Architecture); err != nil {
		return nil, fmt.Errorf("%s/config.json: %w", in, err)
	}
	if j.tok, err = tokenizer.Load(in); err != nil {
		return nil, fmt.Errorf("loading tokenizer of %s: %w", in, err)
	}
	if err := j.prepare(ctx); err != nil {
		return nil, err
	}
	if err := j.encodeAll(ctx); err != nil {
		return nil, err
	}
	return j.finish(ctx)
}

// prepare checks the input and options, calibrates, allocates bits and
// plans the shards.
func (j *job) prepare(ctx context.Context) error {
	ladder := ladderFor(j.o.Prefer)
	if j.o.Codec != "" {
		ladder = []string{j.o.Codec}
	}
	j.outFrac = j.o.Outliers
	if j.outFrac == 0 && j.ck.ParamCount() > MeasureLimit {
		j.outFrac = DefaultOutliers
	}
	j.outFrac = max(j.outFrac, 0)
	plans, err := newPlan(j.ck, ladder, j.o.Budget == BudgetPayload, j.outFrac)
	if err != nil {
		return err
	}
	j.plans = plans
	for _, p := range plans {
		j.params += p.Params
	}
	// Before any work: the output at the requested size must fit on disk.
	est := j.budget(j.o.Ratio)
	if j.o.Codec != "" {
		est = 0
		for _, p := range plans {
			est += p.bytes()
		}
	}
	if err := j.checkDisk(est, min(est, j.o.ShardBytes)); err != nil {
		return err
	}
	fp, err := j.fingerprint()
	if err != nil {
		return err
	}
	if j.state, err = loadState(j.partial, fp, j.o.Resume); err != nil {
		return err
	}
	if err := j.calibrate(ctx); err != nil {
		return err
	}
	if err := j.choose(ctx); err != nil {
		return err
	}
	if j.o.Calib == CalibHessian && j.params <= MeasureLimit {
		if err := j.sequential(ctx); err != nil {
			return fmt.Errorf("calibrating %s: %w", j.in, err)
		}
	}
	j.planShards()
	var total, largest int64
	sizes := map[int]int64{}
	for _, p := range j.plans {
		total += p.bytes()
		sizes[p.Shard] += p.bytes()
	}
	for _, s := range sizes {
		largest = max(largest, s)
	}
	return j.checkDisk(total, largest)
}

func (j *job) calibrate(ctx context.Context) error {
	mode := j.o.Calib
	if mode == CalibNone {
		return nil
	}
	if mode == CalibAuto {
		var gram int64
		for _, p := range j.plans {
			if p.Encode {
				gram += 8 * p.Shape[1] * p.Shape[1]
			}
		}
		mode = CalibDiag
		if gram <= HessianBudget {
			mode = CalibHessian
		}
	}
	j.o.Calib = mode
	if j.o.CalibTokens <= 0 {
		j.o.CalibTokens = 4096
		if j.params > 1e9 {
			j.o.CalibTokens = 1024 // the calibration pass runs the whole model on the CPU
		}
	}
	bos := -1
	if id := j.tok.BOS(); id >= 0 {
		bos = id
	}
	segs, err := calibSegments(j.tok, j.o.CalibText, bos, 512, j.o.CalibTokens)
	if err != nil {
		return err
	}
	j.o.log("calibrating (%s) on %d tokens of the %s", mode, countTokens(segs), j.o.CalibName)
	t0 := time.Now()
	full := func(int) bool { return mode == CalibHessian }
	if j.stats, err = calibrate(ctx, j.ck, segs, full, j.o.Threads); err != nil {
		return fmt.Errorf("calibrating %s: %w", j.in, err)
	}
	j.o.log("calibration done in %.1fs", time.Since(t0).Seconds())
	return nil
}

// encodeWith encodes w with c, using the tensor's calibration statistics.
func (j *job) encodeWith(c *codec.Codec, name string, w []float32, rows, cols int) (*codec.Encoded, error) {
	seed := seedOf(name)
	if c.TableProducts() {
		seed = seedOf(inputGroup(name))
	}
	p := codec.Params{Seed: seed, OutlierFrac: j.outFrac}
	s := j.stats[name]
	if h := s.Hessian(); h != nil {
		return c.EncodeHessian(j.corrected(name, w, rows, cols), rows, cols, h, p)
	}
	return c.Encode(w, rows, cols, s.Importance(), p)
}

// inputGroup names the input a projection multiplies: matrices applied to
// the same vector (q/k/v, gate/up, and their MoE experts' w1/w3) in a codec
// with per-input tables (codec.Codec.TableProducts) get the same rotation
// seed, so that a runtime prepares the vector — rotation, product table —
// once for all of them (codec.Encoded.SharesInput). Other codecs keep a
// seed per tensor (on stories260K, shared seeds moved the quality ladder's
// KL at 4.5 bpw from 0.069 to 0.103 through a different allocation).
func inputGroup(name string) string {
	for _, g := range [][2]string{{"q_proj.", "qkv_in."}, {"k_proj.", "qkv_in."}, {"v_proj.", "qkv_in."},
		{"gate_proj.", "ffn_in."}, {"up_proj.", "ffn_in."}, {".w1.", ".ffn_in."}, {".w3.", ".ffn_in."}} {
		if i := strings.LastIndex(name, g[0]); i >= 0 {
			return name[:i] + g[1] + name[i+len(g[0]):]
		}
	}
	return name
}

// seedOf derives a tensor's rotation seed from its name (FNV-1a, reduced
// to 6 digits to keep the header short), so that conversions are
// reproducible.
func seedOf(name string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 0x100000001b3
	}
	return h%999999 + 1
}

// choose picks each matrix's option: the fixed codec, the saved choice of
// the run being resumed, or the allocation under the budget.
func (j *job) choose(ctx context.Context) error {
	if j.o.Codec != "" {
		return nil // one option per tensor
	}
	if len(j.state.Choices) > 0 {
		return j.applyChoices(j.state.Choices)
	}
	mode := j.o.Sensitivity
	if mode == SensAuto {
		mode = SensPrior
		if j.params <= MeasureLimit {
			mode = SensMeasured
		}
	}
	j.o.Sensitivity = mode
	var err error
	if mode == SensMeasured {
		err = j.measureCosts(ctx)
	} else {
		err = j.priorCosts()
	}
	if err != nil {
		return err
	}
	if err := allocate(j.plans, j.budget(j.o.Ratio)); err != nil {
		var be *BudgetError
		if errors.As(err, &be) {
			return fmt.Errorf("ratio %.3g:1: %w (at most %.2f:1 with these codecs)", j.o.Ratio, err, float64(2*j.params)/float64(be.Min))
		}
		return err
	}
	j.state.Choices = map[string]string{}
	for _, p := range j.plans {
		if p.Encode {
			j.state.Choices[p.Name] = p.chosen().name
		}
	}
	return j.state.save()
}

// budget is the stored bytes allowed at a ratio (option sizes include
// their share of the container header), less the fixed header of each
// shard.
func (j *job) budget(ratio float64) int64 {
	if j.o.Budget == BudgetPayload {
		return int64(float64(2*j.params) / ratio)
	}
	shards := 1 + int64(2*j.params)/int64(float64(j.o.ShardBytes)*ratio)
	return int64(float64(2*j.params)/ratio) - shards*shardHeader
}

func (j *job) applyChoices(ch map[string]string) error {
	for _, p := range j.plans {
		if !p.Encode {
			continue
		}
		found := false
		for i, o := range p.Opts {
			if o.name == ch[p.Name] {
				p.Choice, found = i, true
			}
		}
		if !found {
			return fmt.Errorf("%w: saved choice %q for %s is not an option", ErrResume, ch[p.Name], p.Name)
		}
	}
	return nil
}

func (j *job) priorCosts() error {
	nmse, err := gaussianNMSE(ladderFor(j.o.Prefer))
	if err != nil {
		return err
	}
	cfgLayers := countLayers(j.plans)
	for _, p := range j.plans {
		w := priorWeight(p.Name, cfgLayers)
		for i := range p.Opts {
			p.Opts[i].cost = w * nmse[p.Opts[i].name]
		}
	}
	return nil
}

func countLayers(plans []*tensorPlan) int {
	n := 0
	for _, p := range plans {
		if m := layerRe.FindStringSubmatch(p.Name); m != nil {
			var l int
			fmt.Sscan(m[1], &l)
			n = max(n, l+1)
		}
	}
	return n
}

// planShards assigns tensors to shards of about ShardBytes, in order.
func (j *job) planShards() {
	shard, cur := 0, int64(0)
	for _, p := range j.plans {
		b := p.bytes()
		if cur > 0 && cur+b > j.o.ShardBytes {
			shard++
			cur = 0
		}
		p.Shard = shard
		cur += b
	}
}

func (j *job) shardCount() int { return j.plans[len(j.plans)-1].Shard + 1 }

// checkDisk fails when the output's file system has less room than the
// shards (total bytes) plus one shard's spool (largest) while it is
// finished, plus a margin.
func (j *job) checkDisk(total, largest int64) error {
	parent := filepath.Dir(filepath.Clean(j.o.Out))
	free, ok := sysinfo.DiskFree(parent)
	need := total + largest + 16<<20
	if ok && free < need {
		return fmt.Errorf("%s: %w: %d MB free, the conversion needs about %d MB", parent, ErrDiskFull, free>>20, need>>20)
	}
	return nil
}

func countTokens(segs []eval.Segment) int {
	n := 0
	for _, s := range segs {
		n += len(s.Tokens)
	}
	return n
}
