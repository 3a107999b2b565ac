package upg

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/upgtools/upg/codec"
	"github.com/upgtools/upg/safetensors"
)

// Options tunes a Writer.
type Options struct {
	// Metadata holds extra "__metadata__" entries (for example the tool
	// version). Keys must not be "format", "format_version" or start with
	// "upg.".
	Metadata map[string]string
}

// Writer writes one .upg file. Tensors are added one at a time, in the
// order they will appear in the file. Each Add call writes the tensor's
// bytes at once to a spool file next to the output, so memory stays bounded
// by the tensor being added; Close writes the safetensors header (which
// holds every checksum, known only at the end), appends the spooled data
// region and renames the result into place. Until Close succeeds only
// files named "<path>.tmp-*" and "<path>.spool-*" exist; Abort (or a
// failed Close) removes them.
type Writer struct {
	path    string
	tmp     *os.File // final file under a temporary name
	spool   *os.File // data region
	bw      *bufio.Writer
	off     int64
	tensors []safetensors.TensorInfo
	meta    map[string]string
	used    map[string]bool // stored and original names
	err     error
	done    bool
}

// Create starts writing the file at path.
func Create(path string, opts Options) (*Writer, error) {
	meta := map[string]string{KeyFormat: FormatName, KeyVersion: FormatVersion}
	for k, v := range opts.Metadata {
		if k == KeyFormat || k == KeyVersion || strings.HasPrefix(k, "upg.") {
			return nil, fmt.Errorf("upg: creating %s: metadata key %q is reserved: %w", path, k, ErrInvalid)
		}
		meta[k] = v
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("upg: creating %s: %w", path, err)
	}
	spool, err := os.CreateTemp(dir, base+".spool-*")
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("upg: creating %s: %w", path, err)
	}
	return &Writer{path: path, tmp: tmp, spool: spool, bw: bufio.NewWriterSize(spool, 1<<20),
		meta: meta, used: map[string]bool{}}, nil
}

// fail records err (wrapped with the path and tensor), aborts the file and
// returns the wrapped error.
func (w *Writer) fail(tensor string, err error) error {
	w.err = &Error{Path: w.path, Tensor: tensor, Offset: -1, Err: err}
	w.Abort()
	return w.err
}

func (w *Writer) check(name string, stored []string) error {
	if w.done || w.err != nil {
		return fmt.Errorf("upg: writing %s: tensor %q added after Close, Abort or an error", w.path, name)
	}
	if name == "" {
		return w.fail(name, fmt.Errorf("%w: empty tensor name", ErrInvalid))
	}
	for _, n := range append([]string{name}, stored...) {
		if w.used[n] {
			return w.fail(name, fmt.Errorf("%w: name %q already used in this file", ErrInvalid, n))
		}
	}
	return nil
}

// putBlob spools data, padded with zeros to a multiple of Align, as a U8
// tensor.
func (w *Writer) putBlob(name string, data []byte) error {
	n := int64(len(data))
	w.tensors = append(w.tensors, safetensors.TensorInfo{Name: name, DType: safetensors.U8, Shape: []int64{padTo(n)}})
	w.used[name] = true
	if _, err := w.bw.Write(data); err != nil {
		return err
	}
	var zeros [Align]byte
	if _, err := w.bw.Write(zeros[:padTo(n)-n]); err != nil {
		return err
	}
	w.off += padTo(n)
	return nil
}

// AddEncoded stores an encoded tensor: each blob (in sorted blob-name
// order) as a U8 tensor "<name>.<blob>". e is validated first.
func (w *Writer) AddEncoded(name string, e *codec.Encoded) error {
	if e == nil {
		return w.fail(name, fmt.Errorf("%w: nil encoded tensor", ErrInvalid))
	}
	blobs := slices.Sorted(maps.Keys(e.Blobs))
	stored := make([]string, len(blobs))
	for i, b := range blobs {
		stored[i] = name + "." + b
	}
	if err := w.check(name, stored); err != nil {
		return err
	}
	if err := e.Validate(); err != nil {
		return w.fail(name, err)
	}
	c, err := codec.ByID(e.Codec)
	if err != nil {
		return w.fail(name, err)
	}
	ent := &Entry{Kind: KindEncoded, Shape: []int64{int64(e.Rows), int64(e.Cols)}, Codec: c.Name, CodecID: c.ID,
		Params: json.RawMessage(e.Params.JSON()), Blobs: map[string]BlobInfo{}}
	for i, b := range blobs {
		if !validBlobName(b) {
			return w.fail(name, fmt.Errorf("%w: blob name %q", ErrInvalid, b))
		}
		data := e.Blobs[b]
		ent.Blobs[b] = BlobInfo{Len: int64(len(data)), CRC32C: checksum(data)}
		if err := w.putBlob(stored[i], data); err != nil {
			return w.fail(stored[i], err)
		}
	}
	return w.addEntry(name, ent)
}

