package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/upgtools/upg/engine"
	"github.com/upgtools/upg/internal/modeltest"
	"github.com/upgtools/upg/model"
	"github.com/upgtools/upg/models/stories260k"
	"github.com/upgtools/upg/safetensors"
	"github.com/upgtools/upg/upg"

	"github.com/upgtools/upg/convert"
)

// The converted stories260K (about 6:1, five shards) shared by the tests.
var (
	convOnce        sync.Once
	convIn, convOut string
	convErr         error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if convIn != "" {
		os.RemoveAll(filepath.Dir(convIn))
	}
	os.Exit(code)
}

// converted returns the original and the converted directory (read-only:
// tests that damage it work on a copy).
func converted(t *testing.T) (in, out string) {
	t.Helper()
	convOnce.Do(func() {
		dir, err := os.MkdirTemp("", "upg-verify-*")
		if err != nil {
			convErr = err
			return
		}
		convIn, convOut = filepath.Join(dir, "in"), filepath.Join(dir, "out")
		if convErr = stories260k.WriteTo(convIn); convErr != nil {
			return
		}
		_, convErr = convert.Convert(context.Background(), convIn, convert.Options{Out: convOut, Ratio: 6,
			Calib: convert.CalibDiag, CalibTokens: 512, Sensitivity: convert.SensPrior, ShardBytes: 20 << 10, Threads: 2})
	})
	if convErr != nil {
		t.Fatalf("converting stories260K: %v", convErr)
	}
	return convIn, convOut
}

var quickOpts = Options{MinRatio: 5, MaxTok: 64, Threads: 2}

func checkNames(r *Report) []string {
	var out []string
	for _, c := range r.Checks {
		out = append(out, c.Name)
	}
	return out
}

func TestRunPass(t *testing.T) {
	in, out := converted(t)
	tests := []struct {
		name  string
		opts  Options
		check []string
	}{
		{name: "integrity", opts: quickOpts, check: []string{"open", "checksums", "decode", "ratio", "metadata.json", "load", "text", "runs"}},
		{name: "against", opts: Options{Against: in, MinRatio: 5, MaxTok: 64, MaxKL: 50, MinTop1: 0.01, Threads: 2},
			check: []string{"open", "checksums", "decode", "ratio", "metadata.json", "load", "text", "original", "tensors", "tensor error", "original loads", "quality"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Run(context.Background(), out, tt.opts)
			if err != nil || !r.Pass {
				t.Fatalf("Run: %v, checks %+v", err, r.Checks)
			}
			if !slices.Equal(checkNames(r), tt.check) {
				t.Errorf("checks %v, want %v", checkNames(r), tt.check)
			}
			if r.Ratio < 5.5 || r.Ratio > 7 || r.Params != 260032 {
				t.Errorf("ratio %.3f params %d", r.Ratio, r.Params)
			}
			if tt.opts.Against != "" {
				if len(r.Tensors) != 47 || r.Quality == nil || r.Quality.Scored == 0 || r.Verdict == "" {
					t.Errorf("against: %d tensors, quality %+v verdict %q", len(r.Tensors), r.Quality, r.Verdict)
				}
			} else if !(r.PPL > 1) {
				t.Errorf("perplexity %v", r.PPL)
			}
			if _, err := json.Marshal(r); err != nil {
				t.Errorf("report does not marshal: %v", err)
			}
		})
	}
}

// TestThresholds checks figures outside a threshold fail with ErrThreshold.
func TestThresholds(t *testing.T) {
	in, out := converted(t)
	tests := []struct {
		name  string
		opts  Options
		check string
	}{
		{name: "min ratio", opts: Options{MinRatio: 8, MaxTok: 32, Threads: 2}, check: "ratio"},
		{name: "max kl", opts: Options{Against: in, MinRatio: -1, MaxTok: 32, MaxKL: 1e-9, Threads: 2}, check: "quality"},
		{name: "min top1", opts: Options{Against: in, MinRatio: -1, MaxTok: 32, MinTop1: 1.01, Threads: 2}, check: "quality"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Run(context.Background(), out, tt.opts)
			if !errors.Is(err, ErrThreshold) || r.Pass {
				t.Fatalf("err %v pass %v, want ErrThreshold", err, r.Pass)
			}
			var failed []string
			for _, c := range r.Checks {
				if !c.OK {
					failed = append(failed, c.Name)
				}
			}
			if !slices.Equal(failed, []string{tt.check}) {
				t.Errorf("failed checks %v, want [%s]", failed, tt.check)
			}
		})
	}
}

