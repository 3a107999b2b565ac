package kernels

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// lutGuard is the value written around LUTDot's output to catch stray writes.
const lutGuard = int32(-0x5a5a5a5a)

// lutTable returns G·256 table bytes of the given kind, starting at byte off
// of a larger buffer (to test unaligned tables).
func lutTable(rng *rand.Rand, kind string, G, off int) []int8 {
	buf := make([]int8, off+G*256+64)
	tab := buf[off : off+G*256 : off+G*256]
	for i := range tab {
		switch kind {
		case "random":
			tab[i] = int8(rng.IntN(256) - 128)
		case "max":
			tab[i] = 127
		case "min":
			tab[i] = -128
		case "extremes": // only ±127 and -128
			tab[i] = []int8{127, -127, -128}[rng.IntN(3)]
		}
	}
	return tab
}

// checkLUTDot runs LUTDot and lutDotGo on the same inputs, the output placed
// at element off of a guarded buffer, and reports any difference or any
// write outside the nt·64 sums.
func checkLUTDot(t *testing.T, name string, codes []byte, nt, G int, table []int8, off int) {
	t.Helper()
	buf := make([]int32, off+nt*64+32)
	for i := range buf {
		buf[i] = lutGuard
	}
	out := buf[off : off+nt*64]
	if err := LUTDot(out, codes, nt, G, table); err != nil {
		t.Fatalf("%s: LUTDot: %v", name, err)
	}
	want := make([]int32, nt*64)
	lutDotGo(want, codes, nt, G, table)
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

// TestLUTDotFastMatchesRef cross-checks the dispatched LUTDot (assembly on
// amd64 with AVX-512 BW+VBMI unless built with -tags purego) against
// lutDotGo bit for bit: tile counts covering the 8-, 4-, 2- and 1-tile kernels,
// group counts around the 128-group int16 flush, tables of random and
// extreme entries (all 127 or all -128 over 600 groups would overflow an
// unflushed int16 sum), unaligned codes, tables and outputs.
func TestLUTDotFastMatchesRef(t *testing.T) {
	if !haveLUTAsm {
		t.Log("no LUT assembly on this build: checking the reference against itself")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	nts := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 15}
	groups := []int{1, 2, 7, 128, 129, 255, 256, 257, 600}
	kinds := []string{"random", "max", "min", "extremes"}
	for _, G := range groups {
		for _, kind := range kinds {
			table := lutTable(rng, kind, G, G%5)
			for _, nt := range nts {
				if testing.Short() && G > 300 && nt > 9 {
					continue
				}
				off := (nt * 3) % 7
				cbuf := make([]byte, off+nt*G*64+64)
				codes := cbuf[off : off+nt*G*64]
				for i := range codes {
					codes[i] = byte(rng.Uint32())
				}
				checkLUTDot(t, fmt.Sprintf("nt=%d G=%d %s", nt, G, kind), codes, nt, G, table, nt%3)
			}
		}
	}
}

// TestLUTDotExtremeCodes uses one fixed code per group (0, 127, 128, 255: the
// ends of both VPERMI2B halves) whose entry is the extreme value, so every
// row sums G·127 or G·(-128).
func TestLUTDotExtremeCodes(t *testing.T) {
	for _, code := range []byte{0, 127, 128, 255} {
		for _, v := range []int8{127, -128} {
			const nt, G = 3, 600
			table := make([]int8, G*256)
			for g := range G {
				table[g*256+int(code)] = v
			}
			codes := make([]byte, nt*G*64)
			for i := range codes {
				codes[i] = code
			}
			out := make([]int32, nt*64)
			if err := LUTDot(out, codes, nt, G, table); err != nil {
				t.Fatal(err)
			}
			for i, s := range out {
				if s != int32(G)*int32(v) {
					t.Fatalf("code %d entry %d: out[%d] = %d, want %d", code, v, i, s, G*int(v))
				}
			}
		}
	}
}

// TestLUTDotExact checks a hand-computed case: one tile, two groups; group 0
// maps code j to int8(j) and row i uses code 2i+100 (so rows past 13 wrap
// negative), group 1 maps every code to 1 but code 5 to -7, used by row 5.
func TestLUTDotExact(t *testing.T) {
	table := make([]int8, 2*256)
	for j := range 256 {
		table[j] = int8(uint8(j))
		table[256+j] = 1
	}
	table[256+5] = -7
	codes := make([]byte, 2*64)
	for i := range 64 {
		codes[i] = byte(2*i + 100)
		codes[64+i] = byte(i)
	}
	out := make([]int32, 64)
	if err := LUTDot(out, codes, 1, 2, table); err != nil {
		t.Fatal(err)
	}
	for i, got := range out {
		want := int32(2*i+100) + 1 // int8(2i+100) + 1
		if 2*i+100 >= 128 {
			want -= 256
		}
		if i == 5 {
			want = 110 - 7
		}
		if got != want {
			t.Errorf("out[%d] = %d, want %d", i, got, want)
		}
	}
}

// TestLUTDotArgs checks that mismatched shapes return ErrLUTArgs without
// writing, and that G = 0 gives zero sums.
func TestLUTDotArgs(t *testing.T) {
	table := make([]int8, 3*256)
	codes := make([]byte, 2*3*64)
	cases := []struct {
		name      string
		out       []int32
		codes     []byte
		nt, G     int
		table     []int8
		wantError bool
	}{
		{"ok", make([]int32, 128), codes, 2, 3, table, false},
		{"negative nt", make([]int32, 128), codes, -1, 3, table, true},
		{"negative G", make([]int32, 128), codes, 2, -3, table, true},
		{"short out", make([]int32, 127), codes, 2, 3, table, true},
		{"short codes", make([]int32, 128), codes[:len(codes)-1], 2, 3, table, true},
		{"short table", make([]int32, 128), codes, 2, 3, table[:3*256-1], true},
		{"huge nt", make([]int32, 128), codes, math.MaxInt / 2, 3, table, true},
		{"huge G", make([]int32, 128), codes, 2, math.MaxInt / 4, table, true},
		{"nil everything", nil, nil, 1, 1, nil, true},
		{"no tiles", nil, nil, 0, 5, table, true}, // table too short for 5 groups
		{"no tiles ok", nil, nil, 0, 3, table, false},
	}
	for _, c := range cases {
		for i := range c.out {
			c.out[i] = lutGuard
		}
		err := LUTDot(c.out, c.codes, c.nt, c.G, c.table)
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
	if err := LUTDot(out, nil, 1, 0, nil); err != nil || out[0] != 0 || out[2] != 0 {
		t.Errorf("G=0: err %v, out[:3] = %v, want nil and zeros", err, out[:3])
	}
}

// checkLUTBuild runs LUTBuild and lutBuildGo and reports entries more than 1
// apart, more than maxDiff entries differing at all, or writes past the
// table (its guard bytes are 0x5a).
func checkLUTBuild(t *testing.T, name string, x []float32, d int, cb []float32, inv float32, maxDiff int) {
	t.Helper()
	G := (len(x) + d - 1) / d
	buf := make([]int8, G*256+64)
	for i := range buf {
		buf[i] = 0x5a
	}
	if err := LUTBuild(buf[:G*256], x, d, cb, inv); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	want := make([]int8, G*256)
	lutBuildGo(want, x, d, cb, inv)
	diff := 0
	for i, w := range want {
		got := buf[i]
		if got != w {
			diff++
			if dv := int(got) - int(w); dv != 1 && dv != -1 {
				t.Fatalf("%s: entry %d (group %d, j %d) = %d, reference %d", name, i, i/256, i%256, got, w)
			}
		}
	}
	if diff > maxDiff {
		t.Errorf("%s: %d of %d entries differ by 1 from the reference (allowed %d)", name, diff, len(want), maxDiff)
	}
	for i := G * 256; i < len(buf); i++ {
		if buf[i] != 0x5a {
			t.Fatalf("%s: guard byte %d overwritten", name, i)
		}
	}
}

// TestLUTBuildFastMatchesRef cross-checks the dispatched LUTBuild against
// lutBuildGo for every group size used by the codecs and the ends of the
// range, input lengths that leave a partial last group, and scales that
// keep the table inside int8 or push many entries to saturation. Only
// entries whose exact value lies within a float32 rounding of a half
// integer can differ (by 1), so at most a handful may.
func TestLUTBuildFastMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, d := range []int{1, 2, 3, 4, 5, 8} {
		cb := make([]float32, d*256)
		for i := range cb {
			cb[i] = float32(rng.NormFloat64())
		}
		for _, n := range []int{1, d + 1, 37*d - 1, 512*d + 1, 2048} {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			maxAbs := float32(0)
			for i := range x {
				maxAbs = max(maxAbs, float32(math.Abs(float64(x[i]))))
			}
			for _, scale := range []float32{30, 127, 400} {
				// scale/maxAbs/√d puts typical |entries| near scale/3.
				inv := scale / maxAbs / float32(math.Sqrt(float64(d)))
				G := (n + d - 1) / d
				name := fmt.Sprintf("d=%d n=%d scale=%g", d, n, scale)
				checkLUTBuild(t, name, x, d, cb, inv, 2+G*256/2000)
			}
		}
	}
}

// TestLUTBuildSpecial feeds infinities, NaN and huge values: they saturate
// (NaN to -128) in both paths alike.
func TestLUTBuildSpecial(t *testing.T) {
	d := 4
	cb := make([]float32, d*256)
	for i := range cb {
		cb[i] = float32(i%7) - 3
	}
	inf := float32(math.Inf(1))
	x := []float32{inf, 0, 0, 0, -inf, 1, 0, 0, float32(math.NaN()), 1, 1, 1, 3e38, 3e38, 0, 0, 1e30}
	checkLUTBuild(t, "special", x, d, cb, 1, 0)
	checkLUTBuild(t, "special inv=2", x, d, cb, 2, 0)
}

// TestLUTBuildExact checks a hand-computed case: d = 2, x = (1, 2, 3) with
// inv = 0.5, codebook coordinate 0 of entry j = j-128 and coordinate 1 =
// 0.25, so group 0 (xs = 0.5, 1) gives 0.5(j-128) + 0.25 and the partial
// group 1 (xs = 1.5, 0) gives 1.5(j-128): ties round to even, ends saturate.
func TestLUTBuildExact(t *testing.T) {
	cb := make([]float32, 2*256)
	for j := range 256 {
		cb[j] = float32(j - 128)
		cb[256+j] = 0.25
	}
	dst := make([]int8, 2*256)
	if err := LUTBuild(dst, []float32{1, 2, 3}, 2, cb, 0.5); err != nil {
		t.Fatal(err)
	}
	want := map[int]int8{
		0:         -64, // -63.75
		128:       0,   // 0.25
		129:       1,   // 0.75
		131:       2,   // 1.75
		255:       64,  // 63.75
		256 + 0:   -128,
		256 + 127: -2,  // -1.5 → -2
		256 + 129: 2,   // 1.5 → 2
		256 + 131: 4,   // 4.5 → 4
		256 + 133: 8,   // 7.5 → 8
		256 + 212: 126, // 126
		256 + 213: 127, // 127.5 → 128 saturates
		256 + 255: 127, // 190.5
	}
	for i, w := range want {
		if dst[i] != w {
			t.Errorf("dst[%d] = %d, want %d", i, dst[i], w)
		}
	}
}

// TestLUTBuildArgs checks, for LUTBuild, LUTBuildSym and LUTBuildHalf,
// that bad group sizes and short slices return ErrLUTArgs without writing.
func TestLUTBuildArgs(t *testing.T) {
	x := make([]float32, 10) // 3 groups of 4
	for _, f := range []struct {
		name    string
		build   func(dst []int8, x []float32, d int, cb []float32, inv float32) error
		entries int // codebook entries given per coordinate
		tab     int // table bytes per group
	}{
		{"LUTBuild", LUTBuild, 256, 256},
		{"LUTBuildSym", LUTBuildSym, 128, 256},
		{"LUTBuildHalf", LUTBuildHalf, 128, 128},
	} {
		e, tab := f.entries, f.tab
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
			err := f.build(dst, x, c.d, cb, 1)
			if c.wantErr != (err != nil) || (err != nil && !errors.Is(err, ErrLUTArgs)) {
				t.Errorf("%s %s: err = %v, want error %v wrapping ErrLUTArgs", f.name, c.name, err, c.wantErr)
			}
			if err != nil {
				for i, v := range dst {
					if v != 0x5a {
						t.Fatalf("%s %s: failed call wrote dst[%d]", f.name, c.name, i)
					}
				}
			}
		}
		if err := f.build(nil, nil, 4, make([]float32, 4*e), 1); err != nil {
			t.Errorf("%s: empty x: %v", f.name, err)
		}
	}
}

