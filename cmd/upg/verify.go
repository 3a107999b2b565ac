package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/upgtools/upg/verify"
)

func newVerifyCmd() *cobra.Command {
	var o verify.Options
	var textFile string
	var asJSON bool
	c := &cobra.Command{
		Use:   "verify UPG_DIR [--against MODEL_DIR]",
		Short: "Check a UPG directory: integrity, ratio on disk, and (against the original) error and quality",
		Long: "Checks that every tensor of UPG_DIR is present and decodable, that the checksums match, recomputes the\n" +
			"compression ratio from the files on disk (must be ≥ --min-ratio, default 8:1), loads and runs the\n" +
			"model. With --against MODEL_DIR it also reports each tensor's NMSE and, on a text (default: a built-in\n" +
			"sample, document protocol), the perplexity of both models, mean and p99 KL divergence and top-1\n" +
			"agreement, checked against --max-kl and --min-top1 when given. Prints PASS/FAIL per check and exits\n" +
			"non-zero on any failure.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if textFile != "" {
				b, err := os.ReadFile(textFile)
				if err != nil {
					return err
				}
				o.Text, o.TextName = string(b), textFile
			}
			if !asJSON {
				o.Progress = stageProgress()
			}
			rep, err := verify.Run(cmd.Context(), args[0], o)
			if asJSON {
				if perr := printJSON(cmd.OutOrStdout(), rep); perr != nil {
					return perr
				}
			} else {
				printVerify(cmd.OutOrStdout(), rep)
			}
			return err
		},
	}
	f := c.Flags()
	f.StringVar(&o.Against, "against", "", "the original checkpoint directory")
	f.StringVar(&textFile, "text", "", "evaluation text file (default: built-in TinyStories sample)")
	f.StringVar(&o.Docs, "docs", "", "document separator for --text (document protocol), e.g. '<|endoftext|>'; default: windows of --ctx")
	f.IntVar(&o.Ctx, "ctx", 512, "window length for --text without --docs")
	f.IntVar(&o.MaxTok, "max-tokens", 0, "score at most this many tokens (0: all)")
	f.Float64Var(&o.MinRatio, "min-ratio", 8, "required ratio vs BF16 on disk (negative: not checked)")
	f.Float64Var(&o.MaxKL, "max-kl", 0, "fail when the mean KL (nats) is above this (0: report only)")
	f.Float64Var(&o.MinTop1, "min-top1", 0, "fail when top-1 agreement is below this, 0..1 (0: report only)")
	f.IntVarP(&o.Threads, "threads", "t", 0, "worker threads (0: one per CPU)")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON on stdout")
	return c
}

// stageProgress draws one progress bar (or line series) per stage on stderr.
func stageProgress() func(stage string, done, total int) {
	cur := ""
	var fn func(done, total int)
	return func(stage string, done, total int) {
		if stage != cur {
			cur, fn = stage, progress(stage, false)
		}
		if fn != nil {
			fn(done, total)
		}
	}
}

func printVerify(w io.Writer, r *verify.Report) {
	for _, c := range r.Checks {
		status := "PASS"
		if !c.OK {
			status = "FAIL"
		}
		fmt.Fprintf(w, "%s  %-14s %s\n", status, c.Name, c.Detail)
	}
	if len(r.Tensors) > 0 {
		fmt.Fprintf(w, "worst tensors by NMSE:\n")
		for _, t := range r.Tensors[:min(5, len(r.Tensors))] {
			fmt.Fprintf(w, "  %-50s %-6s %.4g\n", t.Name, t.Codec, t.NMSE)
		}
	}
	if r.Pass {
		fmt.Fprintln(w, "PASS")
	} else {
		fmt.Fprintln(w, "FAIL")
	}
}
