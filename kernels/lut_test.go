package kernels

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// lutGuard is the value written around LUTDotSym's output to catch stray
// writes.
const lutGuard = int32(-0x5a5a5a5a)

// halfTable returns G·128 half-table bytes of the given kind, starting at
// byte off of a larger buffer (to test unaligned tables): "random" entries
// in [-127, 127] (a codec's tables), "random-all" in [-128, 127], "max"
// all 127, "min" all -128 (the wrap case), "extremes" only ±127 and -128.
func halfTable(rng *rand.Rand, kind string, G, off int) []int8 {
	buf := make([]int8, off+G*128+64)
	tab := buf[off : off+G*128 : off+G*128]
	for i := range tab {
		switch kind {
		case "random":
			tab[i] = int8(rng.IntN(255) - 127)
		case "random-all":
			tab[i] = int8(rng.IntN(256) - 128)
		case "max":
			tab[i] = 127
		case "min":
			tab[i] = -128
		case "extremes":
			tab[i] = []int8{127, -127, -128}[rng.IntN(3)]
		}
	}
	return tab
}

// symCodebook returns a random codebook half of d·128 normal floats.
func symCodebook(rng *rand.Rand, d int) []float32 {
	cb := make([]float32, d*128)
	for i := range cb {
		cb[i] = float32(rng.NormFloat64())
	}
	return cb
}

// lutDotFullNaive is an independent statement of LUTDotSym's sums: it
// expands each group's half table to the full 256 entries (entry 128+j the
// int8 negation of entry j, −128 wrapping to −128) and adds, per tile and
// row, the full-table entry of every code.
func lutDotFullNaive(codes []byte, nt, G int, half []int8) []int32 {
	full := make([]int8, G*256)
	for g := range G {
		for j := range 128 {
			full[g*256+j] = half[g*128+j]
			full[g*256+128+j] = -half[g*128+j]
		}
	}
	out := make([]int32, nt*64)
	for t := range nt {
		for g := range G {
			for i := range 64 {
				out[t*64+i] += int32(full[g*256+int(codes[(t*G+g)*64+i])])
			}
		}
	}
	return out
}

// checkLUTDotSym runs LUTDotSym, the output placed at element off of a
// guarded buffer, and reports any difference from lutDotSymGo or from the
// full-table sums of lutDotFullNaive, or any write outside the nt·64 sums.
func checkLUTDotSym(t *testing.T, name string, codes []byte, nt, G int, half []int8, off int) {
	t.Helper()
	buf := make([]int32, off+nt*64+32)
	for i := range buf {
		buf[i] = lutGuard
	}
	out := buf[off : off+nt*64]
	if err := LUTDotSym(out, codes, nt, G, half); err != nil {
		t.Fatalf("%s: LUTDotSym: %v", name, err)
	}
	want := make([]int32, nt*64)
	lutDotSymGo(want, codes, nt, G, half)
	naive := lutDotFullNaive(codes, nt, G, half)
	for i := range want {
		if out[i] != want[i] || out[i] != naive[i] {
			t.Fatalf("%s: out[%d] (tile %d row %d) = %d, reference %d, full-table sum %d",
				name, i, i/64, i%64, out[i], want[i], naive[i])
		}
	}
	for i, v := range buf {
		if (i < off || i >= off+nt*64) && v != lutGuard {
			t.Fatalf("%s: guard element %d overwritten with %d", name, i, v)
		}
	}
}

// TestLUTDotSymFastMatchesRef cross-checks the dispatched LUTDotSym
// (assembly on amd64 with AVX-512 BW+VBMI unless built with -tags purego)
// against lutDotSymGo and the full-table sums bit for bit: 1 to 17 tiles (every mix of the 8-, 4-,
// 2- and 1-tile kernels), group counts around the 128-group int16 flush,
// random and extreme tables (all -128 exercises the wrapped negation and,
// over 300 groups, would overflow an unflushed int16 sum), unaligned codes,
// tables and outputs.
func TestLUTDotSymFastMatchesRef(t *testing.T) {
	if !haveLUTAsm {
		t.Log("no LUT assembly on this build: checking the reference against itself")
	}
	rng := rand.New(rand.NewPCG(21, 22))
	kinds := []string{"random", "random-all", "max", "min", "extremes"}
	for _, G := range []int{1, 2, 3, 127, 128, 129, 258, 300} {
		for _, kind := range kinds {
			half := halfTable(rng, kind, G, G%5)
			for nt := 1; nt <= 17; nt++ {
				if testing.Short() && G > 200 && nt%4 != 1 {
					continue
				}
				off := (nt * 3) % 7
				cbuf := make([]byte, off+nt*G*64+64)
				codes := cbuf[off : off+nt*G*64]
				for i := range codes {
					codes[i] = byte(rng.Uint32())
				}
				checkLUTDotSym(t, fmt.Sprintf("nt=%d G=%d %s", nt, G, kind), codes, nt, G, half, nt%3)
			}
		}
	}
}

