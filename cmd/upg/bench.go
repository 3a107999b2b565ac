package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/upgtools/upg/engine"
	"github.com/upgtools/upg/kernels"
	"github.com/upgtools/upg/model"
	"github.com/upgtools/upg/model/llama"
)

// benchFlags are `upg bench`'s own flags.
type benchFlags struct {
	prompt, gen, reps int
	membw, flops      bool
	membwMiB          int
	flopsDur          time.Duration
	paired            bool
}

// rateStats summarises the tokens/s of the repetitions.
type rateStats struct {
	Median float64   `json:"median_tok_per_s"`
	Min    float64   `json:"min_tok_per_s"`
	Max    float64   `json:"max_tok_per_s"`
	Runs   []float64 `json:"runs_tok_per_s"`
}

func newRateStats(runs []float64) rateStats {
	return rateStats{Median: median(runs), Min: slices.Min(runs), Max: slices.Max(runs), Runs: runs}
}

// median is the median of v (the mean of the middle two for an even
// count); v must not be empty.
func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return m
}

// machineReport holds the machine figures of `upg bench --membw --flops`.
type machineReport struct {
	Threads int                `json:"threads"`
	MemBW   *kernels.Bandwidth `json:"memory_read_bandwidth,omitempty"`
	FMA     *kernels.FMAPeak   `json:"fp32_fma_peak,omitempty"`
}

// benchReport is the result of `upg bench MODEL_DIR`.
type benchReport struct {
	Model          string         `json:"model"`
	Arch           string         `json:"architecture"`
	Threads        int            `json:"threads"`
	KV             string         `json:"kv_cache"`
	PromptTokens   int            `json:"prompt_tokens"`
	DecodeTokens   int            `json:"decode_tokens"`
	Repetitions    int            `json:"repetitions"`
	PromptSource   string         `json:"prompt_source"`
	LoadSeconds    float64        `json:"load_seconds"`
	Prefill        rateStats      `json:"prefill"`
	Decode         rateStats      `json:"decode"`
	WeightBytes    int64          `json:"weight_bytes_per_token"`
	WeightsCounted string         `json:"weight_bytes_counted"`
	ParamsPerToken int64          `json:"matmul_params_per_token"`
	EffectiveGBps  float64        `json:"decode_effective_gb_per_s"`
	BandwidthEff   float64        `json:"bandwidth_efficiency,omitempty"`
	Paired         *pairedBW      `json:"paired_bandwidth,omitempty"`
	PrefillGFLOPs  float64        `json:"prefill_gflop_per_s"`
	PrefillFLOPEff float64        `json:"prefill_flop_efficiency,omitempty"`
	PeakRSS        int64          `json:"peak_rss_bytes"`
	Machine        *machineReport `json:"machine,omitempty"`
}

// pairedBW is the read bandwidth measured right after each timed decode
// run (--paired-membw) and the efficiency of each run against it.
type pairedBW struct {
	GBps       []float64 `json:"read_gb_per_s"`
	Efficiency []float64 `json:"efficiency"`
}

// childEnv marks the `upg bench --membw` child process that measures the
// paired bandwidth (the test binary's TestMain runs main for it).
const childEnv = "UPG_BENCH_MEMBW_CHILD"

// childBandwidth measures the read bandwidth in a child process of this
// executable (`bench --membw --json`), so that its buffer does not count in
// this process's peak RSS.
func childBandwidth(ctx context.Context, threads int, bf *benchFlags) (float64, error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, fmt.Errorf("bench: paired bandwidth: %w", err)
	}
	cmd := exec.CommandContext(ctx, exe, "bench", "--membw", "--json", "-t", strconv.Itoa(threads), "--membw-mib", strconv.Itoa(bf.membwMiB))
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("bench: paired bandwidth (%s bench --membw): %w", exe, err)
	}
	var mr machineReport
	if err := json.Unmarshal(out, &mr); err != nil || mr.MemBW == nil {
		return 0, fmt.Errorf("bench: paired bandwidth: unexpected output %q", out)
	}
	return mr.MemBW.MedianGBps, nil
}