// FuzzLUTDot compares LUTDot with lutDotGo on shapes and contents taken from
// the fuzzer's bytes: the first two bytes pick nt and G, the rest fills the
// codes and the table cyclically.
func FuzzLUTDot(f *testing.F) {
	f.Add([]byte{1, 1, 0})
	f.Add([]byte{5, 130, 255, 128, 127, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 3 {
			return
		}
		nt, G := int(data[0]%9), int(data[1])%300
		fill := data[2:]
		codes := make([]byte, nt*G*64)
		for i := range codes {
			codes[i] = fill[i%len(fill)] ^ byte(i/len(fill))
		}
		table := make([]int8, G*256)
		for i := range table {
			table[i] = int8(fill[(i*7)%len(fill)] + byte(i))
		}
		if nt == 0 || G == 0 {
			out := make([]int32, nt*64)
			if err := LUTDot(out, codes, nt, G, table); err != nil {
				t.Fatal(err)
			}
			return
		}
		checkLUTDot(t, "fuzz", codes, nt, G, table, 0)
	})
}

// symCodebook returns a random codebook half of d·128 normal floats.
func symCodebook(rng *rand.Rand, d int) []float32 {
	cb := make([]float32, d*128)
	for i := range cb {
		cb[i] = float32(rng.NormFloat64())
	}
	return cb
}

