package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/upgtools/upg/codec"
	"github.com/upgtools/upg/convert"
	"github.com/upgtools/upg/models/stories260k"
)

func newConvertCmd() *cobra.Command {
	var o convert.Options
	var calibFile string
	var shardMB int64
	var noCheck, asJSON bool
	c := &cobra.Command{
		Use:   "convert [MODEL_DIR] -o OUT_DIR",
		Short: "Compress a checkpoint into a UPG directory (default ≥ 8:1 vs BF16) and check the result",
		Long: "Compresses MODEL_DIR (a Hugging Face checkpoint; without it, the embedded stories260K) into OUT_DIR:\n" +
			"a calibration pass on built-in text (or --calib-text) records what each matrix's input looks like,\n" +
			"bits are allocated per tensor under the size budget (--ratio, --bpw; default 8:1 versus BF16 over the\n" +
			"whole checkpoint, counted as bytes on disk), every matrix is encoded (rotation, codebook or scalar\n" +
			"codes, error feedback) and written into .upg shards with metadata.json, configs and tokenizer.\n" +
			"The output appears only when complete (OUT_DIR.partial until then; --resume continues it). A short\n" +
			"self-check against the original ends the run.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, cleanup, err := materialize(modelArg(args))
			if err != nil {
				return err
			}
			defer cleanup()
			out := cmd.OutOrStdout()
			log := cmd.ErrOrStderr()
			if calibFile != "" {
				b, err := os.ReadFile(calibFile)
				if err != nil {
					return err
				}
				o.CalibText, o.CalibName = string(b), calibFile
			}
			o.ShardBytes = shardMB << 20
			o.SelfCheck = !noCheck
			o.ToolVersion = version
			o.Log = func(s string) { fmt.Fprintln(log, s) }
			o.Progress = convertProgress(log)
			rep, err := convert.Convert(cmd.Context(), in, o)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(out, rep)
			}
			printConvertReport(out, rep, o.Out)
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&o.Out, "output", "o", "", "output directory (required; must not exist)")
	f.Float64Var(&o.Ratio, "ratio", 0, "compression ratio versus BF16, 4 to 12 (default 8)")
	f.Float64Var(&o.BPW, "bpw", 0, "bits per weight over the whole checkpoint (instead of --ratio)")
	f.StringVar(&o.Budget, "budget", "disk", "what the ratio counts: disk (.upg files as stored) or payload (tensor data only, as published bpw figures)")
	f.StringVar(&o.Prefer, "prefer", convert.PreferSpeed, "codecs the allocator picks from: speed (LUT codecs at 1.6/2/4 bits, table-lookup products) or quality (E8-derived vq codecs: lower distortion per bit, slower products)")
	f.StringVar(&o.Codec, "codec", "", "one codec for every matrix, no allocation ("+strings.Join(codecNames(), ", ")+")")
	f.Float64Var(&o.Outliers, "outliers", 0, "share of each matrix's weights kept exactly in a sparse side table (0: auto, 0.05% above 20 M parameters; negative: none)")
	f.StringVar(&o.Calib, "calib", "auto", "calibration: auto, hessian (error feedback), diag (importance only), none")
	f.StringVar(&calibFile, "calib-text", "", "calibration text file (default: built-in TinyStories text)")
	f.IntVar(&o.CalibTokens, "calib-tokens", 0, "calibration tokens (0: 4096, or 1024 above 1 B parameters)")
	f.StringVar(&o.Sensitivity, "sensitivity", "auto", "how tensor damage is estimated: auto, measured (small models), prior")
	f.Int64Var(&shardMB, "shard-size", 2048, "shard size in MiB")
	f.BoolVar(&o.Resume, "resume", false, "continue an interrupted conversion into the same OUT_DIR")
	f.IntVarP(&o.Threads, "threads", "t", 0, "worker threads (0: one per CPU)")
	f.BoolVar(&noCheck, "no-check", false, "skip the self-check against the original")
	f.IntVar(&o.CheckTokens, "check-tokens", 512, "tokens scored by the self-check")
	f.BoolVar(&asJSON, "json", false, "print the report (metadata.json) on stdout")
	c.MarkFlagRequired("output")
	return c
}

// materialize returns dir, or a temporary copy of the embedded stories260K
// when dir is empty.
func materialize(dir string) (string, func(), error) {
	if dir != "" {
		return dir, func() {}, nil
	}
	tmp, err := os.MkdirTemp("", "upg-stories260k-*")
	if err != nil {
		return "", nil, err
	}
	if err := stories260k.WriteTo(tmp); err != nil {
		os.RemoveAll(tmp)
		return "", nil, fmt.Errorf("writing the embedded model: %w", err)
	}
	return tmp, func() { os.RemoveAll(tmp) }, nil
}