// TestLUTDotSymMatchesFullTable checks LUTDotSym, its specification and the
// expanded full table against each other on a larger shape (9 tiles, 131
// groups: a flush after 128 groups, then a short chunk) for tables of any
// int8 entries, the wrap case included.
func TestLUTDotSymMatchesFullTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, kind := range []string{"random-all", "extremes"} {
		const nt, G = 9, 131
		half := halfTable(rng, kind, G, 0)
		codes := make([]byte, nt*G*64)
		for i := range codes {
			codes[i] = byte(rng.Uint32())
		}
		checkLUTDotSym(t, kind, codes, nt, G, half, 0)
	}
}

// TestLUTDotSymExact checks a hand-computed case: one tile, two groups.
// Group 0 maps j to j−64 but entry 5 to −128, and row i uses code 4i+1, so
// rows 0-31 read j = 4i+1 and rows 32-63 the negation of j = 4i+1−128
// (row 1 reads −128, row 33 its wrapped negation −128); group 1 maps entry
// 0 to 1 (the rest 0) and the odd rows use code 128 (−1), the even ones 0.
func TestLUTDotSymExact(t *testing.T) {
	half := make([]int8, 2*128)
	for j := range 128 {
		half[j] = int8(j - 64)
	}
	half[5] = -128
	half[128] = 1
	codes := make([]byte, 2*64)
	for i := range 64 {
		codes[i] = byte(4*i + 1)
		codes[64+i] = byte(128 * (i % 2))
	}
	out := make([]int32, 64)
	if err := LUTDotSym(out, codes, 1, 2, half); err != nil {
		t.Fatal(err)
	}
	for i, got := range out {
		j := 4*i + 1
		var want int32
		switch {
		case j == 5 || j == 128+5:
			want = -128
		case j < 128:
			want = int32(j - 64)
		default:
			want = -int32(j - 128 - 64)
		}
		if i%2 == 1 {
			want--
		} else {
			want++
		}
		if got != want {
			t.Errorf("out[%d] = %d, want %d", i, got, want)
		}
	}
}

// TestLUTDotSymArgs checks that mismatched shapes return ErrLUTArgs without
// writing, and that G = 0 gives zero sums.
func TestLUTDotSymArgs(t *testing.T) {
	half := make([]int8, 3*128)
	codes := make([]byte, 2*3*64)
	cases := []struct {
		name      string
		out       []int32
		codes     []byte
		nt, G     int
		half      []int8
		wantError bool
	}{
		{"ok", make([]int32, 128), codes, 2, 3, half, false},
		{"ok long slices", make([]int32, 129), append(codes, 1), 2, 3, append(half, 1), false},
		{"negative nt", make([]int32, 128), codes, -1, 3, half, true},
		{"negative G", make([]int32, 128), codes, 2, -3, half, true},
		{"short out", make([]int32, 127), codes, 2, 3, half, true},
		{"short codes", make([]int32, 128), codes[:len(codes)-1], 2, 3, half, true},
		{"short table", make([]int32, 128), codes, 2, 3, half[:3*128-1], true},
		{"full-table length expected", make([]int32, 128), codes, 2, 6, make([]int8, 5*128), true},
		{"huge nt", make([]int32, 128), codes, math.MaxInt / 2, 3, half, true},
		{"huge G", make([]int32, 128), codes, 2, math.MaxInt / 4, half, true},
		{"nil everything", nil, nil, 1, 1, nil, true},
		{"no tiles", nil, nil, 0, 5, half, true}, // table too short for 5 groups
		{"no tiles ok", nil, nil, 0, 3, half, false},
	}
	for _, c := range cases {
		for i := range c.out {
			c.out[i] = lutGuard
		}
		err := LUTDotSym(c.out, c.codes, c.nt, c.G, c.half)
		if c.wantError != (err != nil) || (err != nil && !errors.Is(err, ErrLUTArgs)) {
			t.Errorf("%s: err = %v, want error %v wrapping ErrLUTArgs", c.name, err, c.wantError)
		}
		if err != nil {
			for i, v := range c.out {
				if v != lutGuard {
					t.Fatalf("%s: failed call wrote out[%d] = %d", c.name, i, v)
				}
			}
		}
	}
	out := []int32{5, 6, 7}
	out = append(out, make([]int32, 61)...)
	if err := LUTDotSym(out, nil, 1, 0, nil); err != nil || out[0] != 0 || out[2] != 0 {
		t.Errorf("G=0: err %v, out[:3] = %v, want nil and zeros", err, out[:3])
	}
}

