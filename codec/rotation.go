package codec

import "math"

// maxRotBlock caps the Hadamard block so that one block of float32 values
// (16 KiB) stays in L1 cache.
const maxRotBlock = 4096

// splitmix64 is the sign generator of the rotation (FORMAT.md, "Rotation").
type splitmix64 struct{ s uint64 }

func (g *splitmix64) next() uint64 {
	g.s += 0x9E3779B97F4A7C15
	z := g.s
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// autoRotBlock is the default block: the largest power of two dividing cols,
// at most maxRotBlock.
func autoRotBlock(cols int) int {
	b := 1
	for b < maxRotBlock && cols%(2*b) == 0 {
		b *= 2
	}
	return b
}

// rotation holds the per-column signs and block size of one tensor's
// transform. A nil *rotation is the identity.
type rotation struct {
	block int
	scale float32  // float32(1/sqrt(block)) rounded from float64
	neg   []bool   // neg[j]: column j's sign is -1
	signs []uint32 // signs[j]: 1<<31 where neg[j] (the fast path's XOR mask)
}

func newRotation(seed uint64, block, cols int) *rotation {
	if block == 0 {
		return nil
	}
	g := splitmix64{seed}
	neg := make([]bool, cols)
	signs := make([]uint32, cols)
	var bits uint64
	for j := range cols {
		if j%64 == 0 {
			bits = g.next()
		}
		neg[j] = bits>>(j%64)&1 == 1
		if neg[j] {
			signs[j] = 1 << 31
		}
	}
	return &rotation{block: block, scale: float32(1 / math.Sqrt(float64(block))), neg: neg, signs: signs}
}

// fwht is the unnormalized fast Walsh-Hadamard transform in the exact
// butterfly order of the spec.
func fwht(v []float32) {
	n := len(v)
	for h := 1; h < n; h *= 2 {
		for i := 0; i < n; i += 2 * h {
			for j := i; j < i+h; j++ {
				a, b := v[j], v[j+h]
				v[j], v[j+h] = a+b, a-b
			}
		}
	}
}

// forward rotates v in place: per block, signs, then H, then 1/sqrt(B).
// It is applied to weight rows by the encoder and to x by DotRows. The
// AVX-512 kernel (forwardFast) gives bit-identical results.
func (r *rotation) forward(v []float32) {
	if r == nil || r.forwardFast(v) {
		return
	}
	r.forwardGo(v)
}

// forwardGo is forward in Go, the specification of forwardFast.
func (r *rotation) forwardGo(v []float32) {
	for j := range v {
		if r.neg[j] {
			v[j] = -v[j]
		}
	}
	for o := 0; o < len(v); o += r.block {
		b := v[o : o+r.block]
		fwht(b)
		for j := range b {
			b[j] = float32(b[j] * r.scale)
		}
	}
}

// inverse undoes forward: per block H, then 1/sqrt(B), then the signs.
func (r *rotation) inverse(v []float32) {
	if r == nil {
		return
	}
	for o := 0; o < len(v); o += r.block {
		b := v[o : o+r.block]
		fwht(b)
		for j := range b {
			b[j] = float32(b[j] * r.scale)
		}
	}
	for j := range v {
		if r.neg[j] {
			v[j] = -v[j]
		}
	}
}

// rotateImportance returns the importance seen by the rotated coordinates:
// the diagonal of R·diag(imp)·Rᵀ, which is the block mean of imp for every
// coordinate of the block. Without rotation it is imp itself.
func (r *rotation) rotateImportance(imp []float32) []float32 {
	if r == nil || imp == nil {
		return imp
	}
	out := make([]float32, len(imp))
	for o := 0; o < len(imp); o += r.block {
		var s float64
		for _, v := range imp[o : o+r.block] {
			s += float64(v)
		}
		m := float32(s / float64(r.block))
		for j := o; j < o+r.block; j++ {
			out[j] = m
		}
	}
	return out
}
