package kernels

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// sameFloat reports whether a and b have the same bits, or are both NaN
// (LUTScaleRows leaves the payload of a NaN from two NaN operands open).
func sameFloat(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

// checkLUTScaleRows runs LUTScaleRows with its output at element off of a
// guarded buffer and lutScaleRowsGo, and reports any difference or any
// write outside the len(acc) outputs.
func checkLUTScaleRows(t *testing.T, name string, acc []int32, scales []byte, post, mul float32, off int) {
	t.Helper()
	guard := math.Float32frombits(0x7fc0dead)
	buf := make([]float32, off+len(acc)+24)
	for i := range buf {
		buf[i] = guard
	}
	dst := buf[off : off+len(acc)]
	if err := LUTScaleRows(dst, acc, scales, post, mul); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	want := make([]float32, len(acc))
	lutScaleRowsGo(want, acc, scales[:2*len(acc)], post, mul)
	for i := range want {
		if !sameFloat(dst[i], want[i]) {
			h := uint16(scales[2*i]) | uint16(scales[2*i+1])<<8
			t.Fatalf("%s: dst[%d] = %g (%#08x), reference %g (%#08x); scale %#04x acc %d post %g mul %g",
				name, i, dst[i], math.Float32bits(dst[i]), want[i], math.Float32bits(want[i]), h, acc[i], post, mul)
		}
	}
	for i, v := range buf {
		if (i < off || i >= off+len(acc)) && math.Float32bits(v) != 0x7fc0dead {
			t.Fatalf("%s: guard element %d overwritten with %g", name, i, v)
		}
	}
}

// randomAcc returns n sums: small ones like a LUT product's, and every
// fourth one anywhere in int32 (float32 rounds those), the ends included.
func randomAcc(rng *rand.Rand, n int) []int32 {
	acc := make([]int32, n)
	for i := range acc {
		switch i % 8 {
		case 3:
			acc[i] = int32(rng.Uint32())
		case 7:
			acc[i] = []int32{math.MinInt32, math.MaxInt32, 0, -1, 1 << 24, 1<<24 + 1}[rng.IntN(6)]
		default:
			acc[i] = int32(rng.IntN(200001) - 100000)
		}
	}
	return acc
}

// TestLUTScaleRowsFastMatchesRef cross-checks the dispatched LUTScaleRows
// (AVX-512 on amd64 unless built with -tags purego) against lutScaleRowsGo
// bit for bit: every F16 bit pattern as a scale (subnormals, infinities,
// NaNs of both signs) at several post and mul factors, including ones whose
// products overflow, underflow to subnormals, or are NaN; then every length
// 0-70 (all tails) at unaligned offsets.
func TestLUTScaleRowsFastMatchesRef(t *testing.T) {
	if !haveScaleRowsAsm {
		t.Log("no LUTScaleRows assembly on this build: checking the reference against itself")
	}
	rng := rand.New(rand.NewPCG(31, 32))
	const n = 1 << 16
	scales := make([]byte, 2*n+1) // one spare byte: the kernel must not need it
	for h := range n {
		scales[2*h], scales[2*h+1] = byte(h), byte(h>>8)
	}
	acc := randomAcc(rng, n)
	factors := []struct{ post, mul float32 }{
		{1.0 / 32, 0.0123},
		{1.0 / 32, 3e-3},
		{1, 1},
		{1.0 / 32, 1e30},           // overflow to ±Inf
		{1e-20, 1e-20},             // underflow to subnormals and zero
		{float32(math.Inf(1)), 1},  // 0·Inf = NaN
		{1.0 / 32, 0},              // Inf·0 = NaN
		{float32(math.NaN()), 0.5}, // NaN everywhere
		{-1.0 / 32, float32(math.SmallestNonzeroFloat32)},
	}
	for _, f := range factors {
		checkLUTScaleRows(t, fmt.Sprintf("all F16 post=%g mul=%g", f.post, f.mul), acc, scales, f.post, f.mul, 0)
	}
	for length := range 71 {
		off := length % 5
		sbuf := make([]byte, off+2*length)
		sc := sbuf[off:]
		for i := range length {
			h := uint16(rng.IntN(0x7c00)) | uint16(rng.IntN(2))<<15 // finite
			sc[2*i], sc[2*i+1] = byte(h), byte(h>>8)
		}
		checkLUTScaleRows(t, fmt.Sprintf("n=%d", length), randomAcc(rng, length), sc, 1.0/32, rng.Float32(), length%3)
	}
}

// TestLUTScaleRowsExact checks hand-computed rows: scale 2 (0x4000), post
// 1/4, mul 3 and acc 5 give (2/4)·15 = 7.5; a subnormal F16 scale 2⁻²⁴
// (0x0001) with post 1 and mul·acc = 2²⁴ gives 1; −0 (0x8000) gives −0.
func TestLUTScaleRowsExact(t *testing.T) {
	cases := []struct {
		h         uint16
		acc       int32
		post, mul float32
		want      float32
	}{
		{0x4000, 5, 0.25, 3, 7.5},
		{0x0001, 1 << 24, 1, 1, 1},
		{0x3c00, -7, 1, 0.5, -3.5},
		{0xbc00, 16, 1.0 / 32, 1, -0.5},
		{0x8000, 3, 1, 1, float32(math.Copysign(0, -1))},
		{0x7c00, -1, 1, 1, float32(math.Inf(-1))},
	}
	for _, c := range cases {
		dst := []float32{99}
		if err := LUTScaleRows(dst, []int32{c.acc}, []byte{byte(c.h), byte(c.h >> 8)}, c.post, c.mul); err != nil {
			t.Fatal(err)
		}
		if math.Float32bits(dst[0]) != math.Float32bits(c.want) {
			t.Errorf("scale %#04x acc %d post %g mul %g: got %g, want %g", c.h, c.acc, c.post, c.mul, dst[0], c.want)
		}
	}
}

// TestLUTScaleRowsArgs checks that short outputs or scales return
// ErrLUTArgs without writing.
func TestLUTScaleRowsArgs(t *testing.T) {
	cases := []struct {
		name         string
		dst, acc, sc int // lengths
		wantError    bool
	}{
		{"ok", 32, 32, 64, false},
		{"ok long slices", 33, 32, 65, false},
		{"empty", 0, 0, 0, false},
		{"empty acc", 5, 0, 1, false},
		{"short dst", 31, 32, 64, true},
		{"short scales", 32, 32, 63, true},
		{"odd scales", 17, 17, 33, true},
		{"no dst", 0, 1, 2, true},
		{"no scales", 1, 1, 0, true},
	}
	for _, c := range cases {
		dst := make([]float32, c.dst)
		for i := range dst {
			dst[i] = -7
		}
		err := LUTScaleRows(dst, make([]int32, c.acc), make([]byte, c.sc), 1, 1)
		if c.wantError != (err != nil) || (err != nil && !errors.Is(err, ErrLUTArgs)) {
			t.Errorf("%s: err = %v, want error %v wrapping ErrLUTArgs", c.name, err, c.wantError)
		}
		if err != nil {
			for i, v := range dst {
				if v != -7 {
					t.Fatalf("%s: failed call wrote dst[%d] = %g", c.name, i, v)
				}
			}
		}
	}
}
