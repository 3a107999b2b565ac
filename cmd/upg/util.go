package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/upgtools/upg/engine"
	"github.com/upgtools/upg/model"
)

// modelFlags are the flags every command that loads a model shares.
type modelFlags struct {
	threads int
	ctx     int
	json    bool
}

func (f *modelFlags) register(c interface {
	IntVarP(*int, string, string, int, string)
	IntVar(*int, string, int, string)
	BoolVar(*bool, string, bool, string)
}) {
	c.IntVarP(&f.threads, "threads", "t", 0, "worker threads (0: one per CPU)")
	c.IntVar(&f.ctx, "ctx", 0, "context length in tokens (0: the model's, at most 4096)")
	c.BoolVar(&f.json, "json", false, "print the figures as JSON on stdout")
}

// modelArg is the optional MODEL_DIR argument ("" for the embedded model).
func modelArg(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return ""
}

// loadModel opens dir, or the embedded stories260K when dir is empty.
func loadModel(dir string, f *modelFlags) (*engine.Loaded, func(), error) {
	dir, cleanup, err := materialize(dir)
	if err != nil {
		return nil, nil, err
	}
	l, err := engine.Load(dir, model.Options{Threads: f.threads})
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return l, func() { l.Close(); cleanup() }, nil
}

func modelName(dir string) string {
	if dir == "" {
		return "stories260K (embedded)"
	}
	return filepath.Base(filepath.Clean(dir))
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// progress returns a callback that draws a bar on a terminal (stderr) and
// prints plain lines otherwise, or nothing when quiet.
func progress(desc string, quiet bool) func(done, total int) {
	if quiet {
		return nil
	}
	if term.IsTerminal(int(os.Stderr.Fd())) {
		var bar *progressbar.ProgressBar
		return func(done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetDescription(desc),
					progressbar.OptionSetWriter(os.Stderr), progressbar.OptionShowCount(),
					progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
			}
			bar.Set(done)
			if done == total {
				bar.Finish()
			}
		}
	}
	last := time.Time{}
	start := time.Now()
	return func(done, total int) {
		if done == total || time.Since(last) > 2*time.Second {
			last = time.Now()
			eta := ""
			if done > 0 && done < total {
				eta = fmt.Sprintf(", ETA %s", (time.Since(start) * time.Duration(total-done) / time.Duration(done)).Round(time.Second))
			}
			fmt.Fprintf(os.Stderr, "%s: %d/%d%s\n", desc, done, total, eta)
		}
	}
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// kvFlag is the --kv flag of the commands that run sessions.
type kvFlag struct{ typ model.KVType }

func (k *kvFlag) register(fs *pflag.FlagSet) { fs.Var(k, "kv", "KV cache storage: f16 or f32") }

// String implements pflag.Value.
func (k *kvFlag) String() string { return k.typ.String() }

// Set implements pflag.Value.
func (k *kvFlag) Set(s string) error {
	t, err := model.ParseKVType(s)
	if err != nil {
		return err
	}
	k.typ = t
	return nil
}

// Type implements pflag.Value.
func (k *kvFlag) Type() string { return "f16|f32" }
