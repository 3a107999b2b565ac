package codec

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func gaussian(n int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	w := make([]float32, n)
	for i := range w {
		w[i] = float32(r.NormFloat64())
	}
	return w
}

// smallBound is each codec's NMSE bound on a 64×1024 Gaussian matrix
// (measured value plus a small margin; a regression fails the test).
var smallBound = map[string]float64{
	"q4": 0.0080, "q2": 0.115, "vq2": 0.0915, "vq1p6": 0.158, "vq3": 0.034, "vq4": 0.0100,
	"q8": 0.00004, "q3": 0.031, "vq1": 0.36, "lut2": 0.099, "lut1p6": 0.161, "lut4": 0.0082,
}

func TestEveryCodec(t *testing.T) {
	const rows, cols = 64, 1024
	w := gaussian(rows*cols, 1)
	x := gaussian(cols, 2)
	for _, c := range Codecs() {
		t.Run(c.Name, func(t *testing.T) {
			bound, ok := smallBound[c.Name]
			if !ok {
				t.Fatalf("no NMSE bound for codec %s", c.Name)
			}
			e, err := c.Encode(w, rows, cols, nil, Params{Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			got := make([]float32, len(w))
			if err := e.Decode(got); err != nil {
				t.Fatal(err)
			}
			n := NMSE(w, got)
			t.Logf("NMSE %.4f, %.3f bpw", n, e.BPW())
			if n > bound {
				t.Errorf("NMSE %.4f > %.4f", n, bound)
			}
			if want := c.BitsPerWeight + 0.6; e.BPW() > want || e.BPW() < c.BitsPerWeight {
				t.Errorf("bpw %.4f outside [%v, %v]", e.BPW(), c.BitsPerWeight, want)
			}
			checkDot(t, e, got, x)
			// DecodeRow agrees with Decode bit for bit.
			row := make([]float32, cols)
			for _, r := range []int{0, rows / 2, rows - 1} {
				if err := e.DecodeRow(r, row); err != nil {
					t.Fatal(err)
				}
				for j := range row {
					if math.Float32bits(row[j]) != math.Float32bits(got[r*cols+j]) {
						t.Fatalf("row %d col %d: DecodeRow %v, Decode %v", r, j, row[j], got[r*cols+j])
					}
				}
			}
			// A round trip through the parameters' JSON decodes identically.
			p, err := ParseParams(e.Params.JSON())
			if err != nil {
				t.Fatal(err)
			}
			e2 := &Encoded{Codec: e.Codec, Rows: rows, Cols: cols, Params: p, Blobs: e.Blobs}
			got2 := make([]float32, len(w))
			if err := e2.Decode(got2); err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if got[i] != got2[i] {
					t.Fatalf("decode after params round trip differs at %d", i)
				}
			}
		})
	}
}

// checkDot compares DotRows with the dot of the decoded rows.
func checkDot(t *testing.T, e *Encoded, dec, x []float32) {
	t.Helper()
	dst := make([]float32, e.Rows)
	if err := e.DotRows(dst, x, 0, e.Rows); err != nil {
		t.Fatal(err)
	}
	for r := range e.Rows {
		var want, mag float64
		for j := range e.Cols {
			p := float64(dec[r*e.Cols+j]) * float64(x[j])
			want += p
			mag += math.Abs(p)
		}
		if d := math.Abs(float64(dst[r]) - want); d > 1e-4*mag+1e-6+lutTolerance(e, x, r) {
			t.Fatalf("row %d: DotRows %v, decoded dot %v (|Σ| %v)", r, dst[r], want, mag)
		}
	}
}

// lutTolerance is the bound on a LUT codec's fast product error from the
// table's rounding (lut_fast.go): dd·G table units of 1/inv; 0 for the
// other codecs.
func lutTolerance(e *Encoded, x []float32, r int) float64 {
	st := e.state.Load()
	s := st.c.impl.lut
	if s == nil {
		return 0
	}
	xr := make([]float32, e.RotatedLen())
	if err := e.RotateInput(xr, x); err != nil {
		panic(err)
	}
	var t lutTable
	t.build(s, xr)
	return float64(rowScale(e.Blobs["scales"], r)) * float64(t.scale) * float64(lutGroups(len(xr), s.d))
}

func TestRotationIsOrthogonal(t *testing.T) {
	for _, cols := range []int{8, 24, 96, 1024, 8192} {
		rot := newRotation(42, autoRotBlock(cols), cols)
		w, x := gaussian(cols, 5), gaussian(cols, 6)
		var dot0 float64
		for j := range w {
			dot0 += float64(w[j]) * float64(x[j])
		}
		wr, xr := append([]float32(nil), w...), append([]float32(nil), x...)
		rot.forward(wr)
		rot.forward(xr)
		var dot1 float64
		for j := range w {
			dot1 += float64(wr[j]) * float64(xr[j])
		}
		if math.Abs(dot0-dot1) > 1e-4*float64(cols) {
			t.Errorf("cols %d: dot %v after rotation, %v before", cols, dot1, dot0)
		}
		rot.inverse(wr)
		for j := range w {
			if math.Abs(float64(wr[j]-w[j])) > 1e-5 {
				t.Fatalf("cols %d: inverse differs at %d: %v vs %v", cols, j, wr[j], w[j])
			}
		}
	}
}

func TestSplitmix64(t *testing.T) {
	// Reference outputs of splitmix64 seeded with 0 (Vigna's splitmix64.c).
	g := splitmix64{0}
	for _, want := range []uint64{0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f} {
		if got := g.next(); got != want {
			t.Fatalf("splitmix64: got %#x, want %#x", got, want)
		}
	}
}

func TestShapes(t *testing.T) {
	tests := []struct {
		codec      string
		rows, cols int
		err        error
	}{
		{"q4", 3, 45, nil},     // scalar: partial last group, odd nibble count
		{"q2", 5, 7, nil},      // scalar: row shorter than one group
		{"q3", 3, 45, nil},     // 3-bit codes spanning bytes, partial last group
		{"q8", 2, 33, nil},     // one byte per weight, a group of one
		{"vq2", 3, 24, nil},    // rotation block 8
		{"vq1p6", 3, 24, nil},  // 9 vectors: padded to 10 (2 words)
		{"vq3", 2, 40, nil},    // rotation block 8
		{"vq2", 4, 12, nil},    // padded to 16
		{"vq2", 6, 172, nil},   // stories260K's down projection: padded to 176, block 16
		{"vq1p6", 3, 13, nil},  // padded to 16: 6 vectors, words span rows
		{"vq1p6", 7, 172, nil}, // 154 vectors
		{"vq3", 2, 1, nil},     // one weight per row
		{"vq4", 3, 100, nil},   // padded to 104, block 8
		{"vq2", 0, 8, ErrShape},
		{"vq1p6", 0, 8, ErrShape},
	}
	for _, tc := range tests {
		c, err := Lookup(tc.codec)
		if err != nil {
			t.Fatal(err)
		}
		w := gaussian(max(tc.rows, 0)*tc.cols, 9)
		e, err := c.Encode(w, tc.rows, tc.cols, nil, Params{})
		if !errors.Is(err, tc.err) {
			t.Fatalf("%s %dx%d: error %v, want %v", tc.codec, tc.rows, tc.cols, err, tc.err)
		}
		if err != nil {
			continue
		}
		got := make([]float32, len(w))
		if err := e.Decode(got); err != nil {
			t.Fatal(err)
		}
		if n := NMSE(w, got); n > 2*smallBound[tc.codec]+0.05 {
			t.Errorf("%s %dx%d: NMSE %.3f", tc.codec, tc.rows, tc.cols, n)
		}
		checkDot(t, e, got, gaussian(tc.cols, 10))
		checkRotatedDot(t, e, gaussian(tc.cols, 10))
	}
}

// checkRotatedDot checks RotatedLen, RotateInput and DotRowsRotated against
// DotRows: the same products, bit for bit.
func checkRotatedDot(t *testing.T, e *Encoded, x []float32) {
	t.Helper()
	c, _ := ByID(e.Codec)
	n := e.RotatedLen()
	if want := e.Cols; c.impl.pad == 8 {
		if want = (e.Cols + 7) / 8 * 8; n != want {
			t.Fatalf("%s %dx%d: RotatedLen %d, want %d", c.Name, e.Rows, e.Cols, n, want)
		}
	} else if n != want {
		t.Fatalf("%s %dx%d: RotatedLen %d, want %d", c.Name, e.Rows, e.Cols, n, want)
	}
	if err := e.RotateInput(make([]float32, e.Cols+8), x); !errors.Is(err, ErrInvalid) {
		t.Errorf("%s: RotateInput with a long xr: %v", c.Name, err)
	}
	xr := make([]float32, n)
	for i := range xr {
		xr[i] = 99 // RotateInput must overwrite the padding too
	}
	if err := e.RotateInput(xr, x); err != nil {
		t.Fatal(err)
	}
	want, got := make([]float32, e.Rows), make([]float32, e.Rows)
	if err := e.DotRows(want, x, 0, e.Rows); err != nil {
		t.Fatal(err)
	}
	if err := e.DotRowsRotated(got, x, xr, 0, e.Rows); err != nil {
		t.Fatal(err)
	}
	for r := range got {
		if math.Float32bits(got[r]) != math.Float32bits(want[r]) {
			t.Fatalf("%s row %d: DotRowsRotated %v, DotRows %v", c.Name, r, got[r], want[r])
		}
	}
	if err := e.DotRowsRotated(got, x, xr[:e.Cols-1], 0, e.Rows); !errors.Is(err, ErrInvalid) {
		t.Errorf("%s: DotRowsRotated with a short xr: %v", c.Name, err)
	}
}

func TestBadInput(t *testing.T) {
	c, _ := Lookup("vq2")
	w := gaussian(4*16, 1)
	nan := append([]float32(nil), w...)
	nan[17] = float32(math.NaN())
	inf := append([]float32(nil), w...)
	inf[3] = float32(math.Inf(-1))
	huge := append([]float32(nil), w...)
	huge[5] = 1e6
	tests := []struct {
		name string
		w    []float32
		rows int
		imp  []float32
		p    Params
		err  error
	}{
		{"nan", nan, 4, nil, Params{}, ErrInvalid},
		{"inf", inf, 4, nil, Params{}, ErrInvalid},
		{"huge", huge, 4, nil, Params{}, ErrInvalid},
		{"short", w[:60], 4, nil, Params{}, ErrShape},
		{"importance length", w, 4, make([]float32, 3), Params{}, ErrInvalid},
		{"negative importance", w, 4, append(make([]float32, 15), -1), Params{}, ErrInvalid},
		{"rotation", w, 4, nil, Params{Rotation: "fourier"}, ErrInvalid},
		{"block", w, 4, nil, Params{RotBlock: 32}, ErrInvalid},
		{"outliers", w, 4, nil, Params{OutlierFrac: 0.5}, ErrInvalid},
	}
	for _, tc := range tests {
		if _, err := c.Encode(tc.w, tc.rows, 16, tc.imp, tc.p); !errors.Is(err, tc.err) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.err)
		}
	}
	if _, err := Lookup("nope"); !errors.Is(err, ErrUnknownCodec) {
		t.Errorf("Lookup: %v", err)
	}
	if _, err := ParseParams("{"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParseParams: %v", err)
	}
}

