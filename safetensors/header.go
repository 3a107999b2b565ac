package safetensors

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// MaxHeaderSize is the largest header length accepted, as in the reference
// implementation (100 MB).
const MaxHeaderSize = 100_000_000

// metadataKey is the reserved header key holding the string-to-string
// metadata.
const metadataKey = "__metadata__"

// Header is a parsed and validated safetensors header.
type Header struct {
	// Tensors are sorted by Begin (ties, which only zero-size tensors can
	// have, by End then Name); in a valid file they tile the data region.
	Tensors []TensorInfo
	// Metadata is the "__metadata__" object, nil when absent or empty.
	Metadata map[string]string
	// DataOffset is the absolute file offset of the data region: 8 + N.
	DataOffset int64
}

// DataSize returns the length of the data region in bytes.
func (h *Header) DataSize() int64 {
	if len(h.Tensors) == 0 {
		return 0
	}
	return h.Tensors[len(h.Tensors)-1].End
}

// ParseHeader parses and validates the header at the start of a safetensors
// file of fileSize bytes. prefix must hold at least the 8+N header bytes (it
// may hold the whole file). Every offset is checked against fileSize, so a
// nil error means every tensor's bytes lie inside the file. Errors are
// *FormatError values with an empty Path.
func ParseHeader(prefix []byte, fileSize int64) (*Header, error) {
	if fileSize < 8 {
		return nil, &FormatError{Err: &SizeError{Have: fileSize, Want: 8, What: "header length"}}
	}
	if len(prefix) < 8 {
		return nil, &FormatError{Err: fmt.Errorf("%w: given %d bytes, need the 8-byte header length", ErrTruncated, len(prefix))}
	}
	n := binary.LittleEndian.Uint64(prefix)
	if n > MaxHeaderSize {
		return nil, &FormatError{Err: fmt.Errorf("%w: %d bytes (limit %d)", ErrHeaderTooLarge, n, MaxHeaderSize)}
	}
	stop := 8 + int64(n)
	if stop > fileSize {
		return nil, &FormatError{Offset: 8, Err: &SizeError{Have: fileSize, Want: stop, What: "header"}}
	}
	if int64(len(prefix)) < stop {
		return nil, &FormatError{Offset: 8, Err: fmt.Errorf("%w: given %d bytes, header needs %d", ErrTruncated, len(prefix), stop)}
	}
	p := &headerParser{hdr: prefix[8:stop], base: 8}
	h, err := p.parse()
	if err != nil {
		return nil, err
	}
	h.DataOffset = stop
	if err := h.validateLayout(fileSize); err != nil {
		return nil, err
	}
	return h, nil
}

// validateLayout sorts the tensors by offset and checks that they tile the
// data region exactly, with spans equal to element count × dtype size, and
// that the data region ends exactly at fileSize.
func (h *Header) validateLayout(fileSize int64) error {
	slices.SortStableFunc(h.Tensors, func(a, b TensorInfo) int {
		return cmp.Or(cmp.Compare(a.Begin, b.Begin), cmp.Compare(a.End, b.End), cmp.Compare(a.Name, b.Name))
	})
	var start int64
	for _, t := range h.Tensors {
		fail := func(err error) error {
			return &FormatError{Tensor: t.Name, Offset: h.DataOffset + min(t.Begin, math.MaxInt64-h.DataOffset), Err: err}
		}
		switch {
		case t.End < t.Begin:
			return fail(fmt.Errorf("%w: end %d before begin %d", ErrInvalidOffsets, t.End, t.Begin))
		case t.Begin < start:
			return fail(fmt.Errorf("%w: begins at %d, previous tensor ends at %d", ErrOverlap, t.Begin, start))
		case t.Begin > start:
			return fail(fmt.Errorf("%w: begins at %d, previous tensor ends at %d", ErrGap, t.Begin, start))
		}
		want, ok := byteSize(t.DType, t.Shape)
		if !ok {
			return fail(fmt.Errorf("%w: shape %v of %s overflows", ErrShapeMismatch, t.Shape, t.DType))
		}
		if t.End-t.Begin != want {
			return fail(fmt.Errorf("%w: shape %v of %s needs %d bytes, span is %d", ErrShapeMismatch, t.Shape, t.DType, want, t.End-t.Begin))
		}
		start = t.End
	}
	if start > math.MaxInt64-h.DataOffset {
		return &FormatError{Offset: h.DataOffset, Err: fmt.Errorf("%w: data region of %d bytes overflows", ErrInvalidOffsets, start)}
	}
	if end := h.DataOffset + start; end != fileSize {
		return &FormatError{Offset: min(end, fileSize), Err: &SizeError{Have: fileSize, Want: end, What: "data"}}
	}
	return nil
}

