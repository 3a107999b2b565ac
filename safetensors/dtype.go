package safetensors

// DType is a safetensors element type, spelled as in the header ("F32", ...).
type DType string

// The element types this package knows. Others are rejected with
// ErrUnknownDType.
const (
	F64    DType = "F64"
	F32    DType = "F32"
	F16    DType = "F16"
	BF16   DType = "BF16"
	I64    DType = "I64"
	I32    DType = "I32"
	I16    DType = "I16"
	I8     DType = "I8"
	U64    DType = "U64"
	U32    DType = "U32"
	U16    DType = "U16"
	U8     DType = "U8"
	Bool   DType = "BOOL"
	F8E4M3 DType = "F8_E4M3"
	F8E5M2 DType = "F8_E5M2"
)

// Size returns the number of bytes per element, or 0 for an unknown dtype.
func (d DType) Size() int {
	switch d {
	case F64, I64, U64:
		return 8
	case F32, I32, U32:
		return 4
	case F16, BF16, I16, U16:
		return 2
	case I8, U8, Bool, F8E4M3, F8E5M2:
		return 1
	}
	return 0
}

// TensorInfo describes one tensor of a file. Begin and End are byte offsets
// relative to the start of the data region, End exclusive.
type TensorInfo struct {
	Name       string
	DType      DType
	Shape      []int64
	Begin, End int64
}

// NumElements returns the product of the shape (1 for a scalar). It assumes a
// validated shape; for shapes whose product overflows int64 it returns -1.
func (t TensorInfo) NumElements() int64 {
	n, ok := numElements(t.Shape)
	if !ok {
		return -1
	}
	return int64(n)
}

// numElements multiplies the shape with overflow checks, rejecting negative
// dimensions and products over MaxInt64.
func numElements(shape []int64) (uint64, bool) {
	n := uint64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		if d == 0 {
			n = 0
			continue
		}
		if n > (1<<63-1)/uint64(d) {
			return 0, false
		}
		n *= uint64(d)
	}
	return n, true
}

// byteSize returns elements × dtype size, false on overflow or unknown dtype.
func byteSize(d DType, shape []int64) (int64, bool) {
	n, ok := numElements(shape)
	s := uint64(d.Size())
	if !ok || s == 0 {
		return 0, false
	}
	if n > (1<<63-1)/s {
		return 0, false
	}
	return int64(n * s), true
}