// FuzzLUTDotSym compares LUTDotSym with lutDotSymGo and the full-table sums
// on shapes and contents taken from the fuzzer's bytes: the first two bytes
// pick nt and G, the rest fills the codes and the half table cyclically.
func FuzzLUTDotSym(f *testing.F) {
	f.Add([]byte{1, 1, 0})
	f.Add([]byte{17, 130, 255, 128, 127, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 3 {
			return
		}
		nt, G := int(data[0]%18), int(data[1])%300
		fill := data[2:]
		codes := make([]byte, nt*G*64)
		for i := range codes {
			codes[i] = fill[i%len(fill)] ^ byte(i/len(fill))
		}
		half := make([]int8, G*128)
		for i := range half {
			half[i] = int8(fill[(i*7)%len(fill)] + byte(i))
		}
		if nt == 0 || G == 0 {
			out := make([]int32, nt*64)
			if err := LUTDotSym(out, codes, nt, G, half); err != nil {
				t.Fatal(err)
			}
			return
		}
		checkLUTDotSym(t, "fuzz", codes, nt, G, half, 0)
	})
}

// lutBuildHalfNaive is an independent statement of LUTBuildHalf's table:
// per entry the exact float64 sum of the products xs_i·cb[i*128+j] (xs_i
// = x[g*d+i]·inv rounded to float32 as the specification says, 0 past the
// end of x), rounded half to even and clamped to [-128, 127], NaN to -128.
// It can differ from the float32 specification by 1 where the exact value
// lies within a float32 rounding of a half integer.
func lutBuildHalfNaive(x []float32, d int, cb []float32, inv float32) []int8 {
	G := (len(x) + d - 1) / d
	dst := make([]int8, G*128)
	for g := range G {
		for j := range 128 {
			v := 0.0
			for i := range d {
				if k := g*d + i; k < len(x) {
					v += float64(x[k]*inv) * float64(cb[i*128+j])
				}
			}
			switch {
			case !(v >= -128):
				dst[g*128+j] = -128
			case v > 127:
				dst[g*128+j] = 127
			default:
				dst[g*128+j] = int8(math.RoundToEven(v))
			}
		}
	}
	return dst
}

// checkLUTBuildHalf runs LUTBuildHalf and reports entries more than 1 from
// lutBuildHalfGo or from lutBuildHalfNaive, more than maxDiff entries
// differing from either at all, or writes past the table (guard bytes
// 0x5a).
func checkLUTBuildHalf(t *testing.T, name string, x []float32, d int, cb []float32, inv float32, maxDiff int) {
	t.Helper()
	G := (len(x) + d - 1) / d
	buf := make([]int8, G*128+64)
	for i := range buf {
		buf[i] = 0x5a
	}
	if err := LUTBuildHalf(buf[:G*128], x, d, cb, inv); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	want := make([]int8, G*128)
	lutBuildHalfGo(want, x, d, cb, inv)
	naive := lutBuildHalfNaive(x, d, cb, inv)
	for _, ref := range []struct {
		what string
		tab  []int8
	}{{"reference", want}, {"float64 value", naive}} {
		diff := 0
		for i, w := range ref.tab {
			if got := buf[i]; got != w {
				diff++
				if dv := int(got) - int(w); dv != 1 && dv != -1 {
					t.Fatalf("%s: group %d entry %d = %d, %s %d", name, i/128, i%128, got, ref.what, w)
				}
			}
		}
		if diff > maxDiff {
			t.Errorf("%s: %d of %d entries differ by 1 from the %s (allowed %d)", name, diff, G*128, ref.what, maxDiff)
		}
	}
	for i := G * 128; i < len(buf); i++ {
		if buf[i] != 0x5a {
			t.Fatalf("%s: guard byte %d overwritten", name, i)
		}
	}
}

