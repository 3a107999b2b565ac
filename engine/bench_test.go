package engine

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/upgtools/upg/model"
	"github.com/upgtools/upg/synth"
)

// benchModel loads a synthetic checkpoint of a preset's real shape,
// generating it once into the temp directory and reusing it afterwards.
func benchModel(b *testing.B, preset string) *Loaded {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "upg-bench", preset+"-seed1")
	if _, err := os.Stat(filepath.Join(dir, "config.json")); err != nil {
		os.MkdirAll(filepath.Dir(dir), 0o755)
		b.Logf("generating %s (once) in %s", preset, dir)
		if err := synth.Write(context.Background(), dir, synth.Options{Preset: preset, Seed: 1}, nil); err != nil {
			b.Fatal(err)
		}
	}
	l, err := Load(dir, model.Options{Threads: threadsFromEnv()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	return l
}

func threadsFromEnv() int {
	n, _ := strconv.Atoi(os.Getenv("UPG_THREADS"))
	return n
}

// BenchmarkDecodeTinyLlama measures token-by-token decode on the
// TinyLlama-1.1B shape in BF16 (threads: UPG_THREADS, default all CPUs).
//
//	go test ./engine -run '^$' -bench DecodeTinyLlama -benchtime 16x
func BenchmarkDecodeTinyLlama(b *testing.B) {
	l := benchModel(b, "tinyllama-1.1b")
	s := NewSession(l.Model, l.Tokenizer, 512)
	if err := s.Prefill(context.Background(), []int{1, 450, 4996, 17354}, 0); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(l.Model.WeightBytes())
	b.ResetTimer()
	for i := range b.N {
		if s.Cache.Reserve(1) != nil {
			s.Cache.Truncate(4)
		}
		if err := l.Model.Forward(s.Cache, []int{100 + i%1000}, s.logits, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tok/s")
}

// BenchmarkPrefillTinyLlama measures a 64-token prompt (llama-bench pp64) on
// the TinyLlama-1.1B shape in BF16.
//
//	go test ./engine -run '^$' -bench PrefillTinyLlama -benchtime 2x
func BenchmarkPrefillTinyLlama(b *testing.B) {
	l := benchModel(b, "tinyllama-1.1b")
	s := NewSession(l.Model, l.Tokenizer, 512)
	prompt := make([]int, 64)
	for i := range prompt {
		prompt[i] = 100 + 37*i
	}
	b.ResetTimer()
	for range b.N {
		s.Cache.Reset()
		if err := s.Prefill(context.Background(), prompt, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(prompt))/b.Elapsed().Seconds(), "tok/s")
}
