package gguf

import "fmt"

// GGMLType is a ggml tensor element type, numbered as in ggml.h.
type GGMLType uint32

// ggml tensor types. Numbers 4, 5 and 31..33, 36..38 were removed from ggml
// and are rejected.
const (
	TypeF32     GGMLType = 0
	TypeF16     GGMLType = 1
	TypeQ4_0    GGMLType = 2
	TypeQ4_1    GGMLType = 3
	TypeQ5_0    GGMLType = 6
	TypeQ5_1    GGMLType = 7
	TypeQ8_0    GGMLType = 8
	TypeQ8_1    GGMLType = 9
	TypeQ2_K    GGMLType = 10
	TypeQ3_K    GGMLType = 11
	TypeQ4_K    GGMLType = 12
	TypeQ5_K    GGMLType = 13
	TypeQ6_K    GGMLType = 14
	TypeQ8_K    GGMLType = 15
	TypeIQ2_XXS GGMLType = 16
	TypeIQ2_XS  GGMLType = 17
	TypeIQ3_XXS GGMLType = 18
	TypeIQ1_S   GGMLType = 19
	TypeIQ4_NL  GGMLType = 20
	TypeIQ3_S   GGMLType = 21
	TypeIQ2_S   GGMLType = 22
	TypeIQ4_XS  GGMLType = 23
	TypeI8      GGMLType = 24
	TypeI16     GGMLType = 25
	TypeI32     GGMLType = 26
	TypeI64     GGMLType = 27
	TypeF64     GGMLType = 28
	TypeIQ1_M   GGMLType = 29
	TypeBF16    GGMLType = 30
	TypeTQ1_0   GGMLType = 34
	TypeTQ2_0   GGMLType = 35
	TypeMXFP4   GGMLType = 39
)

// typeInfo is one row of the ggml type table: elements per block and bytes
// per block (ggml's type_traits blck_size and type_size).
type typeInfo struct {
	name  string
	block int64
	bytes int64
}

var typeTable = map[GGMLType]typeInfo{
	TypeF32:     {"F32", 1, 4},
	TypeF16:     {"F16", 1, 2},
	TypeQ4_0:    {"Q4_0", 32, 2 + 16},
	TypeQ4_1:    {"Q4_1", 32, 2 + 2 + 16},
	TypeQ5_0:    {"Q5_0", 32, 2 + 4 + 16},
	TypeQ5_1:    {"Q5_1", 32, 2 + 2 + 4 + 16},
	TypeQ8_0:    {"Q8_0", 32, 2 + 32},
	TypeQ8_1:    {"Q8_1", 32, 2 + 2 + 32},
	TypeQ2_K:    {"Q2_K", 256, 16 + 64 + 2 + 2},
	TypeQ3_K:    {"Q3_K", 256, 32 + 64 + 12 + 2},
	TypeQ4_K:    {"Q4_K", 256, 2 + 2 + 12 + 128},
	TypeQ5_K:    {"Q5_K", 256, 2 + 2 + 12 + 32 + 128},
	TypeQ6_K:    {"Q6_K", 256, 128 + 64 + 16 + 2},
	TypeQ8_K:    {"Q8_K", 256, 4 + 256 + 32},
	TypeIQ2_XXS: {"IQ2_XXS", 256, 2 + 64},
	TypeIQ2_XS:  {"IQ2_XS", 256, 2 + 64 + 8},
	TypeIQ3_XXS: {"IQ3_XXS", 256, 2 + 96},
	TypeIQ1_S:   {"IQ1_S", 256, 2 + 32 + 16},
	TypeIQ4_NL:  {"IQ4_NL", 32, 2 + 16},
	TypeIQ3_S:   {"IQ3_S", 256, 2 + 64 + 8 + 32 + 4},
	TypeIQ2_S:   {"IQ2_S", 256, 2 + 64 + 8 + 8},
	TypeIQ4_XS:  {"IQ4_XS", 256, 2 + 2 + 4 + 128},
	TypeI8:      {"I8", 1, 1},
	TypeI16:     {"I16", 1, 2},
	TypeI32:     {"I32", 1, 4},
	TypeI64:     {"I64", 1, 8},
	TypeF64:     {"F64", 1, 8},
	TypeIQ1_M:   {"IQ1_M", 256, 32 + 16 + 8},
	TypeBF16:    {"BF16", 1, 2},
	TypeTQ1_0:   {"TQ1_0", 256, 48 + 4 + 2},
	TypeTQ2_0:   {"TQ2_0", 256, 64 + 2},
	TypeMXFP4:   {"MXFP4", 32, 1 + 16},
}

// Known reports whether t is a ggml type this package can size.
func (t GGMLType) Known() bool { _, ok := typeTable[t]; return ok }

// String returns ggml's name for t, or "type(N)" when unknown.
func (t GGMLType) String() string {
	if ti, ok := typeTable[t]; ok {
		return ti.name
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// BlockSize returns the number of elements per block (1 for plain types, 32
// or 256 for quantized ones), or 0 when t is unknown.
func (t GGMLType) BlockSize() int64 { return typeTable[t].block }

// TypeSize returns the number of bytes per block, or 0 when t is unknown.
func (t GGMLType) TypeSize() int64 { return typeTable[t].bytes }

// ValueType is a GGUF metadata value type.
type ValueType uint32

// GGUF metadata value types.
const (
	ValueUint8   ValueType = 0
	ValueInt8    ValueType = 1
	ValueUint16  ValueType = 2
	ValueInt16   ValueType = 3
	ValueUint32  ValueType = 4
	ValueInt32   ValueType = 5
	ValueFloat32 ValueType = 6
	ValueBool    ValueType = 7
	ValueString  ValueType = 8
	ValueArray   ValueType = 9
	ValueUint64  ValueType = 10
	ValueInt64   ValueType = 11
	ValueFloat64 ValueType = 12
)

// size returns the fixed encoded size of a scalar type, or 0 for string and
// array, and -1 for an unknown type.
func (v ValueType) size() int64 {
	switch v {
	case ValueUint8, ValueInt8, ValueBool:
		return 1
	case ValueUint16, ValueInt16:
		return 2
	case ValueUint32, ValueInt32, ValueFloat32:
		return 4
	case ValueUint64, ValueInt64, ValueFloat64:
		return 8
	case ValueString, ValueArray:
		return 0
	}
	return -1
}

// minSize is the smallest number of bytes one value of type v occupies.
func (v ValueType) minSize() int64 {
	switch v {
	case ValueString:
		return 8
	case ValueArray:
		return 12
	}
	return v.size()
}