// TestLUTBuildHalfFastMatchesRef cross-checks the dispatched LUTBuildHalf
// against lutBuildHalfGo and the float64 values for the codecs' group sizes
// and the ends of the range, lengths with a partial last group, and scales
// from unsaturated to mostly saturated; only entries within a float32
// rounding of a half integer may differ, by 1.
func TestLUTBuildHalfFastMatchesRef(t *testing.T) {
	if !haveLUTAsm {
		t.Log("no LUT assembly on this build: checking the reference against the float64 values")
	}
	rng := rand.New(rand.NewPCG(25, 26))
	for _, d := range []int{1, 2, 3, 4, 5, 8} {
		cb := symCodebook(rng, d)
		for _, n := range []int{1, d, d + 1, 37*d - 1, 512*d + 1, 2048} {
			x := make([]float32, n)
			maxAbs := float32(0)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
				maxAbs = max(maxAbs, float32(math.Abs(float64(x[i]))))
			}
			for _, scale := range []float32{30, 127, 400, 5000} {
				// scale/maxAbs/√d puts typical |entries| near scale/3.
				inv := scale / maxAbs / float32(math.Sqrt(float64(d)))
				G := (n + d - 1) / d
				checkLUTBuildHalf(t, fmt.Sprintf("d=%d n=%d scale=%g", d, n, scale), x, d, cb, inv, 2+G*128/2000)
			}
		}
	}
}

// TestLUTBuildHalfSpecial feeds infinities, NaN and huge values: they
// saturate, NaN to -128, in both paths and the float64 values alike.
func TestLUTBuildHalfSpecial(t *testing.T) {
	d := 4
	cb := make([]float32, d*128)
	for i := range cb {
		cb[i] = float32(i%5) - 2
	}
	inf := float32(math.Inf(1))
	// In group 3 (3e38, 3e38) a product overflowing to ±Inf never meets a
	// finite product of the other sign: there a fused multiply-add, which
	// does not round the product, or the float64 sum, which does not
	// overflow, could stay finite and differ by more than 1.
	x := []float32{inf, 0, 0, 0, -inf, 1, 0, 0, float32(math.NaN()), 1, 1, 1, 3e38, 3e38, 0, 0, 1e30}
	checkLUTBuildHalf(t, "special", x, d, cb, 1, 0)
	checkLUTBuildHalf(t, "special inv=2", x, d, cb, 2, 0)
	dst := make([]int8, 5*128)
	if err := LUTBuildHalf(dst, x, d, cb, 1); err != nil {
		t.Fatal(err)
	}
	for j := range 128 { // group 2 starts with NaN
		if dst[2*128+j] != -128 {
			t.Fatalf("NaN group: entry %d = %d, want -128", j, dst[2*128+j])
		}
	}
}

// TestLUTBuildHalfExact checks hand-computed cases: d = 2, x = (1, 2, 5)
// with inv = 0.5 and coordinates j−64 and 0.25 (in "ties", 0.5 for entries
// 66 and 68, −200 for entry 0 and 200 for entry 127), so the whole group 0
// (xs = 0.5, 1; computed by the fast path where there is one) gives
// 0.5(j−64) + cb[128+j] and the partial group 1 (xs = 2.5, 0) gives
// 2.5(j−64), stored 128 bytes apart: ties round to even, ends saturate.
func TestLUTBuildHalfExact(t *testing.T) {
	for _, c := range []struct {
		name  string
		coord map[int]float32 // cb[128+j] other than 0.25
		want  map[int]int8
	}{
		{"plain", nil, map[int]int8{
			1:         -31, // -31.25
			63:        0,   // -0.25
			65:        1,   // 0.75
			127:       32,  // 31.75
			128 + 0:   -128,
			128 + 13:  -128, // -127.5 → -128
			128 + 14:  -125,
			128 + 63:  -2, // -2.5
			128 + 65:  2,  // 2.5
			128 + 67:  8,  // 7.5
			128 + 115: 127,
		}},
		{"ties", map[int]float32{0: -200, 127: 200, 66: 0.5, 68: 0.5}, map[int]int8{
			0:         -128, // -232
			1:         -31,  // -31.25
			63:        0,    // -0.25
			64:        0,    // 0.25
			65:        1,    // 0.75
			66:        2,    // 1.5
			68:        2,    // 2.5
			126:       31,   // 31.25
			127:       127,  // 231.5
			128 + 0:   -128, // -160
			128 + 13:  -128, // -127.5 → -128
			128 + 14:  -125,
			128 + 63:  -2, // -2.5
			128 + 64:  0,
			128 + 65:  2,   // 2.5
			128 + 67:  8,   // 7.5
			128 + 114: 125, // 125
			128 + 115: 127, // 127.5 → 128 saturates
			128 + 127: 127, // 157.5
		}},
	} {
		cb := make([]float32, 2*128)
		for j := range 128 {
			cb[j] = float32(j - 64)
			cb[128+j] = 0.25
		}
		for j, v := range c.coord {
			cb[128+j] = v
		}
		dst := make([]int8, 2*128)
		if err := LUTBuildHalf(dst, []float32{1, 2, 5}, 2, cb, 0.5); err != nil {
			t.Fatal(err)
		}
		for i, w := range c.want {
			if dst[i] != w {
				t.Errorf("%s: dst[%d] = %d, want %d", c.name, i, dst[i], w)
			}
		}
	}
}

