package gguf

import "fmt"

// array writes a slice value (see File.KV for the accepted types).
func (c *countWriter) array(v any, tagged bool) error {
	if tagged {
		c.u32(uint32(ValueArray))
	}
	switch x := v.(type) {
	case []uint8:
		return writeSlice(c, ValueUint8, x)
	case []int8:
		return writeSlice(c, ValueInt8, x)
	case []uint16:
		return writeSlice(c, ValueUint16, x)
	case []int16:
		return writeSlice(c, ValueInt16, x)
	case []uint32:
		return writeSlice(c, ValueUint32, x)
	case []int32:
		return writeSlice(c, ValueInt32, x)
	case []float32:
		return writeSlice(c, ValueFloat32, x)
	case []bool:
		return writeSlice(c, ValueBool, x)
	case []string:
		return writeSlice(c, ValueString, x)
	case []uint64:
		return writeSlice(c, ValueUint64, x)
	case []int64:
		return writeSlice(c, ValueInt64, x)
	case []int:
		return writeSlice(c, ValueInt64, x)
	case []float64:
		return writeSlice(c, ValueFloat64, x)
	case []any:
		return writeSlice(c, ValueArray, x)
	}
	return fmt.Errorf("value of type %T: %w", v, ErrUnsupported)
}

func writeSlice[T any](c *countWriter, t ValueType, xs []T) error {
	c.u32(uint32(t))
	c.u64(uint64(len(xs)))
	for _, x := range xs {
		var err error
		if t == ValueArray {
			err = c.array(any(x), false)
		} else {
			err = c.value(any(x), false)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
