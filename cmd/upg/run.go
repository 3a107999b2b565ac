package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/upgtools/upg/engine"
	"github.com/upgtools/upg/model"
	"github.com/upgtools/upg/tokenizer"
)

// sampleFlags are the sampling flags of `upg run`; unset ones take the
// model's generation_config.json defaults.
type sampleFlags struct {
	temp, topP, minP, repeat float64
	topK, repeatN            int
	seed                     uint64
}

func (s *sampleFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.Float64Var(&s.temp, "temp", 0.8, "temperature (0: greedy)")
	f.IntVar(&s.topK, "top-k", 40, "keep the k most likely tokens (0: all)")
	f.Float64Var(&s.topP, "top-p", 0.95, "nucleus sampling threshold (1: off)")
	f.Float64Var(&s.minP, "min-p", 0.05, "drop tokens below min-p × the top probability (0: off)")
	f.Float64Var(&s.repeat, "repeat-penalty", 1.0, "repetition penalty (1: off)")
	f.IntVar(&s.repeatN, "repeat-last-n", 64, "tokens the repetition penalty looks back on")
	f.Uint64Var(&s.seed, "seed", 0, "random seed: the same seed gives the same output")
}

// options resolves the flags, taking the model's generation defaults for
// flags the user did not set.
func (s *sampleFlags) options(cmd *cobra.Command, l *engine.Loaded) engine.SampleOptions {
	o := engine.SampleOptions{Temperature: s.temp, TopK: s.topK, TopP: s.topP, MinP: s.minP, RepeatPenalty: s.repeat, RepeatLastN: s.repeatN, Seed: s.seed}
	if g := l.Checkpoint.Generation; g != nil {
		f := cmd.Flags()
		if !f.Changed("temp") && g.Temperature > 0 {
			o.Temperature = g.Temperature
		}
		if !f.Changed("top-p") && g.TopP > 0 {
			o.TopP = g.TopP
		}
		if !f.Changed("top-k") && g.TopK > 0 {
			o.TopK = g.TopK
		}
	}
	return o
}

func newRunCmd() *cobra.Command {
	var mf modelFlags
	var kv kvFlag
	var sf sampleFlags
	var prompt, system string
	var n int
	var chat, ignoreEOS bool
	var stops []string
	c := &cobra.Command{
		Use:   "run [MODEL_DIR] -p PROMPT",
		Short: "Generate text from a prompt, streaming it (--chat for an interactive chat)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := modelArg(args)
			if prompt == "" && !chat {
				return fmt.Errorf("give a prompt with -p, or --chat")
			}
			l, done, err := loadModel(dir, &mf)
			if err != nil {
				return err
			}
			defer done()
			out := cmd.OutOrStdout()
			gen := engine.GenerateOptions{MaxTokens: n, Sample: sf.options(cmd, l), Stop: stops, IgnoreEOS: ignoreEOS}
			if !mf.json {
				gen.OnText = func(s string) { fmt.Fprint(out, s) }
			}
			if chat {
				return runChat(cmd, l, mf, kv.typ, gen, prompt, system)
			}
			ids, err := promptTokens(l.Tokenizer, prompt, false)
			if err != nil {
				return err
			}
			sess := engine.NewSessionKV(l.Model, l.Tokenizer, mf.ctx, kv.typ)
			if !mf.json {
				fmt.Fprint(out, prompt)
			}
			text, st, err := sess.Generate(cmd.Context(), ids, gen)
			if err != nil {
				return err
			}
			if mf.json {
				return printJSON(out, map[string]any{"prompt": prompt, "output": text, "prompt_tokens": st.PromptTokens,
					"generated_tokens": st.GeneratedTokens, "prompt_tok_per_s": st.PromptTPS(), "gen_tok_per_s": st.GenerateTPS(), "stop_reason": st.StopReason})
			}
			fmt.Fprintf(os.Stderr, "\n\n[%d prompt tokens %.1f tok/s, %d generated %.1f tok/s, stop: %s]\n",
				st.PromptTokens, st.PromptTPS(), st.GeneratedTokens, st.GenerateTPS(), st.StopReason)
			return nil
		},
	}
	mf.register(c.Flags())
	kv.register(c.Flags())
	sf.register(c)
	c.Flags().StringVarP(&prompt, "prompt", "p", "", "the prompt (with --chat: the first user message)")
	c.Flags().StringVar(&system, "system", "", "system message for --chat")
	c.Flags().IntVarP(&n, "n-predict", "n", 256, "tokens to generate (0: until end of generation or a full context)")
	c.Flags().BoolVar(&chat, "chat", false, "chat through the model's chat template (reads user turns from stdin)")
	c.Flags().BoolVar(&ignoreEOS, "ignore-eos", false, "keep generating past end-of-generation tokens")
	c.Flags().StringArrayVar(&stops, "stop", nil, "stop when this string is generated (repeatable)")
	return c
}

// runChat holds a conversation: each user turn is rendered with the whole
// history through the chat template, and only the new tokens are
// evaluated (the cache keeps the common prefix).
func runChat(cmd *cobra.Command, l *engine.Loaded, mf modelFlags, kv model.KVType, gen engine.GenerateOptions, first, system string) error {
	tok := l.Tokenizer
	if tok.Spec().ChatTemplate == "" {
		return fmt.Errorf("%s has no chat template (tokenizer_config.json chat_template)", l.Dir)
	}
	out := cmd.OutOrStdout()
	var msgs []tokenizer.Message
	if system != "" {
		msgs = append(msgs, tokenizer.Message{Role: "system", Content: system})
	}
	sess := engine.NewSessionKV(l.Model, tok, mf.ctx, kv)
	var past []int // tokens in the cache
	in := bufio.NewScanner(cmd.InOrStdin())
	in.Buffer(make([]byte, 1<<20), 1<<20)
	user := first
	for {
		if user == "" {
			fmt.Fprint(out, "\n> ")
			if !in.Scan() {
				return in.Err()
			}
			user = strings.TrimSpace(in.Text())
			if user == "" {
				continue
			}
		}
		msgs = append(msgs, tokenizer.Message{Role: "user", Content: user})
		ids, err := chatTokens(tok, msgs)
		if err != nil {
			return err
		}
		common := 0
		for common < len(past) && common < len(ids)-1 && past[common] == ids[common] {
			common++
		}
		sess.Cache.Truncate(common)
		reply, st, err := sess.Generate(cmd.Context(), ids[common:], gen)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "\n[%d new prompt tokens, %d generated %.1f tok/s]", len(ids)-common, st.GeneratedTokens, st.GenerateTPS())
		msgs = append(msgs, tokenizer.Message{Role: "assistant", Content: reply})
		// The generated tokens are in the cache but the next render may
		// tokenize them differently: keep only the prompt as known prefix.
		past = ids
		sess.Cache.Truncate(len(ids))
		user = ""
	}
}

// chatTokens renders msgs through the chat template and encodes them.
func chatTokens(tok *tokenizer.Tokenizer, msgs []tokenizer.Message) ([]int, error) {
	s, err := tok.ApplyChatTemplate(msgs, true)
	if err != nil {
		return nil, err
	}
	ids := tok.Encode(s, tokenizer.EncodeOptions{AddSpecial: true, ParseSpecial: true})
	// Templates usually write the BOS token themselves: keep only one.
	if len(ids) >= 2 && ids[0] == tok.BOS() && ids[1] == tok.BOS() {
		ids = ids[1:]
	}
	return ids, nil
}
