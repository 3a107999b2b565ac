package gguf

import (
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"sort"
)

// Magic is the 4-byte file signature "GGUF".
const Magic = "GGUF"

// DefaultAlignment is the data alignment when general.alignment is absent.
const DefaultAlignment = 32

// maxDims is GGML_MAX_DIMS.
const maxDims = 4

// File is a parsed GGUF file: its metadata and tensor directory. Tensor data
// stays in the file and is read on demand by TensorData.
type File struct {
	Version uint32
	// KV holds the metadata in file order. Values are uint8, int8, uint16,
	// int16, uint32, int32, uint64, int64, float32, float64, bool or string;
	// arrays are typed slices ([]uint8 ... []float64, []bool, []string) and
	// arrays of arrays are []any holding such slices (or further []any).
	KV      []KV
	Tensors []TensorInfo
	// DataOffset is the absolute offset of the (aligned) data section.
	DataOffset int64
	// Alignment is general.alignment, or DefaultAlignment.
	Alignment int64
	// Path is the file name given to Open, "" for Parse.
	Path string

	r       io.ReaderAt
	size    int64
	closer  io.Closer
	keys    map[string]int
	tensors map[string]int
}

// KV is one metadata key/value pair. See File.KV for the Go types of Value.
type KV struct {
	Key   string
	Value any
}

// TensorInfo describes one tensor.
type TensorInfo struct {
	Name string
	// Dims are in ggml order: Dims[0] is the contiguous (row) length, so a
	// PyTorch [out, in] matrix has Dims {in, out}.
	Dims []uint64
	Type GGMLType
	// Offset is relative to File.DataOffset.
	Offset uint64
	// Size is the tensor's byte length, from its element count and type.
	Size int64
}

// Elements returns the number of elements (product of Dims).
func (t TensorInfo) Elements() uint64 {
	n := uint64(1)
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

// Open opens and parses the GGUF file at path. The file stays open for
// TensorData until Close.
func Open(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("gguf: %w", err)
	}
	f, err := parse(fh, st.Size(), path)
	if err != nil {
		fh.Close()
		return nil, err
	}
	f.closer = fh
	return f, nil
}

// Parse parses a GGUF file of size bytes read through r. r must stay
// readable while TensorData is used.
func Parse(r io.ReaderAt, size int64) (*File, error) { return parse(r, size, "") }

// Close releases the file opened by Open; it is a no-op after Parse.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	err := f.closer.Close()
	f.closer, f.r = nil, nil
	return err
}

