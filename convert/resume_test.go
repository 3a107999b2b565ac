package convert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/upgtools/upg/models/stories260k"
	"github.com/upgtools/upg/upg"
)

// The reference conversion, shared by the tests of this package.
var (
	refOnce       sync.Once
	refIn, refOut string
	refRep        *Report
	refErr        error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if refIn != "" {
		os.RemoveAll(filepath.Dir(refIn))
	}
	os.Exit(code)
}

func writeStories(dir string) error { return stories260k.WriteTo(dir) }

// quick returns options for a fast, sharded conversion of stories260K:
// diagonal calibration, prior sensitivity, shards of about 20 KB.
func quick(out string) Options {
	return Options{Out: out, Ratio: 6, Calib: CalibDiag, Sensitivity: SensPrior, ShardBytes: 20 << 10, CalibTokens: 512, ToolVersion: "test", Threads: 2}
}

// reference converts stories260K once per test binary (uninterrupted) and
// returns its input and output directories.
func reference(t *testing.T) (in, out string) {
	t.Helper()
	refOnce.Do(func() {
		dir, err := os.MkdirTemp("", "upg-convert-ref-*")
		if err != nil {
			refErr = err
			return
		}
		refIn, refOut = filepath.Join(dir, "in"), filepath.Join(dir, "out")
		if refErr = writeStories(refIn); refErr != nil {
			return
		}
		refRep, refErr = Convert(context.Background(), refIn, quick(refOut))
	})
	if refErr != nil {
		t.Fatalf("reference conversion: %v", refErr)
	}
	return refIn, refOut
}

// listDir returns the names of the regular files in dir, sorted.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// sameOutput checks that got holds the same files as want, byte-identical
// except metadata.json, whose sizes and tensor records must match (timing,
// memory and "resumed" may differ).
func sameOutput(t *testing.T, want, got string) {
	t.Helper()
	wn, gn := listDir(t, want), listDir(t, got)
	if !slices.Equal(wn, gn) {
		t.Fatalf("files differ:\n want %v\n have %v", wn, gn)
	}
	shards := 0
	for _, n := range wn {
		a, err := os.ReadFile(filepath.Join(want, n))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(got, n))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(n, ".upg") {
			shards++
		}
		if n == upg.MetaFile {
			sameMeta(t, a, b)
			continue
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs (%d vs %d bytes)", n, len(a), len(b))
		}
	}
	if shards < 3 {
		t.Fatalf("only %d shards: the test needs several", shards)
	}
}

func sameMeta(t *testing.T, a, b []byte) {
	t.Helper()
	var ra, rb Report
	if err := json.Unmarshal(a, &ra); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rb); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*Report{&ra, &rb} {
		r.Conversion.Seconds, r.Conversion.PeakRSS, r.Conversion.ParamsPerSecCore, r.Conversion.Resumed = 0, 0, 0, false
		r.Source.Dir = ""
	}
	ja, _ := json.Marshal(ra)
	jb, _ := json.Marshal(rb)
	if !bytes.Equal(ja, jb) {
		t.Errorf("metadata.json differs beyond timing:\n want %s\n have %s", ja, jb)
	}
}

// stopped converts in into out and stops it as stop says; it checks that
// the conversion failed with context.Canceled and left only out.partial.
func stopped(t *testing.T, in, out string, stop func(o *Options, cancel context.CancelFunc)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := quick(out)
	stop(&o, cancel)
	_, err := Convert(ctx, in, o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted conversion: err %v, want context.Canceled", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%s exists after an interrupted conversion (%v)", out, err)
	}
	for _, n := range listDir(t, out+".partial") {
		if strings.Contains(n, ".tmp-") || strings.Contains(n, ".spool-") {
			t.Errorf("temporary file %s left in the partial directory", n)
		}
	}
}

func TestResume(t *testing.T) {
	in, ref := reference(t)
	tests := []struct {
		name string
		stop func(o *Options, cancel context.CancelFunc)
		done int // shards complete in the partial directory
	}{
		{name: "after 2 shards", stop: func(o *Options, _ context.CancelFunc) { o.stopAfterShards = 2 }, done: 2},
		{name: "cancel mid-shard", stop: func(o *Options, cancel context.CancelFunc) {
			o.Progress = func(p Progress) {
				if p.Stage == "encode" && p.Done == 7 {
					cancel()
				}
			}
		}, done: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			stopped(t, in, out, tt.stop)
			var upgs []string
			for _, n := range listDir(t, out+".partial") {
				if strings.HasSuffix(n, ".upg") {
					upgs = append(upgs, n)
				}
			}
			if tt.done >= 0 && len(upgs) != tt.done {
				t.Errorf("partial directory holds shards %v, want %d", upgs, tt.done)
			}
			if tt.done < 0 && len(upgs) == 0 {
				t.Errorf("no shard finished before the cancellation")
			}

			_, err := Convert(context.Background(), in, quick(out))
			if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "--resume") {
				t.Fatalf("second run without Resume: err %v, want ErrExists mentioning --resume", err)
			}
			o := quick(out)
			o.Resume = true
			var encoded []string
			o.Progress = func(p Progress) { encoded = append(encoded, p.Tensor) }
			rep, err := Convert(context.Background(), in, o)
			if err != nil {
				t.Fatalf("resume: %v", err)
			}
			if !rep.Conversion.Resumed {
				t.Error("report does not say resumed")
			}
			if len(encoded) == 0 || len(encoded) >= len(rep.Tensors) {
				t.Errorf("resume encoded %d of %d tensors: shards done were not kept", len(encoded), len(rep.Tensors))
			}
			if _, err := os.Stat(out + ".partial"); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s.partial left after the resumed run", out)
			}
			sameOutput(t, ref, out)
		})
	}
}

