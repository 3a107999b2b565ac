package upg

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readNPY reads a 2-D little-endian float32 .npy file (format 1.0).
func readNPY(path string) (v []float32, rows, cols int, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, 0, err
	}
	if len(b) < 10 || string(b[:8]) != "\x93NUMPY\x01\x00" {
		return nil, 0, 0, fmt.Errorf("%s: not a .npy 1.0 file", path)
	}
	n := 10 + int(binary.LittleEndian.Uint16(b[8:]))
	if n > len(b) {
		return nil, 0, 0, fmt.Errorf("%s: truncated header", path)
	}
	hdr := string(b[10:n])
	if !strings.Contains(hdr, "'descr': '<f4'") || !strings.Contains(hdr, "'fortran_order': False") {
		return nil, 0, 0, fmt.Errorf("%s: unsupported header %q", path, hdr)
	}
	if _, err := fmt.Sscanf(hdr[strings.Index(hdr, "'shape': ("):], "'shape': (%d, %d)", &rows, &cols); err != nil {
		return nil, 0, 0, fmt.Errorf("%s: shape: %w", path, err)
	}
	if len(b)-n != 4*rows*cols {
		return nil, 0, 0, fmt.Errorf("%s: %d data bytes for %dx%d", path, len(b)-n, rows, cols)
	}
	v = make([]float32, rows*cols)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[n+4*i:]))
	}
	return v, rows, cols, nil
}

// TestConformance decodes the committed vectors (written by
// gen_conformance.go) and compares them bit-exactly with the expected
// values.
func TestConformance(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "conformance", "*.upg"))
	if err != nil || len(files) < 6 {
		t.Fatalf("conformance vectors: %v %v", files, err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := f.Verify(); err != nil {
				t.Fatal(err)
			}
			want, rows, cols, err := readNPY(strings.TrimSuffix(path, ".upg") + ".npy")
			if err != nil {
				t.Fatal(err)
			}
			e, err := f.Encoded("weight")
			if err != nil {
				t.Fatal(err)
			}
			if e.Rows != rows || e.Cols != cols {
				t.Fatalf("shape %dx%d, expected values %dx%d", e.Rows, e.Cols, rows, cols)
			}
			got := decodeAll(t, e)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("value %d (row %d, col %d) = %v, want %v", i, i/cols, i%cols, got[i], want[i])
				}
			}
		})
	}
}
