package gguf

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// cursor reads little-endian values from an io.ReaderAt through a buffer,
// never past size.
type cursor struct {
	r      io.ReaderAt
	size   int64
	off    int64 // next byte to read
	buf    []byte
	bufOff int64 // file offset of buf[0]
	path   string
}

const chunk = 64 << 10

// fail builds a FormatError for item at offset off.
func (c *cursor) fail(item string, off int64, err error, format string, args ...any) error {
	return &FormatError{Path: c.path, Item: item, Offset: off, Err: fmt.Errorf("%w: "+format, append([]any{err}, args...)...)}
}

// remaining returns the bytes left after the current offset.
func (c *cursor) remaining() int64 { return c.size - c.off }

// next returns the next n bytes (valid until the following call) or an
// ErrTruncated FormatError naming item.
func (c *cursor) next(item string, n int64) ([]byte, error) {
	if n < 0 || n > c.remaining() {
		return nil, c.fail(item, c.off, ErrTruncated, "need %d bytes, %d left", n, c.remaining())
	}
	if c.off < c.bufOff || c.off+n > c.bufOff+int64(len(c.buf)) {
		want := max(n, chunk)
		want = min(want, c.size-c.off)
		if int64(cap(c.buf)) < want {
			c.buf = make([]byte, want)
		}
		c.buf = c.buf[:want]
		if _, err := c.r.ReadAt(c.buf, c.off); err != nil && err != io.EOF {
			c.buf = c.buf[:0]
			return nil, &FormatError{Path: c.path, Item: item, Offset: c.off, Err: err}
		}
		c.bufOff = c.off
	}
	s := c.off - c.bufOff
	c.off += n
	return c.buf[s : s+n], nil
}

func (c *cursor) u32(item string) (uint32, error) {
	b, err := c.next(item, 4)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (c *cursor) u64(item string) (uint64, error) {
	b, err := c.next(item, 8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

// str reads a GGUF string (u64 length + bytes).
func (c *cursor) str(item string) (string, error) {
	start := c.off
	n, err := c.u64(item)
	if err != nil {
		return "", err
	}
	if n > uint64(c.remaining()) {
		return "", c.fail(item, start, ErrTruncated, "string length %d exceeds the %d bytes left", n, c.remaining())
	}
	b, err := c.next(item, int64(n))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// maxArrayDepth bounds nested arrays so hostile files cannot exhaust the stack.
const maxArrayDepth = 8

// value reads one metadata value of type t.
func (c *cursor) value(item string, t ValueType, depth int) (any, error) {
	start := c.off
	switch t {
	case ValueString:
		return c.str(item)
	case ValueArray:
		return c.array(item, depth+1)
	}
	sz := t.size()
	if sz <= 0 {
		return nil, c.fail(item, start, ErrInvalid, "unknown value type %d", uint32(t))
	}
	b, err := c.next(item, sz)
	if err != nil {
		return nil, err
	}
	return scalar(t, b, func() error { return c.fail(item, start, ErrInvalid, "bool value %d is not 0 or 1", b[0]) })
}

// scalar decodes a fixed-size value; badBool builds the error for a bool
// byte other than 0 or 1.
func scalar(t ValueType, b []byte, badBool func() error) (any, error) {
	le := binary.LittleEndian
	switch t {
	case ValueUint8:
		return b[0], nil
	case ValueInt8:
		return int8(b[0]), nil
	case ValueUint16:
		return le.Uint16(b), nil
	case ValueInt16:
		return int16(le.Uint16(b)), nil
	case ValueUint32:
		return le.Uint32(b), nil
	case ValueInt32:
		return int32(le.Uint32(b)), nil
	case ValueFloat32:
		return math.Float32frombits(le.Uint32(b)), nil
	case ValueBool:
		if b[0] > 1 {
			return nil, badBool()
		}
		return b[0] == 1, nil
	case ValueUint64:
		return le.Uint64(b), nil
	case ValueInt64:
		return int64(le.Uint64(b)), nil
	case ValueFloat64:
		return math.Float64frombits(le.Uint64(b)), nil
	}
	return nil, badBool()
}

// array reads an array header and its elements. Strings become []string,
// numbers and bools their typed slice, nested arrays []any.
func (c *cursor) array(item string, depth int) (any, error) {
	start := c.off
	if depth > maxArrayDepth {
		return nil, c.fail(item, start, ErrUnsupported, "arrays nested deeper than %d", maxArrayDepth)
	}
	et, err := c.u32(item)
	if err != nil {
		return nil, err
	}
	t := ValueType(et)
	if t.size() < 0 {
		return nil, c.fail(item, start, ErrInvalid, "unknown array element type %d", et)
	}
	n, err := c.u64(item)
	if err != nil {
		return nil, err
	}
	if n > uint64(c.remaining()/t.minSize()) {
		return nil, c.fail(item, start, ErrTruncated, "array of %d %d-byte elements exceeds the %d bytes left", n, t.minSize(), c.remaining())
	}
	switch t {
	case ValueString:
		out := make([]string, n)
		for i := range out {
			if out[i], err = c.str(item); err != nil {
				return nil, err
			}
		}
		return out, nil
	case ValueArray:
		out := make([]any, n)
		for i := range out {
			if out[i], err = c.array(item, depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	b, err := c.next(item, int64(n)*t.size())
	if err != nil {
		return nil, err
	}
	return typedSlice(t, b, int(n), func(i int) error {
		return c.fail(item, start+12+int64(i), ErrInvalid, "bool element %d is %d, not 0 or 1", i, b[i])
	})
}

// typedSlice decodes n fixed-size elements of type t from b.
func typedSlice(t ValueType, b []byte, n int, badBool func(int) error) (any, error) {
	le := binary.LittleEndian
	switch t {
	case ValueUint8:
		return append([]uint8(nil), b...), nil
	case ValueInt8:
		return decodeSlice(n, func(i int) int8 { return int8(b[i]) }), nil
	case ValueUint16:
		return decodeSlice(n, func(i int) uint16 { return le.Uint16(b[2*i:]) }), nil
	case ValueInt16:
		return decodeSlice(n, func(i int) int16 { return int16(le.Uint16(b[2*i:])) }), nil
	case ValueUint32:
		return decodeSlice(n, func(i int) uint32 { return le.Uint32(b[4*i:]) }), nil
	case ValueInt32:
		return decodeSlice(n, func(i int) int32 { return int32(le.Uint32(b[4*i:])) }), nil
	case ValueFloat32:
		return decodeSlice(n, func(i int) float32 { return math.Float32frombits(le.Uint32(b[4*i:])) }), nil
	case ValueUint64:
		return decodeSlice(n, func(i int) uint64 { return le.Uint64(b[8*i:]) }), nil
	case ValueInt64:
		return decodeSlice(n, func(i int) int64 { return int64(le.Uint64(b[8*i:])) }), nil
	case ValueFloat64:
		return decodeSlice(n, func(i int) float64 { return math.Float64frombits(le.Uint64(b[8*i:])) }), nil
	case ValueBool:
		out := make([]bool, n)
		for i := range out {
			if b[i] > 1 {
				return nil, badBool(i)
			}
			out[i] = b[i] == 1
		}
		return out, nil
	}
	return nil, badBool(0)
}

func decodeSlice[T any](n int, at func(int) T) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = at(i)
	}
	return out
}
