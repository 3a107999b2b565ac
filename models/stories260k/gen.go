//go:build ignore

// gen.go regenerates this directory's model files by importing the shared
// llama2.c checkpoint with package importer:
//
//	go generate ./models/stories260k
//
// The checkpoint is read from $UPG_TESTDATA/models/stories260K, or from
// ../shared/testdata next to the repository root.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/upgtools/upg/importer"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run() error {
	src, err := sourceDir()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "stories260k-gen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "hf")
	err = importer.FromLlama2C(context.Background(), filepath.Join(src, "stories260K.bin"),
		filepath.Join(src, "tok512.bin"), out, importer.Options{DType: "F32"})
	if err != nil {
		return err
	}
	ents, err := os.ReadDir(out)
	if err != nil {
		return err
	}
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(out, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(e.Name(), data, 0o644); err != nil {
			return err
		}
		fmt.Printf("wrote %s (%d bytes)\n", e.Name(), len(data))
	}
	return nil
}

// sourceDir finds the shared stories260K directory.
func sourceDir() (string, error) {
	root := os.Getenv("UPG_TESTDATA")
	if root == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				root = filepath.Join(d, "..", "shared", "testdata")
				break
			}
			if filepath.Dir(d) == d {
				return "", fmt.Errorf("no go.mod above %s; set UPG_TESTDATA", wd)
			}
		}
	}
	dir := filepath.Join(root, "models", "stories260K")
	if _, err := os.Stat(filepath.Join(dir, "stories260K.bin")); err != nil {
		return "", fmt.Errorf("stories260K.bin not found (set UPG_TESTDATA): %w", err)
	}
	return dir, nil
}
