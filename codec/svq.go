package codec

import (
	"math"
	"sync"
)

// svqTable is a sign-structured vector codebook for 8-weight vectors
// (FORMAT.md, "Sign-structured codebooks"). Codeword for entry k, sign
// bits s0..s6 and shift bit t:
//
//	q[i] = ±abs[k][i] + (t ? -shift : +shift)   (integers, units of 1/32)
//
// where the sign of coordinate 7 makes the number of negative signs ≡
// parity[k] (mod 2).
type svqTable struct {
	shift  uint8 // 0: the layout has no shift bit
	abs    [][8]uint8
	parity []uint8

	scanOnce sync.Once
	scan     *svqScanTable // built by scanTable
}

// svqCode is one encoded vector: the entry, 7 sign bits (bit i set: coordinate
// i is negative) and the shift bit.
type svqCode struct {
	k     uint16
	signs uint8
	shift uint8
}

// expand writes the integer codeword of c into q.
func (t *svqTable) expand(c svqCode, q *[8]int32) {
	a := &t.abs[c.k]
	sh := int32(t.shift)
	if c.shift != 0 {
		sh = -sh
	}
	neg7 := (uint8(popcount7(c.signs)) + t.parity[c.k]) & 1
	s := c.signs | neg7<<7
	for i := range 8 {
		v := int32(a[i])
		if s>>i&1 != 0 {
			v = -v
		}
		q[i] = v + sh
	}
}

func popcount7(b uint8) int {
	n := 0
	for i := range 7 {
		n += int(b >> i & 1)
	}
	return n
}

// svqShift is the per-shift state of a nearest-codeword search: z minus
// the shift, split into magnitudes av and signs sg (neg of them negative),
// the weights wv and base = Σ wv·av².
type svqShift struct {
	av, wv [8]float32
	sg     uint8
	neg    int
	base   float32
}

// prepShift fills the search state of z under weights w (nil: all 1) for
// shift variant si (0: +shift, 1: −shift).
func (t *svqTable) prepShift(z, w *[8]float32, si int, p *svqShift) {
	sh := float32(t.shift)
	if si == 1 {
		sh = -sh
	}
	p.sg, p.neg, p.base = 0, 0, 0
	for i := range 8 {
		// Branch-free form of: if v < 0 { sign bit i; v = -v }.
		v := z[i] - sh
		var n uint32
		if v < 0 {
			n = 1
		}
		p.sg |= uint8(n) << i
		p.neg += int(n)
		p.av[i] = math.Float32frombits(math.Float32bits(v) ^ n<<31)
		p.wv[i] = 1
		if w != nil {
			p.wv[i] = w[i]
		}
		p.base += p.wv[i] * v * v
	}
}

// evalEntry returns the weighted squared error of the best codeword of
// entry k for the state p (signs from z's, the parity fixed by flipping the
// coordinate that costs least) and its sign bits (all 8).
func (t *svqTable) evalEntry(k int, p *svqShift) (float32, uint8) {
	a := &t.abs[k]
	d := p.base
	mn := float32(-1)
	mi := 0
	mismatch := uint8(p.neg&1) != t.parity[k]
	for i := range 8 {
		f := float32(a[i])
		d += p.wv[i] * f * (f - 2*p.av[i])
		if mismatch {
			if c := p.wv[i] * f * p.av[i]; mn < 0 || c < mn {
				mn, mi = c, i
			}
		}
	}
	s := p.sg
	if mismatch {
		d += 4 * mn
		s ^= 1 << mi
	}
	return d, s
}

// nearest finds the codeword closest to z (in table units) under weights w
// (nil: all equal). It returns the code and the squared error (weighted).
// It runs the vectorized search of encode_fast.go where the CPU has it and
// the exhaustive nearestRef otherwise; both return the same code.
func (t *svqTable) nearest(z *[8]float32, w *[8]float32) (svqCode, float32) {
	if !forceRef && useSVQScan {
		if f := t.scanTable(); f != nil {
			return t.nearestScan(f, z, w, true)
		}
	}
	return t.nearestRef(z, w)
}

// nearestRef is the specification of nearest: an exhaustive search over
// every entry and shift variant, the first (shift, entry) in order winning
// ties.
func (t *svqTable) nearestRef(z *[8]float32, w *[8]float32) (svqCode, float32) {
	best := float32(math.Inf(1))
	var bc svqCode
	nsh := 1
	if t.shift != 0 {
		nsh = 2
	}
	var p svqShift
	for si := range nsh {
		t.prepShift(z, w, si, &p)
		for k := range t.abs {
			if d, s := t.evalEntry(k, &p); d < best {
				best = d
				bc = svqCode{k: uint16(k), signs: s & 0x7f, shift: uint8(si)}
			}
		}
	}
	return bc, best
}
