package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/upgtools/upg/model"
	"github.com/upgtools/upg/tokenizer"
)

// Session is one conversation with a model: its KV cache and buffers.
type Session struct {
	Model  model.Model
	Tok    *tokenizer.Tokenizer
	Cache  *model.Cache
	logits []float32
	one    [1]int // the token of a decode step, so Step does not allocate
}

// NewSession allocates an F16 KV cache (the default) for ctxLen positions
// (≤ 0: the model's maximum, capped at 4096 to bound memory).
func NewSession(m model.Model, tok *tokenizer.Tokenizer, ctxLen int) *Session {
	return NewSessionKV(m, tok, ctxLen, model.KVF16)
}

// NewSessionKV is NewSession with the KV cache's storage type chosen.
func NewSessionKV(m model.Model, tok *tokenizer.Tokenizer, ctxLen int, kv model.KVType) *Session {
	cfg := m.Config()
	if ctxLen <= 0 {
		ctxLen = min(cfg.MaxSeq, 4096)
	}
	return &Session{Model: m, Tok: tok, Cache: model.NewCacheKV(cfg, ctxLen, kv), logits: make([]float32, cfg.Vocab)}
}

// Step runs one decode step: token id goes into the cache at the next
// position and Logits() becomes the following token's logits. It does not
// allocate.
func (s *Session) Step(id int) error {
	s.one[0] = id
	return s.Model.Forward(s.Cache, s.one[:], s.logits, false)
}

// GenerateOptions control one generation.
type GenerateOptions struct {
	MaxTokens int // tokens to generate (≤ 0: until the context is full)
	Sample    SampleOptions
	Stop      []string // stop strings (not included in the output)
	// IgnoreEOS keeps generating past end-of-generation tokens.
	IgnoreEOS bool
	// OnText receives the text as it is generated, in order.
	OnText func(string)
	// BatchSize caps how many prompt tokens one forward call takes (≤ 0: 512).
	BatchSize int
}

// Stats are the measured figures of one generation.
type Stats struct {
	PromptTokens    int
	GeneratedTokens int
	PromptTime      time.Duration // prefill, until the first token's logits
	GenerateTime    time.Duration // after the first token's logits to the end
	StopReason      string        // "eos", "stop", "length", "context"
}

// PromptTPS is prefill tokens per second.
func (s Stats) PromptTPS() float64 { return rate(s.PromptTokens, s.PromptTime) }

// GenerateTPS is decode tokens per second (the first token comes from the
// prefill, so decode time covers GeneratedTokens−1 forward passes).
func (s Stats) GenerateTPS() float64 { return rate(s.GeneratedTokens-1, s.GenerateTime) }

func rate(n int, d time.Duration) float64 {
	if n <= 0 || d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// Prefill feeds tokens into the cache in batches and leaves the logits of
// the last one in Logits().
func (s *Session) Prefill(ctx context.Context, tokens []int, batch int) error {
	if batch <= 0 {
		batch = 512
	}
	for i := 0; i < len(tokens); i += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		j := min(i+batch, len(tokens))
		if err := s.Model.Forward(s.Cache, tokens[i:j], s.logits, false); err != nil {
			return err
		}
	}
	return nil
}

// Logits are the next-token logits after the last forward call.
func (s *Session) Logits() []float32 { return s.logits }

// Generate continues from the prompt tokens (appended to whatever is in the
// cache) and returns the generated text.
func (s *Session) Generate(ctx context.Context, prompt []int, o GenerateOptions) (string, Stats, error) {
	st := Stats{PromptTokens: len(prompt)}
	if len(prompt) == 0 {
		return "", st, errors.New("generate: empty prompt")
	}
	if err := s.Cache.Reserve(len(prompt)); err != nil {
		return "", st, fmt.Errorf("generate: prompt of %d tokens: %w", len(prompt), err)
	}
	start := time.Now()
	if err := s.Prefill(ctx, prompt, o.BatchSize); err != nil {
		return "", st, err
	}
	st.PromptTime = time.Since(start)
	start = time.Now()
	sampler := NewSampler(o.Sample)
	dec := s.Tok.NewStreamDecoder(true)
	if s.Cache.Len() > len(prompt) || s.Tok.Decode(prompt, true) != "" {
		dec.Resume() // continuing text: keep the first token's leading space
	}
	out := &stopWriter{stops: o.Stop, emit: o.OnText}
	history := make([]int, len(prompt), len(prompt)+max(o.MaxTokens, 0)+1)
	copy(history, prompt)
	for {
		if err := ctx.Err(); err != nil {
			return out.text(), st, err
		}
		id := sampler.Sample(s.logits, history)
		history = append(history, id)
		st.GeneratedTokens++
		if !o.IgnoreEOS && s.isEnd(id) {
			st.StopReason = "eos"
			break
		}
		if out.write(dec.Next(id)) {
			st.StopReason = "stop"
			break
		}
		if o.MaxTokens > 0 && st.GeneratedTokens >= o.MaxTokens {
			st.StopReason = "length"
			break
		}
		if s.Cache.Reserve(1) != nil {
			st.StopReason = "context"
			break
		}
		if err := s.Step(id); err != nil {
			return out.text(), st, err
		}
	}
	if st.StopReason != "stop" {
		out.write(dec.Flush())
		out.flush()
	}
	st.GenerateTime = time.Since(start)
	return out.text(), st, nil
}

func (s *Session) isEnd(id int) bool {
	for _, e := range s.Model.Config().EOS {
		if id == e {
			return true
		}
	}
	return s.Tok.IsEndOfGeneration(id)
}

// stopWriter forwards text to emit but holds back any tail that could be the
// start of a stop string, and reports when a stop string appears.
type stopWriter struct {
	stops   []string
	emit    func(string)
	sb      strings.Builder
	emitted int
}

func (w *stopWriter) write(s string) bool {
	w.sb.WriteString(s)
	all := w.sb.String()
	for _, st := range w.stops {
		if st == "" {
			continue
		}
		if i := strings.Index(all[max(0, w.emitted-len(st)):], st); i >= 0 {
			cut := max(0, w.emitted-len(st)) + i
			w.sb.Reset()
			w.sb.WriteString(all[:cut])
			w.send(cut)
			return true
		}
	}
	safe := len(all)
	for _, st := range w.stops {
		for k := min(len(st)-1, len(all)); k > 0; k-- {
			if strings.HasSuffix(all, st[:k]) {
				safe = min(safe, len(all)-k)
				break
			}
		}
	}
	w.send(safe)
	return false
}

func (w *stopWriter) send(upto int) {
	if upto > w.emitted && w.emit != nil {
		w.emit(w.sb.String()[w.emitted:upto])
	}
	w.emitted = max(w.emitted, upto)
}

func (w *stopWriter) flush()       { w.send(w.sb.Len()) }
func (w *stopWriter) text() string { return w.sb.String() }
