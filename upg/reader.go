package upg

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/upgtools/upg/codec"
	"github.com/upgtools/upg/safetensors"
)

// File is an open, validated .upg file, memory-mapped read-only. Slices
// and Encoded values it returns alias the mapping and are invalid after
// Close.
type File struct {
	st      *safetensors.File
	path    string
	names   []string
	entries map[string]*entry
}

// span is one stored byte span: its stored tensor, true bytes and checksum.
type span struct {
	tensor string
	off    int64 // absolute file offset of the data
	data   []byte
	crc    string
}

// entry is an original tensor with its stored spans and, when encoded, the
// validated codec view.
type entry struct {
	*Entry
	spans []span
	enc   *codec.Encoded

	once sync.Once
	err  error // result of the checksum verification
}

// Open maps the file at path and validates it: the safetensors header,
// format name and version, every metadata entry, that the stored tensors
// are exactly those the entries name (dtype, size, 64-byte alignment, zero
// padding) and, for encoded tensors, codec.Encoded.Validate (codec ID,
// shape, parameters, blob sizes, outlier table, code values). Checksums
// are verified lazily, on the first Encoded or Plain call for a tensor, or
// all at once by Verify.
func Open(path string) (*File, error) {
	st, err := safetensors.Open(path)
	if err != nil {
		return nil, &Error{Path: path, Offset: -1, Err: err}
	}
	f := &File{st: st, path: path}
	if err := f.load(); err != nil {
		st.Close()
		return nil, err
	}
	return f, nil
}

func (f *File) errf(tensor string, off int64, format string, args ...any) error {
	return &Error{Path: f.path, Tensor: tensor, Offset: off, Err: fmt.Errorf(format, args...)}
}

func (f *File) load() error {
	h := f.st.Header()
	ents, err := ParseMetadata(h.Metadata)
	if err != nil {
		var ue *Error
		if errors.As(err, &ue) {
			ue.Path = f.path
			return ue
		}
		return &Error{Path: f.path, Offset: -1, Err: err}
	}
	if h.DataOffset%Align != 0 {
		return f.errf("", h.DataOffset, "%w: data region starts at byte %d, not a multiple of %d", ErrLayout, h.DataOffset, Align)
	}
	owner := map[string]string{} // stored tensor -> original name
	f.entries = make(map[string]*entry, len(ents))
	for _, name := range slices.Sorted(maps.Keys(ents)) {
		e := &entry{Entry: ents[name]}
		if err := f.claim(e, owner); err != nil {
			return err
		}
		f.entries[name] = e
	}
	for _, t := range h.Tensors { // in data order
		o, ok := owner[t.Name]
		if !ok {
			return f.errf(t.Name, h.DataOffset+t.Begin, "%w: stored tensor not described by any metadata entry", ErrLayout)
		}
		if len(f.names) == 0 || f.names[len(f.names)-1] != o {
			f.names = append(f.names, o)
		}
	}
	if len(f.names) != len(f.entries) { // an entry's spans are not contiguous
		return f.errf("", -1, "%w: stored tensors of different entries interleave", ErrLayout)
	}
	return nil
}

