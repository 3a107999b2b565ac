package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/upgtools/upg/engine"
	"github.com/upgtools/upg/model"
	"github.com/upgtools/upg/tokenizer"
)

// testPrompt is one built-in prompt of `upg test`.
type testPrompt struct {
	Kind string `json:"kind"`
	Text string `json:"prompt"`
	Chat bool   `json:"chat"`
}

// builtinPrompts returns the four prompts suited to the model: a completion,
// a chat turn when the tokenizer has a chat template, code and a question.
func builtinPrompts(hasChat, stories bool) []testPrompt {
	if stories {
		return []testPrompt{
			{"completion", "Once upon a time", false},
			{"completion", "The little dog was very happy because", false},
			{"code", "Tom wrote a program that", false},
			{"question", "Lily asked her mom, \"Why is the sky blue?\" Her mom said,", false},
		}
	}
	ps := []testPrompt{
		{"completion", "The capital of France is Paris. The capital of Germany is", false},
		{"chat", "Write a short poem about the sea.", hasChat},
		{"code", "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n", false},
		{"question", "Question: Why is the sky blue?\nAnswer:", false},
	}
	if hasChat {
		ps[3] = testPrompt{"question", "Why is the sky blue? Answer in two sentences.", true}
	}
	return ps
}

type testResult struct {
	testPrompt
	Output       string  `json:"output"`
	PromptTokens int     `json:"prompt_tokens"`
	GenTokens    int     `json:"generated_tokens"`
	PromptTPS    float64 `json:"prompt_tok_per_s"`
	GenTPS       float64 `json:"gen_tok_per_s"`
	TTFTms       float64 `json:"time_to_first_token_ms"`
	StopReason   string  `json:"stop_reason"`
}

type testReport struct {
	Model       string       `json:"model"`
	Arch        string       `json:"architecture"`
	LoadSeconds float64      `json:"load_seconds"`
	Threads     int          `json:"threads"`
	Results     []testResult `json:"results"`
	PeakRSS     int64        `json:"peak_rss_bytes"`
}

func newTestCmd() *cobra.Command {
	var mf modelFlags
	var kv kvFlag
	var prompts []string
	var n int
	var temp float64
	var seed uint64
	c := &cobra.Command{
		Use:   "test [MODEL_DIR]",
		Short: "Load a model and run 4 prompts: load time, tokens/s, time to first token, peak RSS",
		Long: "Loads MODEL_DIR (or, without it, the embedded stories260K), runs four built-in prompts suited to\n" +
			"the model (or the --prompt ones), streams each completion and reports prompt and generation\n" +
			"speed per prompt and the peak RSS. Exits non-zero if loading fails or nothing is generated.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := modelArg(args)
			out := cmd.OutOrStdout()
			stream := out
			if mf.json {
				stream = io.Discard
			}
			l, done, err := loadModel(dir, &mf)
			if err != nil {
				return err
			}
			defer done()
			ps := builtinPrompts(l.Tokenizer.Spec().ChatTemplate != "", dir == "" || l.Tokenizer.VocabSize() <= 4096)
			if len(prompts) > 0 {
				ps = ps[:0]
				for _, p := range prompts {
					ps = append(ps, testPrompt{"custom", p, false})
				}
			}
			rep, total, err := runPrompts(cmd.Context(), l, modelName(dir), ps, promptOptions{n: n, temp: temp, seed: seed, ctx: mf.ctx, kv: kv.typ}, stream)
			if err != nil {
				return err
			}
			rep.PeakRSS = peakRSS()
			fmt.Fprintf(stream, "\npeak RSS %.1f MiB\n", mib(rep.PeakRSS))
			if mf.json {
				if err := printJSON(out, rep); err != nil {
					return err
				}
			}
			if total == 0 {
				return fmt.Errorf("the model generated nothing")
			}
			return nil
		},
	}
	mf.register(c.Flags())
	kv.register(c.Flags())
	c.Flags().StringArrayVarP(&prompts, "prompt", "p", nil, "a prompt to run instead of the built-in ones (repeatable)")
	c.Flags().IntVarP(&n, "n-predict", "n", 64, "tokens to generate per prompt")
	c.Flags().Float64Var(&temp, "temp", 0, "sampling temperature (0: greedy)")
	c.Flags().Uint64Var(&seed, "seed", 0, "random seed")
	return c
}

// promptOptions are the generation settings of runPrompts.
type promptOptions struct {
	n    int
	temp float64
	seed uint64
	ctx  int
	kv   model.KVType
}

// runPrompts runs each prompt in a fresh session, streaming the text to
// stream, and returns the report and the number of generated tokens.
func runPrompts(ctx context.Context, l *engine.Loaded, name string, ps []testPrompt, o promptOptions, stream io.Writer) (testReport, int, error) {
	rep := testReport{Model: name, Arch: l.Model.Config().Architecture, LoadSeconds: l.LoadTime.Seconds(), Threads: l.Model.Pool().Threads()}
	fmt.Fprintf(stream, "model %s (%s), loaded in %.3f s, %d threads\n", rep.Model, rep.Arch, rep.LoadSeconds, rep.Threads)
	total := 0
	for i, p := range ps {
		ids, err := promptTokens(l.Tokenizer, p.Text, p.Chat)
		if err != nil {
			return rep, 0, err
		}
		fmt.Fprintf(stream, "\n[%d/%d %s] %s", i+1, len(ps), p.Kind, p.Text)
		if p.Chat {
			fmt.Fprint(stream, "\n") // the reply is a new turn, not a continuation
		}
		sess := engine.NewSessionKV(l.Model, l.Tokenizer, o.ctx, o.kv)
		text, st, err := sess.Generate(ctx, ids, engine.GenerateOptions{
			MaxTokens: o.n, Sample: engine.SampleOptions{Temperature: o.temp, Seed: o.seed},
			OnText: func(s string) { fmt.Fprint(stream, s) },
		})
		if err != nil {
			return rep, 0, err
		}
		r := testResult{testPrompt: p, Output: text, PromptTokens: st.PromptTokens, GenTokens: st.GeneratedTokens,
			PromptTPS: st.PromptTPS(), GenTPS: st.GenerateTPS(), TTFTms: float64(st.PromptTime.Microseconds()) / 1000, StopReason: st.StopReason}
		rep.Results = append(rep.Results, r)
		total += st.GeneratedTokens
		fmt.Fprintf(stream, "\n  prompt %d tok %.1f tok/s | generated %d tok %.1f tok/s | first token %.1f ms | stop: %s\n",
			r.PromptTokens, r.PromptTPS, r.GenTokens, r.GenTPS, r.TTFTms, r.StopReason)
	}
	return rep, total, nil
}

// promptTokens encodes a prompt, through the chat template when chat is set.
func promptTokens(tok *tokenizer.Tokenizer, text string, chat bool) ([]int, error) {
	if chat {
		return chatTokens(tok, []tokenizer.Message{{Role: "user", Content: text}})
	}
	ids := tok.Encode(text, tokenizer.EncodeOptions{AddSpecial: true})
	if len(ids) == 0 {
		return nil, fmt.Errorf("prompt %q encodes to no tokens", strings.TrimSpace(text))
	}
	return ids, nil
}
