package stories260k

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

//go:generate go run gen.go

//go:embed config.json generation_config.json model.safetensors tokenizer.json tokenizer_config.json
var files embed.FS

// fileNames lists the embedded model files.
var fileNames = []string{"config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"}

// FS returns the model directory as a read-only file system with the files
// at its root.
func FS() fs.FS { return files }

// WriteTo writes the model files into dir, creating it if needed, so that
// the normal directory loader can open it. Files of the same names in dir
// are replaced; other files are left alone.
func WriteTo(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("stories260k: %w", err)
	}
	for _, name := range fileNames {
		data, err := files.ReadFile(name)
		if err != nil {
			return fmt.Errorf("stories260k: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("stories260k: writing %s: %w", dir, err)
		}
	}
	return nil
}
