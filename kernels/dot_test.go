package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// dotTolerance bounds |fast − reference| for a dot product whose terms have
// absolute sum absSum: both are the same float32 sum of n products in two
// association orders (FMA only removes roundings), so each is within
// n·u·absSum of the exact value (u = 2⁻²⁴) and they are within twice that of
// each other. A tiny absolute term covers n = 0 and underflow.
func dotTolerance(n int, absSum float64) float64 {
	return 2*float64(n+1)*0x1p-24*absSum + 1e-30
}

// guardedF32 returns a slice of n floats starting at element offset off of a
// buffer whose other elements (at least 16 on each side) are NaN, so that any
// read outside the slice turns the dot product into NaN.
func guardedF32(n, off int) (buf, s []float32) {
	buf = make([]float32, off+n+16)
	for i := range buf {
		buf[i] = float32(math.NaN())
	}
	return buf, buf[off : off+n : off+n]
}

// guardedBF16 is guardedF32 for bf16 words; 0x7fc1 is a quiet NaN.
func guardedBF16(n, off int) (buf, s []uint16) {
	buf = make([]uint16, off+n+16)
	for i := range buf {
		buf[i] = 0x7fc1
	}
	return buf, buf[off : off+n : off+n]
}

// checkGuards fails if any element of buf outside [off, off+n) is no longer NaN.
func checkGuardsF32(t *testing.T, name string, buf []float32, off, n int) {
	t.Helper()
	for i, v := range buf {
		if (i < off || i >= off+n) && v == v {
			t.Fatalf("%s: guard element %d overwritten with %g", name, i, v)
		}
	}
}

func checkGuardsBF16(t *testing.T, name string, buf []uint16, off, n int) {
	t.Helper()
	for i, v := range buf {
		if (i < off || i >= off+n) && v != 0x7fc1 {
			t.Fatalf("%s: guard word %d overwritten with %#04x", name, i, v)
		}
	}
}

// compareDot runs the dispatched Dot/DotBF16 and the references on a and b
// (b's bf16 rounding as w) and reports any difference beyond dotTolerance.
func compareDot(t *testing.T, name string, a, b []float32, w []uint16) {
	t.Helper()
	var abs, absBF float64
	for i := range a {
		abs += math.Abs(float64(a[i]) * float64(b[i]))
		absBF += math.Abs(float64(BF16ToF32(w[i])) * float64(b[i]))
	}
	got, want := Dot(a, b), dotRef(a, b)
	if d := math.Abs(float64(got) - float64(want)); !(d <= dotTolerance(len(a), abs)) {
		t.Errorf("%s: Dot = %g, dotRef = %g (diff %g, tolerance %g)", name, got, want, d, dotTolerance(len(a), abs))
	}
	got, want = DotBF16(w, b), dotBF16Ref(w, b)
	if d := math.Abs(float64(got) - float64(want)); !(d <= dotTolerance(len(w), absBF)) {
		t.Errorf("%s: DotBF16 = %g, dotBF16Ref = %g (diff %g, tolerance %g)", name, got, want, d, dotTolerance(len(w), absBF))
	}
}

// TestDotFastMatchesRef cross-checks the dispatched dot products (assembly on
// amd64 with AVX2+FMA unless built with -tags purego) against the references
// at every length 0..300 and a few large ones, on starts offset by 0..7
// elements inside NaN-guarded buffers.
func TestDotFastMatchesRef(t *testing.T) {
	t.Logf("assembly kernels in use: %v", haveAsm)
	rng := rand.New(rand.NewPCG(3, 4))
	lengths := []int{4096, 5632 + 7, 8192 + 31}
	for n := range 301 {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		for off := range 8 {
			bufA, a := guardedF32(n, off)
			bufB, b := guardedF32(n, (off*3)%8)
			bufW, w := guardedBF16(n, (off*5)%8)
			for i := range a {
				a[i], b[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
				w[i] = F32ToBF16(a[i])
			}
			name := fmt.Sprintf("n=%d off=%d", n, off)
			compareDot(t, name, a, b, w)
			checkGuardsF32(t, name, bufA, off, n)
			checkGuardsF32(t, name, bufB, (off*3)%8, n)
			checkGuardsBF16(t, name, bufW, (off*5)%8, n)
		}
	}
}

// TestDotExact checks both dispatched kernels on inputs whose products and
// sums are exact in float32, so every summation order gives the same value.
func TestDotExact(t *testing.T) {
	cases := []struct {
		name string
		n    int
		a, b func(i int) float32
		want func(n int) float32
	}{
		{"ones", 300, func(int) float32 { return 1 }, func(int) float32 { return 1 }, func(n int) float32 { return float32(n) }},
		{"index", 257, func(i int) float32 { return float32(i) }, func(int) float32 { return 2 }, func(n int) float32 { return float32(n * (n - 1)) }},
		{"alternating", 77, func(i int) float32 { return float32(1 - 2*(i%2)) }, func(int) float32 { return 0.5 }, func(n int) float32 { return 0.5 * float32(n%2) }},
		{"empty", 0, func(int) float32 { return 1 }, func(int) float32 { return 1 }, func(int) float32 { return 0 }},
	}
	for _, c := range cases {
		a, b, w := make([]float32, c.n), make([]float32, c.n+5), make([]uint16, c.n)
		for i := range a {
			a[i], b[i] = c.a(i), c.b(i)
			w[i] = F32ToBF16(a[i])
		}
		if got, want := Dot(a, b), c.want(c.n); got != want {
			t.Errorf("%s: Dot = %g, want %g", c.name, got, want)
		}
		if got, want := DotBF16(w, b), c.want(c.n); got != want {
			t.Errorf("%s: DotBF16 = %g, want %g", c.name, got, want)
		}
	}
}

// TestDotShortOperandPanics checks that the length precondition is still
// enforced before any assembly runs.
func TestDotShortOperandPanics(t *testing.T) {
	for _, f := range []struct {
		name string
		call func()
	}{
		{"Dot", func() { Dot(make([]float32, 9), make([]float32, 8)) }},
		{"DotBF16", func() { DotBF16(make([]uint16, 9), make([]float32, 8)) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s with a short second operand did not panic", f.name)
				}
			}()
			f.call()
		}()
	}
}

