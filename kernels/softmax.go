package kernels

import "math"

// ExpMaxRelErr bounds the relative error of the fast exp behind Exp,
// ExpShift, Softmax and SoftmaxOnline against float32(math.Exp) for
// arguments in [−87.3, 88.7] (the normal float32 range of the result); below
// −87.3 the result is a denormal or 0 (absolute error under 2^−126), −Inf
// gives 0 and +Inf gives +Inf (measured on the AVX-512 kernel: 8.3e-8). The purego build and CPUs without AVX-512
// use math.Exp itself.
const ExpMaxRelErr = 1.2e-7

// Exp writes e^x[i] to dst[i] for i < len(x) (dst must be at least as long).
// Its specification is expRef (float32(math.Exp)); the AVX-512 kernel
// (range reduction to [−ln2/2, ln2/2], a degree-7 polynomial, VSCALEFPS)
// is within ExpMaxRelErr of it.
func Exp(dst, x []float32) {
	dst = dst[:len(x)]
	exp(dst, x)
}

// ExpShift replaces x[i] by e^(x[i]−shift) and returns the sum of the new
// values (accumulated in float32 lanes). With shift = max(x) it is the
// numerator and denominator of a softmax; −Inf entries become 0.
func ExpShift(x []float32, shift float32) float32 {
	if len(x) == 0 {
		return 0
	}
	return expShiftSum(x, shift)
}

// Max returns the largest element of x, −Inf when x is empty.
func Max(x []float32) float32 {
	if len(x) == 0 {
		return float32(math.Inf(-1))
	}
	return maxF32(x)
}

// SoftmaxOnline folds one block of scores into the running statistics of an
// online (flash-attention) softmax. For each row i < m, with
// s_i = s[i·ld : i·ld+cols], running maximum mx[i] and running sum sum[i]:
//
//	mx'[i]    = max(mx[i], max(s_i))
//	alpha[i]  = e^(mx[i] − mx'[i])          (1 if unchanged, 0 from −Inf)
//	s_i[j]    = e^(s_i[j] − mx'[i])
//	sum'[i]   = sum[i]·alpha[i] + Σ_j s_i[j]
//
// so a caller keeping an output row o_i = Σ p·v rescales it by alpha[i]
// before adding s_i·V. Masked scores are −Inf and give 0; a row that has
// seen only −Inf keeps mx = −Inf, sum = 0 and gets alpha = 0 (never NaN).
// Start each row with mx = −Inf and sum = 0.
func SoftmaxOnline(s []float32, ld, m, cols int, mx, sum, alpha []float32) {
	negInf := float32(math.Inf(-1))
	mx, sum, alpha = mx[:m], sum[:m], alpha[:m]
	for i := range m {
		row := s[i*ld : i*ld+cols]
		old := mx[i]
		nm := max(old, Max(row))
		sub := nm
		if nm == negInf {
			sub = 0
		}
		a := float32(1)
		switch {
		case old == negInf:
			a = 0
		case old != nm:
			a = float32(math.Exp(float64(old - sub)))
		}
		alpha[i] = a
		sum[i] = sum[i]*a + ExpShift(row, sub)
		mx[i] = nm
	}
}

// expRef is the specification of Exp.
func expRef(dst, x []float32) {
	for i, v := range x {
		dst[i] = float32(math.Exp(float64(v)))
	}
}

// expShiftSumRef is the specification of ExpShift (x non-empty).
func expShiftSumRef(x []float32, shift float32) float32 {
	var s float32
	for i, v := range x {
		e := float32(math.Exp(float64(v - shift)))
		x[i] = e
		s += e
	}
	return s
}

// maxRef is the specification of Max (x non-empty).
func maxRef(x []float32) float32 {
	m := x[0]
	for _, v := range x[1:] {
		m = max(m, v)
	}
	return m
}