func parse(r io.ReaderAt, size int64, path string) (*File, error) {
	c := &cursor{r: r, size: size, path: path}
	f := &File{Path: path, r: r, size: size, Alignment: DefaultAlignment}
	nTensors, nKV, err := f.header(c)
	if err != nil {
		return nil, err
	}
	if err := f.readKV(c, nKV); err != nil {
		return nil, err
	}
	if err := f.readTensorInfos(c, nTensors); err != nil {
		return nil, err
	}
	f.DataOffset = alignUp(c.off, f.Alignment)
	if err := f.validateTensors(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *File) header(c *cursor) (nTensors, nKV uint64, err error) {
	m, err := c.next("magic", 4)
	if err != nil {
		return 0, 0, err
	}
	if string(m) != Magic {
		return 0, 0, c.fail("magic", 0, ErrInvalid, "got %q, want %q", m, Magic)
	}
	if f.Version, err = c.u32("version"); err != nil {
		return 0, 0, err
	}
	switch {
	case f.Version == 2 || f.Version == 3:
	case f.Version&0xffff == 0 && f.Version != 0:
		return 0, 0, c.fail("version", 4, ErrUnsupported, "version %#x looks big-endian", f.Version)
	default:
		return 0, 0, c.fail("version", 4, ErrUnsupported, "version %d (only 2 and 3 are read)", f.Version)
	}
	if nTensors, err = c.u64("tensor count"); err != nil {
		return 0, 0, err
	}
	if nKV, err = c.u64("metadata count"); err != nil {
		return 0, 0, err
	}
	return nTensors, nKV, nil
}

func (f *File) readKV(c *cursor, n uint64) error {
	// Each KV takes at least 8 (key length) + 4 (type) + 1 bytes.
	if n > uint64(c.remaining()/13) {
		return c.fail("metadata count", 16, ErrTruncated, "%d key/value pairs cannot fit in %d bytes", n, c.remaining())
	}
	f.KV = make([]KV, 0, n)
	f.keys = make(map[string]int, n)
	for range n {
		start := c.off
		key, err := c.str("metadata key")
		if err != nil {
			return err
		}
		if _, dup := f.keys[key]; dup {
			return c.fail("key "+key, start, ErrInvalid, "duplicate key")
		}
		t, err := c.u32("key " + key)
		if err != nil {
			return err
		}
		v, err := c.value("key "+key, ValueType(t), 0)
		if err != nil {
			return err
		}
		f.keys[key] = len(f.KV)
		f.KV = append(f.KV, KV{Key: key, Value: v})
		if key == "general.alignment" {
			a, ok := v.(uint32)
			if !ok || a == 0 || a&(a-1) != 0 {
				return c.fail("key "+key, start, ErrInvalid, "alignment %v (%T) is not a uint32 power of two", v, v)
			}
			f.Alignment = int64(a)
		}
	}
	return nil
}

func (f *File) readTensorInfos(c *cursor, n uint64) error {
	// Each tensor info takes at least 8 + 1 (name) + 4 + 8 + 4 + 8 bytes.
	if n > uint64(c.remaining()/33) {
		return c.fail("tensor count", 8, ErrTruncated, "%d tensor infos cannot fit in %d bytes", n, c.remaining())
	}
	f.Tensors = make([]TensorInfo, 0, n)
	f.tensors = make(map[string]int, n)
	for range n {
		start := c.off
		t, err := readTensorInfo(c)
		if err != nil {
			return err
		}
		if _, dup := f.tensors[t.Name]; dup {
			return c.fail("tensor "+t.Name, start, ErrInvalid, "duplicate tensor name")
		}
		f.tensors[t.Name] = len(f.Tensors)
		f.Tensors = append(f.Tensors, t)
	}
	return nil
}

func readTensorInfo(c *cursor) (TensorInfo, error) {
	var t TensorInfo
	start := c.off
	name, err := c.str("tensor name")
	if err != nil {
		return t, err
	}
	if name == "" {
		return t, c.fail("tensor name", start, ErrInvalid, "empty tensor name")
	}
	t.Name = name
	item := "tensor " + name
	nd, err := c.u32(item)
	if err != nil {
		return t, err
	}
	if nd > maxDims {
		return t, c.fail(item, start, ErrInvalid, "%d dimensions (max %d)", nd, maxDims)
	}
	t.Dims = make([]uint64, nd)
	n := uint64(1)
	for i := range t.Dims {
		if t.Dims[i], err = c.u64(item); err != nil {
			return t, err
		}
		hi, lo := bits.Mul64(n, t.Dims[i])
		if hi != 0 || lo > 1<<62 {
			return t, c.fail(item, start, ErrInvalid, "dims %v overflow", t.Dims[:i+1])
		}
		n = lo
	}
	ty, err := c.u32(item)
	if err != nil {
		return t, err
	}
	t.Type = GGMLType(ty)
	if !t.Type.Known() {
		return t, c.fail(item, start, ErrUnsupported, "unknown ggml type %d", ty)
	}
	if nd > 0 && t.Dims[0]%uint64(t.Type.BlockSize()) != 0 {
		return t, c.fail(item, start, ErrInvalid, "row length %d is not a multiple of the %s block size %d", t.Dims[0], t.Type, t.Type.BlockSize())
	}
	if t.Offset, err = c.u64(item); err != nil {
		return t, err
	}
	hi, lo := bits.Mul64(n/uint64(t.Type.BlockSize()), uint64(t.Type.TypeSize()))
	if hi != 0 || lo > 1<<62 {
		return t, c.fail(item, start, ErrInvalid, "byte size of dims %v overflows", t.Dims)
	}
	t.Size = int64(lo)
	return t, nil
}

// validateTensors checks that every tensor is aligned, inside the data
// section and that no two overlap.
func (f *File) validateTensors() error {
	if len(f.Tensors) == 0 {
		return nil
	}
	dataLen := f.size - f.DataOffset
	if dataLen < 0 {
		return &FormatError{Path: f.Path, Item: "data section", Offset: f.DataOffset, Err: fmt.Errorf("%w: file ends at %d before the data section", ErrTruncated, f.size)}
	}
	order := make([]int, len(f.Tensors))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return f.Tensors[order[a]].Offset < f.Tensors[order[b]].Offset })
	var end uint64
	for k, i := range order {
		t := f.Tensors[i]
		fail := func(err error, format string, args ...any) error {
			off := f.DataOffset + int64(min(t.Offset, uint64(dataLen)))
			return &FormatError{Path: f.Path, Item: "tensor " + t.Name, Offset: off, Err: fmt.Errorf("%w: "+format, append([]any{err}, args...)...)}
		}
		if t.Offset%uint64(f.Alignment) != 0 {
			return fail(ErrInvalid, "data offset %d is not a multiple of the alignment %d", t.Offset, f.Alignment)
		}
		if t.Offset > uint64(dataLen) || uint64(t.Size) > uint64(dataLen)-t.Offset {
			return fail(ErrTruncated, "data [%d, +%d) runs past the %d-byte data section", t.Offset, t.Size, dataLen)
		}
		if k > 0 && t.Offset < end {
			return fail(ErrInvalid, "data at %d overlaps tensor %s ending at %d", t.Offset, f.Tensors[order[k-1]].Name, end)
		}
		end = t.Offset + uint64(t.Size)
	}
	return nil
}

func alignUp(x, a int64) int64 { return (x + a - 1) / a * a }

// Tensor returns the info of the named tensor.
func (f *File) Tensor(name string) (TensorInfo, bool) {
	i, ok := f.tensors[name]
	if !ok {
		return TensorInfo{}, false
	}
	return f.Tensors[i], true
}

// TensorData reads the named tensor's bytes into a new slice.
func (f *File) TensorData(name string) ([]byte, TensorInfo, error) {
	t, ok := f.Tensor(name)
	if !ok {
		return nil, t, &FormatError{Path: f.Path, Item: "tensor " + name, Offset: -1, Err: ErrNotFound}
	}
	if f.r == nil {
		return nil, t, &FormatError{Path: f.Path, Item: "tensor " + name, Offset: -1, Err: errors.New("file is closed")}
	}
	off := f.DataOffset + int64(t.Offset)
	buf := make([]byte, t.Size)
	if n, err := f.r.ReadAt(buf, off); n < len(buf) {
		return nil, t, &FormatError{Path: f.Path, Item: "tensor " + name, Offset: off, Err: err}
	}
	return buf, t, nil
}
