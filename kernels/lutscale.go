package kernels

import "fmt"

// LUTScaleRows is the epilogue of a LUT product: it turns the int32 sums of
// LUTDotSym into floats with per-row F16 scales. For i < len(acc), with s_i
// the little-endian F16 at scales[2i:2i+2],
//
//	dst[i] = (F16ToF32(s_i) · post) · (mul · float32(acc[i])),
//
// evaluated in exactly that order with every operation rounded to float32
// (no fused multiply-add), so the AVX-512 kernel on amd64 (without the
// purego build tag) equals the reference lutScaleRowsGo bit for bit,
// subnormal and infinite scales included; a NaN operand gives NaN (its
// payload, when two operands are NaN, is unspecified). A caller passes, per
// 64-row tile, the tile's rows of the product as dst, their F16 row scales,
// post = 1/32 and mul = the table's scale. It needs len(dst) ≥ len(acc)
// and len(scales) ≥ 2·len(acc); otherwise it writes nothing and returns an
// error wrapping ErrLUTArgs.
func LUTScaleRows(dst []float32, acc []int32, scales []byte, post, mul float32) error {
	n := len(acc)
	switch {
	case len(dst) < n:
		return fmt.Errorf("kernels: LUTScaleRows: output of %d floats for %d sums: %w", len(dst), n, ErrLUTArgs)
	case len(scales)/2 < n:
		return fmt.Errorf("kernels: LUTScaleRows: %d scale bytes, need 2 per sum for %d sums: %w", len(scales), n, ErrLUTArgs)
	}
	lutScaleRows(dst[:n], acc, scales[:2*n], post, mul)
	return nil
}

// lutScaleRowsGo is the specification of LUTScaleRows (arguments already
// checked, len(dst) == len(acc), len(scales) == 2·len(acc)). The explicit
// float32 conversions keep each product rounded.
func lutScaleRowsGo(dst []float32, acc []int32, scales []byte, post, mul float32) {
	for i, a := range acc {
		s := F16ToF32(uint16(scales[2*i]) | uint16(scales[2*i+1])<<8)
		dst[i] = float32(s*post) * float32(mul*float32(a))
	}
}