// convertProgress draws one bar per stage on a terminal, plain lines
// (at most every 2 s) otherwise.
func convertProgress(w io.Writer) func(convert.Progress) {
	isTerm := false
	if f, ok := w.(*os.File); ok {
		isTerm = term.IsTerminal(int(f.Fd()))
	}
	var bar *progressbar.ProgressBar
	stage := ""
	last := time.Time{}
	return func(p convert.Progress) {
		if isTerm {
			if p.Stage != stage {
				stage = p.Stage
				if p.TotalBytes > 0 {
					bar = progressbar.NewOptions64(p.TotalBytes, progressbar.OptionSetDescription(p.Stage), progressbar.OptionSetWriter(w),
						progressbar.OptionShowBytes(true), progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
				} else {
					bar = progressbar.NewOptions(p.Total, progressbar.OptionSetDescription(p.Stage), progressbar.OptionSetWriter(w),
						progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
				}
			}
			if p.TotalBytes > 0 {
				bar.Set64(p.Bytes)
			} else {
				bar.Set(p.Done)
			}
			return
		}
		if p.Done < p.Total && time.Since(last) < 2*time.Second {
			return
		}
		last = time.Now()
		line := fmt.Sprintf("%s: %d/%d", p.Stage, p.Done, p.Total)
		if p.TotalBytes > 0 {
			el := p.Elapsed.Seconds()
			line += fmt.Sprintf(" tensors, %.0f/%.0f MiB", mib(p.Bytes), mib(p.TotalBytes))
			if p.Bytes > 0 && p.Bytes < p.TotalBytes {
				line += fmt.Sprintf(", ETA %s", (time.Duration(el*float64(p.TotalBytes-p.Bytes)/float64(p.Bytes)) * time.Second).Round(time.Second))
			}
		}
		fmt.Fprintln(w, line+" ("+p.Tensor+")")
	}
}

func printConvertReport(w io.Writer, r *convert.Report, out string) {
	fmt.Fprintf(w, "converted %s → %s in %.1f s (peak RSS %.0f MiB, %.3g params/s/core, %d threads%s)\n",
		r.Source.Dir, out, r.Conversion.Seconds, mib(r.Conversion.PeakRSS), r.Conversion.ParamsPerSecCore, r.Conversion.Threads,
		map[bool]string{true: ", resumed"}[r.Conversion.Resumed])
	target := ""
	if r.Settings.TargetRatio > 0 {
		target = fmt.Sprintf(" (target %.3g:1)", r.Settings.TargetRatio)
	}
	fmt.Fprintf(w, "  size: %d params, %.2f MB in BF16 → %.3f MB of .upg files: ratio %.2f:1, %.3f bpw%s\n",
		r.Source.Params, float64(r.BF16Bytes)/1e6, float64(r.UPGBytes)/1e6, r.Ratio, r.BPW, target)
	names := make([]string, 0, len(r.ByCodec))
	for n := range r.ByCodec {
		names = append(names, n)
	}
	sort.Slice(names, func(a, b int) bool { return r.ByCodec[names[a]].Params > r.ByCodec[names[b]].Params })
	for _, n := range names {
		c := r.ByCodec[n]
		fmt.Fprintf(w, "  %-6s %4d tensors %12d params %7.3f bpw\n", n, c.Tensors, c.Params, c.BPW)
	}
	fmt.Fprintf(w, "  calibration: %s", r.Settings.Calibration)
	if r.Settings.CalibText != "" {
		fmt.Fprintf(w, " on %s", r.Settings.CalibText)
	}
	fmt.Fprintln(w)
	if sc := r.SelfCheck; sc != nil {
		fmt.Fprintf(w, "  self-check (%s, %d tokens): KL mean %.4f p99 %.4f nats, top-1 %.1f%%, PPL %.3f → %.3f\n",
			sc.Text, sc.Scored, sc.KLMean, sc.KLP99, 100*sc.Top1, sc.PPLA, sc.PPLB)
		fmt.Fprintf(w, "  verdict: %s\n", sc.Verdict)
		if sc.Suggestion != "" {
			fmt.Fprintf(w, "  suggestion: %s\n", sc.Suggestion)
		}
	}
}

func codecNames() []string {
	var out []string
	for _, c := range codec.Codecs() {
		out = append(out, c.Name)
	}
	return append(out, convert.PlainOption)
}
