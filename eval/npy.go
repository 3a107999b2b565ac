package eval

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// LogprobWriter streams a [rows, cols] float32 .npy array (NumPy format
// version 1.0, little-endian) to a temporary file and renames it into place
// on Close, with a JSON sidecar beside it (FILE.json for FILE.npy).
type LogprobWriter struct {
	path, tmp  string
	f          *os.File
	w          *bufio.Writer
	rows, cols int
	written    int
	buf        []byte
}

// NewLogprobWriter creates path for rows×cols values.
func NewLogprobWriter(path string, rows, cols int) (*LogprobWriter, error) {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", path, err)
	}
	lw := &LogprobWriter{path: path, tmp: f.Name(), f: f, w: bufio.NewWriterSize(f, 1<<20), rows: rows, cols: cols, buf: make([]byte, 4*cols)}
	header := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }", rows, cols)
	// Pad so that magic(6)+version(2)+len(2)+header+'\n' is a multiple of 64.
	total := 10 + len(header) + 1
	header += strings.Repeat(" ", (64-total%64)%64) + "\n"
	lw.w.WriteString("\x93NUMPY\x01\x00")
	binary.Write(lw.w, binary.LittleEndian, uint16(len(header)))
	lw.w.WriteString(header)
	return lw, nil
}

// Write appends one row.
func (lw *LogprobWriter) Write(row []float32) error {
	if len(row) != lw.cols || lw.written >= lw.rows {
		return fmt.Errorf("%s: row %d of %d values, want at most %d rows of %d", lw.path, lw.written, len(row), lw.rows, lw.cols)
	}
	for i, v := range row {
		binary.LittleEndian.PutUint32(lw.buf[4*i:], math.Float32bits(v))
	}
	lw.written++
	_, err := lw.w.Write(lw.buf)
	return err
}

// Close checks every row was written, writes the sidecar and renames the
// file into place. On error nothing is left under the final names.
func (lw *LogprobWriter) Close(sidecar any) error {
	err := lw.w.Flush()
	if err == nil && lw.written != lw.rows {
		err = fmt.Errorf("%s: wrote %d rows of %d", lw.path, lw.written, lw.rows)
	}
	if cerr := lw.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		var js []byte
		if js, err = json.MarshalIndent(sidecar, "", " "); err == nil {
			err = os.WriteFile(strings.TrimSuffix(lw.path, ".npy")+".json", js, 0o644)
		}
	}
	if err == nil {
		err = os.Rename(lw.tmp, lw.path)
	}
	if err != nil {
		os.Remove(lw.tmp)
	}
	return err
}

// Abort removes the partial file.
func (lw *LogprobWriter) Abort() {
	lw.f.Close()
	os.Remove(lw.tmp)
}