// rewriteShard re-writes a .upg file after edit changed its metadata or
// tensor list, keeping the offsets valid.
func rewriteShard(t *testing.T, path string, edit func(meta map[string]string, ts []safetensors.TensorInfo, data [][]byte) ([]safetensors.TensorInfo, [][]byte)) {
	t.Helper()
	st, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	meta := map[string]string{}
	for k, v := range st.Header().Metadata {
		meta[k] = v
	}
	var ts []safetensors.TensorInfo
	var data [][]byte
	for _, ti := range st.Header().Tensors {
		_, d, _ := st.Tensor(ti.Name)
		ts = append(ts, ti)
		data = append(data, bytes.Clone(d))
	}
	st.Close()
	ts, data = edit(meta, ts, data)
	if err := safetensors.WriteFile(path, ts, data, meta, safetensors.WriterOptions{Align: upg.Align}); err != nil {
		t.Fatal(err)
	}
}

// target is the tensor the damage tests pick: an encoded matrix of the
// second shard.
const target = "model.layers.1.mlp.gate_proj.weight"

// targetShard returns the shard of dir holding target.
func targetShard(t *testing.T, dir string) string {
	t.Helper()
	d, err := upg.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Entry(target) == nil || d.Entry(target).Kind != upg.KindEncoded {
		t.Fatalf("%s is not an encoded tensor of %s", target, dir)
	}
	return d.FileOf(target)
}

