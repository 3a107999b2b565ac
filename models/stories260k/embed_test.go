package stories260k

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/upgtools/upg/importer"
	"github.com/upgtools/upg/internal/testdata"
)

// TestEmbeddedMatchesFreshImport keeps the committed files from drifting: a
// fresh import of the shared checkpoint must give the same bytes. When it
// fails, run `go generate ./models/stories260k` and commit the result.
func TestEmbeddedMatchesFreshImport(t *testing.T) {
	src := testdata.Path(t, "models", "stories260K")
	out := filepath.Join(t.TempDir(), "hf")
	err := importer.FromLlama2C(context.Background(), filepath.Join(src, "stories260K.bin"),
		filepath.Join(src, "tok512.bin"), out, importer.Options{DType: "F32"})
	if err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var fresh []string
	for _, e := range ents {
		fresh = append(fresh, e.Name())
	}
	if !slices.Equal(fresh, fileNames) {
		t.Fatalf("fresh import has %v, embedded %v", fresh, fileNames)
	}
	for _, name := range fileNames {
		want, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := fs.ReadFile(FS(), name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: embedded copy (%d bytes) differs from a fresh import (%d bytes); run go generate ./models/stories260k", name, len(got), len(want))
		}
	}
}

func TestWriteTo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	if err := WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range fileNames {
		want, err := fs.ReadFile(FS(), name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 || !bytes.Equal(got, want) {
			t.Errorf("%s: written %d bytes, embedded %d", name, len(got), len(want))
		}
	}
	if err := WriteTo(filepath.Join(dir, "config.json", "x")); err == nil {
		t.Error("WriteTo under a file succeeded")
	}
}
