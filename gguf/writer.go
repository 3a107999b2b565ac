package gguf

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// Write writes a GGUF v3 file to w: the metadata kv in order, then the
// tensors with their data. Offsets are computed here (each tensor starts at
// the next multiple of the alignment, general.alignment from kv when present,
// else 32); TensorInfo.Offset and Size are ignored, but len(data[i]) must
// equal the size implied by tensors[i].Dims and Type. Values may be any of
// the Go types listed on File.KV (also int and []int, written as int64).
// Write is meant for building test fixtures and small converted files.
func Write(w io.Writer, kv []KV, tensors []TensorInfo, data [][]byte) error {
	if len(data) != len(tensors) {
		return fmt.Errorf("gguf: write: %d tensors but %d data slices: %w", len(tensors), len(data), ErrInvalid)
	}
	align := int64(DefaultAlignment)
	for _, p := range kv {
		if p.Key == "general.alignment" {
			a, ok := p.Value.(uint32)
			if !ok || a == 0 || a&(a-1) != 0 {
				return fmt.Errorf("gguf: write: general.alignment %v (%T) is not a uint32 power of two: %w", p.Value, p.Value, ErrInvalid)
			}
			align = int64(a)
		}
	}
	bw := &countWriter{w: bufio.NewWriter(w)}
	bw.raw([]byte(Magic))
	bw.u32(3)
	bw.u64(uint64(len(tensors)))
	bw.u64(uint64(len(kv)))
	for _, p := range kv {
		bw.str(p.Key)
		if err := bw.value(p.Value, true); err != nil {
			return fmt.Errorf("gguf: write key %s: %w", p.Key, err)
		}
	}
	var off int64
	for i, t := range tensors {
		if !t.Type.Known() || len(t.Dims) > maxDims {
			return fmt.Errorf("gguf: write tensor %s: type %s, %d dims: %w", t.Name, t.Type, len(t.Dims), ErrInvalid)
		}
		n := t.Elements()
		if len(t.Dims) > 0 && t.Dims[0]%uint64(t.Type.BlockSize()) != 0 ||
			uint64(len(data[i])) != n/uint64(t.Type.BlockSize())*uint64(t.Type.TypeSize()) {
			return fmt.Errorf("gguf: write tensor %s: %d bytes do not fit dims %v of %s: %w", t.Name, len(data[i]), t.Dims, t.Type, ErrInvalid)
		}
		bw.str(t.Name)
		bw.u32(uint32(len(t.Dims)))
		for _, d := range t.Dims {
			bw.u64(d)
		}
		bw.u32(uint32(t.Type))
		bw.u64(uint64(off))
		off = alignUp(off+int64(len(data[i])), align)
	}
	for _, d := range data {
		bw.pad(align)
		bw.raw(d)
	}
	if bw.err != nil {
		return fmt.Errorf("gguf: write: %w", bw.err)
	}
	if err := bw.w.(*bufio.Writer).Flush(); err != nil {
		return fmt.Errorf("gguf: write: %w", err)
	}
	return nil
}

type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) raw(b []byte) {
	if c.err != nil {
		return
	}
	n, err := c.w.Write(b)
	c.n += int64(n)
	c.err = err
}

func (c *countWriter) pad(align int64) {
	c.raw(make([]byte, alignUp(c.n, align)-c.n))
}

func (c *countWriter) u32(v uint32) { c.raw(binary.LittleEndian.AppendUint32(nil, v)) }
func (c *countWriter) u64(v uint64) { c.raw(binary.LittleEndian.AppendUint64(nil, v)) }
func (c *countWriter) str(s string) { c.u64(uint64(len(s))); c.raw([]byte(s)) }

// value writes v, preceded by its type tag when tagged.
func (c *countWriter) value(v any, tagged bool) error {
	tag := func(t ValueType) {
		if tagged {
			c.u32(uint32(t))
		}
	}
	le := binary.LittleEndian
	switch x := v.(type) {
	case uint8:
		tag(ValueUint8)
		c.raw([]byte{x})
	case int8:
		tag(ValueInt8)
		c.raw([]byte{byte(x)})
	case uint16:
		tag(ValueUint16)
		c.raw(le.AppendUint16(nil, x))
	case int16:
		tag(ValueInt16)
		c.raw(le.AppendUint16(nil, uint16(x)))
	case uint32:
		tag(ValueUint32)
		c.u32(x)
	case int32:
		tag(ValueInt32)
		c.u32(uint32(x))
	case float32:
		tag(ValueFloat32)
		c.u32(math.Float32bits(x))
	case bool:
		tag(ValueBool)
		c.raw([]byte{map[bool]byte{false: 0, true: 1}[x]})
	case string:
		tag(ValueString)
		c.str(x)
	case uint64:
		tag(ValueUint64)
		c.u64(x)
	case int64:
		tag(ValueInt64)
		c.u64(uint64(x))
	case int:
		tag(ValueInt64)
		c.u64(uint64(int64(x)))
	case float64:
		tag(ValueFloat64)
		c.u64(math.Float64bits(x))
	default:
		return c.array(v, tagged)
	}
	return nil
}
