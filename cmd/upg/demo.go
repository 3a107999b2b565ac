package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/upgtools/upg/convert"
	"github.com/upgtools/upg/corpus"
	"github.com/upgtools/upg/engine"
	"github.com/upgtools/upg/eval"
	"github.com/upgtools/upg/model"
	"github.com/upgtools/upg/models/stories260k"
	"github.com/upgtools/upg/verify"
)

// demoRow is one line of the demo's ratio-versus-quality table.
type demoRow struct {
	Target     float64 `json:"target_ratio"`
	Ratio      float64 `json:"ratio"`
	BPW        float64 `json:"bpw"`
	PayloadBPW float64 `json:"payload_bpw"`
	eval.Comparison
	Verdict string `json:"verdict"`
}

type demoReport struct {
	Original  testReport      `json:"original"`
	Convert   *convert.Report `json:"convert"`
	Verify    *verify.Report  `json:"verify"`
	Upg       testReport      `json:"upg"`
	Table     []demoRow       `json:"table"`
	TableText string          `json:"table_text"`
}

func newDemoCmd() *cobra.Command {
	var threads, n int
	var asJSON, keep bool
	c := &cobra.Command{
		Use:   "demo",
		Short: "The whole pipeline on the embedded stories260K: test, convert, verify, run, ratio-vs-quality table",
		Long: "In a temporary directory: tests the embedded stories260K (4 prompts), converts it at the default\n" +
			"budget (8:1 versus BF16 on disk), verifies the result against the original, runs the compressed\n" +
			"model on the same prompts, then converts at 3.5:1, 5:1 and 6.4:1 too and prints a table of ratio,\n" +
			"bpw, perplexity, KL divergence and top-1 agreement on the built-in sample text.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			if asJSON {
				out = io.Discard
			}
			tmp, err := os.MkdirTemp("", "upg-demo-*")
			if err != nil {
				return err
			}
			if keep {
				fmt.Fprintf(cmd.ErrOrStderr(), "working directory (kept): %s\n", tmp)
			} else {
				defer os.RemoveAll(tmp)
			}
			rep, err := runDemo(cmd.Context(), tmp, threads, n, out)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), rep)
			}
			return nil
		},
	}
	c.Flags().IntVarP(&threads, "threads", "t", 0, "worker threads (0: one per CPU)")
	c.Flags().IntVarP(&n, "n-predict", "n", 48, "tokens generated per prompt")
	c.Flags().BoolVar(&asJSON, "json", false, "print every figure as JSON on stdout")
	c.Flags().BoolVar(&keep, "keep", false, "keep the working directory (original and converted models)")
	return c
}

func runDemo(ctx context.Context, tmp string, threads, n int, w io.Writer) (*demoReport, error) {
	rep := &demoReport{}
	orig := filepath.Join(tmp, "stories260k")
	if err := stories260k.WriteTo(orig); err != nil {
		return nil, err
	}
	opt := model.Options{Threads: threads}
	po := promptOptions{n: n}
	fmt.Fprintf(w, "== 1. test the original (%s)\n", orig)
	if err := withModel(orig, opt, func(l *engine.Loaded) (err error) {
		rep.Original, _, err = runPrompts(ctx, l, "stories260K (original)", builtinPrompts(false, true), po, w)
		return err
	}); err != nil {
		return nil, err
	}
	costs := &convert.CostCache{}
	dst := filepath.Join(tmp, "stories260k-upg")
	fmt.Fprintf(w, "\n== 2. convert at the default budget → %s\n", dst)
	cr, err := convert.Convert(ctx, orig, convert.Options{Out: dst, SelfCheck: true, Threads: threads, Costs: costs, ToolVersion: version,
		Log: func(s string) { fmt.Fprintln(w, "  "+s) }})
	if err != nil {
		return nil, err
	}
	rep.Convert = cr
	printConvertReport(w, cr, dst)
	fmt.Fprintf(w, "\n== 3. verify against the original\n")
	vr, err := verify.Run(ctx, dst, verify.Options{Against: orig, Threads: threads})
	rep.Verify = vr
	printVerify(w, vr)
	if err != nil {
		return rep, err
	}
	fmt.Fprintf(w, "\n== 4. run the compressed model (the .upg codes directly)\n")
	if err := withModel(dst, opt, func(l *engine.Loaded) (err error) {
		rep.Upg, _, err = runPrompts(ctx, l, "stories260K (UPG)", builtinPrompts(false, true), po, w)
		return err
	}); err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "\n== 5. ratio versus quality (built-in sample, %s)\n", "document protocol")
	rows, err := demoTable(ctx, tmp, orig, threads, costs, cr, w)
	if err != nil {
		return nil, err
	}
	rep.Table = rows
	return rep, nil
}

func withModel(dir string, opt model.Options, fn func(*engine.Loaded) error) error {
	l, err := engine.Load(dir, opt)
	if err != nil {
		return err
	}
	defer l.Close()
	return fn(l)
}

// demoTable converts at several ratios and measures each on the sample.
func demoTable(ctx context.Context, tmp, orig string, threads int, costs *convert.CostCache, def *convert.Report, w io.Writer) ([]demoRow, error) {
	ref, err := engine.Load(orig, model.Options{Threads: threads})
	if err != nil {
		return nil, err
	}
	defer ref.Close()
	segs, err := eval.DocumentSegments(ref.Tokenizer, corpus.Sample, corpus.DocSeparator, ref.Model.Config().BOS, ref.Model.Config().MaxSeq)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "%-12s %-8s %-9s %-12s %-9s %-9s %-9s %-7s %s\n", "target", "ratio", "bpw", "payload bpw", "PPL", "KL mean", "KL p99", "top-1", "verdict")
	var rows []demoRow
	for _, target := range []float64{3.5, 5, 6.4, 8} {
		dst := filepath.Join(tmp, fmt.Sprintf("stories260k-%gx", target))
		cr := def
		if target != convert.DefaultRatio {
			if cr, err = convert.Convert(ctx, orig, convert.Options{Out: dst, Ratio: target, Threads: threads, Costs: costs, ToolVersion: version}); err != nil {
				return nil, err
			}
		} else {
			dst = filepath.Join(tmp, "stories260k-upg")
		}
		var cmp eval.Comparison
		if err := withModel(dst, model.Options{Threads: threads}, func(l *engine.Loaded) (err error) {
			cmp, err = eval.Compare(ctx, ref.Model, l.Model, segs, nil)
			return err
		}); err != nil {
			return nil, err
		}
		r := demoRow{Target: target, Ratio: cr.Ratio, BPW: cr.BPW, PayloadBPW: cr.PayloadBPW, Comparison: cmp, Verdict: eval.Verdict(cmp.KLMean)}
		rows = append(rows, r)
		fmt.Fprintf(w, "%-12s %-8s %-9.3f %-12.3f %-9.3f %-9.4f %-9.4f %-7s %s\n", fmt.Sprintf("%g:1", target), fmt.Sprintf("%.2f:1", r.Ratio),
			r.BPW, r.PayloadBPW, r.PPLB, r.KLMean, r.KLP99, fmt.Sprintf("%.1f%%", 100*r.Top1), r.Verdict)
	}
	fmt.Fprintf(w, "original F32: PPL %.3f on %d tokens (ratio and bpw count the .upg files on disk; payload bpw only the tensor data)\n", rows[0].PPLA, rows[0].Scored)
	return rows, nil
}
