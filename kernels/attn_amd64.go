//go:build amd64 && !purego

package kernels

import "golang.org/x/sys/cpu"

// havePanelAsm reports whether MulPanel64 runs the AVX-512 kernel.
var havePanelAsm = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL

// mulPanel64 is MulPanel64 after the shape checks: the AVX-512 kernel four
// rows at a time, the reference for the remaining rows.
func mulPanel64(c []float32, ldc int, a []float32, lda int, b []float32, ldb int, m, k int, beta []float32) {
	if !havePanelAsm {
		mulPanel64Ref(c, ldc, a, lda, b, ldb, m, k, beta)
		return
	}
	m4 := m &^ 3
	for i := 0; i < m4; i += 4 {
		var bp *float32
		if beta != nil {
			bp = &beta[i]
		}
		var ap *float32
		if k > 0 {
			ap = &a[i*lda]
		}
		panel4x64AVX512(ap, lda, &b[0], ldb, k, &c[i*ldc], ldc, bp)
	}
	if m4 < m {
		var bt []float32
		if beta != nil {
			bt = beta[m4:]
		}
		mulPanel64Ref(c[m4*ldc:], ldc, a[min(m4*lda, len(a)):], lda, b, ldb, m-m4, k, bt)
	}
}

// panel4x64AVX512 computes, for i < 4 and j < 64,
//
//	c[i*ldc+j] = β_i·c[i*ldc+j] + Σ_{p<k} a[i*lda+p]·b[p*ldb+j]
//
// with β_i = beta[i], or 0 without reading c when beta is nil: sixteen
// 16-lane accumulators, one broadcast of a per row and k step, the products
// summed in p order (then β_i·c added by one FMA), as mulPanel64Ref does.
//
//go:noescape
func panel4x64AVX512(a *float32, lda int, b *float32, ldb int, k int, c *float32, ldc int, beta *float32)
