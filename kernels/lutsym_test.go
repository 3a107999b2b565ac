package kernels

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

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

// checkLUTDotSym runs LUTDotSym and lutDotSymGo on the same inputs, the
// output placed at element off of a guarded buffer, and reports any
// difference or any write outside the nt·64 sums.
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
	for i := range want {
		if out[i] != want[i] {
			t.Fatalf("%s: out[%d] (tile %d row %d) = %d, reference %d", name, i, i/64, i%64, out[i], want[i])
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
// against lutDotSymGo bit for bit: 1 to 17 tiles (every mix of the 8-, 4-,
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
	for _, G := range []int{1, 3, 127, 128, 129, 300} {
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

// TestLUTDotSymMatchesLUTDot checks the specification against LUTDot on the
// full table (the half, then its int8 negation, −128 staying −128): the
// sums agree for every table, the wrap case included.
func TestLUTDotSymMatchesLUTDot(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, kind := range []string{"random-all", "extremes"} {
		const nt, G = 9, 131
		half := halfTable(rng, kind, G, 0)
		full := make([]int8, G*256)
		for g := range G {
			for j := range 128 {
				full[g*256+j] = half[g*128+j]
				full[g*256+128+j] = -half[g*128+j]
			}
		}
		codes := make([]byte, nt*G*64)
		for i := range codes {
			codes[i] = byte(rng.Uint32())
		}
		sym, ref := make([]int32, nt*64), make([]int32, nt*64)
		if err := LUTDotSym(sym, codes, nt, G, half); err != nil {
			t.Fatal(err)
		}
		if err := LUTDot(ref, codes, nt, G, full); err != nil {
			t.Fatal(err)
		}
		for i := range ref {
			if sym[i] != ref[i] {
				t.Fatalf("%s: out[%d]: LUTDotSym %d, LUTDot on the full table %d", kind, i, sym[i], ref[i])
			}
		}
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

// FuzzLUTDotSym compares LUTDotSym with lutDotSymGo on shapes and contents
// taken from the fuzzer's bytes: the first two bytes pick nt and G, the
// rest fills the codes and the half table cyclically.
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

// checkLUTBuildHalf runs LUTBuildHalf, lutBuildHalfGo and LUTBuildSym on
// the same inputs and reports entries more than 1 from the reference, more
// than maxDiff entries differing at all, a difference from LUTBuildSym's
// first half (its kernel and reference do the same arithmetic), or writes
// past the table (guard bytes 0x5a).
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
	sym, symRef := make([]int8, G*256), make([]int8, G*256)
	if err := LUTBuildSym(sym, x, d, cb, inv); err != nil {
		t.Fatalf("%s: LUTBuildSym: %v", name, err)
	}
	lutBuildSymGo(symRef, x, d, cb, inv)
	diff := 0
	for i, w := range want {
		g, j := i/128, i%128
		got := buf[i]
		if got != sym[g*256+j] || w != symRef[g*256+j] {
			t.Fatalf("%s: group %d entry %d: LUTBuildHalf %d (reference %d), LUTBuildSym %d (reference %d)",
				name, g, j, got, w, sym[g*256+j], symRef[g*256+j])
		}
		if got != w {
			diff++
			if dv := int(got) - int(w); dv != 1 && dv != -1 {
				t.Fatalf("%s: group %d entry %d = %d, reference %d", name, g, j, got, w)
			}
		}
	}
	if diff > maxDiff {
		t.Errorf("%s: %d of %d entries differ by 1 from the reference (allowed %d)", name, diff, G*128, maxDiff)
	}
	for i := G * 128; i < len(buf); i++ {
		if buf[i] != 0x5a {
			t.Fatalf("%s: guard byte %d overwritten", name, i)
		}
	}
}

// TestLUTBuildHalfFastMatchesRef cross-checks the dispatched LUTBuildHalf
// against lutBuildHalfGo and LUTBuildSym's first half for the codecs' group
// sizes and the ends of the range, lengths with a partial last group, and
// scales from unsaturated to mostly saturated.
func TestLUTBuildHalfFastMatchesRef(t *testing.T) {
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
				inv := scale / maxAbs / float32(math.Sqrt(float64(d)))
				G := (n + d - 1) / d
				checkLUTBuildHalf(t, fmt.Sprintf("d=%d n=%d scale=%g", d, n, scale), x, d, cb, inv, 2+G*128/2000)
			}
		}
	}
}

// TestLUTBuildHalfSpecial feeds infinities, NaN and huge values (as
// TestLUTBuildSymSpecial): they saturate, NaN to -128, in both paths alike.
func TestLUTBuildHalfSpecial(t *testing.T) {
	d := 4
	cb := make([]float32, d*128)
	for i := range cb {
		cb[i] = float32(i%5) - 2
	}
	inf := float32(math.Inf(1))
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

// TestLUTBuildHalfExact checks a hand-computed case: d = 2, x = (1, 2, 5)
// with inv = 0.5 and coordinates j−64 and 0.25, so the whole group 0
// (xs = 0.5, 1) gives 0.5(j−64) + 0.25 and the partial group 1 (xs = 2.5,
// 0) gives 2.5(j−64), stored 128 bytes apart: ties round to even, ends
// saturate.
func TestLUTBuildHalfExact(t *testing.T) {
	cb := make([]float32, 2*128)
	for j := range 128 {
		cb[j] = float32(j - 64)
		cb[128+j] = 0.25
	}
	dst := make([]int8, 2*128)
	if err := LUTBuildHalf(dst, []float32{1, 2, 5}, 2, cb, 0.5); err != nil {
		t.Fatal(err)
	}
	want := map[int]int8{
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
	}
	for i, w := range want {
		if dst[i] != w {
			t.Errorf("dst[%d] = %d, want %d", i, dst[i], w)
		}
	}
}