func newBenchCmd() *cobra.Command {
	var mf modelFlags
	var kv kvFlag
	var bf benchFlags
	c := &cobra.Command{
		Use:   "bench [MODEL_DIR] [-t N] [-p 512] [-n 128] [-r 5] | bench --membw --flops",
		Short: "Prefill and decode tok/s, weight bytes per token, and the machine's read bandwidth and FMA peak",
		Long: "Measures MODEL_DIR (or, without it, the embedded stories260K) as ../shared/docs/measurement.md defines\n" +
			"it: a synthetic prompt of -p token ids (BOS, then a fixed pseudo-random sequence) is prefilled in one\n" +
			"batch and -n tokens are decoded greedily, -r times after one warm-up run; tok/s are the median (and\n" +
			"min/max) of the runs. Weight bytes per token count every matrix a decoded token reads (q/k/v/o, gate,\n" +
			"up, down of every layer and the output head, in their stored form; not the embedding row, norms or\n" +
			"the KV cache). The machine's read bandwidth (a read-only sum over a --membw-mib buffer, default\n" +
			"1 GiB) and FP32 FMA peak are measured with the same thread count after the model runs (so the\n" +
			"buffer does not count in the peak RSS), giving bandwidth efficiency = bytes/token × decode tok/s ÷\n" +
			"bandwidth and prefill FLOP efficiency = 2 × matrix parameters per token × prefill tok/s ÷ peak\n" +
			"(attention FLOPs not counted). With --paired-membw (the default) the bandwidth is also measured\n" +
			"right after each timed decode run, in a child process, and the efficiency reported is the median\n" +
			"of the runs' efficiencies against it: the machine's bandwidth drifts, so a single sample taken\n" +
			"later can be far from the one the runs met. With --membw and/or --flops and no MODEL_DIR only\n" +
			"those run.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if bf.reps < 1 || bf.prompt < 1 || bf.gen < 1 {
				return fmt.Errorf("bench: -p, -n and -r must be at least 1")
			}
			if bf.membwMiB < 1 {
				return fmt.Errorf("bench: --membw-mib must be at least 1")
			}
			out := cmd.OutOrStdout()
			text := out
			if mf.json {
				text = io.Discard
			}
			if len(args) == 0 && (bf.membw || bf.flops) {
				mr, err := measureMachine(mf.threads, &bf, bf.membw, bf.flops, text)
				if err != nil {
					return err
				}
				if mf.json {
					return printJSON(out, mr)
				}
				return nil
			}
			rep, err := benchModel(cmd.Context(), modelArg(args), &mf, kv.typ, &bf, text)
			if err != nil {
				return err
			}
			if mf.json {
				return printJSON(out, rep)
			}
			return nil
		},
	}
	mf.register(c.Flags())
	kv.register(c.Flags())
	c.Flags().IntVarP(&bf.prompt, "prompt-tokens", "p", 512, "prompt length in tokens (synthetic ids)")
	c.Flags().IntVarP(&bf.gen, "n-gen", "n", 128, "tokens to decode")
	c.Flags().IntVarP(&bf.reps, "reps", "r", 5, "timed repetitions after the warm-up")
	c.Flags().BoolVar(&bf.membw, "membw", false, "measure the memory-read bandwidth (alone when no MODEL_DIR is given)")
	c.Flags().BoolVar(&bf.flops, "flops", false, "measure the FP32 FMA peak (alone when no MODEL_DIR is given)")
	c.Flags().IntVar(&bf.membwMiB, "membw-mib", 1024, "buffer size of the bandwidth measurement in MiB")
	c.Flags().DurationVar(&bf.flopsDur, "flops-time", time.Second, "duration of the FMA peak measurement")
	c.Flags().BoolVar(&bf.paired, "paired-membw", true, "also measure the bandwidth after each decode run and pair each run with it")
	return c
}