// TestCorrupt damages valid encodings; every case must give an error, never
// a panic.
func TestCorrupt(t *testing.T) {
	w := gaussian(8*64, 4)
	for _, c := range Codecs() {
		good, err := c.Encode(w, 8, 64, nil, Params{OutlierFrac: 0.01})
		if err != nil {
			t.Fatal(err)
		}
		clone := func() *Encoded {
			e := &Encoded{Codec: good.Codec, Rows: good.Rows, Cols: good.Cols, Params: good.Params, Blobs: map[string][]byte{}}
			for k, v := range good.Blobs {
				e.Blobs[k] = append([]byte(nil), v...)
			}
			return e
		}
		cases := map[string]func(e *Encoded){
			"truncated codes": func(e *Encoded) { e.Blobs["codes"] = e.Blobs["codes"][1:] },
			"missing scales":  func(e *Encoded) { delete(e.Blobs, "scales") },
			"extra blob":      func(e *Encoded) { e.Blobs["junk"] = []byte{1} },
			"unknown codec":   func(e *Encoded) { e.Codec = 999 },
			"bad shape":       func(e *Encoded) { e.Rows = -1 },
			"bad block":       func(e *Encoded) { e.Params.RotBlock = 3 },
			"outlier count":   func(e *Encoded) { e.Params.Outliers++ },
			"outlier varint":  func(e *Encoded) { e.Blobs[blobOutIdx][len(e.Blobs[blobOutIdx])-1] |= 0x80 },
			"outlier order":   func(e *Encoded) { e.Blobs[blobOutIdx][1] = 0 },
			"outlier nan":     func(e *Encoded) { e.Blobs[blobOutVal][0], e.Blobs[blobOutVal][1] = 0x00, 0x7e },
		}
		for name, damage := range cases {
			e := clone()
			damage(e)
			if err := e.Decode(make([]float32, 8*64)); err == nil {
				t.Errorf("%s: %s: no error", c.Name, name)
			}
		}
		e := clone()
		if err := e.DecodeRow(8, make([]float32, 64)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: row out of range: %v", c.Name, err)
		}
		if err := e.DotRows(make([]float32, 8), make([]float32, 63), 0, 8); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: short x: %v", c.Name, err)
		}
	}
	// vq1p6: a radix word out of range.
	c, _ := Lookup("vq1p6")
	enc, _ := c.Encode(w, 8, 64, nil, Params{})
	e := &Encoded{Codec: enc.Codec, Rows: 8, Cols: 64, Params: enc.Params, Blobs: enc.Blobs}
	e.Blobs["codes"][7] = 0xff
	if err := e.Validate(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("vq1p6 radix overflow: %v", err)
	}
}

