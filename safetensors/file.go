package safetensors

import (
	"errors"
	"fmt"
	"os"
	"slices"
)

// File is an open, validated safetensors file whose bytes are memory-mapped
// read-only (read into memory on platforms without mmap). Slices returned by
// Tensor alias the mapping: they must not be written to and are invalid after
// Close.
type File struct {
	path   string
	size   int64
	data   []byte
	header *Header
	index  map[string]int
	unmap  func() error
}

// Open maps the file at path and validates its header. Errors from validation
// are *FormatError values with Path set.
func Open(path string) (*File, error) {
	osf, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	defer osf.Close()
	st, err := osf.Stat()
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	size := st.Size()
	if size < 8 {
		return nil, &FormatError{Path: path, Err: &SizeError{Have: size, Want: 8, What: "header length"}}
	}
	data, unmap, err := mapFile(osf, size)
	if err != nil {
		return nil, fmt.Errorf("safetensors: mapping %s: %w", path, err)
	}
	h, err := ParseHeader(data, size)
	if err != nil {
		unmap()
		var fe *FormatError
		if errors.As(err, &fe) {
			fe.Path = path
		}
		return nil, err
	}
	f := &File{path: path, size: size, data: data, header: h, unmap: unmap, index: make(map[string]int, len(h.Tensors))}
	for i, t := range h.Tensors {
		f.index[t.Name] = i
	}
	return f, nil
}

// Close releases the mapping. Slices obtained from Tensor must not be used
// afterwards.
func (f *File) Close() error {
	if f.unmap == nil {
		return nil
	}
	err := f.unmap()
	f.unmap, f.data = nil, nil
	if err != nil {
		return fmt.Errorf("safetensors: unmapping %s: %w", f.path, err)
	}
	return nil
}

// Path returns the path the file was opened from.
func (f *File) Path() string { return f.path }

// Header returns the validated header. The caller must not modify it.
func (f *File) Header() *Header { return f.header }

// Size returns the file size in bytes.
func (f *File) Size() int64 { return f.size }

// Tensor returns a tensor's description and a zero-copy, read-only view of
// its bytes. ok is false when the file has no such tensor or is closed.
func (f *File) Tensor(name string) (info TensorInfo, data []byte, ok bool) {
	i, ok := f.index[name]
	if !ok || f.data == nil {
		return TensorInfo{}, nil, false
	}
	t := f.header.Tensors[i]
	lo, hi := f.header.DataOffset+t.Begin, f.header.DataOffset+t.End
	return t, f.data[lo:hi:hi], true
}

// Names returns the tensor names in sorted order.
func (f *File) Names() []string {
	names := make([]string, 0, len(f.header.Tensors))
	for _, t := range f.header.Tensors {
		names = append(names, t.Name)
	}
	slices.Sort(names)
	return names
}