// measureMachine runs the bandwidth and/or FMA measurements on a pool of
// threads workers and prints them to text.
func measureMachine(threads int, bf *benchFlags, membw, flops bool, text io.Writer) (*machineReport, error) {
	p := kernels.NewPool(threads)
	defer p.Close()
	mr := &machineReport{Threads: p.Threads()}
	if membw {
		bw, err := kernels.MeasureReadBandwidth(p, int64(bf.membwMiB)<<20, 5)
		if err != nil {
			return nil, err
		}
		mr.MemBW = &bw
		fmt.Fprintf(text, "memory read bandwidth, %d threads, %d MiB buffer (%s): median %.1f GB/s, max %.1f GB/s over %d passes\n",
			bw.Threads, bw.BufferBytes>>20, bw.Kernel, bw.MedianGBps, bw.MaxGBps, bw.Passes)
	}
	if flops {
		fp, err := kernels.MeasureFMAPeak(p, bf.flopsDur)
		if err != nil {
			return nil, err
		}
		mr.FMA = &fp
		fmt.Fprintf(text, "FP32 FMA peak, %d threads (%s): %.1f GFLOP/s (%.1f per thread)\n", fp.Threads, fp.Kernel, fp.GFLOPs, fp.GFLOPsPerCore)
	}
	return mr, nil
}

// benchModel loads dir and times prefill and decode.
func benchModel(ctx context.Context, dir string, mf *modelFlags, kv model.KVType, bf *benchFlags, text io.Writer) (*benchReport, error) {
	l, done, err := loadModel(dir, mf)
	if err != nil {
		return nil, err
	}
	defer done()
	cfg := l.Model.Config()
	if bf.prompt+bf.gen > cfg.MaxSeq {
		return nil, fmt.Errorf("bench: %d prompt + %d decoded tokens exceed the model's context of %d", bf.prompt, bf.gen, cfg.MaxSeq)
	}
	rep := &benchReport{Model: modelName(dir), Arch: cfg.Architecture, Threads: l.Model.Pool().Threads(), KV: kv.String(),
		PromptTokens: bf.prompt, DecodeTokens: bf.gen, Repetitions: bf.reps, LoadSeconds: l.LoadTime.Seconds(),
		PromptSource: "synthetic token ids: BOS, then (7919·i + 13) mod vocab"}
	rep.WeightBytes, rep.ParamsPerToken, rep.WeightsCounted = decodeWeights(l.Model)
	fmt.Fprintf(text, "model %s (%s), %d threads, KV cache %s, loaded in %.2f s\n", rep.Model, rep.Arch, rep.Threads, rep.KV, rep.LoadSeconds)
	fmt.Fprintf(text, "weights read per decoded token: %.1f MiB (%s); matrix parameters per token: %d\n", mib(rep.WeightBytes), rep.WeightsCounted, rep.ParamsPerToken)
	prompt := syntheticPrompt(cfg, bf.prompt)
	sess := engine.NewSessionKV(l.Model, l.Tokenizer, bf.prompt+bf.gen, kv)
	var pre, dec []float64
	for r := range bf.reps + 1 {
		pt, dt, err := benchRun(ctx, sess, prompt, bf.gen)
		if err != nil {
			return nil, err
		}
		if r == 0 {
			continue // warm-up
		}
		pre = append(pre, float64(bf.prompt)/pt.Seconds())
		dec = append(dec, float64(bf.gen)/dt.Seconds())
		fmt.Fprintf(text, "run %d/%d: prefill %d tok %.2f tok/s, decode %d tok %.2f tok/s", r, bf.reps, bf.prompt, pre[r-1], bf.gen, dec[r-1])
		if bf.paired {
			bw, err := childBandwidth(ctx, rep.Threads, bf)
			if err != nil {
				return nil, err
			}
			if rep.Paired == nil {
				rep.Paired = &pairedBW{}
			}
			eff := float64(rep.WeightBytes) * dec[r-1] / 1e9 / bw
			rep.Paired.GBps = append(rep.Paired.GBps, bw)
			rep.Paired.Efficiency = append(rep.Paired.Efficiency, eff)
			fmt.Fprintf(text, "; read bandwidth after it %.1f GB/s: efficiency %.1f%%", bw, 100*eff)
		}
		fmt.Fprintln(text)
	}
	rep.Prefill, rep.Decode = newRateStats(pre), newRateStats(dec)
	rep.PeakRSS = peakRSS() // before the bandwidth buffer exists
	rep.EffectiveGBps = float64(rep.WeightBytes) * rep.Decode.Median / 1e9
	rep.PrefillGFLOPs = 2 * float64(rep.ParamsPerToken) * rep.Prefill.Median / 1e9
	fmt.Fprintf(text, "prefill %.2f tok/s (min %.2f, max %.2f), %.1f GFLOP/s\n", rep.Prefill.Median, rep.Prefill.Min, rep.Prefill.Max, rep.PrefillGFLOPs)
	fmt.Fprintf(text, "decode  %.2f tok/s (min %.2f, max %.2f), %.2f GB/s of weights\n", rep.Decode.Median, rep.Decode.Min, rep.Decode.Max, rep.EffectiveGBps)
	fmt.Fprintf(text, "peak RSS %.1f MiB\n", mib(rep.PeakRSS))
	mr, err := measureMachine(rep.Threads, bf, true, true, text)
	if err != nil {
		return nil, err
	}
	rep.Machine = mr
	rep.BandwidthEff = rep.EffectiveGBps / mr.MemBW.MedianGBps
	how := "against the bandwidth measured after all runs"
	if rep.Paired != nil {
		rep.BandwidthEff = median(rep.Paired.Efficiency)
		how = fmt.Sprintf("median of the runs against the bandwidth measured after each (median %.1f GB/s)", median(rep.Paired.GBps))
	}
	rep.PrefillFLOPEff = rep.PrefillGFLOPs / mr.FMA.GFLOPs
	fmt.Fprintf(text, "bandwidth efficiency %.1f%% (decode; %s), FLOP efficiency %.1f%% (prefill)\n", 100*rep.BandwidthEff, how, 100*rep.PrefillFLOPEff)
	return rep, nil
}

