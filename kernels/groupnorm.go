package kernels

import "math"

// MaxGroupNorm2 returns the largest squared norm of the groups of d ≥ 1
// consecutive values of x (the last group may be short): per group
// Σ float32(v·v), each product rounded and summed from the group's first
// value to its last, and 0 for an empty x. It is NaN if any value is NaN
// (+Inf when a norm overflows). A LUT product computes it before every
// table build to bound the table's entries; on amd64 with AVX-512 (without
// the purego build tag) d = 2 and d = 4 run an assembly kernel that equals
// the reference maxGroupNorm2Go bit for bit. d < 1 gives NaN.
func MaxGroupNorm2(x []float32, d int) float32 {
	if d < 1 {
		return float32(math.NaN())
	}
	return maxGroupNorm2(x, d)
}

// maxGroupNorm2Go is the specification of MaxGroupNorm2 (d ≥ 1). The
// usual group sizes take four groups per step into four running maxima
// (max's NaN handling makes one running maximum a long dependency chain);
// the float32 conversions keep the compiler from fusing a product with
// the sum.
func maxGroupNorm2Go(x []float32, d int) float32 {
	var m0, m1, m2, m3 float32
	g := 0
	sq := func(v float32) float32 { return float32(v * v) }
	switch d {
	case 2:
		for ; g+8 <= len(x); g += 8 {
			v := x[g : g+8 : g+8]
			m0 = max(m0, sq(v[0])+sq(v[1]))
			m1 = max(m1, sq(v[2])+sq(v[3]))
			m2 = max(m2, sq(v[4])+sq(v[5]))
			m3 = max(m3, sq(v[6])+sq(v[7]))
		}
	case 4:
		for ; g+16 <= len(x); g += 16 {
			v := x[g : g+16 : g+16]
			m0 = max(m0, sq(v[0])+sq(v[1])+sq(v[2])+sq(v[3]))
			m1 = max(m1, sq(v[4])+sq(v[5])+sq(v[6])+sq(v[7]))
			m2 = max(m2, sq(v[8])+sq(v[9])+sq(v[10])+sq(v[11]))
			m3 = max(m3, sq(v[12])+sq(v[13])+sq(v[14])+sq(v[15]))
		}
	case 5:
		for ; g+20 <= len(x); g += 20 {
			v := x[g : g+20 : g+20]
			m0 = max(m0, sq(v[0])+sq(v[1])+sq(v[2])+sq(v[3])+sq(v[4]))
			m1 = max(m1, sq(v[5])+sq(v[6])+sq(v[7])+sq(v[8])+sq(v[9]))
			m2 = max(m2, sq(v[10])+sq(v[11])+sq(v[12])+sq(v[13])+sq(v[14]))
			m3 = max(m3, sq(v[15])+sq(v[16])+sq(v[17])+sq(v[18])+sq(v[19]))
		}
	}
	for ; g < len(x); g += d {
		var n2 float32
		for _, v := range x[g:min(len(x), g+d)] {
			n2 += sq(v)
		}
		m0 = max(m0, n2)
	}
	return max(m0, m1, m2, m3)
}
