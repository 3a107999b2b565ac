package codec

import (
	"bytes"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// nearestInputs returns test vectors for table t: Gaussian vectors at the
// encoders' scale (rms 32), exact codewords (ties between entries and
// shift variants, errors near zero), codewords plus tiny noise, the zero
// vector, constant vectors and large vectors.
func nearestInputs(t *svqTable, r *rand.Rand, n int) [][8]float32 {
	var out [][8]float32
	var z [8]float32
	out = append(out, z) // zero
	for _, c := range []float32{1, 7, -7, 13, 20, -50, 1e4} {
		for i := range z {
			z[i] = c
		}
		out = append(out, z)
	}
	var q [8]int32
	for range n {
		switch r.IntN(4) {
		case 0, 1:
			for i := range z {
				z[i] = float32(32 * r.NormFloat64())
			}
		case 2: // an exact codeword
			c := svqCode{k: uint16(r.IntN(len(t.abs))), signs: uint8(r.IntN(128))}
			if t.shift != 0 {
				c.shift = uint8(r.IntN(2))
			}
			t.expand(c, &q)
			for i := range z {
				z[i] = float32(q[i])
			}
		case 3: // a codeword plus tiny noise, or a midpoint of two
			c := svqCode{k: uint16(r.IntN(len(t.abs))), signs: uint8(r.IntN(128))}
			var q2 [8]int32
			t.expand(c, &q)
			c.k = uint16(r.IntN(len(t.abs)))
			t.expand(c, &q2)
			mid := r.IntN(2) == 0
			for i := range z {
				if mid {
					z[i] = float32(q[i]+q2[i]) / 2
				} else {
					z[i] = float32(q[i]) + float32(1e-3*r.NormFloat64())
				}
			}
		}
		out = append(out, z)
	}
	return out
}

// nearestWeights returns the weight vectors tested: nil (uniform), all
// equal, random positive, with zeros, and a wide dynamic range.
func nearestWeights(r *rand.Rand) []*[8]float32 {
	ws := []*[8]float32{nil}
	var w [8]float32
	for i := range w {
		w[i] = 2.5
	}
	ws = append(ws, &w)
	for m := range 3 {
		var v [8]float32
		for i := range v {
			switch m {
			case 0:
				v[i] = float32(0.1 + r.Float64())
			case 1:
				v[i] = float32(r.IntN(2))
			case 2:
				v[i] = float32(math.Exp(8 * r.NormFloat64()))
			}
		}
		ws = append(ws, &v)
	}
	return ws
}

func TestNearestScanMatchesRef(t *testing.T) {
	type kern struct {
		name string
		asm  bool
	}
	kerns := []kern{{"go", false}}
	if useSVQScan {
		kerns = append(kerns, kern{"asm", true})
	}
	for _, tc := range []struct {
		name string
		t    *svqTable
	}{{"vq2", &svqTable2}, {"vq1p6", &svqTable16}} {
		f := tc.t.scanTable()
		if f == nil {
			t.Fatalf("%s: no scan table", tc.name)
		}
		r := rand.New(rand.NewPCG(1, 2))
		zs := nearestInputs(tc.t, r, 3000)
		ws := nearestWeights(r)
		for _, k := range kerns {
			t.Run(tc.name+"/"+k.name, func(t *testing.T) {
				bad := 0
				for wi, w := range ws {
					for zi := range zs {
						z := &zs[zi]
						wc, wd := tc.t.nearestRef(z, w)
						gc, gd := tc.t.nearestScan(f, z, w, k.asm)
						if gc != wc || math.Float32bits(gd) != math.Float32bits(wd) {
							if bad++; bad <= 5 {
								t.Errorf("weights %d, z %v: got %+v (%v), want %+v (%v)", wi, *z, gc, gd, wc, wd)
							}
						}
					}
				}
			})
		}
	}
}

func TestNearestSmallTableUsesRef(t *testing.T) {
	if svqTable1.scanTable() != nil {
		t.Fatal("the 2-entry table got a scan table")
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, z := range nearestInputs(&svqTable1, r, 200) {
		gc, gd := svqTable1.nearest(&z, nil)
		wc, wd := svqTable1.nearestRef(&z, nil)
		if gc != wc || gd != wd {
			t.Fatalf("z %v: got %+v %v, want %+v %v", z, gc, gd, wc, wd)
		}
	}
}

// TestSVQKernelsMatchGo compares the assembly kernels with their Go
// specifications on random coefficients, for 1 to 16 blocks.
func TestSVQKernelsMatchGo(t *testing.T) {
	if !useSVQScan {
		t.Skip("no scan kernel on this CPU/build")
	}
	f := svqTable2.scanTable()
	r := rand.New(rand.NewPCG(5, 6))
	for _, nblk := range []int{1, 2, 3, 7, 16} {
		for trial := range 50 {
			var coef [24]float32
			for i := range 8 {
				w := float32(r.Float64())
				av := float32(40 * r.Float64())
				coef[i], coef[8+i], coef[16+i] = w, -2*w*av, 4*w*av
			}
			base := float32(1e4 * r.Float64())
			tol := float64(base) // rounding scale: the magnitude of the terms
			for i := range 8 {
				tol += float64(coef[i])*72*72 + math.Abs(float64(coef[8+i]))*72 + float64(coef[16+i])*72
			}
			tol *= 1e-6
			flip := uint16(0)
			if trial%2 == 1 {
				flip = 0xffff
			}
			var got, want [256]float32
			gmin, wmin := [16]float32{}, [16]float32{}
			for j := range gmin {
				gmin[j], wmin[j] = float32(math.Inf(1)), float32(math.Inf(1))
			}
			svqScanAVX512(&f.tab[0], nblk, &coef[0], base, &f.par[0], flip, &got[0], &gmin[0])
			svqScanGo(&f.tab[0], nblk, &coef[0], base, &f.par[0], flip, &want[0], &wmin[0])
			for i := range nblk * svqBlock {
				if d := math.Abs(float64(got[i] - want[i])); d > tol {
					t.Fatalf("nblk %d: out[%d] = %v, want %v", nblk, i, got[i], want[i])
				}
			}
			for j := range gmin {
				if d := math.Abs(float64(gmin[j] - wmin[j])); d > tol {
					t.Fatalf("nblk %d: vmin[%d] = %v, want %v", nblk, j, gmin[j], wmin[j])
				}
			}
			eps2 := float32(r.Float64()) * (want[r.IntN(nblk*svqBlock)] - wmin[0])
			var gm, wm [16]uint16
			svqMaskAVX512(&want[0], nblk, &wmin[0], eps2, &gm[0])
			svqMaskGo(&want[0], nblk, &wmin[0], eps2, &wm[0])
			if gm != wm {
				t.Fatalf("nblk %d: mask %x, want %x", nblk, gm[:nblk], wm[:nblk])
			}
		}
	}
}

// TestEncodeFastMatchesRef checks that Encode and EncodeHessian write the
// same bytes with the fast search as with the reference, for every vector
// codec, with and without importance.
func TestEncodeFastMatchesRef(t *testing.T) {
	const rows, cols = 24, 136
	r := rand.New(rand.NewPCG(7, 8))
	w := make([]float32, rows*cols)
	for i := range w {
		w[i] = float32(r.NormFloat64())
	}
	imp := make([]float32, cols)
	for i := range imp {
		imp[i] = float32(math.Exp(r.NormFloat64()))
	}
	x := make([]float32, 3*cols*cols)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	h := make([]float32, cols*cols)
	for i := range cols {
		for j := range cols {
			var s float32
			for k := range 3 * cols {
				s += x[k*cols+i] * x[k*cols+j]
			}
			h[i*cols+j] = s
		}
	}
	encode := func(c *Codec, mode int) *Encoded {
		var e *Encoded
		var err error
		switch mode {
		case 0:
			e, err = c.Encode(w, rows, cols, nil, Params{Seed: 3})
		case 1:
			e, err = c.Encode(w, rows, cols, imp, Params{Seed: 3})
		case 2:
			e, err = c.EncodeHessian(w, rows, cols, h, Params{Seed: 3})
		}
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	defer func(old bool) { forceRef = old }(forceRef)
	for _, name := range []string{"vq1", "vq1p6", "vq2", "vq3", "vq4"} {
		c, _ := Lookup(name)
		for mode, mname := range []string{"plain", "importance", "hessian"} {
			forceRef = true
			want := encode(c, mode)
			forceRef = false
			got := encode(c, mode)
			for k, b := range want.Blobs {
				if !bytes.Equal(got.Blobs[k], b) {
					t.Errorf("%s %s: blob %q differs", name, mname, k)
				}
			}
		}
	}
}

// TestEncodeDeterministicAcrossProcs checks that the encoders write the
// same bytes whatever GOMAXPROCS is.
func TestEncodeDeterministicAcrossProcs(t *testing.T) {
	const rows, cols = 40, 64
	w := gaussian(rows*cols, 9)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, name := range []string{"vq1p6", "vq2", "vq4"} {
		c, _ := Lookup(name)
		var want map[string][]byte
		for _, procs := range []int{1, 2, 5} {
			runtime.GOMAXPROCS(procs)
			e, err := c.Encode(w, rows, cols, nil, Params{Seed: 4})
			if err != nil {
				t.Fatal(err)
			}
			if want == nil {
				want = e.Blobs
				continue
			}
			for k, b := range want {
				if !bytes.Equal(e.Blobs[k], b) {
					t.Errorf("%s: blob %q differs with GOMAXPROCS=%d", name, k, procs)
				}
			}
		}
	}
}

// BenchmarkNearest measures one nearest-codeword search (ns per 8-weight
// vector, one core) with the reference and the fast search.
//
//	go test ./codec -run '^$' -bench Nearest
func BenchmarkNearest(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	zs := make([][8]float32, 4096)
	for i := range zs {
		for j := range zs[i] {
			zs[i][j] = float32(32 * r.NormFloat64())
		}
	}
	var wv [8]float32
	for i := range wv {
		wv[i] = float32(0.5 + r.Float64())
	}
	for _, tc := range []struct {
		name string
		t    *svqTable
	}{{"vq2", &svqTable2}, {"vq1p6", &svqTable16}} {
		for _, weighted := range []bool{false, true} {
			w := (*[8]float32)(nil)
			suffix := ""
			if weighted {
				w, suffix = &wv, "+weights"
			}
			for _, mode := range []string{"ref", "fast"} {
				b.Run(tc.name+suffix+"/"+mode, func(b *testing.B) {
					defer func(old bool) { forceRef = old }(forceRef)
					forceRef = mode == "ref"
					i := 0
					for b.Loop() {
						tc.t.nearest(&zs[i%len(zs)], w)
						i++
					}
				})
			}
		}
	}
}