// headerParser reads the JSON header token by token, so that duplicate keys,
// wrong value types and non-integer numbers are all rejected (encoding/json's
// struct decoding would silently accept them).
type headerParser struct {
	hdr  []byte
	base int64 // file offset of hdr[0]
	dec  *json.Decoder
}

func (p *headerParser) fail(tensor string, err error) error {
	return &FormatError{Tensor: tensor, Offset: p.base + p.dec.InputOffset(), Err: err}
}

// syntax wraps a JSON tokenizer error as an invalid header.
func (p *headerParser) syntax(tensor string, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &FormatError{Tensor: tensor, Offset: p.base + se.Offset, Err: fmt.Errorf("%w: %v", ErrInvalidHeader, err)}
	}
	if errors.Is(err, io.EOF) {
		return p.fail(tensor, fmt.Errorf("%w: JSON ends early", ErrInvalidHeader))
	}
	return p.fail(tensor, fmt.Errorf("%w: %v", ErrInvalidHeader, err))
}

func (p *headerParser) parse() (*Header, error) {
	if !utf8.Valid(p.hdr) {
		return nil, &FormatError{Offset: p.base, Err: fmt.Errorf("%w: not valid UTF-8", ErrInvalidHeader)}
	}
	if len(p.hdr) == 0 || p.hdr[0] != '{' {
		return nil, &FormatError{Offset: p.base, Err: fmt.Errorf("%w: does not start with '{'", ErrInvalidHeader)}
	}
	p.dec = json.NewDecoder(bytes.NewReader(p.hdr))
	p.dec.UseNumber()
	h := &Header{}
	first, err := p.dec.Token()
	if err != nil {
		return nil, p.syntax("", err)
	}
	err = p.object(first, "", "header", ErrDuplicateName, func(key string) error {
		if key == metadataKey {
			m, err := p.metadata()
			h.Metadata = m
			return err
		}
		t, err := p.tensor(key)
		h.Tensors = append(h.Tensors, t)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, c := range p.hdr[p.dec.InputOffset():] {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return nil, p.fail("", fmt.Errorf("%w: non-space bytes after the JSON object", ErrInvalidHeader))
		}
	}
	return h, nil
}

// object reads a JSON object whose opening token is first, calling field
// with each key while the decoder sits at the key's value. dup is the error
// for a repeated key.
func (p *headerParser) object(first json.Token, tensor, what string, dup error, field func(key string) error) error {
	if d, ok := first.(json.Delim); !ok || d != '{' {
		return p.fail(tensor, fmt.Errorf("%w: %s is not a JSON object", ErrInvalidHeader, what))
	}
	seen := make(map[string]bool)
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return p.syntax(tensor, err)
		}
		key, ok := tok.(string)
		if !ok {
			return p.fail(tensor, fmt.Errorf("%w: %s has a non-string key", ErrInvalidHeader, what))
		}
		if seen[key] {
			t := tensor
			if t == "" {
				t = key
			}
			return p.fail(t, fmt.Errorf("%w: %q repeated in %s", dup, key, what))
		}
		seen[key] = true
		if err := field(key); err != nil {
			return err
		}
	}
	if _, err := p.dec.Token(); err != nil { // the closing '}'
		return p.syntax(tensor, err)
	}
	return nil
}

