package kernels

import (
	"encoding/binary"
	"math"
)

// BF16ToF32 converts one bfloat16 bit pattern to float32.
func BF16ToF32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// F32ToBF16 rounds a float32 to bfloat16 (round to nearest even; NaN stays NaN).
func F32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 { // NaN: keep it quiet and a NaN
		return uint16(b>>16) | 0x40
	}
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}

// F16ToF32 converts one IEEE 754 binary16 bit pattern to float32.
func F16ToF32(h uint16) float32 { return f16Table[h] }

var f16Table = func() *[1 << 16]float32 {
	var t [1 << 16]float32
	for i := range t {
		t[i] = f16ToF32Slow(uint16(i))
	}
	return &t
}()

func f16ToF32Slow(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: mant * 2^-24
		f := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			f = -f
		}
		return f
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
}

// F32ToF16 rounds a float32 to IEEE binary16 (round to nearest even,
// overflow to infinity).
func F32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23&0xff) - 127 + 15
	mant := b & 0x7fffff
	switch {
	case b&0x7fffffff > 0x7f800000:
		return sign | 0x7e00
	case b&0x7fffffff == 0x7f800000:
		return sign | 0x7c00
	case exp >= 0x1f:
		return sign | 0x7c00
	case exp <= 0:
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint32(14 - exp)
		half := uint32(1) << (shift - 1)
		r := mant >> shift
		rem := mant & (1<<shift - 1)
		if rem > half || (rem == half && r&1 == 1) {
			r++
		}
		return sign | uint16(r)
	}
	r := uint32(exp)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && r&1 == 1) {
		r++ // may carry into the exponent, which is the correct rounding
	}
	return sign | uint16(r)
}

// F8E4M3ToF32 converts one float8 e4m3fn byte (as used by DeepSeek-V3 and
// torch.float8_e4m3fn: bias 7, no infinities, S.1111.111 is NaN) to float32.
func F8E4M3ToF32(b uint8) float32 { return f8Table[b] }

var f8Table = func() *[256]float32 {
	var t [256]float32
	for i := range t {
		s := float32(1)
		if i&0x80 != 0 {
			s = -1
		}
		e := i >> 3 & 0xf
		m := i & 7
		switch {
		case e == 0xf && m == 7:
			t[i] = float32(math.NaN())
		case e == 0:
			t[i] = s * float32(m) / 8 * float32(math.Ldexp(1, -6))
		default:
			t[i] = s * (1 + float32(m)/8) * float32(math.Ldexp(1, e-7))
		}
	}
	return &t
}()

// DecodeF32 converts little-endian float32 bytes to dst (len(src) = 4*len(dst)).
func DecodeF32(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}

// DecodeBF16 converts little-endian bfloat16 bytes to dst (len(src) = 2*len(dst)).
func DecodeBF16(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(src[2*i:])) << 16)
	}
}

// DecodeF16 converts little-endian binary16 bytes to dst (len(src) = 2*len(dst)).
func DecodeF16(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = f16Table[binary.LittleEndian.Uint16(src[2*i:])]
	}
}

// DecodeF8E4M3 converts float8 e4m3fn bytes to dst (len(src) = len(dst)).
func DecodeF8E4M3(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = f8Table[src[i]]
	}
}
