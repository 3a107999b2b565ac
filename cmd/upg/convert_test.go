package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upgtools/upg/convert"
	"github.com/upgtools/upg/internal/modeltest"
	"github.com/upgtools/upg/safetensors"
	"github.com/upgtools/upg/upg"
	"github.com/upgtools/upg/verify"
)

// run2 runs the CLI with stdout and stderr kept apart.
func run2(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	root := newRoot()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	err = root.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

// fastConvert are flags that convert the embedded stories260K in about a
// second.
var fastConvert = []string{"--ratio", "6", "--calib", "diag", "--calib-tokens", "512", "--sensitivity", "prior", "--check-tokens", "64", "-t", "2"}

// TestConvertVerifyCLI converts the embedded model, checks the printed
// report, refuses an existing output, then verifies the result: passing,
// as JSON, below --min-ratio and after damage.
func TestConvertVerifyCLI(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	stdout, stderr, err := run2(t, append([]string{"convert", "-o", out}, fastConvert...)...)
	if err != nil {
		t.Fatalf("convert: %v\n%s\n%s", err, stdout, stderr)
	}
	for _, want := range []string{"converted ", "→ " + out, "size: 260032 params", "ratio ", "calibration: diag", "self-check", "verdict: "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "calibrating") {
		t.Errorf("no log lines on stderr:\n%s", stderr)
	}
	if !upg.IsDir(out) {
		t.Fatalf("%s holds no UPG weights", out)
	}
	before, _ := os.ReadFile(filepath.Join(out, upg.MetaFile))

	_, _, err = run2(t, append([]string{"convert", "-o", out}, fastConvert...)...)
	if !errors.Is(err, convert.ErrExists) {
		t.Errorf("converting into an existing -o: err %v, want ErrExists", err)
	}
	if after, _ := os.ReadFile(filepath.Join(out, upg.MetaFile)); !bytes.Equal(before, after) {
		t.Error("a refused conversion changed the existing output")
	}

	t.Run("verify", func(t *testing.T) { verifyCLI(t, out) })
}

func verifyCLI(t *testing.T, out string) {
	stdout, _, err := run2(t, "verify", out, "--min-ratio", "5", "--max-tokens", "32", "-t", "2")
	if err != nil || !strings.HasSuffix(stdout, "PASS\n") || strings.Contains(stdout, "FAIL") {
		t.Fatalf("verify: %v\n%s", err, stdout)
	}
	for _, c := range []string{"open", "checksums", "decode", "ratio", "load", "runs"} {
		if !strings.Contains(stdout, "PASS  "+c) {
			t.Errorf("no PASS line for %s:\n%s", c, stdout)
		}
	}

	stdout, _, err = run2(t, "verify", out, "--min-ratio", "5", "--max-tokens", "32", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep verify.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, stdout)
	}
	if !rep.Pass || rep.Params != 260032 || rep.Ratio < 5 || len(rep.Checks) == 0 {
		t.Errorf("JSON report %+v", rep)
	}

	stdout, _, err = run2(t, "verify", out, "--min-ratio", "8", "--max-tokens", "32")
	if !errors.Is(err, verify.ErrThreshold) || !strings.Contains(stdout, "FAIL  ratio") || !strings.HasSuffix(stdout, "FAIL\n") {
		t.Errorf("--min-ratio 8: err %v\n%s", err, stdout)
	}
	stdout, _, err = run2(t, "verify", out, "--min-ratio", "8", "--max-tokens", "32", "--json")
	if err == nil || json.Unmarshal([]byte(stdout), &rep) != nil || rep.Pass {
		t.Errorf("--min-ratio 8 --json: err %v pass %v\n%s", err, rep.Pass, stdout)
	}

	bad := damagedCopy(t, out)
	stdout, _, err = run2(t, "verify", bad, "--min-ratio", "5")
	if !errors.Is(err, upg.ErrChecksum) || !strings.Contains(stdout, "FAIL  checksums") || !strings.HasSuffix(stdout, "FAIL\n") {
		t.Errorf("damaged copy: err %v\n%s", err, stdout)
	}
	if _, _, err := run2(t, "verify", filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("verify of a missing directory succeeded")
	}
}

// damagedCopy copies dir and flips a byte of the first stored blob of an
// encoded tensor.
func damagedCopy(t *testing.T, dir string) string {
	t.Helper()
	dst := modeltest.CopyDir(t, dir)
	ents, err := os.ReadDir(dst)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".upg") {
			continue
		}
		path := filepath.Join(dst, e.Name())
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		h, err := safetensors.ParseHeader(b, int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		for _, ti := range h.Tensors {
			if strings.HasSuffix(ti.Name, ".weight.codes") {
				b[h.DataOffset+ti.Begin+1] ^= 0x80
				break
			}
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}
