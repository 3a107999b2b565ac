package codec

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/upgtools/upg/kernels"
)

// scalarCodecs are the codecs scalarDotRowsFast serves.
var scalarCodecs = []string{"q8", "q4", "q3", "q2"}

// randomScalar builds an unrotated rows×cols tensor of scalar codec name
// with random codes and random finite F16 scales (negative and subnormal
// ones included); no encoding, so large shapes are cheap.
func randomScalar(tb testing.TB, name string, rows, cols int, seed uint64) *Encoded {
	tb.Helper()
	c, err := Lookup(name)
	if err != nil {
		tb.Fatal(err)
	}
	sizes, err := c.impl.layout(rows, cols)
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 11))
	codes, scales := make([]byte, sizes["codes"]), make([]byte, sizes["scales"])
	for i := range codes {
		codes[i] = byte(rng.Uint32())
	}
	for o := 0; o < len(scales); o += 2 {
		h := uint16(rng.Uint32())
		if h&0x7c00 == 0x7c00 { // Inf or NaN: take a normal scale instead
			h = kernels.F32ToF16(float32(rng.NormFloat64()))
		}
		binary.LittleEndian.PutUint16(scales[o:], h)
	}
	e := &Encoded{Codec: c.ID, Rows: rows, Cols: cols, Params: Params{Rotation: RotNone},
		Blobs: map[string][]byte{"codes": codes, "scales": scales}}
	if err := e.Validate(); err != nil {
		tb.Fatal(err)
	}
	return e
}

// scalarBound returns Σ_j |d·L_j·xr[j]| of row r (the scale of the
// reassociation tolerance).
func scalarBound(e *Encoded, r int, xr []float32) float64 {
	bits := e.state.Load().c.impl.bits
	rb, ng := (e.Cols*bits+7)/8, (e.Cols+scalarGroup-1)/scalarGroup
	row, lmax := e.Blobs["codes"][r*rb:], 1<<bits-1
	var s float64
	for j := range e.Cols {
		d := kernels.F16ToF32(binary.LittleEndian.Uint16(e.Blobs["scales"][2*(r*ng+j/scalarGroup):]))
		s += math.Abs(float64(d) * float64(2*scalarCode(row, j, bits)-lmax) * float64(xr[j]))
	}
	return s
}

// TestScalarKernLayout pins the field offsets the assembly reads.
func TestScalarKernLayout(t *testing.T) {
	var k scalarKern
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"ctrl0", unsafe.Offsetof(k.ctrl0), 0}, {"ctrl1", unsafe.Offsetof(k.ctrl1), 64},
		{"lut", unsafe.Offsetof(k.lut), 128}, {"off1", unsafe.Offsetof(k.off1), 192},
		{"gb", unsafe.Offsetof(k.gb), 200},
	} {
		if c.got != c.want {
			t.Errorf("scalarKern.%s at offset %d, the assembly reads %d", c.name, c.got, c.want)
		}
	}
}

// TestScalarDotRowsGo checks the plain-Go loops (the kernel off) bit for
// bit against the reference dotRow for every scalar codec on encoded
// Gaussian weights with a rotation, odd row lengths and a short last group.
func TestScalarDotRowsGo(t *testing.T) {
	defer func(old bool) { useScalarKernel = old }(useScalarKernel)
	useScalarKernel = false
	for _, c := range Codecs() {
		if c.impl.stages != nil || c.impl.lut != nil {
			continue
		}
		for _, cols := range []int{1, 7, 31, 32, 45, 100} {
			t.Run(fmt.Sprintf("%s/%d", c.Name, cols), func(t *testing.T) {
				const rows = 6
				e, err := c.Encode(gaussian(rows*cols, uint64(cols)), rows, cols, nil, Params{Seed: 3})
				if err != nil {
					t.Fatal(err)
				}
				fast, ref := scalarFastRef(t, e, gaussian(cols, uint64(cols)+9))
				for r := range rows {
					if math.Float32bits(fast[r]) != math.Float32bits(ref[r]) {
						t.Errorf("row %d: %v, reference %v", r, fast[r], ref[r])
					}
				}
			})
		}
	}
}