func TestImportance(t *testing.T) {
	const rows, cols = 32, 256
	w := gaussian(rows*cols, 11)
	imp := make([]float32, cols)
	for j := range imp {
		imp[j] = 0.01
		if j < 16 {
			imp[j] = 100 // a few columns dominate the output
		}
	}
	for _, name := range []string{"q2", "vq2"} {
		c, _ := Lookup(name)
		got := make([]float32, len(w))
		score := func(use []float32) float64 {
			e, err := c.Encode(w, rows, cols, use, Params{Rotation: RotNone})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Decode(got); err != nil {
				t.Fatal(err)
			}
			return WeightedNMSE(w, got, cols, imp)
		}
		plain, weighted := score(nil), score(imp)
		if weighted >= plain {
			t.Errorf("%s: importance-weighted NMSE %.4f not below plain %.4f", name, weighted, plain)
		}
	}
}

func TestOutliers(t *testing.T) {
	const rows, cols = 64, 512
	w := gaussian(rows*cols, 12)
	r := rand.New(rand.NewPCG(3, 3))
	for range rows * cols / 1000 {
		w[r.IntN(len(w))] = 10 * float32(1-2*r.IntN(2))
	}
	c, _ := Lookup("q2")
	got := make([]float32, len(w))
	nmse := func(p Params) (float64, *Encoded) {
		e, err := c.Encode(w, rows, cols, nil, p)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Decode(got); err != nil {
			t.Fatal(err)
		}
		checkDot(t, e, got, gaussian(cols, 13))
		return NMSE(w, got), e
	}
	plain, _ := nmse(Params{Rotation: RotNone})
	with, e := nmse(Params{Rotation: RotNone, OutlierFrac: 0.001})
	if e.Params.Outliers != 33 {
		t.Errorf("outliers %d, want 33", e.Params.Outliers)
	}
	if with >= 0.8*plain {
		t.Errorf("outlier table: NMSE %.4f, without %.4f", with, plain)
	}
}