// checkLUTBuildSym runs LUTBuildSym and lutBuildSymGo and reports entries
// more than 1 apart, more than maxDiff first-half entries differing at all,
// a second-half byte of the fast table that is not the saturating negation
// of its first-half byte, or writes past the table (guard bytes 0x5a).
func checkLUTBuildSym(t *testing.T, name string, x []float32, d int, cb []float32, inv float32, maxDiff int) {
	t.Helper()
	G := (len(x) + d - 1) / d
	buf := make([]int8, G*256+64)
	for i := range buf {
		buf[i] = 0x5a
	}
	if err := LUTBuildSym(buf[:G*256], x, d, cb, inv); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	want := make([]int8, G*256)
	lutBuildSymGo(want, x, d, cb, inv)
	diff := 0
	for i, w := range want {
		got := buf[i]
		if got != w {
			if i%256 < 128 {
				diff++
			}
			if dv := int(got) - int(w); dv != 1 && dv != -1 {
				t.Fatalf("%s: entry %d (group %d, j %d) = %d, reference %d", name, i, i/256, i%256, got, w)
			}
		}
	}
	if diff > maxDiff {
		t.Errorf("%s: %d of %d first-half entries differ by 1 from the reference (allowed %d)", name, diff, G*128, maxDiff)
	}
	for g := range G {
		for j := range 128 {
			lo, hi := int(buf[g*256+j]), int(buf[g*256+128+j])
			if neg := min(-lo, 127); hi != neg {
				t.Fatalf("%s: group %d: dst[128+%d] = %d, want sat8(-%d) = %d", name, g, j, hi, lo, neg)
			}
		}
	}
	for i := G * 256; i < len(buf); i++ {
		if buf[i] != 0x5a {
			t.Fatalf("%s: guard byte %d overwritten", name, i)
		}
	}
}

