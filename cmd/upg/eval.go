package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/upgtools/upg/eval"
	"github.com/upgtools/upg/tokenizer"
)

func newEvalCmd() *cobra.Command {
	c := &cobra.Command{Use: "eval", Short: "Measure model quality (perplexity)"}
	c.AddCommand(newPPLCmd())
	return c
}

func newPPLCmd() *cobra.Command {
	var mf modelFlags
	var textFile, tokensFile, docs, saveLP string
	c := &cobra.Command{
		Use:   "ppl [MODEL_DIR] (--text FILE | --tokens FILE)",
		Short: "Perplexity by llama.cpp's window protocol, or the document protocol with --docs",
		Long: "Perplexity as ../shared/docs/measurement.md defines it. By default the text is tokenized whole (BOS\n" +
			"first), cut into windows of --ctx tokens (default 512), each window's first token replaced by BOS,\n" +
			"and the second half of each window scored. With --docs SEP the text is split into documents on SEP,\n" +
			"each evaluated alone as BOS + its tokens with every position scored. --tokens takes a JSON array of\n" +
			"token ids instead of text. --save-logprobs FILE.npy writes the log-probabilities of every scored\n" +
			"position ([positions, vocab] float32) with a FILE.json sidecar.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := modelArg(args)
			if (textFile == "") == (tokensFile == "") {
				return fmt.Errorf("give exactly one of --text or --tokens")
			}
			l, done, err := loadModel(dir, &mf)
			if err != nil {
				return err
			}
			defer done()
			cfg := l.Model.Config()
			ctxLen := mf.ctx
			if ctxLen <= 0 {
				ctxLen = min(512, cfg.MaxSeq)
			}
			var segs []eval.Segment
			src := textFile
			if tokensFile != "" {
				src = tokensFile
				data, err := os.ReadFile(tokensFile)
				if err != nil {
					return err
				}
				var ids []int
				if err := json.Unmarshal(data, &ids); err != nil {
					return fmt.Errorf("%s: want a JSON array of token ids: %w", tokensFile, err)
				}
				for i, id := range ids {
					if id < 0 || id >= cfg.Vocab {
						return fmt.Errorf("%s: token %d at index %d is outside the vocabulary (%d)", tokensFile, id, i, cfg.Vocab)
					}
				}
				segs, err = eval.WindowSegments(ids, ctxLen, cfg.BOS)
				if err != nil {
					return fmt.Errorf("%s: %w", tokensFile, err)
				}
			} else {
				data, err := os.ReadFile(textFile)
				if err != nil {
					return err
				}
				if docs != "" {
					segs, err = eval.DocumentSegments(l.Tokenizer, string(data), docs, cfg.BOS, cfg.MaxSeq)
				} else {
					ids := l.Tokenizer.Encode(string(data), tokenizer.EncodeOptions{})
					if cfg.BOS >= 0 {
						ids = append([]int{cfg.BOS}, ids...)
					}
					segs, err = eval.WindowSegments(ids, ctxLen, cfg.BOS)
				}
				if err != nil {
					return fmt.Errorf("%s: %w", textFile, err)
				}
			}
			var onRow func([]float32) error
			var lw *eval.LogprobWriter
			if saveLP != "" {
				rows := 0
				for _, s := range segs {
					rows += s.Scored()
				}
				if lw, err = eval.NewLogprobWriter(saveLP, rows, cfg.Vocab); err != nil {
					return err
				}
				defer lw.Abort()
				onRow = lw.Write
			}
			res, err := eval.Perplexity(cmd.Context(), l.Model, segs, progress("perplexity", mf.json), onRow)
			if err != nil {
				return err
			}
			protocol := "windows"
			if docs != "" {
				protocol = "documents"
			}
			if lw != nil {
				side := map[string]any{"model": l.Dir, "source": src, "protocol": protocol, "ctx": ctxLen, "segments": segs}
				if err := lw.Close(side); err != nil {
					return err
				}
			}
			out := cmd.OutOrStdout()
			if mf.json {
				return printJSON(out, map[string]any{"model": modelName(dir), "source": src, "protocol": protocol, "ctx": ctxLen, "result": res})
			}
			fmt.Fprintf(out, "%s on %s (%s protocol, ctx %d): PPL %.4f, mean NLL %.4f nats over %d scored tokens in %d segments\n",
				modelName(dir), src, protocol, ctxLen, res.PPL, res.MeanNLL, res.Scored, res.Segments)
			return nil
		},
	}
	mf.register(c.Flags())
	c.Flags().StringVar(&textFile, "text", "", "text file to evaluate")
	c.Flags().StringVar(&tokensFile, "tokens", "", "JSON array of token ids to evaluate (bypasses the tokenizer)")
	c.Flags().StringVar(&docs, "docs", "", "document separator: evaluate each document alone (e.g. '<|endoftext|>')")
	c.Flags().StringVar(&saveLP, "save-logprobs", "", "write per-position log-probabilities to this .npy file (+ .json sidecar)")
	return c
}
