package codec

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/upgtools/upg/kernels"
)

// TestCodeTables checks every lookup-table entry against the reference
// expand of its code.
func TestCodeTables(t *testing.T) {
	for _, ct := range []*codeTable{&tables[0][0], &tables[0][1], &tables[0][2], &tables[1][0], &tables[1][1], &tables[1][2]} {
		var q [8]int32
		for i, e := range ct.entries() {
			var c svqCode
			switch ct.p {
			case packU16:
				c = svqCode{k: uint16(i & 0xff), signs: uint8(i>>8) & 0x7f, shift: uint8(i >> 15)}
			case packU8:
				c = svqCode{k: uint16(i & 1), signs: uint8(i >> 1)}
			default:
				c = svqCode{k: uint16(i >> 7), signs: uint8(i & 0x7f)}
			}
			ct.t.expand(c, &q)
			for j := range 8 {
				if q[j] < -127 || q[j] > 127 || entryQ(e, ct.bias, j) != q[j] {
					t.Fatalf("packing %d entry %d component %d: table %d, expand %d", ct.p, i, j, entryQ(e, ct.bias, j), q[j])
				}
			}
		}
	}
}

// randomEncoded encodes a small Gaussian matrix with codec name, then
// replaces its codes and scales with random (valid) bytes.
func randomEncoded(t *testing.T, name string, rows, cols int, seed uint64) *Encoded {
	t.Helper()
	c, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.Encode(gaussian(rows*cols, seed), rows, cols, nil, Params{Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	for _, s := range c.impl.stages {
		b := e.Blobs[s.codes]
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		if stagePacking(&s) == packRadix {
			for o := 0; o+8 <= len(b); o += 8 {
				x := binary.LittleEndian.Uint64(b[o:])
				binary.LittleEndian.PutUint64(b[o:], x&(1<<35-1)|(x>>35%radixPow[5])<<35)
			}
		}
		sc := e.Blobs[s.scales]
		for r := range rows {
			binary.LittleEndian.PutUint16(sc[2*r:], kernels.F32ToF16(float32(rng.Float64()*2)))
		}
	}
	e.state.Store(nil)
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	return e
}

// dotBound returns Σ_stages D·Σ_i |q_i| and Σ_stages D·Σ_i |q_i·xr_i| for
// row r (the scales of the tolerances below).
func dotBound(e *Encoded, r int, xr []float32) (sumQ, sumQX float64) {
	nv := vecsPerRow(e.Cols)
	var q [8]int32
	for _, s := range e.state.Load().c.impl.stages {
		d := math.Abs(float64(rowScale(e.Blobs[s.scales], r)))
		for v := range nv {
			s.t.expand(s.get(e.Blobs[s.codes], r*nv+v), &q)
			for i := range 8 {
				sumQ += d * math.Abs(float64(q[i]))
				sumQX += d * math.Abs(float64(q[i])*float64(xr[8*v+i]))
			}
		}
	}
	return sumQ, sumQX
}

// TestFastDotMatchesReference compares DotRowsRotated (the int8 kernel
// where the CPU has VNNI) and dotRow (the float kernel) with the reference
// on random codes, for every vector codec and row lengths with and without
// a tail after the last 64-column block. Tolerance: the int8 path's input
// rounding bound D·Σ|q|·max|xr|/(127·512), plus 1e-5·D·Σ|q·xr| for float
// reassociation.
func TestFastDotMatchesReference(t *testing.T) {
	for _, c := range Codecs() {
		if c.impl.stages == nil {
			continue
		}
		for _, cols := range []int{5, 8, 24, 64, 72, 200, 1000, 2056, 4680} {
			t.Run(fmt.Sprintf("%s/%d", c.Name, cols), func(t *testing.T) {
				const rows = 7
				e := randomEncoded(t, c.Name, rows, cols, uint64(cols))
				x := gaussian(cols, uint64(cols)+1)
				x[0] *= 40 // an outlier column
				xr := make([]float32, e.RotatedLen())
				if err := e.RotateInput(xr, x); err != nil {
					t.Fatal(err)
				}
				var xmax float64
				for _, v := range xr {
					xmax = max(xmax, math.Abs(float64(v)))
				}
				fast, ref := make([]float32, rows), make([]float32, rows)
				if err := e.DotRowsRotated(fast, x, xr, 0, rows); err != nil {
					t.Fatal(err)
				}
				forceRef = true
				err := e.DotRowsRotated(ref, x, xr, 0, rows)
				forceRef = false
				if err != nil {
					t.Fatal(err)
				}
				st := e.state.Load()
				for r := range rows {
					sumQ, sumQX := dotBound(e, r, xr)
					tol := 1.01*sumQ*xmax/(127*512) + 1e-5*sumQX + 1e-30
					if d := math.Abs(float64(fast[r]) - float64(ref[r])); d > tol {
						t.Errorf("row %d: DotRowsRotated %v, reference %v (|diff| %g > %g)", r, fast[r], ref[r], d, tol)
					}
					f32 := vqDotRow(st.c.impl.stages, e, r, xr)
					if d := math.Abs(float64(f32) - float64(ref[r])); d > 1e-5*sumQX+1e-30 {
						t.Errorf("row %d: dotRow %v, reference %v", r, f32, ref[r])
					}
				}
			})
		}
	}
}

// TestDecodeRowsRotated checks the table decoder bit for bit against the
// reference decodeRow for every codec, and the argument checks.
func TestDecodeRowsRotated(t *testing.T) {
	for _, c := range Codecs() {
		for _, cols := range []int{8, 13, 72, 136, 1000, 2056} {
			const rows = 5
			e, err := c.Encode(gaussian(rows*cols, 4), rows, cols, nil, Params{Seed: 2})
			if err != nil {
				t.Fatal(err)
			}
			n := e.RotatedLen()
			got := make([]float32, 3*n)
			if err := e.DecodeRowsRotated(got, 1, 4); err != nil {
				t.Fatal(err)
			}
			want := make([]float32, n)
			for r := 1; r < 4; r++ {
				e.state.Load().c.impl.decodeRow(e, r, want)
				for j := range n {
					if math.Float32bits(got[(r-1)*n+j]) != math.Float32bits(want[j]) {
						t.Fatalf("%s cols %d row %d col %d: %v, reference %v", c.Name, cols, r, j, got[(r-1)*n+j], want[j])
					}
				}
			}
			for _, bad := range [][2]int{{-1, 2}, {3, 2}, {0, rows + 1}, {0, 4}} {
				if err := e.DecodeRowsRotated(got, bad[0], bad[1]); err == nil {
					t.Errorf("%s: rows [%d,%d) into %d values: no error", c.Name, bad[0], bad[1], len(got))
				}
			}
		}
	}
}

// TestDecodeRowsRotatedRandom checks the table decoder bit for bit
// against the reference on random codes (every table entry reachable),
// for every vector codec and row lengths with odd vector counts and tails.
func TestDecodeRowsRotatedRandom(t *testing.T) {
	for _, c := range Codecs() {
		if c.impl.stages == nil {
			continue
		}
		for _, cols := range []int{5, 24, 200, 1000, 2056, 4680} {
			const rows = 3
			e := randomEncoded(t, c.Name, rows, cols, uint64(cols)+11)
			n := e.RotatedLen()
			got := make([]float32, rows*n)
			if err := e.DecodeRowsRotated(got, 0, rows); err != nil {
				t.Fatal(err)
			}
			want := make([]float32, n)
			for r := range rows {
				e.state.Load().c.impl.decodeRow(e, r, want)
				for j := range n {
					if math.Float32bits(got[r*n+j]) != math.Float32bits(want[j]) {
						t.Fatalf("%s cols %d row %d col %d: %v, reference %v", c.Name, cols, r, j, got[r*n+j], want[j])
					}
				}
			}
		}
	}
}

// TestDecAddU16Kernel checks decAddU16Fast bit for bit against addEntry
// on random codes, non-zero destinations (signed zeros included) and
// scales of every magnitude, for code counts with and without an odd tail.
func TestDecAddU16Kernel(t *testing.T) {
	if !useDecKernel {
		t.Skip("no AVX-512 decoder on this CPU")
	}
	tab := tableFor(packU16, false).entries()
	rng := rand.New(rand.NewPCG(3, 4))
	scales := []float32{1, -0.37, 1.5e-3, 65504, -1e-42, 3e38, 0, float32(math.Copysign(0, -1))}
	for _, nv := range []int{1, 2, 3, 7, 8, 9, 15, 16, 17, 256} {
		for _, dd := range scales {
			codes := make([]byte, 2*nv)
			for i := range codes {
				codes[i] = byte(rng.Uint32())
			}
			init := make([]float32, 8*nv)
			for i := range init {
				switch rng.IntN(4) {
				case 0:
					init[i] = float32(math.Copysign(0, -1))
				case 1:
					init[i] = float32(rng.NormFloat64() * 1e3)
				}
			}
			got := append([]float32(nil), init...)
			want := append([]float32(nil), init...)
			done := decAddU16Fast(got, codes, tab, dd)
			if done != nv&^1 {
				t.Fatalf("%d codes: kernel did %d", nv, done)
			}
			for v := range nv {
				e := tab[binary.LittleEndian.Uint16(codes[2*v:])]
				addEntry(want[8*v:], dd, e)
				if v >= done {
					addEntry(got[8*v:], dd, e)
				}
			}
			for j := range got {
				if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
					t.Fatalf("%d codes, dd %g: value %d = %v, addEntry %v", nv, dd, j, got[j], want[j])
				}
			}
		}
	}
}

// TestDotRowsRotatedAllocs checks that the hot path does not allocate.
func TestDotRowsRotatedAllocs(t *testing.T) {
	for _, name := range []string{"vq2", "vq3", "vq1p6"} {
		e := randomEncoded(t, name, 16, 1024, 5)
		x := gaussian(1024, 6)
		xr := make([]float32, e.RotatedLen())
		if err := e.RotateInput(xr, x); err != nil {
			t.Fatal(err)
		}
		dst := make([]float32, 16)
		if n := testing.AllocsPerRun(20, func() { _ = e.DotRowsRotated(dst, x, xr, 0, 16) }); n != 0 {
			t.Errorf("%s: %v allocations per DotRowsRotated", name, n)
		}
	}
}

// TestQuantBlockKernels checks the assembly block quantizer against
// quantBlock (digits combined as 256·q+q2 within 1: float32 rounding of
// t) and absMax64 against a scalar maximum.
func TestQuantBlockKernels(t *testing.T) {
	if !useVNNI {
		t.Skip("no AVX-512 quantizer on this CPU")
	}
	for seed := range uint64(20) {
		x := gaussian(xBlock, seed+100)
		x[seed%xBlock] *= float32(seed) // outliers and a zero
		blk := (*[xBlock]float32)(x)
		var m float32
		for _, v := range blk {
			m = max(m, float32(math.Abs(float64(v))))
		}
		if got := math.Float32frombits(absMax64(&blk[0])); got != m {
			t.Fatalf("seed %d: absMax64 %v, want %v", seed, got, m)
		}
		var q, q2, wq, wq2 [xBlock]int8
		sum := int(quantBlock64(&blk[0], float32(127/float64(m)), &q[0], &q2[0]))
		wsum := quantBlock(blk, &wq, &wq2, 127/float64(m))
		for j := range xBlock {
			a, b := 256*int(q[j])+int(q2[j]), 256*int(wq[j])+int(wq2[j])
			if a-b > 1 || b-a > 1 {
				t.Fatalf("seed %d column %d: kernel %d/%d, Go %d/%d", seed, j, q[j], q2[j], wq[j], wq2[j])
			}
		}
		if sum-wsum > xBlock || wsum-sum > xBlock {
			t.Errorf("seed %d: sum %d, Go %d", seed, sum, wsum)
		}
	}
}
