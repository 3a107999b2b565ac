package kernels

import "fmt"

// PanelWidth is the number of columns MulPanel64 computes.
const PanelWidth = 64

// MulPanel64 computes one 64-column panel of a matrix product, the shape of
// both halves of blocked attention (scores = Q·Kᵀ with Kᵀ stored
// dimension-major, outputs = P·V): for i < m and j < 64,
//
//	c[i*ldc+j] = β_i·c[i*ldc+j] + Σ_{p<k} a[i*lda+p]·b[p*ldb+j]
//
// with β_i = beta[i] (a per-row rescale, as an online softmax needs), or,
// when beta is nil, β_i = 0 and c is only written (never read, so it may
// hold anything). On amd64 with AVX-512 (and without the purego build tag)
// rows go four at a time through an assembly kernel that sums in the same
// order as its specification mulPanel64Ref and differs from it only by
// fused multiply-add rounding. It panics if a slice is too short for the
// shape (a programmer error).
func MulPanel64(c []float32, ldc int, a []float32, lda int, b []float32, ldb int, m, k int, beta []float32) {
	const w = PanelWidth
	if m < 0 || k < 0 || ldc < w || ldb < w || (k > 0 && lda < k) {
		panic(fmt.Sprintf("kernels.MulPanel64: bad shape m=%d k=%d lda=%d ldb=%d ldc=%d", m, k, lda, ldb, ldc))
	}
	if m == 0 {
		return
	}
	if len(c) < (m-1)*ldc+w || (k > 0 && (len(a) < (m-1)*lda+k || len(b) < (k-1)*ldb+w)) || (beta != nil && len(beta) < m) {
		panic(fmt.Sprintf("kernels.MulPanel64: slices too short for m=%d k=%d lda=%d ldb=%d ldc=%d (c %d, a %d, b %d, beta %d)",
			m, k, lda, ldb, ldc, len(c), len(a), len(b), len(beta)))
	}
	if k == 0 && len(b) == 0 {
		b = make([]float32, w) // never read; the kernel wants an address
	}
	mulPanel64(c, ldc, a, lda, b, ldb, m, k, beta)
}

// mulPanel64Ref is the specification of MulPanel64.
func mulPanel64Ref(c []float32, ldc int, a []float32, lda int, b []float32, ldb int, m, k int, beta []float32) {
	var acc [PanelWidth]float32
	for i := range m {
		clear(acc[:])
		for p := range k {
			av := a[i*lda+p]
			row := b[p*ldb : p*ldb+PanelWidth]
			for j, bv := range row {
				acc[j] += av * bv
			}
		}
		out := c[i*ldc : i*ldc+PanelWidth]
		if beta == nil {
			copy(out, acc[:])
			continue
		}
		for j := range out {
			out[j] = beta[i]*out[j] + acc[j]
		}
	}
}

// NarrowF16 writes F32ToF16(src[i]) to dst[i] for i < len(src) (dst must
// be at least as long), eight at a time with VCVTPS2PH (round to nearest
// even) where the CPU has F16C and the build is not purego: the same bits
// but for NaNs, which stay NaN with another payload.
func NarrowF16(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	narrowF16(dst, src)
}

// WidenF16 writes F16ToF32(src[i]) to dst[i] for i < len(src) (dst must be
// at least as long), eight at a time with VCVTPH2PS where the CPU has F16C
// (and the build is not purego); NaNs then come out quiet.
func WidenF16(dst []float32, src []uint16) {
	dst = dst[:len(src)]
	widenF16(dst, src)
}
