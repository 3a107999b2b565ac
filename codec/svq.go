package codec

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

// nearest finds the codeword closest to z (in table units) under weights w
// (nil: all equal). It returns the code and the squared error (weighted).
func (t *svqTable) nearest(z *[8]float32, w *[8]float32) (svqCode, float32) {
	best := float32(-1)
	var bc svqCode
	nsh := 1
	if t.shift != 0 {
		nsh = 2
	}
	for si := range nsh {
		sh := float32(t.shift)
		if si == 1 {
			sh = -sh
		}
		var av, wv [8]float32
		var sg uint8
		neg := 0
		var base float32
		for i := range 8 {
			v := z[i] - sh
			if v < 0 {
				sg |= 1 << i
				neg++
				v = -v
			}
			av[i] = v
			wv[i] = 1
			if w != nil {
				wv[i] = w[i]
			}
			base += wv[i] * v * v
		}
		for k := range t.abs {
			a := &t.abs[k]
			d := base
			mn := float32(-1)
			mi := 0
			mismatch := uint8(neg&1) != t.parity[k]
			for i := range 8 {
				f := float32(a[i])
				d += wv[i] * f * (f - 2*av[i])
				if mismatch {
					if c := wv[i] * f * av[i]; mn < 0 || c < mn {
						mn, mi = c, i
					}
				}
			}
			s := sg
			if mismatch {
				d += 4 * mn
				s ^= 1 << mi
			}
			if best < 0 || d < best {
				best = d
				bc = svqCode{k: uint16(k), signs: s & 0x7f, shift: uint8(si)}
			}
		}
	}
	return bc, best
}
