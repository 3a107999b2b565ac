package kernels

import "fmt"

// ScoresF16 computes the attention scores of rows query rows against n keys
// stored as IEEE 754 binary16 bit patterns (an F16 KV cache read in place):
// for i < rows and j < n,
//
//	s[i*lds+j] = Σ_{d<hd} q[i*hd+d]·F16ToF32(k[j*ldk+d])
//
// q holds the rows back to back (already scaled by the caller); key j
// starts at k[j*ldk]. On amd64 with AVX-512 F and F16C (and without the
// purego build tag) keys go sixteen at a time through an assembly kernel
// that widens them with VCVTPH2PS, accumulates with FMA and reduces the
// sixteen dot products in one register tree; it differs from its
// specification scoresF16Ref only by the order of the sums. It panics if a
// slice is too short for the shape (a programmer error).
func ScoresF16(s []float32, lds int, q []float32, rows, hd int, k []uint16, ldk, n int) {
	if rows < 0 || n < 0 || hd < 0 || (rows > 1 && lds < n) || (n > 1 && ldk < hd) {
		panic(fmt.Sprintf("kernels.ScoresF16: bad shape rows=%d n=%d hd=%d lds=%d ldk=%d", rows, n, hd, lds, ldk))
	}
	if rows == 0 || n == 0 {
		return
	}
	if len(s) < (rows-1)*lds+n || len(q) < rows*hd || len(k) < (n-1)*ldk+hd {
		panic(fmt.Sprintf("kernels.ScoresF16: slices too short for rows=%d n=%d hd=%d lds=%d ldk=%d (s %d, q %d, k %d)",
			rows, n, hd, lds, ldk, len(s), len(q), len(k)))
	}
	if hd == 0 {
		for i := range rows {
			clear(s[i*lds : i*lds+n])
		}
		return
	}
	scoresF16(s, lds, q, rows, hd, k, ldk, n)
}

// AccumF16 adds the probability-weighted sum of n values stored as binary16
// bit patterns to rows output rows: for i < rows and d < hd,
//
//	o[i*ldo+d] += Σ_{j<n} p[i*ldp+j]·F16ToF32(v[j*ldv+d])
//
// the second half of attention over an F16 KV cache (o unnormalized, the
// caller divides by the softmax sum). On amd64 with AVX-512 F and F16C
// (and without the purego build tag) an assembly kernel takes up to eight
// rows and 32 dimensions at a time, widening each value once per row group
// with VCVTPH2PS; it adds the products in j order as accumF16Ref does and
// differs from it only by fused multiply-add rounding. It panics if a slice
// is too short for the shape (a programmer error).
func AccumF16(o []float32, ldo int, p []float32, ldp, rows int, v []uint16, ldv, n, hd int) {
	if rows < 0 || n < 0 || hd < 0 || (rows > 1 && (ldo < hd || ldp < n)) || (n > 1 && ldv < hd) {
		panic(fmt.Sprintf("kernels.AccumF16: bad shape rows=%d n=%d hd=%d ldo=%d ldp=%d ldv=%d", rows, n, hd, ldo, ldp, ldv))
	}
	if rows == 0 || n == 0 || hd == 0 {
		return
	}
	if len(o) < (rows-1)*ldo+hd || len(p) < (rows-1)*ldp+n || len(v) < (n-1)*ldv+hd {
		panic(fmt.Sprintf("kernels.AccumF16: slices too short for rows=%d n=%d hd=%d ldo=%d ldp=%d ldv=%d (o %d, p %d, v %d)",
			rows, n, hd, ldo, ldp, ldv, len(o), len(p), len(v)))
	}
	accumF16(o, ldo, p, ldp, rows, v, ldv, n, hd)
}

// scoresF16Ref is the specification of ScoresF16: each key element widened
// with F16ToF32, one float32 sum per score in d order.
func scoresF16Ref(s []float32, lds int, q []float32, rows, hd int, k []uint16, ldk, n int) {
	for i := range rows {
		qi := q[i*hd : (i+1)*hd]
		for j := range n {
			kj := k[j*ldk : j*ldk+hd]
			var acc float32
			for d, x := range qi {
				acc += x * F16ToF32(kj[d])
			}
			s[i*lds+j] = acc
		}
	}
}

// accumF16Ref is the specification of AccumF16: for each row, the values
// widened with F16ToF32 and added in j order.
func accumF16Ref(o []float32, ldo int, p []float32, ldp, rows int, v []uint16, ldv, n, hd int) {
	for i := range rows {
		oi := o[i*ldo : i*ldo+hd]
		for j := range n {
			w := p[i*ldp+j]
			vj := v[j*ldv : j*ldv+hd]
			for d := range oi {
				oi[d] += w * F16ToF32(vj[d])
			}
		}
	}
}