// flipCode flips a byte in the middle of target's largest blob and returns
// the stored tensor's name.
func flipCode(t *testing.T, dir string) (file, stored string) {
	t.Helper()
	file = targetShard(t, dir)
	f, err := upg.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	var blob string
	var n int64
	for b, info := range f.Entry(target).Blobs {
		if info.Len > n {
			blob, n = b, info.Len
		}
	}
	f.Close()
	stored = target + "." + blob
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	h, err := safetensors.ParseHeader(raw, int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	for _, ti := range h.Tensors {
		if ti.Name == stored {
			raw[h.DataOffset+ti.Begin+n/2] ^= 0x21
		}
	}
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return file, stored
}

func editIndex(t *testing.T, dir string, edit func(idx *upg.Index)) {
	t.Helper()
	p := filepath.Join(dir, upg.IndexFile)
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var idx upg.Index
	if err := json.Unmarshal(raw, &idx); err != nil {
		t.Fatal(err)
	}
	edit(&idx)
	if raw, err = json.Marshal(idx); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCorrupt damages the converted directory; verify.Run and engine.Load
// must both refuse it with an error naming the file and, where one is
// concerned, the tensor.
func TestCorrupt(t *testing.T) {
	_, good := converted(t)
	tests := []struct {
		name string
		// damage returns the file and tensor the errors must name ("": none).
		damage func(t *testing.T, dir string) (file, tensor string)
		want   error
		check  string // the verify check that fails
	}{
		{name: "flipped code byte", damage: flipCode, want: upg.ErrChecksum, check: "checksums"},
		{name: "truncated shard", damage: func(t *testing.T, dir string) (string, string) {
			file := targetShard(t, dir)
			st, err := os.Stat(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(file, st.Size()-100); err != nil {
				t.Fatal(err)
			}
			return file, ""
		}, want: safetensors.ErrTruncated, check: "open"},
		{name: "format version", damage: func(t *testing.T, dir string) (string, string) {
			file := targetShard(t, dir)
			rewriteShard(t, file, func(m map[string]string, ts []safetensors.TensorInfo, d [][]byte) ([]safetensors.TensorInfo, [][]byte) {
				m[upg.KeyVersion] = "9"
				return ts, d
			})
			return file, ""
		}, want: upg.ErrVersion, check: "open"},
		{name: "tensor missing from shard", damage: func(t *testing.T, dir string) (string, string) {
			file := targetShard(t, dir)
			rewriteShard(t, file, func(m map[string]string, ts []safetensors.TensorInfo, d [][]byte) ([]safetensors.TensorInfo, [][]byte) {
				delete(m, upg.KeyTensor+target)
				var kt []safetensors.TensorInfo
				var kd [][]byte
				for i := range ts {
					if !strings.HasPrefix(ts[i].Name, target+".") {
						kt, kd = append(kt, ts[i]), append(kd, d[i])
					}
				}
				return kt, kd
			})
			return file, target
		}, want: upg.ErrMissing, check: "open"},
		{name: "tensor missing from index", damage: func(t *testing.T, dir string) (string, string) {
			file := targetShard(t, dir)
			editIndex(t, dir, func(idx *upg.Index) { delete(idx.WeightMap, target) })
			return file, target
		}, want: upg.ErrLayout, check: "open"},
		{name: "tensor missing from both", damage: func(t *testing.T, dir string) (string, string) {
			file := targetShard(t, dir)
			rewriteShard(t, file, func(m map[string]string, ts []safetensors.TensorInfo, d [][]byte) ([]safetensors.TensorInfo, [][]byte) {
				delete(m, upg.KeyTensor+target)
				var kt []safetensors.TensorInfo
				var kd [][]byte
				for i := range ts {
					if !strings.HasPrefix(ts[i].Name, target+".") {
						kt, kd = append(kt, ts[i]), append(kd, d[i])
					}
				}
				return kt, kd
			})
			var total int64
			editIndex(t, dir, func(idx *upg.Index) {
				delete(idx.WeightMap, target)
				ents, _ := os.ReadDir(dir)
				for _, e := range ents {
					if strings.HasSuffix(e.Name(), ".upg") {
						st, _ := os.Stat(filepath.Join(dir, e.Name()))
						total += st.Size()
					}
				}
				idx.Metadata.TotalSize = total
			})
			return "", target
		}, want: upg.ErrMissing, check: "load"},
		{name: "missing shard file", damage: func(t *testing.T, dir string) (string, string) {
			file := targetShard(t, dir)
			if err := os.Remove(file); err != nil {
				t.Fatal(err)
			}
			return file, ""
		}, want: upg.ErrMissing, check: "open"},
		{name: "wrong total_size", damage: func(t *testing.T, dir string) (string, string) {
			editIndex(t, dir, func(idx *upg.Index) { idx.Metadata.TotalSize -= 64 })
			return filepath.Join(dir, upg.IndexFile), ""
		}, want: upg.ErrLayout, check: "open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := modeltest.CopyDir(t, good)
			file, tensor := tt.damage(t, dir)
			names := func(what string, err error) {
				t.Helper()
				if !errors.Is(err, tt.want) {
					t.Errorf("%s: err %v, want %v", what, err, tt.want)
				}
				if err != nil && file != "" && !strings.Contains(err.Error(), file) {
					t.Errorf("%s: error %q does not name %s", what, err, file)
				}
				if err != nil && tensor != "" && !strings.Contains(err.Error(), tensor) {
					t.Errorf("%s: error %q does not name %s", what, err, tensor)
				}
			}
			r, err := Run(context.Background(), dir, quickOpts)
			if err == nil || r.Pass {
				t.Fatalf("verify passed: %+v", r.Checks)
			}
			var failed []Check
			for _, c := range r.Checks {
				if !c.OK {
					failed = append(failed, c)
				}
			}
			i := slices.IndexFunc(failed, func(c Check) bool { return c.Name == tt.check })
			switch {
			case i < 0:
				t.Errorf("check %q did not fail: %+v", tt.check, r.Checks)
			case i == 0:
				names("verify", err)
			default: // an earlier check failed too: the expected one must still locate the damage
				for _, s := range []string{file, tensor} {
					if !strings.Contains(failed[i].Detail, s) {
						t.Errorf("check %s: %q does not name %q", tt.check, failed[i].Detail, s)
					}
				}
			}
			l, err := engine.Load(dir, model.Options{Threads: 2})
			if err == nil {
				l.Close()
				t.Fatal("engine.Load accepted the directory")
			}
			names("engine.Load", err)
		})
	}
}

// TestMetadataMismatch checks the sizes in metadata.json are compared with
// the files.
func TestMetadataMismatch(t *testing.T) {
	_, good := converted(t)
	dir := modeltest.CopyDir(t, good)
	p := filepath.Join(dir, upg.MetaFile)
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m["upg_bytes"] = 12345
	if raw, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Run(context.Background(), dir, quickOpts)
	if err == nil || r.Pass || !strings.Contains(err.Error(), "12345") {
		t.Fatalf("err %v pass %v", err, r.Pass)
	}
}
