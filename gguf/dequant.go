package gguf

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/upgtools/upg/kernels"
)

// q8Block is the byte size of one Q8_0 block: an f16 scale then 32 int8.
const q8Block = 34

// DequantizeQ8_0 decodes Q8_0 blocks from src into dst: element j of block b
// is scale_b * int8(q_b[j]). len(dst) must be a multiple of 32 and src must
// hold exactly len(dst)/32 blocks.
func DequantizeQ8_0(dst []float32, src []byte) error {
	if len(dst)%32 != 0 || len(src) != len(dst)/32*q8Block {
		return fmt.Errorf("gguf: Q8_0: %d bytes cannot decode to %d values: %w", len(src), len(dst), ErrInvalid)
	}
	for b := 0; b < len(dst)/32; b++ {
		blk := src[b*q8Block : (b+1)*q8Block]
		d := kernels.F16ToF32(binary.LittleEndian.Uint16(blk))
		out := dst[b*32 : (b+1)*32]
		for j := range out {
			out[j] = d * float32(int8(blk[2+j]))
		}
	}
	return nil
}

// ToFloat32 decodes a tensor's data (as returned by TensorData) to float32.
// It supports F32, F16, BF16 and Q8_0 and returns ErrUnsupported for other
// types.
func ToFloat32(t TensorInfo, data []byte) ([]float32, error) {
	if int64(len(data)) != t.Size {
		return nil, fmt.Errorf("gguf: tensor %s: %d bytes, want %d: %w", t.Name, len(data), t.Size, ErrInvalid)
	}
	switch t.Type {
	case TypeF32, TypeF16, TypeBF16, TypeQ8_0:
	default:
		return nil, fmt.Errorf("gguf: tensor %s: no float32 decoder for %s: %w", t.Name, t.Type, ErrUnsupported)
	}
	n := t.Elements()
	if n != uint64(t.Size/t.Type.TypeSize()*t.Type.BlockSize()) {
		return nil, fmt.Errorf("gguf: tensor %s: %d elements do not match %d bytes of %s: %w", t.Name, n, t.Size, t.Type, ErrInvalid)
	}
	out := make([]float32, n)
	switch t.Type {
	case TypeF32:
		kernels.DecodeF32(out, data)
	case TypeF16:
		kernels.DecodeF16(out, data)
	case TypeBF16:
		kernels.DecodeBF16(out, data)
	case TypeQ8_0:
		if err := DequantizeQ8_0(out, data); err != nil {
			return nil, fmt.Errorf("tensor %s: %w", t.Name, err)
		}
	}
	return out, nil
}

// QuantizeQ8_0 encodes src (a multiple of 32 values) as Q8_0 blocks the way
// ggml's quantize_row_q8_0_ref does: per block d = max|x|/127, q = round(x/d),
// with d stored as f16.
func QuantizeQ8_0(src []float32) ([]byte, error) {
	if len(src)%32 != 0 {
		return nil, fmt.Errorf("gguf: Q8_0: %d values is not a multiple of 32: %w", len(src), ErrInvalid)
	}
	out := make([]byte, len(src)/32*q8Block)
	for b := 0; b < len(src)/32; b++ {
		x := src[b*32 : (b+1)*32]
		var amax float32
		for _, v := range x {
			amax = max(amax, float32(math.Abs(float64(v))))
		}
		d := amax / 127
		var id float32
		if d != 0 {
			id = 1 / d
		}
		blk := out[b*q8Block : (b+1)*q8Block]
		binary.LittleEndian.PutUint16(blk, kernels.F32ToF16(d))
		for j, v := range x {
			blk[2+j] = byte(int8(math.Round(float64(v * id))))
		}
	}
	return out, nil
}