// TestLUTBuildSymFastMatchesRef cross-checks the dispatched LUTBuildSym
// against lutBuildSymGo (and the fast table's second half against the
// negation of its first) for the codecs' group sizes and the ends of the
// range, lengths with a partial last group, and scales from unsaturated to
// mostly saturated; only entries within a float32 rounding of a half
// integer may differ, by 1.
func TestLUTBuildSymFastMatchesRef(t *testing.T) {
	if !haveLUTAsm {
		t.Log("no LUT assembly on this build: checking the reference against itself")
	}
	rng := rand.New(rand.NewPCG(11, 12))
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
				name := fmt.Sprintf("d=%d n=%d scale=%g", d, n, scale)
				checkLUTBuildSym(t, name, x, d, cb, inv, 2+G*128/2000)
			}
		}
	}
}

// TestLUTBuildSymMatchesLUTBuild checks the specification against LUTBuild
// on the full codebook (the half, then its negation): round half to even is
// odd-symmetric and negating a float product is exact, so the references
// agree on every entry whose value lies in [-127, 127] in both halves.
func TestLUTBuildSymMatchesLUTBuild(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, d := range []int{1, 2, 4, 5, 8} {
		half := symCodebook(rng, d)
		full := make([]float32, d*256)
		for i := range d {
			for j := range 128 {
				full[i*256+j] = half[i*128+j]
				full[i*256+128+j] = -half[i*128+j]
			}
		}
		x := make([]float32, 301)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		G := (len(x) + d - 1) / d
		sym, ref := make([]int8, G*256), make([]int8, G*256)
		inv := 40 / float32(math.Sqrt(float64(d)))
		lutBuildSymGo(sym, x, d, half, inv)
		lutBuildGo(ref, x, d, full, inv)
		checked := 0
		for g := range G {
			for j := range 128 {
				lo, hi := g*256+j, g*256+128+j
				if ref[lo] == -128 || ref[hi] == -128 {
					continue
				}
				checked++
				if sym[lo] != ref[lo] || sym[hi] != ref[hi] {
					t.Fatalf("d=%d group %d j %d: LUTBuildSym (%d, %d), LUTBuild (%d, %d)", d, g, j, sym[lo], sym[hi], ref[lo], ref[hi])
				}
			}
		}
		if checked < G*100 {
			t.Errorf("d=%d: only %d of %d entry pairs unsaturated", d, checked, G*128)
		}
	}
}

