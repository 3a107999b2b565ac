package safetensors

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"unicode/utf8"
)

// WriterOptions tunes the writer.
type WriterOptions struct {
	// Align makes the data region start at a multiple of Align bytes by
	// padding the header JSON with trailing spaces, as the reference writer
	// does (it uses 8). Zero means 8; at most 1 MiB.
	Align int
}

// maxAlign bounds WriterOptions.Align.
const maxAlign = 1 << 20

// Writer streams a safetensors file: the header is written by NewWriter and
// then each tensor's bytes, in the order given, by WriteTensor. The output
// depends only on the inputs, so equal inputs give identical files.
type Writer struct {
	w       io.Writer
	tensors []TensorInfo
	next    int
	err     error
}

// NewWriter validates the tensor list (known dtypes, non-negative shapes,
// unique valid UTF-8 names, none named "__metadata__"), computes each tensor's
// Begin and End from the list order, and writes the header to w. Only Name,
// DType and Shape of the given TensorInfo values are used.
func NewWriter(w io.Writer, tensors []TensorInfo, metadata map[string]string, opts WriterOptions) (*Writer, error) {
	hdr, layout, err := buildHeader(tensors, metadata, opts)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(hdr); err != nil {
		return nil, fmt.Errorf("safetensors: writing header: %w", err)
	}
	return &Writer{w: w, tensors: layout}, nil
}

// Tensors returns the layout being written: the tensors in data order with
// Begin and End filled in. The caller must not modify it.
func (w *Writer) Tensors() []TensorInfo { return w.tensors }

// WriteTensor writes the bytes of the next tensor. name must be the next
// tensor in order and data exactly its byte size. After a failed write every
// later call returns the same error.
func (w *Writer) WriteTensor(name string, data []byte) error {
	if w.err != nil {
		return w.err
	}
	if w.next >= len(w.tensors) {
		return fmt.Errorf("safetensors: tensor %q written after all %d tensors", name, len(w.tensors))
	}
	t := w.tensors[w.next]
	if name != t.Name {
		return fmt.Errorf("safetensors: tensor %q written out of order, expected %q", name, t.Name)
	}
	if int64(len(data)) != t.End-t.Begin {
		return fmt.Errorf("safetensors: tensor %q: got %d bytes, want %d", name, len(data), t.End-t.Begin)
	}
	if _, err := w.w.Write(data); err != nil {
		w.err = fmt.Errorf("safetensors: writing tensor %q: %w", name, err)
		return w.err
	}
	w.next++
	return nil
}

// Close checks that every tensor was written. It does not close the
// underlying writer.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	if w.next < len(w.tensors) {
		return fmt.Errorf("safetensors: closed after %d of %d tensors; %q not written", w.next, len(w.tensors), w.tensors[w.next].Name)
	}
	return nil
}

// buildHeader returns the 8-byte length plus the padded JSON header, and the
// tensors with offsets computed.
func buildHeader(tensors []TensorInfo, metadata map[string]string, opts WriterOptions) ([]byte, []TensorInfo, error) {
	align := opts.Align
	if align == 0 {
		align = 8
	}
	if align < 1 || align > maxAlign {
		return nil, nil, fmt.Errorf("safetensors: alignment %d outside [1, %d]", align, maxAlign)
	}
	var js bytes.Buffer
	js.WriteByte('{')
	if len(metadata) > 0 {
		quote(&js, metadataKey)
		js.WriteString(":{")
		for i, k := range slices.Sorted(maps.Keys(metadata)) {
			if !utf8.ValidString(k) || !utf8.ValidString(metadata[k]) {
				return nil, nil, fmt.Errorf("safetensors: metadata %q: not valid UTF-8", k)
			}
			if i > 0 {
				js.WriteByte(',')
			}
			quote(&js, k)
			js.WriteByte(':')
			quote(&js, metadata[k])
		}
		js.WriteByte('}')
	}
	layout := make([]TensorInfo, len(tensors))
	seen := make(map[string]bool, len(tensors))
	var off int64
	for i, t := range tensors {
		switch {
		case t.Name == metadataKey:
			return nil, nil, fmt.Errorf("safetensors: tensor name %q is reserved", t.Name)
		case !utf8.ValidString(t.Name):
			return nil, nil, fmt.Errorf("safetensors: tensor name %q is not valid UTF-8", t.Name)
		case seen[t.Name]:
			return nil, nil, fmt.Errorf("safetensors: tensor %q: %w", t.Name, ErrDuplicateName)
		case t.DType.Size() == 0:
			return nil, nil, fmt.Errorf("safetensors: tensor %q: %w: %q", t.Name, ErrUnknownDType, t.DType)
		}
		seen[t.Name] = true
		n, ok := byteSize(t.DType, t.Shape)
		if !ok || n > math.MaxInt64-off {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: shape %v of %s is negative or too large", t.Name, t.Shape, t.DType)
		}
		layout[i] = TensorInfo{Name: t.Name, DType: t.DType, Shape: slices.Clone(t.Shape), Begin: off, End: off + n}
		if layout[i].Shape == nil {
			layout[i].Shape = []int64{}
		}
		off += n
		if js.Len() > 1 {
			js.WriteByte(',')
		}
		quote(&js, t.Name)
		fmt.Fprintf(&js, `:{"dtype":%q,"shape":[`, string(t.DType))
		for j, d := range t.Shape {
			if j > 0 {
				js.WriteByte(',')
			}
			fmt.Fprint(&js, d)
		}
		fmt.Fprintf(&js, `],"data_offsets":[%d,%d]}`, layout[i].Begin, layout[i].End)
	}
	js.WriteByte('}')
	for (8+js.Len())%align != 0 {
		js.WriteByte(' ')
	}
	if js.Len() > MaxHeaderSize {
		return nil, nil, fmt.Errorf("safetensors: %w: %d bytes (limit %d)", ErrHeaderTooLarge, js.Len(), MaxHeaderSize)
	}
	out := make([]byte, 8, 8+js.Len())
	binary.LittleEndian.PutUint64(out, uint64(js.Len()))
	return append(out, js.Bytes()...), layout, nil
}

// quote appends s as a JSON string without HTML escaping.
func quote(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)           // encoding a string into a bytes.Buffer cannot fail
	buf.Truncate(buf.Len() - 1) // drop Encode's newline
}

// WriteFile writes a complete safetensors file with tensors[i]'s bytes taken
// from data[i]. It writes to a temporary file in the same directory, syncs it
// and renames it over path, so path never holds a partial file.
func WriteFile(path string, tensors []TensorInfo, data [][]byte, metadata map[string]string, opts WriterOptions) (err error) {
	if len(data) != len(tensors) {
		return fmt.Errorf("safetensors: writing %s: %d tensors but %d data slices", path, len(tensors), len(data))
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, base+".tmp-*")
	if err != nil {
		return fmt.Errorf("safetensors: writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	w, err := NewWriter(bw, tensors, metadata, opts)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	for i, t := range w.Tensors() {
		if err := w.WriteTensor(t.Name, data[i]); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	err = errors.Join(w.Close(), bw.Flush(), tmp.Chmod(0o644), tmp.Sync())
	if err != nil {
		return fmt.Errorf("safetensors: writing %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("safetensors: writing %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("safetensors: writing %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename durable where the platform allows it; failures are
// ignored because some systems cannot sync directories.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
