package kernels

import "math"

// Dot returns Σ a[i]·b[i] over len(a) elements (b must be at least as long).
// On amd64 with AVX2 and FMA (and without the purego build tag) it runs an
// assembly kernel; the result then differs from dotRef by reassociation of
// the sum only.
func Dot(a, b []float32) float32 {
	b = b[:len(a)]
	return dot(a, b)
}

// DotBF16 returns Σ bf16(w[i])·x[i] over len(w) elements (x must be at least
// as long). On amd64 with AVX2 and FMA (and without the purego build tag) it
// runs an assembly kernel; the result then differs from dotBF16Ref by
// reassociation of the sum only.
func DotBF16(w []uint16, x []float32) float32 {
	x = x[:len(w)]
	return dotBF16(w, x)
}

// dotRef is the specification of Dot: four interleaved float32 partial sums.
// It requires len(b) >= len(a).
func dotRef(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+8 <= len(a); i += 8 {
		s0 += a[i]*b[i] + a[i+4]*b[i+4]
		s1 += a[i+1]*b[i+1] + a[i+5]*b[i+5]
		s2 += a[i+2]*b[i+2] + a[i+6]*b[i+6]
		s3 += a[i+3]*b[i+3] + a[i+7]*b[i+7]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// dotBF16Ref is the specification of DotBF16: each bf16 weight widened to
// float32 (bits << 16), four interleaved float32 partial sums. It requires
// len(x) >= len(w).
func dotBF16Ref(w []uint16, x []float32) float32 {
	x = x[:len(w)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(w); i += 4 {
		s0 += math.Float32frombits(uint32(w[i])<<16) * x[i]
		s1 += math.Float32frombits(uint32(w[i+1])<<16) * x[i+1]
		s2 += math.Float32frombits(uint32(w[i+2])<<16) * x[i+2]
		s3 += math.Float32frombits(uint32(w[i+3])<<16) * x[i+3]
	}
	for ; i < len(w); i++ {
		s0 += math.Float32frombits(uint32(w[i])<<16) * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// AXPY computes y[i] += a·x[i] over len(x) elements. On amd64 with AVX-512
// (and without the purego build tag) it runs an assembly kernel whose
// results are bit-identical to axpyRef (a product rounded, then a sum
// rounded: no fused multiply-add).
func AXPY(y []float32, a float32, x []float32) {
	y = y[:len(x)]
	axpy(y, a, x)
}

// axpyRef is the specification of AXPY (len(y) >= len(x)); the explicit
// float32 conversion keeps the compiler from fusing the product and the sum.
func axpyRef(y []float32, a float32, x []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += float32(a * v)
	}
}

// RMSNorm writes dst[i] = x[i] / sqrt(mean(x²) + eps) · w[i] (w may be nil
// for no gain). The sum of squares is accumulated in float64; on amd64 with
// AVX-512 (and without the purego build tag) it runs in eight float64 lanes
// of four accumulators, which reassociates the sum only (the squares of
// float32 values are exact in float64), so 1/rms differs from rmsNormRef's
// by at most one float32 rounding step, and the scaling pass, (x[i]·inv)·w[i],
// is bit-identical given the same inv.
func RMSNorm(dst, x, w []float32, eps float32) {
	dst = dst[:len(x)]
	if w != nil {
		w = w[:len(x)]
	}
	inv := rmsInv(sumSquares(x), len(x), eps)
	rmsScale(dst, x, w, inv)
}

// rmsNormRef is the specification of RMSNorm.
func rmsNormRef(dst, x, w []float32, eps float32) {
	inv := rmsInv(sumSquaresRef(x), len(x), eps)
	rmsScaleRef(dst, x, w, inv)
}

// rmsInv is 1 / sqrt(ss/n + eps) rounded to float32.
func rmsInv(ss float64, n int, eps float32) float32 {
	return float32(1 / math.Sqrt(ss/float64(n)+float64(eps)))
}

// sumSquaresRef is Σ x[i]² accumulated in float64 in index order.
func sumSquaresRef(x []float32) float64 {
	var ss float64
	for _, v := range x {
		ss += float64(v) * float64(v)
	}
	return ss
}

// rmsScaleRef writes dst[i] = (x[i]·inv)·w[i], or x[i]·inv when w is nil.
func rmsScaleRef(dst, x, w []float32, inv float32) {
	if w == nil {
		for i, v := range x {
			dst[i] = v * inv
		}
		return
	}
	w = w[:len(x)]
	for i, v := range x {
		dst[i] = float32(v*inv) * w[i]
	}
}

// Softmax replaces x by exp(x - max) / Σ exp(x - max), in place. The
// exponentials come from ExpShift (within ExpMaxRelErr of math.Exp), the
// sum is accumulated in float32 lanes.
func Softmax(x []float32) {
	if len(x) == 0 {
		return
	}
	inv := 1 / ExpShift(x, Max(x))
	for i := range x {
		x[i] *= inv
	}
}

// SwiGLU writes gate[i] = silu(gate[i]) · up[i], where silu(v) = v / (1 + e^−v),
// with e^−v from Exp (relative error ≤ ExpMaxRelErr; swiGLURef is the
// math.Exp form). On amd64 with AVX-512 an assembly kernel does the whole
// expression, bit for bit as swiGLUGo does.
func SwiGLU(gate, up []float32) {
	swiGLU(gate, up[:len(gate)])
}

// swiGLUGo is SwiGLU in Go over Exp.
func swiGLUGo(gate, up []float32) {
	var e [256]float32
	for o := 0; o < len(gate); o += len(e) {
		g := gate[o:min(o+len(e), len(gate))]
		t := e[:len(g)]
		for i, v := range g {
			t[i] = -v
		}
		Exp(t, t)
		u := up[o : o+len(g)]
		for i, v := range g {
			g[i] = v / (1 + t[i]) * u[i]
		}
	}
}

// swiGLURef is SwiGLU with math.Exp, the specification.
func swiGLURef(gate, up []float32) {
	up = up[:len(gate)]
	for i, g := range gate {
		gate[i] = g / (1 + float32(math.Exp(float64(-g)))) * up[i]
	}
}

// RoPENeoX rotates a vector of heads (head dimension hd, laid out head after
// head) in place by the "rotate half" convention of Hugging Face checkpoints:
// element i pairs with i+rot/2 for i < rot/2, where rot ≤ hd is the number of
// rotated dimensions; cos and sin have rot/2 entries for the position. On
// amd64 with AVX-512 (and without the purego build tag) it runs an assembly
// kernel, 16 pairs per step, bit-identical to ropeNeoXRef (each product
// rounded, then the difference or sum: no fused multiply-add).
func RoPENeoX(x []float32, hd, rot int, cos, sin []float32) {
	half := rot / 2
	heads := 0
	if hd > 0 {
		heads = len(x) / hd
	}
	if heads == 0 || half == 0 || rot > hd {
		ropeNeoXRef(x, hd, rot, cos, sin)
		return
	}
	ropeNeoX(x[:heads*hd], heads, hd, cos[:half], sin[:half])
}

// ropeNeoXRef is the specification of RoPENeoX; the explicit float32
// conversions keep the compiler from fusing products into the sums.
func ropeNeoXRef(x []float32, hd, rot int, cos, sin []float32) {
	half := rot / 2
	for h := 0; h+hd <= len(x); h += hd {
		v := x[h : h+rot]
		for i := range half {
			a, b := v[i], v[i+half]
			v[i] = float32(a*cos[i]) - float32(b*sin[i])
			v[i+half] = float32(a*sin[i]) + float32(b*cos[i])
		}
	}
}

// Argmax returns the index of the largest value (the first on ties).
func Argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}