// TestLUTBuildArgs checks that bad group sizes and short slices make
// LUTBuildHalf return ErrLUTArgs without writing.
func TestLUTBuildArgs(t *testing.T) {
	x := make([]float32, 10) // 3 groups of 4
	const e, tab = 128, 128  // codebook entries given per coordinate, table bytes per group
	cases := []struct {
		name    string
		dstLen  int
		d       int
		cbLen   int
		wantErr bool
	}{
		{"ok", 3 * tab, 4, 4 * e, false},
		{"ok long slices", 3*tab + 7, 4, 4*e + 9, false},
		{"d=0", 3 * tab, 0, 4 * e, true},
		{"d=9", 2 * tab, 9, 9 * e, true},
		{"d=-1", 3 * tab, -1, 4 * e, true},
		{"short cb", 3 * tab, 4, 4*e - 1, true},
		{"full-codebook length expected", 3 * tab, 4, 3 * e, true},
		{"short dst", 3*tab - 1, 4, 4 * e, true},
		{"half-size dst", 3 * tab / 2, 4, 4 * e, true},
		{"nil dst", 0, 4, 4 * e, true},
	}
	for _, c := range cases {
		dst := make([]int8, c.dstLen)
		for i := range dst {
			dst[i] = 0x5a
		}
		cb := make([]float32, c.cbLen)
		for i := range cb {
			cb[i] = 1
		}
		err := LUTBuildHalf(dst, x, c.d, cb, 1)
		if c.wantErr != (err != nil) || (err != nil && !errors.Is(err, ErrLUTArgs)) {
			t.Errorf("%s: err = %v, want error %v wrapping ErrLUTArgs", c.name, err, c.wantErr)
		}
		if err != nil {
			for i, v := range dst {
				if v != 0x5a {
					t.Fatalf("%s: failed call wrote dst[%d]", c.name, i)
				}
			}
		}
	}
	if err := LUTBuildHalf(nil, nil, 4, make([]float32, 4*e), 1); err != nil {
		t.Errorf("empty x: %v", err)
	}
}

// TestLUTBuildHalfPrefetch: the table is LUTBuildHalf's whatever the
// prefetch region (none, shorter than the groups cover, odd lengths,
// longer), partial last groups included; a bad shape fails the same way.
func TestLUTBuildHalfPrefetch(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	pf := make([]byte, 1<<20)
	for _, d := range []int{1, 2, 4, 5} {
		cb := symCodebook(rng, d)
		for _, n := range []int{1, d + 1, 512*d + 3, 5632} {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			G := (n + d - 1) / d
			want := make([]int8, G*LUTHalf)
			if err := LUTBuildHalf(want, x, d, cb, 20); err != nil {
				t.Fatal(err)
			}
			for _, np := range []int{0, 1, 127, 128, 200, 64 * G, 128*G + 64, len(pf)} {
				got := make([]int8, G*LUTHalf)
				if err := LUTBuildHalfPrefetch(got, x, d, cb, 20, pf[:np]); err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("d=%d n=%d prefetching %d bytes: table differs from LUTBuildHalf's", d, n, np)
				}
			}
		}
	}
	if err := LUTBuildHalfPrefetch(make([]int8, 10), make([]float32, 8), 4, make([]float32, 512), 1, pf); !errors.Is(err, ErrLUTArgs) {
		t.Fatalf("short table: %v, want ErrLUTArgs", err)
	}
}