// claim finds e's stored tensors, checks them and records their owner.
func (f *File) claim(e *entry, owner map[string]string) error {
	h := f.st.Header()
	take := func(stored string, dtype safetensors.DType, shape []int64, n int64, crc string) error {
		if o, dup := owner[stored]; dup {
			return f.errf(e.Name, -1, "%w: stored tensor %q claimed by %q too", ErrLayout, stored, o)
		}
		info, data, ok := f.st.Tensor(stored)
		if !ok {
			return f.errf(e.Name, -1, "%w: stored tensor %q", ErrMissing, stored)
		}
		off := h.DataOffset + info.Begin
		if info.DType != dtype || !slices.Equal(info.Shape, shape) {
			return f.errf(stored, off, "%w: stored as %s%v, want %s%v", ErrLayout, info.DType, info.Shape, dtype, shape)
		}
		if crc != "" && info.Begin%Align != 0 { // padding tensors follow unaligned data
			return f.errf(stored, off, "%w: data not %d-byte aligned", ErrLayout, Align)
		}
		for i, b := range data[n:] {
			if b != 0 {
				return f.errf(stored, off+n+int64(i), "%w: nonzero padding byte", ErrLayout)
			}
		}
		owner[stored] = e.Name
		if crc != "" {
			e.spans = append(e.spans, span{tensor: stored, off: off, data: data[:n:n], crc: crc})
		}
		return nil
	}
	if e.Kind == KindPlain {
		if err := take(e.Name, e.DType, e.Shape, e.Len, e.CRC32C); err != nil {
			return err
		}
		if pad := padTo(e.Len) - e.Len; pad > 0 {
			return take(e.Name+PadSuffix, safetensors.U8, []int64{pad}, 0, "")
		}
		if _, _, ok := f.st.Tensor(e.Name + PadSuffix); ok {
			return f.errf(e.Name+PadSuffix, -1, "%w: padding tensor after an aligned tensor", ErrLayout)
		}
		return nil
	}
	p, err := e.params()
	if err != nil {
		return f.errf(e.Name, -1, "%w", err)
	}
	enc := &codec.Encoded{Codec: e.CodecID, Rows: int(e.Shape[0]), Cols: int(e.Shape[1]), Params: p, Blobs: map[string][]byte{}}
	for _, b := range slices.Sorted(maps.Keys(e.Blobs)) {
		bi := e.Blobs[b]
		if err := take(e.Name+"."+b, safetensors.U8, []int64{padTo(bi.Len)}, bi.Len, bi.CRC32C); err != nil {
			return err
		}
		enc.Blobs[b] = e.spans[len(e.spans)-1].data
	}
	if err := enc.Validate(); err != nil {
		return f.errf(e.Name, e.spans[0].off, "%w", err)
	}
	e.enc = enc
	return nil
}

// verify checks e's checksums once.
func (f *File) verify(e *entry) error {
	e.once.Do(func() {
		for _, s := range e.spans {
			if got := checksum(s.data); got != s.crc {
				e.err = f.errf(s.tensor, s.off, "%w: CRC-32C of %d bytes is %s, metadata says %s", ErrChecksum, len(s.data), got, s.crc)
				return
			}
		}
	})
	return e.err
}

func (f *File) lookup(name, kind string) (*entry, error) {
	e := f.entries[name]
	if e == nil {
		return nil, f.errf(name, -1, "%w", ErrMissing)
	}
	if e.Kind != kind {
		return nil, f.errf(name, -1, "%w: tensor is %s, not %s", ErrInvalid, e.Kind, kind)
	}
	return e, f.verify(e)
}

// Names returns the original tensor names in file order.
func (f *File) Names() []string { return slices.Clone(f.names) }

// Path returns the path the file was opened from.
func (f *File) Path() string { return f.path }

// Entry returns the parsed metadata entry of a tensor, nil when absent.
// The caller must not modify it.
func (f *File) Entry(name string) *Entry {
	if e := f.entries[name]; e != nil {
		return e.Entry
	}
	return nil
}

// Encoded returns an encoded tensor whose blobs alias the mapping, after
// verifying its checksums (once per tensor). Every call returns the same
// validated value; the caller must not modify it.
func (f *File) Encoded(name string) (*codec.Encoded, error) {
	e, err := f.lookup(name, KindEncoded)
	if err != nil {
		return nil, err
	}
	return e.enc, nil
}

// Plain returns a plain tensor's dtype, shape and bytes (aliasing the
// mapping, read-only) after verifying its checksum.
func (f *File) Plain(name string) (dtype safetensors.DType, shape []int64, data []byte, err error) {
	e, err := f.lookup(name, KindPlain)
	if err != nil {
		return "", nil, nil, err
	}
	return e.DType, slices.Clone(e.Shape), e.spans[0].data, nil
}

// Verify checks every checksum in the file and returns all mismatches.
func (f *File) Verify() error {
	var errs []error
	for _, name := range f.names {
		errs = append(errs, f.verify(f.entries[name]))
	}
	return errors.Join(errs...)
}

// Close releases the mapping.
func (f *File) Close() error { return f.st.Close() }