// TestResumeDamagedShard checks that a shard recorded as done but damaged
// since is written again.
func TestResumeDamagedShard(t *testing.T) {
	in, ref := reference(t)
	out := filepath.Join(t.TempDir(), "out")
	stopped(t, in, out, func(o *Options, _ context.CancelFunc) { o.stopAfterShards = 2 })
	n := refShards(t, ref)
	first := filepath.Join(out+".partial", upg.ShardName(1, n))
	raw, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-1] ^= 0xff
	if err := os.WriteFile(first, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	o := quick(out)
	o.Resume = true
	if _, err := Convert(context.Background(), in, o); err != nil {
		t.Fatal(err)
	}
	sameOutput(t, ref, out)
}

func refShards(t *testing.T, ref string) int {
	t.Helper()
	n := 0
	for _, f := range listDir(t, ref) {
		if strings.HasSuffix(f, ".upg") {
			n++
		}
	}
	return n
}

func TestResumeRefused(t *testing.T) {
	in, _ := reference(t)
	// One run stopped after a shard; each case works on a copy.
	stoppedOut := filepath.Join(t.TempDir(), "out")
	stopped(t, in, stoppedOut, func(o *Options, _ context.CancelFunc) { o.stopAfterShards = 1 })
	tests := []struct {
		name string
		edit func(t *testing.T, partial string)
		opts func(o *Options)
		want error
	}{
		{name: "other ratio", opts: func(o *Options) { o.Ratio = 5 }, want: ErrResume},
		{name: "other shard size", opts: func(o *Options) { o.ShardBytes = 30 << 10 }, want: ErrResume},
		{name: "other tool version", opts: func(o *Options) { o.ToolVersion = "other" }, want: ErrResume},
		{name: "other calibration", opts: func(o *Options) { o.Calib = CalibNone }, want: ErrResume},
		{name: "other calibration text", opts: func(o *Options) { o.CalibText = "Once upon a time." }, want: ErrResume},
		{name: "unreadable state", edit: func(t *testing.T, partial string) {
			if err := os.WriteFile(filepath.Join(partial, stateFile), []byte("{not json"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, want: ErrResume},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			copyFiles(t, stoppedOut+".partial", out+".partial")
			if tt.edit != nil {
				tt.edit(t, out+".partial")
			}
			o := quick(out)
			o.Resume = true
			if tt.opts != nil {
				tt.opts(&o)
			}
			_, err := Convert(context.Background(), in, o)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), out+".partial") {
				t.Errorf("error %q does not name the partial directory", err)
			}
			if _, err := os.Stat(filepath.Join(out+".partial", stateFile)); err != nil {
				t.Errorf("refused resume touched the partial directory: %v", err)
			}
		})
	}
}

// copyFiles copies the regular files of src into a new directory dst.
func copyFiles(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range listDir(t, src) {
		b, err := os.ReadFile(filepath.Join(src, n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestResumeWithoutState covers a partial directory a run killed before it
// wrote its state left: refused without Resume, started over with it.
func TestResumeWithoutState(t *testing.T) {
	in, ref := reference(t)
	out := filepath.Join(t.TempDir(), "out")
	if err := os.MkdirAll(out+".partial", 0o755); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(out+".partial", upg.ShardName(1, 3))
	if err := os.WriteFile(junk, []byte("half a shard"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Convert(context.Background(), in, quick(out))
	if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), out+".partial") {
		t.Fatalf("without Resume: err %v, want ErrExists naming the partial directory", err)
	}
	o := quick(out)
	o.Resume = true
	rep, err := Convert(context.Background(), in, o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Conversion.Resumed {
		t.Error("a run that found no state says it resumed")
	}
	sameOutput(t, ref, out)
}

// TestResumeNothingToResume checks Resume on a fresh output is an ordinary
// conversion.
func TestResumeNothingToResume(t *testing.T) {
	in, ref := reference(t)
	out := filepath.Join(t.TempDir(), "out")
	o := quick(out)
	o.Resume = true
	if _, err := Convert(context.Background(), in, o); err != nil {
		t.Fatal(err)
	}
	sameOutput(t, ref, out)
	if _, err := Convert(context.Background(), in, o); !errors.Is(err, ErrExists) {
		t.Errorf("converting into an existing output with Resume: err %v, want ErrExists", err)
	}
}
