package kernels

import (
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"
)

func TestF16RoundTrip(t *testing.T) {
	for h := range 1 << 16 {
		f := F16ToF32(uint16(h))
		if f != f { // NaN
			continue
		}
		if back := F32ToF16(f); back != uint16(h) {
			t.Fatalf("F16 %#04x → %g → %#04x", h, f, back)
		}
	}
	cases := []struct {
		f    float32
		want uint16
	}{{1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {1e6, 0x7c00}, {5.960464477539063e-08, 0x0001}, {1e-9, 0}}
	for _, c := range cases {
		if got := F32ToF16(c.f); got != c.want {
			t.Errorf("F32ToF16(%g) = %#04x, want %#04x", c.f, got, c.want)
		}
	}
}

// TestNarrowF16: NarrowF16 (VCVTPS2PH where present) equals F32ToF16 bit
// for bit on every F16 value, the midpoints between neighbours (ties to
// even), values that overflow or underflow, random float32 bit patterns and
// tails of every length; NaN stays NaN.
func TestNarrowF16(t *testing.T) {
	var src []float32
	for h := range 1 << 16 {
		f := F16ToF32(uint16(h))
		next := F16ToF32(uint16(h + 1))
		src = append(src, f)
		if f == f && next == next && h&0x7fff != 0x7bff && h&0x7fff != 0x7fff {
			src = append(src, float32((float64(f)+float64(next))/2)) // the tie
		}
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 1 << 16 {
		src = append(src, math.Float32frombits(rng.Uint32()))
	}
	src = append(src, 65520, -65520, 1e-8, -3e-8, float32(math.Inf(1)), float32(math.Inf(-1)))
	for _, n := range []int{len(src), 1, 7, 8, 9, 15, 17} {
		dst := make([]uint16, n+1)
		NarrowF16(dst, src[:n])
		for i, f := range src[:n] {
			want := F32ToF16(f)
			if f != f {
				if got := F16ToF32(dst[i]); got == got {
					t.Fatalf("NaN %#08x → %#04x, not NaN", math.Float32bits(f), dst[i])
				}
				continue
			}
			if dst[i] != want {
				t.Fatalf("n=%d: %g (%#08x) → %#04x, want %#04x", n, f, math.Float32bits(f), dst[i], want)
			}
		}
		if dst[n] != 0 {
			t.Fatalf("n=%d: wrote past the end", n)
		}
	}
}

func TestBF16(t *testing.T) {
	cases := []struct {
		f    float32
		want uint16
	}{{1, 0x3f80}, {-1, 0xbf80}, {1.00390625, 0x3f80} /* tie to even */, {1.01171875, 0x3f82}}
	for _, c := range cases {
		if got := F32ToBF16(c.f); got != c.want {
			t.Errorf("F32ToBF16(%g) = %#04x, want %#04x", c.f, got, c.want)
		}
		if back := BF16ToF32(c.want); F32ToBF16(back) != c.want {
			t.Errorf("BF16 %#04x does not round-trip", c.want)
		}
	}
}

func TestF8E4M3(t *testing.T) {
	cases := []struct {
		b    uint8
		want float32
	}{{0x00, 0}, {0x38, 1}, {0xb8, -1}, {0x7e, 448}, {0x01, 1.0 / 512}, {0x08, 1.0 / 64}}
	for _, c := range cases {
		if got := F8E4M3ToF32(c.b); got != c.want {
			t.Errorf("F8E4M3ToF32(%#02x) = %g, want %g", c.b, got, c.want)
		}
	}
	if v := F8E4M3ToF32(0x7f); !math.IsNaN(float64(v)) {
		t.Errorf("0x7f should be NaN, got %g", v)
	}
}

// TestDotMatchesReference checks the unrolled dot products against a plain
// float64 loop at lengths around the unroll boundaries.
func TestDotMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 70 {
		a, b := make([]float32, n), make([]float32, n)
		w := make([]uint16, n)
		var ref, refBF float64
		for i := range a {
			a[i], b[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
			w[i] = F32ToBF16(a[i])
			ref += float64(a[i]) * float64(b[i])
			refBF += float64(BF16ToF32(w[i])) * float64(b[i])
		}
		if d := math.Abs(float64(Dot(a, b)) - ref); d > 1e-4*math.Sqrt(float64(n)+1) {
			t.Errorf("Dot n=%d off by %g", n, d)
		}
		if d := math.Abs(float64(DotBF16(w, b)) - refBF); d > 1e-4*math.Sqrt(float64(n)+1) {
			t.Errorf("DotBF16 n=%d off by %g", n, d)
		}
	}
}

func TestRMSNormSoftmax(t *testing.T) {
	x := []float32{1, 2, 3, 4}
	dst := make([]float32, 4)
	RMSNorm(dst, x, []float32{1, 1, 2, 1}, 0)
	rms := float32(math.Sqrt(30.0 / 4))
	for i, want := range []float32{1 / rms, 2 / rms, 6 / rms, 4 / rms} {
		if math.Abs(float64(dst[i]-want)) > 1e-6 {
			t.Errorf("RMSNorm[%d] = %g, want %g", i, dst[i], want)
		}
	}
	s := []float32{1000, 1000, 0}
	Softmax(s)
	if math.Abs(float64(s[0]-0.5)) > 1e-6 || s[2] != 0 {
		t.Errorf("Softmax = %v", s)
	}
}

func TestRoPENeoX(t *testing.T) {
	// One head of 4 dims, rotating all: pairs (0,2) and (1,3).
	x := []float32{1, 2, 3, 4}
	RoPENeoX(x, 4, 4, []float32{0, 1}, []float32{1, 0})
	want := []float32{-3, 2, 1, 4}
	for i := range want {
		if x[i] != want[i] {
			t.Fatalf("RoPENeoX = %v, want %v", x, want)
		}
	}
}

func TestPoolCoversRange(t *testing.T) {
	p := NewPool(3)
	defer p.Close()
	for _, tc := range []struct{ n, align int }{{1, 1}, {7, 1}, {100, 16}, {17, 16}, {1000, 7}} {
		var seen = make([]int32, tc.n)
		var calls atomic.Int32
		p.For(tc.n, tc.align, func(lo, hi int) {
			calls.Add(1)
			if lo%tc.align != 0 {
				t.Errorf("n=%d align=%d: chunk starts at %d", tc.n, tc.align, lo)
			}
			for i := lo; i < hi; i++ {
				atomic.AddInt32(&seen[i], 1)
			}
		})
		for i, s := range seen {
			if s != 1 {
				t.Fatalf("n=%d align=%d: index %d visited %d times", tc.n, tc.align, i, s)
			}
		}
	}
}

// TestSwiGLU compares SwiGLU with its math.Exp specification over lengths
// crossing the 256-value chunks and inputs from −100 to 100 (saturation
// on both sides included).
func TestSwiGLU(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 15, 16, 17, 31, 256, 257, 5632} {
		gate, up := make([]float32, n), make([]float32, n)
		for i := range gate {
			gate[i] = float32(rng.NormFloat64() * 8)
			up[i] = float32(rng.NormFloat64())
		}
		if n > 2 {
			gate[0], gate[1] = 100, -100
		}
		want := append([]float32(nil), gate...)
		swiGLURef(want, up)
		goForm := append([]float32(nil), gate...)
		swiGLUGo(goForm, up)
		SwiGLU(gate, up)
		for i := range gate {
			if math.Float32bits(gate[i]) != math.Float32bits(goForm[i]) {
				t.Fatalf("n=%d i=%d: %v, Go form %v (must be equal bit for bit)", n, i, gate[i], goForm[i])
			}
		}
		for i := range gate {
			if d := math.Abs(float64(gate[i] - want[i])); d > 4e-7*math.Abs(float64(want[i]))+1e-30 {
				t.Fatalf("n=%d i=%d: %v, reference %v", n, i, gate[i], want[i])
			}
		}
	}
}