// benchRun empties the cache, prefills prompt in one batch and decodes gen
// tokens greedily, returning the two durations.
func benchRun(ctx context.Context, s *engine.Session, prompt []int, gen int) (prefill, decode time.Duration, err error) {
	s.Cache.Reset()
	start := time.Now()
	if err := s.Prefill(ctx, prompt, len(prompt)); err != nil {
		return 0, 0, err
	}
	prefill = time.Since(start)
	start = time.Now()
	for range gen {
		if err := s.Step(kernels.Argmax(s.Logits())); err != nil {
			return 0, 0, err
		}
	}
	return prefill, time.Since(start), ctx.Err()
}

// syntheticPrompt is BOS (when the model has one) followed by a fixed
// pseudo-random sequence of token ids.
func syntheticPrompt(cfg *model.Config, n int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = (7919*i + 13) % cfg.Vocab
	}
	if cfg.BOS >= 0 {
		ids[0] = cfg.BOS
	}
	return ids
}

// decodeWeights sums the stored bytes and parameters of the matrices one
// decoded token reads, and says what was counted.
func decodeWeights(m model.Model) (bytes, params int64, counted string) {
	lm, ok := m.(*llama.Model)
	if !ok {
		return m.WeightBytes(), 0, "all weights (architecture not itemised)"
	}
	add := func(ws ...model.Linear) {
		for _, w := range ws {
			bytes += w.Bytes()
			params += int64(w.Rows()) * int64(w.Cols())
		}
	}
	for i := range lm.Layers {
		L := &lm.Layers[i]
		add(L.Q, L.K, L.V, L.O, L.Gate, L.Up, L.Down)
	}
	add(lm.Head)
	return bytes, params, fmt.Sprintf("q,k,v,o,gate,up,down × %d layers + output head; not the embedding row, norms, biases or KV cache", len(lm.Layers))
}