// TestLUTBuildSymSpecial feeds infinities, NaN and huge values: the first
// half saturates (NaN to -128) and the second half negates it (-128 to 127)
// in both paths alike.
func TestLUTBuildSymSpecial(t *testing.T) {
	d := 4
	cb := make([]float32, d*128)
	for i := range cb {
		cb[i] = float32(i%5) - 2
	}
	inf := float32(math.Inf(1))
	// In group 3 (3e38, 3e38) a product overflowing to ±Inf never meets a
	// finite product of the other sign: there a fused multiply-add, which
	// does not round the product, could stay finite and differ by more
	// than 1.
	x := []float32{inf, 0, 0, 0, -inf, 1, 0, 0, float32(math.NaN()), 1, 1, 1, 3e38, 3e38, 0, 0, 1e30}
	checkLUTBuildSym(t, "special", x, d, cb, 1, 0)
	checkLUTBuildSym(t, "special inv=2", x, d, cb, 2, 0)
	dst := make([]int8, 5*256)
	if err := LUTBuildSym(dst, x, d, cb, 1); err != nil {
		t.Fatal(err)
	}
	// Group 2 starts with NaN: every entry is NaN, so -128 then 127.
	for j := range 128 {
		if dst[2*256+j] != -128 || dst[2*256+128+j] != 127 {
			t.Fatalf("NaN group: entry %d = (%d, %d), want (-128, 127)", j, dst[2*256+j], dst[2*256+128+j])
		}
	}
}

// TestLUTBuildSymExact checks a hand-computed case: d = 2, x = (1, 2, 5)
// with inv = 0.5, coordinate 0 of entry j = j-64 and coordinate 1 = 0.25
// but for a few entries, so the whole group 0 (xs = 0.5, 1, computed by the
// fast path where there is one) gives 0.5(j-64) + cb[128+j] and the partial
// group 1 (xs = 2.5, 0) gives 2.5(j-64): ties round to even, ends saturate,
// and the second half negates (-128 to 127).
func TestLUTBuildSymExact(t *testing.T) {
	cb := make([]float32, 2*128)
	for j := range 128 {
		cb[j] = float32(j - 64)
		cb[128+j] = 0.25
	}
	cb[128+0] = -200  // entry 0: -232
	cb[128+127] = 200 // entry 127: 231.5
	cb[128+66] = 0.5  // entry 66: 1.5
	cb[128+68] = 0.5  // entry 68: 2.5
	dst := make([]int8, 2*256)
	if err := LUTBuildSym(dst, []float32{1, 2, 5}, 2, cb, 0.5); err != nil {
		t.Fatal(err)
	}
	want := map[int][2]int8{ // entry j < 128: (dst[j], dst[128+j])
		0:         {-128, 127},
		1:         {-31, 31}, // -31.25
		63:        {0, 0},    // -0.25
		64:        {0, 0},    // 0.25
		65:        {1, -1},   // 0.75
		66:        {2, -2},   // 1.5
		68:        {2, -2},   // 2.5
		126:       {31, -31}, // 31.25
		127:       {127, -127},
		256 + 0:   {-128, 127}, // -160
		256 + 13:  {-128, 127}, // -127.5 → -128
		256 + 14:  {-125, 125}, // -125
		256 + 63:  {-2, 2},     // -2.5
		256 + 64:  {0, 0},
		256 + 65:  {2, -2},     // 2.5
		256 + 67:  {8, -8},     // 7.5
		256 + 114: {125, -125}, // 125
		256 + 115: {127, -127}, // 127.5 → 128 saturates
		256 + 127: {127, -127}, // 157.5
	}
	for i, w := range want {
		g, j := i/256, i%256
		if got := [2]int8{dst[g*256+j], dst[g*256+128+j]}; got != w {
			t.Errorf("group %d entry %d: (dst[j], dst[128+j]) = %v, want %v", g, j, got, w)
		}
	}
}