// scalarFastRef returns DotRowsRotated of all rows but the first with the
// fast path and with the reference (forceRef), and xr.
func scalarFastRef(t *testing.T, e *Encoded, x []float32) (fast, ref []float32) {
	t.Helper()
	xr := make([]float32, e.RotatedLen())
	if err := e.RotateInput(xr, x); err != nil {
		t.Fatal(err)
	}
	fast, ref = make([]float32, e.Rows), make([]float32, e.Rows)
	if err := e.DotRowsRotated(fast, x, xr, 1, e.Rows); err != nil {
		t.Fatal(err)
	}
	defer func(old bool) { forceRef = old }(forceRef)
	forceRef = true
	if err := e.DotRowsRotated(ref, x, xr, 1, e.Rows); err != nil {
		t.Fatal(err)
	}
	return fast, ref
}

// TestScalarDotRowsKernel compares the dispatched path (the AVX-512
// kernels where the CPU has them, the Go loops otherwise) with the
// reference on random codes and scales, for row lengths around the group
// (32) and scale-block (16 groups) boundaries. Tolerance: float
// reassociation, 1e-5·Σ|d·L·xr| of the row.
func TestScalarDotRowsKernel(t *testing.T) {
	for _, name := range scalarCodecs {
		for _, cols := range []int{1, 16, 31, 32, 33, 64, 100, 480, 511, 512, 544, 997, 1000, 2048} {
			t.Run(fmt.Sprintf("%s/%d", name, cols), func(t *testing.T) {
				const rows = 7
				e := randomScalar(t, name, rows, cols, uint64(cols)*3+1)
				x := gaussian(cols, uint64(cols)+5)
				x[0] *= 40 // an outlier column
				fast, ref := scalarFastRef(t, e, x)
				for r := 1; r < rows; r++ {
					tol := 1e-5*scalarBound(e, r, x) + 1e-30
					if d := math.Abs(float64(fast[r]) - float64(ref[r])); !(d <= tol) {
						t.Errorf("row %d: %v, reference %v (|diff| %.3g > %.3g)", r, fast[r], ref[r], d, tol)
					}
				}
				if fast[0] != 0 {
					t.Errorf("row 0 outside [lo, hi) written: %v", fast[0])
				}
			})
		}
	}
}

// TestScalarDotRowsNoAllocs checks that a scalar row product allocates
// nothing.
func TestScalarDotRowsNoAllocs(t *testing.T) {
	for _, name := range scalarCodecs {
		e := randomScalar(t, name, 8, 1000, 1)
		x := gaussian(1000, 2)
		dst := make([]float32, 8)
		if n := testing.AllocsPerRun(20, func() {
			if err := e.DotRowsRotated(dst, x, x, 0, 8); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%s: %v allocations per call", name, n)
		}
	}
}

// BenchmarkScalarDotRows measures DotRowsRotated of a 2048×2048 tensor
// per scalar codec: "avx512" the kernels (where the CPU runs them), "go"
// the plain-Go loops, "ref" the reference dotRow.
func BenchmarkScalarDotRows(b *testing.B) {
	const rows, cols = 2048, 2048
	x := gaussian(cols, 2)
	for _, name := range scalarCodecs {
		e := randomScalar(b, name, rows, cols, 1)
		dst := make([]float32, rows)
		for _, mode := range []string{"avx512", "go", "ref"} {
			if mode == "avx512" && !useScalarKernel {
				continue
			}
			b.Run(name+"/"+mode, func(b *testing.B) {
				defer func(ref, kern bool) { forceRef, useScalarKernel = ref, kern }(forceRef, useScalarKernel)
				forceRef = mode == "ref"
				useScalarKernel = useScalarKernel && mode == "avx512"
				b.SetBytes(e.Bytes())
				b.ReportAllocs()
				for b.Loop() {
					if err := e.DotRowsRotated(dst, x, x, 0, rows); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(rows*cols)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gweights/s")
			})
		}
	}
}
