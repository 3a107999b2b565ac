package codec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestT16KernelMatchesGo compares the transposed kernel with its Go
// specification on random codes, digits and scales (the integer lane sums
// are exact; the tolerance covers float rounding of the lane products).
func TestT16KernelMatchesGo(t *testing.T) {
	if !useT16 {
		t.Skip("no transposed kernel on this CPU")
	}
	for _, nsb := range []int{1, 2, 3, 11} {
		t.Run(fmt.Sprint(nsb), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(nsb), 3))
			codes := make([]byte, 128*nsb)
			for i := range codes {
				codes[i] = byte(rng.Uint32())
			}
			qt, q2t := make([]int8, t16Sb*nsb), make([]int8, t16Sb*nsb)
			for i := range qt {
				qt[i] = int8(rng.IntN(255) - 127)
				q2t[i] = int8(rng.IntN(255) - 127)
			}
			st := make([]float32, 16*nsb)
			for i := range st {
				st[i] = float32(rng.Float64()) / 256
			}
			tb := t16.get()
			got := dotVNNI16T(&codes[0], nsb, &tb.tab[0], &qt[0], &q2t[0], &st[0], &tb.consts[0])
			want := dotVNNI16TGo(codes, nsb, qt, q2t, st)
			var mag float64
			for _, s := range st {
				mag += float64(s) * 8 * 4 * 255 * 127 * 257
			}
			if d := math.Abs(float64(got - want)); d > 1e-7*mag {
				t.Errorf("kernel %v, Go %v (|diff| %g)", got, want, d)
			}
		})
	}
}

// TestT16Layout checks setT's transposition (the kernels' lane order
// t16Vec) and lane scales against the plain layout.
func TestT16Layout(t *testing.T) {
	x := gaussian(3*t16Sb+72, 9)
	xq := new(xQuant)
	if !xq.set(x) {
		t.Fatal("set failed")
	}
	xq.setT(3)
	for b := range 3 {
		for p := range 64 {
			v := t16Vec(p)
			for i := range 8 {
				col := t16Sb*b + 8*v + i
				if xq.qt[t16Sb*b+64*i+p] != xq.q[col] || xq.q2t[t16Sb*b+64*i+p] != xq.q2[col] {
					t.Fatalf("superblock %d lane %d (vector %d) coordinate %d: transposed digit differs", b, p, v, i)
				}
			}
		}
		for j := range 16 {
			if xq.st[16*b+j] != xq.s[8*b+t16Blk(j)] {
				t.Fatalf("superblock %d lane %d: scale %v, block scale %v", b, j, xq.st[16*b+j], xq.s[8*b+t16Blk(j)])
			}
		}
	}
}

// TestT16LaneOrder checks that t16Vec permutes the 64 vectors of a
// superblock and that the four vectors of every int32 lane share one input
// block (t16Blk), so that one scale per lane is exact.
func TestT16LaneOrder(t *testing.T) {
	var seen [64]bool
	for p := range 64 {
		v := t16Vec(p)
		if v < 0 || v >= 64 || seen[v] {
			t.Fatalf("lane %d: vector %d out of range or repeated", p, v)
		}
		seen[v] = true
		if got, want := v/8, t16Blk(p/4); got != want {
			t.Errorf("lane %d: vector %d in block %d, lane scale of block %d", p, v, got, want)
		}
	}
}

// TestT16TwoRowKernel checks the two-row kernel bit for bit against two
// calls of the one-row kernel (same products, same order per row).
func TestT16TwoRowKernel(t *testing.T) {
	if !useT16 {
		t.Skip("no transposed kernel on this CPU")
	}
	for _, nsb := range []int{1, 4, 11} {
		rng := rand.New(rand.NewPCG(uint64(nsb), 8))
		a, b := make([]byte, 128*nsb), make([]byte, 128*nsb)
		for i := range a {
			a[i], b[i] = byte(rng.Uint32()), byte(rng.Uint32())
		}
		xq := new(xQuant)
		if !xq.set(gaussian(nsb*t16Sb, uint64(nsb))) {
			t.Fatal("set failed")
		}
		tb := t16.get()
		ga, gb := dotVNNI16T2(&a[0], &b[0], nsb, &tb.tab[0], &xq.qt[0], &xq.q2t[0], &xq.st[0], &tb.consts[0])
		wa := dotVNNI16T(&a[0], nsb, &tb.tab[0], &xq.qt[0], &xq.q2t[0], &xq.st[0], &tb.consts[0])
		wb := dotVNNI16T(&b[0], nsb, &tb.tab[0], &xq.qt[0], &xq.q2t[0], &xq.st[0], &tb.consts[0])
		if math.Float32bits(ga) != math.Float32bits(wa) || math.Float32bits(gb) != math.Float32bits(wb) {
			t.Errorf("%d superblocks: two-row %v %v, one-row %v %v", nsb, ga, gb, wa, wb)
		}
	}
}

// TestPairedRowsMatchStageByStage: the paired loops of the u16 codecs
// (vq2 and vq3 two rows at a time, vq4's two stages of a row together)
// equal the one-row, stage-by-stage sums (stageDotQ) bit for bit, for
// widths with and without a partial superblock and an odd row count.
func TestPairedRowsMatchStageByStage(t *testing.T) {
	if !useT16 {
		t.Skip("no transposed kernel on this CPU")
	}
	for _, tc := range []struct {
		name string
		cols int
	}{{"vq2", 512}, {"vq2", 1000}, {"vq3", 512}, {"vq3", 2048}, {"vq3", 1000}, {"vq4", 512}, {"vq4", 1000}, {"vq4", 2048}} {
		cols := tc.cols
		e := randomEncoded(t, tc.name, 9, cols, uint64(cols))
		x := gaussian(cols, 3)
		xr := make([]float32, e.RotatedLen())
		if err := e.RotateInput(xr, x); err != nil {
			t.Fatal(err)
		}
		got := make([]float32, e.Rows)
		if err := e.DotRowsRotated(got, x, xr, 0, e.Rows); err != nil {
			t.Fatal(err)
		}
		st := e.state.Load()
		xq := new(xQuant)
		if !xq.set(xr) {
			t.Fatal("set failed")
		}
		nv := vecsPerRow(e.Cols)
		for r := range e.Rows {
			var out float32
			for i := range st.c.impl.stages {
				s := &st.c.impl.stages[i]
				run := stageRun{s: s, p: stagePacking(s), tab: tableFor(stagePacking(s), true).entries(), codes: e.Blobs[s.codes], scales: e.Blobs[s.scales]}
				out += rowScale(run.scales, r) * stageDotQ(&run, r, nv, xq, xr)
			}
			out += st.outs.dotRow(r, x)
			if math.Float32bits(out) != math.Float32bits(got[r]) {
				t.Fatalf("%s cols %d row %d: paired %v, stage by stage %v", tc.name, cols, r, got[r], out)
			}
		}
	}
}