// FuzzDot compares the dispatched dot products against the references on
// vectors built from the fuzz input: each pair of bytes is a signed 16-bit
// integer scaled by 2⁻⁸ (finite, no overflow), a and b interleaved, starting
// off elements into the buffers.
func FuzzDot(f *testing.F) {
	f.Add([]byte{1, 0, 2, 0, 3, 0, 4, 0}, uint8(0))
	f.Add(make([]byte, 4*37), uint8(3))
	seed := make([]byte, 4*300)
	for i := range seed {
		seed[i] = byte(i*7 + 3)
	}
	f.Add(seed, uint8(5))
	f.Fuzz(func(t *testing.T, data []byte, off uint8) {
		n := len(data) / 4
		o := int(off % 8)
		bufA, a := guardedF32(n, o)
		bufB, b := guardedF32(n, 7-o)
		bufW, w := guardedBF16(n, (o+1)%8)
		for i := range n {
			a[i] = float32(int16(uint16(data[4*i])|uint16(data[4*i+1])<<8)) / 256
			b[i] = float32(int16(uint16(data[4*i+2])|uint16(data[4*i+3])<<8)) / 256
			w[i] = F32ToBF16(a[i])
		}
		compareDot(t, fmt.Sprintf("n=%d off=%d", n, o), a, b, w)
		checkGuardsF32(t, "a", bufA, o, n)
		checkGuardsF32(t, "b", bufB, 7-o, n)
		checkGuardsBF16(t, "w", bufW, (o+1)%8, n)
	})
}

// BenchmarkDot runs Dot and dotRef at the lengths of TinyLlama's hidden and
// intermediate sizes; SetBytes counts both operands.
func BenchmarkDot(b *testing.B) {
	impls := []struct {
		name string
		fn   func(a, b []float32) float32
	}{{"fast", Dot}, {"ref", dotRef}}
	for _, n := range []int{2048, 5632} {
		rng := rand.New(rand.NewPCG(5, 6))
		x, y := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], y[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		for _, im := range impls {
			b.Run(fmt.Sprintf("%s/n=%d", im.name, n), func(b *testing.B) {
				b.SetBytes(int64(8 * n))
				var s float32
				for b.Loop() {
					s += im.fn(x, y)
				}
				sink = s
			})
		}
	}
}

// BenchmarkDotBF16 is BenchmarkDot for DotBF16 (2 bytes of weight and 4 of
// activation per element).
func BenchmarkDotBF16(b *testing.B) {
	impls := []struct {
		name string
		fn   func(w []uint16, x []float32) float32
	}{{"fast", DotBF16}, {"ref", dotBF16Ref}}
	for _, n := range []int{2048, 5632} {
		rng := rand.New(rand.NewPCG(7, 8))
		w, x := make([]uint16, n), make([]float32, n)
		for i := range x {
			w[i], x[i] = F32ToBF16(float32(rng.NormFloat64())), float32(rng.NormFloat64())
		}
		for _, im := range impls {
			b.Run(fmt.Sprintf("%s/n=%d", im.name, n), func(b *testing.B) {
				b.SetBytes(int64(6 * n))
				var s float32
				for b.Loop() {
					s += im.fn(w, x)
				}
				sink = s
			})
		}
	}
}

// sink keeps benchmark results alive.
var sink float32