// metadata reads the "__metadata__" value: null or an object of strings.
func (p *headerParser) metadata() (map[string]string, error) {
	first, err := p.dec.Token()
	if err != nil {
		return nil, p.syntax("", err)
	}
	if first == nil {
		return nil, nil
	}
	m := make(map[string]string)
	err = p.object(first, "", metadataKey, ErrInvalidHeader, func(key string) error {
		tok, err := p.dec.Token()
		if err != nil {
			return p.syntax("", err)
		}
		s, ok := tok.(string)
		if !ok {
			return p.fail("", fmt.Errorf("%w: %s value for %q is not a string", ErrInvalidHeader, metadataKey, key))
		}
		m[key] = s
		return nil
	})
	if len(m) == 0 {
		m = nil
	}
	return m, err
}

// tensor reads one {"dtype", "shape", "data_offsets"} entry; all three keys
// are required and no others are allowed.
func (p *headerParser) tensor(name string) (TensorInfo, error) {
	t := TensorInfo{Name: name}
	first, err := p.dec.Token()
	if err != nil {
		return t, p.syntax(name, err)
	}
	var haveDType, haveShape, haveOffsets bool
	err = p.object(first, name, "tensor entry", ErrInvalidHeader, func(key string) error {
		switch key {
		case "dtype":
			haveDType = true
			tok, err := p.dec.Token()
			if err != nil {
				return p.syntax(name, err)
			}
			s, ok := tok.(string)
			if !ok {
				return p.fail(name, fmt.Errorf("%w: dtype is not a string", ErrInvalidHeader))
			}
			t.DType = DType(s)
			if t.DType.Size() == 0 {
				return p.fail(name, fmt.Errorf("%w: %q", ErrUnknownDType, s))
			}
		case "shape":
			haveShape = true
			dims, err := p.uints(name, "shape", -1)
			t.Shape = dims
			if t.Shape == nil {
				t.Shape = []int64{}
			}
			return err
		case "data_offsets":
			haveOffsets = true
			offs, err := p.uints(name, "data_offsets", 2)
			if err != nil {
				return err
			}
			t.Begin, t.End = offs[0], offs[1]
		default:
			return p.fail(name, fmt.Errorf("%w: unknown field %q", ErrInvalidHeader, key))
		}
		return nil
	})
	if err != nil {
		return t, err
	}
	if !haveDType || !haveShape || !haveOffsets {
		return t, p.fail(name, fmt.Errorf("%w: entry needs dtype, shape and data_offsets", ErrInvalidHeader))
	}
	return t, nil
}

// uints reads a JSON array of non-negative integers that fit in int64. When
// want >= 0 the array must have exactly that many elements.
func (p *headerParser) uints(name, what string, want int) ([]int64, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.syntax(name, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, p.fail(name, fmt.Errorf("%w: %s is not an array", ErrInvalidHeader, what))
	}
	var out []int64
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return nil, p.syntax(name, err)
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, p.fail(name, fmt.Errorf("%w: %s holds a non-number", ErrInvalidHeader, what))
		}
		v, err := strconv.ParseUint(string(num), 10, 63)
		if err != nil {
			kind := ErrInvalidHeader
			if what == "data_offsets" {
				kind = ErrInvalidOffsets
			}
			return nil, p.fail(name, fmt.Errorf("%w: %s value %s is not an integer in [0, 2^63)", kind, what, num))
		}
		out = append(out, int64(v))
		if want >= 0 && len(out) > want {
			return nil, p.fail(name, fmt.Errorf("%w: %s has more than %d values", ErrInvalidHeader, what, want))
		}
	}
	if _, err := p.dec.Token(); err != nil {
		return nil, p.syntax(name, err)
	}
	if want >= 0 && len(out) != want {
		return nil, p.fail(name, fmt.Errorf("%w: %s has %d values, want %d", ErrInvalidHeader, what, len(out), want))
	}
	return out, nil
}
