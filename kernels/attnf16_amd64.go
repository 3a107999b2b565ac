//go:build amd64 && !purego

package kernels

import "golang.org/x/sys/cpu"

// haveAttnF16Asm reports whether ScoresF16 and AccumF16 run the AVX-512
// kernels (VCVTPH2PS on 16 lanes is AVX-512 F; F16C is its 8-lane origin).
var haveAttnF16Asm = cpu.X86.HasAVX512F && cpu.X86.HasF16C

// scoresPadHD is the longest head dimension scoresF16WideAVX512 takes (its
// frame holds sixteen widened keys of it) and whose keys ScoresF16 copies to
// the stack when a call has fewer than sixteen keys (longer heads take
// scoresF16AVX512, and the reference for such short calls).
const scoresPadHD = 256

// scoresF16 is ScoresF16 after the shape checks. The kernel takes keys
// sixteen at a time; a tail of n mod 16 keys is done by running the last
// sixteen keys again (scores are written, never accumulated, so the
// overlap is harmless), or, when n < 16, on a zero-padded copy of the keys.
func scoresF16(s []float32, lds int, q []float32, rows, hd int, k []uint16, ldk, n int) {
	if !haveAttnF16Asm {
		scoresF16Ref(s, lds, q, rows, hd, k, ldk, n)
		return
	}
	if n >= 16 {
		kern := scoresF16AVX512
		if hd <= scoresPadHD {
			kern = scoresF16WideAVX512
		}
		full := n &^ 15
		kern(&s[0], lds, &q[0], rows, hd, &k[0], ldk, full)
		if j0 := n - 16; full < n {
			kern(&s[j0], lds, &q[0], rows, hd, &k[j0*ldk], ldk, 16)
		}
		return
	}
	if hd > scoresPadHD {
		scoresF16Ref(s, lds, q, rows, hd, k, ldk, n)
		return
	}
	var pad [16 * scoresPadHD]uint16
	for j := range n {
		copy(pad[j*hd:(j+1)*hd], k[j*ldk:j*ldk+hd])
	}
	var out [16]float32
	for i := range rows {
		scoresF16WideAVX512(&out[0], 16, &q[i*hd], 1, hd, &pad[0], hd, 16)
		copy(s[i*lds:i*lds+n], out[:n])
	}
}

// accumF16 is AccumF16 after the shape checks: the kernel eight rows at a
// time.
func accumF16(o []float32, ldo int, p []float32, ldp, rows int, v []uint16, ldv, n, hd int) {
	if !haveAttnF16Asm {
		accumF16Ref(o, ldo, p, ldp, rows, v, ldv, n, hd)
		return
	}
	for i := 0; i < rows; i += 8 {
		accumF16AVX512(&o[i*ldo], ldo, &p[i*ldp], ldp, min(8, rows-i), &v[0], ldv, n, hd)
	}
}

// scoresF16AVX512 sets s[i*lds+j] = Σ_{d<hd} q[i*hd+d]·f16(k[j*ldk+d]) for
// i < rows (≥ 1), j < n (a positive multiple of 16), hd ≥ 1: for each block
// of sixteen keys and each row, sixteen 16-lane accumulators (masked loads
// for the last hd mod 16 dimensions), reduced to one vector of sixteen
// scores by a shuffle-and-add tree and stored with one VMOVUPS. It reads
// exactly hd halves of each key and hd floats of each row.
//
//go:noescape
func scoresF16AVX512(s *float32, lds int, q *float32, rows, hd int, k *uint16, ldk, n int)

// scoresF16WideAVX512 is scoresF16AVX512 for hd ≤ scoresPadHD: each block
// of sixteen keys is widened once into a 16 KiB frame buffer (prefetching
// the next block's keys) and read by every row as FMA memory operands, so
// the VCVTPH2PS work is shared by the rows instead of repeated per row.
//
//go:noescape
func scoresF16WideAVX512(s *float32, lds int, q *float32, rows, hd int, k *uint16, ldk, n int)

// accumF16AVX512 adds Σ_{j<n} p[i*ldp+j]·f16(v[j*ldv+d]) to o[i*ldo+d] for
// i < rows (1 to 8), d < hd, n ≥ 1: 32 dimensions at a time, the rows'
// accumulators in registers across all n values (loaded from o and stored
// back with masks for the dimension tail), one VCVTPH2PS per value and
// half, one broadcast of p per row and value, products added in j order.
//
//go:noescape
func accumF16AVX512(o *float32, ldo int, p *float32, ldp, rows int, v *uint16, ldv, n, hd int)
