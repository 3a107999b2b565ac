package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upgtools/upg/internal/testdata"
	"github.com/upgtools/upg/models/stories260k"
)

// TestMain runs upg itself when this test binary is started as the
// paired-bandwidth child of a test's `upg bench` (childEnv), and the tests
// otherwise.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

// TestTestCommand runs `upg test` on the embedded model as a new user would.
func TestTestCommand(t *testing.T) {
	out, err := run(t, "test", "-n", "16", "--json")
	if err != nil {
		t.Fatal(err, out)
	}
	var rep testReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, out)
	}
	if len(rep.Results) != 4 || rep.PeakRSS <= 0 || rep.Arch != "LlamaForCausalLM" {
		t.Fatalf("report %+v", rep)
	}
	if !strings.HasPrefix(rep.Results[0].Output, ", there was a little girl named Lily") {
		t.Errorf("greedy completion of %q: %q", rep.Results[0].Text, rep.Results[0].Output)
	}
	for _, r := range rep.Results {
		if r.GenTokens == 0 || r.GenTPS <= 0 || r.PromptTPS <= 0 {
			t.Errorf("prompt %q: %+v", r.Text, r)
		}
	}
}

func TestEvalAndInspect(t *testing.T) {
	text := testdata.Path(t, "text", "tinystories", "tinystories_sample.txt")
	out, err := run(t, "eval", "ppl", "--text", text, "--docs", "<|endoftext|>", "--json")
	if err != nil {
		t.Fatal(err, out)
	}
	var res struct{ Result struct{ PPL float64 } }
	if json.Unmarshal([]byte(out), &res) != nil || res.Result.PPL < 3.543 || res.Result.PPL > 3.553 {
		t.Fatalf("eval ppl: %s", out)
	}
	dir := t.TempDir()
	if err := stories260k.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, "inspect", dir)
	if err != nil || !strings.Contains(out, "model.layers.4.mlp.down_proj.weight") || !strings.Contains(out, "[64 172]") {
		t.Fatalf("inspect: %v\n%s", err, out)
	}
	lp := filepath.Join(t.TempDir(), "lp.npy")
	if out, err = run(t, "eval", "ppl", dir, "--text", text, "--ctx", "64", "--save-logprobs", lp); err != nil {
		t.Fatal(err, out)
	}
}

func TestErrorsExitNonZero(t *testing.T) {
	for _, args := range [][]string{
		{"test", filepath.Join(t.TempDir(), "missing")},
		{"run", "-p", ""},
		{"eval", "ppl"},
		{"synth", "--preset", "nope", "-o", filepath.Join(t.TempDir(), "x")},
	} {
		if out, err := run(t, args...); err == nil {
			t.Errorf("upg %v succeeded:\n%s", args, out)
		}
	}
}
