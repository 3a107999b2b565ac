package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upgtools/upg/internal/testdata"
	"github.com/upgtools/upg/model"
	"github.com/upgtools/upg/models/stories260k"
	"github.com/upgtools/upg/tokenizer"
)

func loadStories(t testing.TB) *Loaded {
	t.Helper()
	dir := t.TempDir()
	if err := stories260k.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	l, err := Load(dir, model.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// TestGreedyGolden reproduces llama2.c's test_all.py: greedy from BOS for
// 200 positions must give expected_greedy_200.txt byte for byte, with the
// F32 KV cache and with the default F16 one.
func TestGreedyGolden(t *testing.T) {
	want, err := os.ReadFile(testdata.Path(t, "models", "stories260K", "expected_greedy_200.txt"))
	if err != nil {
		t.Fatal(err)
	}
	l := loadStories(t)
	for _, kv := range []model.KVType{model.KVF32, model.KVF16} {
		s := NewSessionKV(l.Model, l.Tokenizer, 512, kv)
		var streamed strings.Builder
		got, st, err := s.Generate(context.Background(), []int{l.Tokenizer.BOS()}, GenerateOptions{
			MaxTokens: 200, Sample: Greedy, OnText: func(x string) { streamed.WriteString(x) },
		})
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Fatalf("KV %v: greedy output differs after %d tokens (stop %s):\ngot  %q\nwant %q", kv, st.GeneratedTokens, st.StopReason, got, want)
		}
		if streamed.String() != got {
			t.Fatalf("KV %v: streamed text differs from the returned text", kv)
		}
	}
}

// TestDecodeStepAllocs: a greedy decode step (sample the argmax, run the
// token through the model) allocates nothing once the session is warm.
func TestDecodeStepAllocs(t *testing.T) {
	l := loadStories(t)
	for _, kv := range []model.KVType{model.KVF16, model.KVF32} {
		s := NewSessionKV(l.Model, l.Tokenizer, 512, kv)
		if s.Cache.Type() != kv {
			t.Fatalf("session cache %v, want %v", s.Cache.Type(), kv)
		}
		if err := s.Prefill(context.Background(), []int{l.Tokenizer.BOS(), 403, 407}, 0); err != nil {
			t.Fatal(err)
		}
		sampler := NewSampler(Greedy)
		var stepErr error
		allocs := testing.AllocsPerRun(200, func() {
			if s.Cache.Reserve(1) != nil {
				s.Cache.Truncate(3)
			}
			if err := s.Step(sampler.Sample(s.Logits(), nil)); err != nil {
				stepErr = err
			}
		})
		if stepErr != nil {
			t.Fatal(stepErr)
		}
		if allocs != 0 {
			t.Errorf("KV %v: %.1f allocations per decoded token (parallel loops of the decode path must use kernels.Pool.ForArgs with a capture-free body, not For with a closure)", kv, allocs)
		}
	}
}

func TestSeededSamplingIsReproducible(t *testing.T) {
	l := loadStories(t)
	ids := l.Tokenizer.Encode("Once upon a time", tokenizer.EncodeOptions{AddSpecial: true})
	run := func(seed uint64) string {
		s := NewSession(l.Model, l.Tokenizer, 256)
		out, _, err := s.Generate(context.Background(), ids, GenerateOptions{MaxTokens: 40,
			Sample: SampleOptions{Temperature: 1, TopK: 40, TopP: 0.95, MinP: 0.05, RepeatPenalty: 1.1, Seed: seed}})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b, c := run(7), run(7), run(8)
	if a != b {
		t.Fatalf("same seed, different text:\n%q\n%q", a, b)
	}
	if a == c {
		t.Errorf("seeds 7 and 8 gave the same 40 tokens: %q", a)
	}
}

func TestStopStrings(t *testing.T) {
	l := loadStories(t)
	s := NewSession(l.Model, l.Tokenizer, 512)
	var streamed strings.Builder
	out, st, err := s.Generate(context.Background(), []int{l.Tokenizer.BOS()}, GenerateOptions{
		MaxTokens: 200, Stop: []string{"Lily"}, OnText: func(x string) { streamed.WriteString(x) }})
	if err != nil {
		t.Fatal(err)
	}
	// The golden text is "Once upon a time, there was a little girl named Lily…".
	if out != "Once upon a time, there was a little girl named " || st.StopReason != "stop" {
		t.Fatalf("got %q (stop %s)", out, st.StopReason)
	}
	if streamed.String() != out {
		t.Fatalf("streamed %q, returned %q", streamed.String(), out)
	}
}

func TestContextFull(t *testing.T) {
	l := loadStories(t)
	s := NewSession(l.Model, l.Tokenizer, 10)
	_, st, err := s.Generate(context.Background(), []int{l.Tokenizer.BOS()}, GenerateOptions{MaxTokens: 100, IgnoreEOS: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.StopReason != "context" || st.GeneratedTokens != 10 {
		t.Fatalf("stop %s after %d tokens, want context after 10", st.StopReason, st.GeneratedTokens)
	}
	if _, _, err := s.Generate(context.Background(), make([]int, 20), GenerateOptions{}); err == nil {
		t.Fatal("a prompt longer than the context was accepted")
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if err := stories260k.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.json")
	data, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(data), "LlamaForCausalLM", "GPTNeoXForCausalLM", 1)), 0o644)
	_, err := Load(dir, model.Options{})
	if err == nil || !strings.Contains(err.Error(), "GPTNeoXForCausalLM") || !strings.Contains(err.Error(), "LlamaForCausalLM") {
		t.Fatalf("unsupported architecture: error %v should name it and list the supported ones", err)
	}
}

// TestContinuationKeepsSpace: text generated after a prompt keeps the space
// its first token carries (only a sequence's very start drops it).
func TestContinuationKeepsSpace(t *testing.T) {
	l := loadStories(t)
	ids := l.Tokenizer.Encode("Once upon a time, there was a little girl named", tokenizer.EncodeOptions{AddSpecial: true})
	out, _, err := NewSession(l.Model, l.Tokenizer, 128).Generate(context.Background(), ids, GenerateOptions{MaxTokens: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, " Lily") {
		t.Fatalf("continuation %q, want it to start with \" Lily\"", out)
	}
}
