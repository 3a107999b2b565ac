package safetensors

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// raw builds a file from a literal JSON header and dataLen zero bytes of data.
func raw(header string, dataLen int) []byte {
	b := make([]byte, 8, 8+len(header)+dataLen)
	binary.LittleEndian.PutUint64(b, uint64(len(header)))
	b = append(b, header...)
	return append(b, make([]byte, dataLen)...)
}

// withLength overwrites the 8-byte header length of b.
func withLength(b []byte, n uint64) []byte {
	binary.LittleEndian.PutUint64(b, n)
	return b
}

type headerCase struct {
	name   string
	file   []byte
	want   error  // nil: valid
	tensor string // tensor the error must name
}

func headerCases() []headerCase {
	const ab = `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[2,2],"data_offsets":[8,16]}}`
	valid := raw(ab, 16)
	return []headerCase{
		{name: "valid", file: valid},
		{name: "valid json order differs from data order", file: raw(`{"b":{"dtype":"U8","shape":[3],"data_offsets":[4,7]},"a":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}`, 7)},
		{name: "valid with metadata and padding", file: raw(`{"__metadata__":{"format":"pt"},"x":{"dtype":"F8_E4M3","shape":[1,3],"data_offsets":[0,3]}}   `, 3)},
		{name: "valid empty", file: raw(`{}`, 0)},
		{name: "valid zero-size tensors", file: raw(`{"z":{"dtype":"F32","shape":[0,4],"data_offsets":[0,0]},"y":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}`, 2)},
		{name: "shorter than 8 bytes", file: []byte{1, 2, 3}, want: ErrTruncated},
		{name: "shorter than header says", file: valid[:40], want: ErrTruncated},
		{name: "shorter than data says", file: valid[:len(valid)-3], want: ErrTruncated},
		{name: "trailing bytes", file: append(raw(ab, 16), 0), want: ErrTrailingData},
		{name: "absurd header length", file: withLength(raw(ab, 16), 1<<62), want: ErrHeaderTooLarge},
		{name: "header length just over limit", file: withLength(raw(ab, 16), MaxHeaderSize+1), want: ErrHeaderTooLarge},
		{name: "overlap", file: raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, 12), want: ErrOverlap, tensor: "b"},
		{name: "gap", file: raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}`, 20), want: ErrGap, tensor: "b"},
		{name: "gap at start", file: raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, 12), want: ErrGap, tensor: "a"},
		{name: "unknown dtype", file: raw(`{"a":{"dtype":"F17","shape":[2],"data_offsets":[0,8]}}`, 8), want: ErrUnknownDType, tensor: "a"},
		{name: "shape times dtype not span", file: raw(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, 8), want: ErrShapeMismatch, tensor: "a"},
		{name: "shape overflows", file: raw(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, 8), want: ErrShapeMismatch, tensor: "a"},
		{name: "negative dim", file: raw(`{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, 8), want: ErrInvalidHeader, tensor: "a"},
		{name: "non-JSON", file: raw(`{not json at all}`, 0), want: ErrInvalidHeader},
		{name: "truncated JSON", file: raw(`{"a":{"dtype":"F32"`, 0), want: ErrInvalidHeader, tensor: "a"},
		{name: "does not start with brace", file: raw(` {}`, 0), want: ErrInvalidHeader},
		{name: "empty header", file: raw(``, 0), want: ErrInvalidHeader},
		{name: "junk after object", file: raw(`{} x`, 0), want: ErrInvalidHeader},
		{name: "invalid UTF-8", file: raw("{\"\xff\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1), want: ErrInvalidHeader},
		{name: "duplicate name", file: raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, 2), want: ErrDuplicateName, tensor: "a"},
		{name: "duplicate field", file: raw(`{"a":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, 1), want: ErrInvalidHeader, tensor: "a"},
		{name: "offsets out of order", file: raw(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}`, 4), want: ErrInvalidOffsets, tensor: "a"},
		{name: "negative offset", file: raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}}`, 0), want: ErrInvalidOffsets, tensor: "a"},
		{name: "fractional offset", file: raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1.0]}}`, 1), want: ErrInvalidOffsets, tensor: "a"},
		{name: "huge offset", file: raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[18446744073709551615,0]}}`, 1), want: ErrInvalidOffsets, tensor: "a"},
		{name: "three offsets", file: raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}}`, 1), want: ErrInvalidHeader, tensor: "a"},
		{name: "missing shape", file: raw(`{"a":{"dtype":"U8","data_offsets":[0,1]}}`, 1), want: ErrInvalidHeader, tensor: "a"},
		{name: "unknown field", file: raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":1}}`, 1), want: ErrInvalidHeader, tensor: "a"},
		{name: "null shape", file: raw(`{"a":{"dtype":"U8","shape":null,"data_offsets":[0,1]}}`, 1), want: ErrInvalidHeader, tensor: "a"},
		{name: "entry not an object", file: raw(`{"a":[1]}`, 0), want: ErrInvalidHeader, tensor: "a"},
		{name: "metadata value not a string", file: raw(`{"__metadata__":{"k":1}}`, 0), want: ErrInvalidHeader},
		{name: "metadata not an object", file: raw(`{"__metadata__":"x"}`, 0), want: ErrInvalidHeader},
	}
}

func TestParseHeader(t *testing.T) {
	for _, tc := range headerCases() {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ParseHeader(tc.file, int64(len(tc.file)))
			if tc.want == nil {
				if err != nil {
					t.Fatalf("ParseHeader: %v", err)
				}
				var end int64
				for _, ti := range h.Tensors {
					if ti.Begin != end {
						t.Fatalf("tensors not sorted/tiled: %+v", h.Tensors)
					}
					end = ti.End
				}
				if h.DataOffset+h.DataSize() != int64(len(tc.file)) {
					t.Fatalf("DataOffset %d + DataSize %d != file size %d", h.DataOffset, h.DataSize(), len(tc.file))
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseHeader accepted it: %+v", h)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %q is not %q", err, tc.want)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not a *FormatError", err)
			}
			if fe.Tensor != tc.tensor {
				t.Errorf("error names tensor %q, want %q (%v)", fe.Tensor, tc.tensor, err)
			}
			if tc.tensor != "" && !strings.Contains(err.Error(), `"`+tc.tensor+`"`) {
				t.Errorf("message %q does not name the tensor", err)
			}
			if !strings.Contains(err.Error(), "at byte") {
				t.Errorf("message %q does not give an offset", err)
			}
		})
	}
}

func TestSizeErrorReportsBytes(t *testing.T) {
	f := raw(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, 16)
	short := f[:len(f)-5]
	_, err := ParseHeader(short, int64(len(short)))
	var se *SizeError
	if !errors.As(err, &se) {
		t.Fatalf("want *SizeError, got %v", err)
	}
	if se.Have != int64(len(short)) || se.Want != int64(len(f)) {
		t.Fatalf("SizeError have %d want %d, expected %d and %d", se.Have, se.Want, len(short), len(f))
	}
	if errors.Is(err, ErrInvalid) {
		t.Errorf("truncation should not count as ErrInvalid")
	}
}

func TestPrefixTooShortForHeader(t *testing.T) {
	f := raw(`{}`, 0)
	if _, err := ParseHeader(f[:9], int64(len(f))); !errors.Is(err, ErrTruncated) {
		t.Fatalf("want ErrTruncated for a short prefix, got %v", err)
	}
}