// AddPlain stores a tensor as is under its own name, followed by a zero
// U8 tensor "<name>.upg_pad" when its size is not a multiple of Align.
func (w *Writer) AddPlain(name string, dtype safetensors.DType, shape []int64, data []byte) error {
	stored := []string{name + PadSuffix}
	if err := w.check(name, stored); err != nil {
		return err
	}
	ent := &Entry{Kind: KindPlain, Shape: slices.Clone(shape), DType: dtype,
		BlobInfo: &BlobInfo{Len: int64(len(data)), CRC32C: checksum(data)}}
	if ent.Shape == nil {
		ent.Shape = []int64{}
	}
	if err := ent.checkPlain(); err != nil {
		return w.fail(name, fmt.Errorf("%w: %w", ErrInvalid, err))
	}
	w.tensors = append(w.tensors, safetensors.TensorInfo{Name: name, DType: dtype, Shape: ent.Shape})
	w.used[name] = true
	if _, err := w.bw.Write(data); err != nil {
		return w.fail(name, err)
	}
	n := int64(len(data))
	w.off += n
	if pad := padTo(n) - n; pad > 0 {
		w.tensors = append(w.tensors, safetensors.TensorInfo{Name: stored[0], DType: safetensors.U8, Shape: []int64{pad}})
		w.used[stored[0]] = true
		if _, err := w.bw.Write(make([]byte, pad)); err != nil {
			return w.fail(stored[0], err)
		}
		w.off += pad
	}
	return w.addEntry(name, ent)
}

func (w *Writer) addEntry(name string, ent *Entry) error {
	js, err := json.Marshal(ent)
	if err != nil {
		return w.fail(name, err)
	}
	w.meta[KeyTensor+name] = string(js)
	w.used[name] = true
	return nil
}

// Close writes the header, appends the data, syncs and renames the file to
// its final path. On error nothing is left under the final path.
func (w *Writer) Close() error {
	if w.done || w.err != nil {
		if w.err != nil {
			return w.err
		}
		return fmt.Errorf("upg: writing %s: Close after Close or Abort", w.path)
	}
	if err := w.finish(); err != nil {
		return w.fail("", err)
	}
	w.done = true
	return nil
}

func (w *Writer) finish() error {
	if err := w.bw.Flush(); err != nil {
		return err
	}
	var hdr bytes.Buffer
	sw, err := safetensors.NewWriter(&hdr, w.tensors, w.meta, safetensors.WriterOptions{Align: Align})
	if err != nil {
		return err
	}
	if l := sw.Tensors(); len(l) > 0 && l[len(l)-1].End != w.off {
		return fmt.Errorf("internal error: layout ends at %d, spooled %d bytes", l[len(l)-1].End, w.off)
	}
	if _, err := w.tmp.Write(hdr.Bytes()); err != nil {
		return err
	}
	if _, err := w.spool.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if n, err := io.Copy(w.tmp, w.spool); err != nil || n != w.off {
		return errors.Join(err, fmt.Errorf("copied %d of %d data bytes", n, w.off))
	}
	if err := errors.Join(w.tmp.Chmod(0o644), w.tmp.Sync(), w.tmp.Close()); err != nil {
		return err
	}
	if err := os.Rename(w.tmp.Name(), w.path); err != nil {
		return err
	}
	w.spool.Close()
	os.Remove(w.spool.Name())
	return nil
}

// Abort discards the file being written. It is safe to call at any time,
// also after Close (then it does nothing).
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	for _, f := range []*os.File{w.tmp, w.spool} {
		f.Close()
		os.Remove(f.Name())
	}
}
