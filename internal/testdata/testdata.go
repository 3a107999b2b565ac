// Package testdata locates the project's shared real test data (models,
// tokenizers, texts) that lives beside the repository in ../shared/testdata,
// or wherever UPG_TESTDATA points.
package testdata

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the shared testdata directory. When it cannot be found the test
// is skipped, except under CI (CI=true), where a missing directory fails it.
func Dir(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv("UPG_TESTDATA"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatalf("testdata: %v", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			td := filepath.Join(d, "..", "shared", "testdata")
			if _, err := os.Stat(td); err == nil {
				return td
			}
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if os.Getenv("CI") != "" {
		tb.Fatalf("testdata: ../shared/testdata not found (set UPG_TESTDATA)")
	}
	tb.Skip("testdata: ../shared/testdata not found (set UPG_TESTDATA)")
	return ""
}

// Path joins elem onto Dir.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	return filepath.Join(append([]string{Dir(tb)}, elem...)...)
}
