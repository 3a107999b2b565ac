package importer

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// f32Bytes and bytesF32 convert between float32 slices and little-endian bytes.
func f32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func bytesF32(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// TestPermuteRoPEHandComputed checks the row order on small cases worked out
// by hand: within a head of size hd, HF row j takes Meta row 2j (j < hd/2) or
// 2(j-hd/2)+1.
func TestPermuteRoPEHandComputed(t *testing.T) {
	tests := []struct {
		name         string
		heads, rows  int
		rowLen, elem int
		want         []float32 // source row index of each output element
	}{
		{"one head of 4", 1, 4, 1, 4, []float32{0, 2, 1, 3}},
		{"two heads of 4", 2, 8, 1, 4, []float32{0, 2, 1, 3, 4, 6, 5, 7}},
		{"one head of 6", 1, 6, 1, 4, []float32{0, 2, 4, 1, 3, 5}},
		{"one head of 2", 1, 2, 1, 4, []float32{0, 1}},
		{"rows of 2", 1, 4, 2, 4, []float32{0, 0.5, 2, 2.5, 1, 1.5, 3, 3.5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := make([]float32, tc.rows*tc.rowLen)
			for i := range src {
				src[i] = float32(i/tc.rowLen) + float32(i%tc.rowLen)/2
			}
			out, err := permuteRoPE(f32Bytes(src), tc.heads, tc.rows, tc.rowLen, tc.elem)
			if err != nil {
				t.Fatal(err)
			}
			if got := bytesF32(out); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPermuteRoPEErrors(t *testing.T) {
	tests := []struct {
		name                      string
		n, heads, rows, rowLen, e int
	}{
		{"odd head size", 12, 1, 3, 1, 4},
		{"rows not a multiple of heads", 20, 2, 5, 1, 4},
		{"zero heads", 16, 0, 4, 1, 4},
		{"length mismatch", 15, 1, 4, 1, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := permuteRoPE(make([]byte, tc.n), tc.heads, tc.rows, tc.rowLen, tc.e); !errors.Is(err, ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

// ropeInterleaved applies llama2.c's / Meta's RoPE in place: in each head,
// elements 2i and 2i+1 rotate by pos * theta^(-2i/hd).
func ropeInterleaved(v []float64, hd, pos int, theta float64) {
	for h := 0; h < len(v); h += hd {
		for i := 0; i < hd/2; i++ {
			a := float64(pos) * math.Pow(theta, -float64(2*i)/float64(hd))
			c, s := math.Cos(a), math.Sin(a)
			x, y := v[h+2*i], v[h+2*i+1]
			v[h+2*i], v[h+2*i+1] = x*c-y*s, x*s+y*c
		}
	}
}

// ropeHalf applies HF's rotate_half RoPE in place: in each head, elements j
// and j+hd/2 rotate by pos * theta^(-2j/hd).
func ropeHalf(v []float64, hd, pos int, theta float64) {
	for h := 0; h < len(v); h += hd {
		for j := 0; j < hd/2; j++ {
			a := float64(pos) * math.Pow(theta, -float64(2*j)/float64(hd))
			c, s := math.Cos(a), math.Sin(a)
			x, y := v[h+j], v[h+j+hd/2]
			v[h+j], v[h+j+hd/2] = x*c-y*s, y*c+x*s
		}
	}
}

// matVec returns w x for a row-major [rows][len(x)] w.
func matVec(w []float32, x []float64) []float64 {
	out := make([]float64, len(w)/len(x))
	for r := range out {
		for c, xv := range x {
			out[r] += float64(w[r*len(x)+c]) * xv
		}
	}
	return out
}

// TestPermuteRoPEProperty checks on random weights that interleaved RoPE on
// x·Wq (llama2.c layout) equals rotate-half RoPE on x·Wq_perm (HF layout),
// up to the same row reordering, and that per-head attention scores q·k are
// identical in both layouts (grouped-query: k has fewer heads).
func TestPermuteRoPEProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ heads, kvHeads, hd, dim int }{{1, 1, 2, 3}, {2, 1, 8, 16}, {4, 2, 6, 10}, {8, 4, 8, 64}} {
		wq := make([]float32, tc.heads*tc.hd*tc.dim)
		wk := make([]float32, tc.kvHeads*tc.hd*tc.dim)
		for _, w := range [][]float32{wq, wk} {
			for i := range w {
				w[i] = float32(rng.NormFloat64())
			}
		}
		pq, err := permuteRoPE(f32Bytes(wq), tc.heads, tc.heads*tc.hd, tc.dim, 4)
		if err != nil {
			t.Fatal(err)
		}
		pk, err := permuteRoPE(f32Bytes(wk), tc.kvHeads, tc.kvHeads*tc.hd, tc.dim, 4)
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float64, tc.dim)
		for trial := 0; trial < 5; trial++ {
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			pos := rng.IntN(300)
			qm, km := matVec(wq, x), matVec(wk, x)
			qh, kh := matVec(bytesF32(pq), x), matVec(bytesF32(pk), x)
			ropeInterleaved(qm, tc.hd, pos, 10000)
			ropeInterleaved(km, tc.hd, pos, 10000)
			ropeHalf(qh, tc.hd, pos, 10000)
			ropeHalf(kh, tc.hd, pos, 10000)
			for i := range qh {
				h, j := i/tc.hd, i%tc.hd
				if want := qm[h*tc.hd+metaRow(j, tc.hd)]; math.Abs(qh[i]-want) > 1e-9*(1+math.Abs(want)) {
					t.Fatalf("%+v pos %d: q[%d] = %g, want %g", tc, pos, i, qh[i], want)
				}
			}
			group := tc.heads / tc.kvHeads
			for h := 0; h < tc.heads; h++ {
				kvh := h / group
				var sm, sh float64
				for j := 0; j < tc.hd; j++ {
					sm += qm[h*tc.hd+j] * km[kvh*tc.hd+j]
					sh += qh[h*tc.hd+j] * kh[kvh*tc.hd+j]
				}
				if math.Abs(sm-sh) > 1e-9*(1+math.Abs(sm)) {
					t.Fatalf("%+v pos %d head %d: score %g (meta) != %g (hf)", tc, pos, h, sm, sh)
				}
			}
		}
	}
}
