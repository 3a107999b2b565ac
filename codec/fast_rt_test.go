package codec

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// randomRadixWords returns n valid radix words (N < 55⁵) and 8 bytes of
// slack that must stay untouched.
func randomRadixWords(rng *rand.Rand, n int) []byte {
	b := make([]byte, 8*n)
	for o := 0; o < len(b); o += 8 {
		x := rng.Uint64()
		binary.LittleEndian.PutUint64(b[o:], x&(1<<35-1)|(x>>35%radixPow[5])<<35)
	}
	return b
}

// TestRadixExpandMatchesGo checks the bulk expansion against its Go
// specification for word counts with and without a partial group of 8,
// including the extreme values of N, and that nothing past 5·nwords bytes
// is written.
func TestRadixExpandMatchesGo(t *testing.T) {
	if !useRT {
		t.Skip("no transposed radix kernel on this CPU")
	}
	c := rt.get()
	for _, nw := range []int{1, 5, 7, 8, 9, 16, 23, 104} {
		t.Run(fmt.Sprint(nw), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(nw), 5))
			b := randomRadixWords(rng, nw)
			binary.LittleEndian.PutUint64(b, (radixPow[5]-1)<<35|1<<35-1)
			if nw > 1 {
				binary.LittleEndian.PutUint64(b[8:], 0)
			}
			const sentinel = 0xa5
			got, gotS := make([]byte, 5*nw+64), make([]byte, 5*nw+64)
			for i := range got {
				got[i], gotS[i] = sentinel, sentinel
			}
			radixExpand(&b[0], nw, &got[0], &gotS[0], &c.consts[0])
			want, wantS := make([]byte, 5*nw), make([]byte, 5*nw)
			radixExpandGo(b, nw, want, wantS)
			for i := range 5 * nw {
				if got[i] != want[i] || gotS[i] != wantS[i] {
					t.Fatalf("vector %d: digit %d sign %#x, Go %d %#x", i, got[i], gotS[i], want[i], wantS[i])
				}
			}
			for i := 5 * nw; i < len(got); i++ {
				if got[i] != sentinel || gotS[i] != sentinel {
					t.Fatalf("byte %d past the output written", i)
				}
			}
		})
	}
}

// TestRadixExpandAllN checks radixExpand's fixed-point digits against
// division for every N < 2^29 (the whole 29-bit field, including the
// invalid N ≥ 55^5, whose digits 0-4 are those of N mod 55^5); with
// -short, for the first and last 2^16 values, the neighbours of every
// multiple of 55^4 and a stride through the rest.
func TestRadixExpandAllN(t *testing.T) {
	if !useRT {
		t.Skip("no transposed radix kernel on this CPU")
	}
	c := rt.get()
	const chunk = 1 << 14
	b := make([]byte, 8*chunk)
	k, s := make([]byte, 5*chunk+64), make([]byte, 5*chunk+64)
	expand := func(ns []uint64) {
		for w, n := range ns {
			binary.LittleEndian.PutUint64(b[8*w:], n<<35|uint64(w)&(1<<35-1))
		}
		radixExpand(&b[0], len(ns), &k[0], &s[0], &c.consts[0])
	}
	const top = 1 << 29
	if !testing.Short() {
		// Every N in order; the expected digits as an odometer.
		var ns [chunk]uint64
		var d [5]byte
		for n0 := uint64(0); n0 < top; n0 += chunk {
			for w := range ns {
				ns[w] = n0 + uint64(w)
			}
			expand(ns[:])
			for w := range chunk {
				if [5]byte(k[5*w:5*w+5]) != d {
					t.Fatalf("N %d: digits %v, want %v", ns[w], k[5*w:5*w+5], d)
				}
				for j := 0; j < 5; j++ {
					if d[j]++; d[j] < radixBase {
						break
					}
					d[j] = 0
				}
			}
		}
		return
	}
	var ns []uint64
	for n := uint64(0); n < 1<<16; n++ {
		ns = append(ns, n, top-1-n)
	}
	for m := uint64(0); m < top; m += radixPow[4] {
		for d := uint64(0); d < 8; d++ {
			ns = append(ns, m+d)
			if m > d {
				ns = append(ns, m-d-1)
			}
		}
	}
	for n := uint64(0); n < top; n += 4099 {
		ns = append(ns, n)
	}
	for len(ns) > 0 {
		m := min(len(ns), chunk)
		expand(ns[:m])
		for w, n := range ns[:m] {
			for j := range 5 {
				if want := byte(n / radixPow[j] % radixBase); k[5*w+j] != want {
					t.Fatalf("N %d digit %d: %d, want %d", n, j, k[5*w+j], want)
				}
			}
		}
		ns = ns[m:]
	}
}

// TestRTKernelMatchesGo compares the transposed radix kernel with its Go
// specification on random codes, digits and scales (integer lane sums are
// exact; the tolerance covers float rounding).
func TestRTKernelMatchesGo(t *testing.T) {
	if !useRT {
		t.Skip("no transposed radix kernel on this CPU")
	}
	tb := rt.get()
	for _, nsb := range []int{1, 2, 3, 11} {
		t.Run(fmt.Sprint(nsb), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(nsb), 4))
			k, s := make([]byte, 64*nsb), make([]byte, 64*nsb)
			for i := range k {
				k[i], s[i] = byte(rng.IntN(radixBase)), byte(rng.IntN(128))
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
			got := dotVNNIRT(&k[0], &s[0], nsb, &tb.tab[0], &qt[0], &q2t[0], &st[0], &tb.consts[0])
			want := dotVNNIRTGo(k, s, nsb, qt, q2t, st)
			var mag float64
			for _, v := range st {
				mag += float64(v) * 8 * 4 * 255 * 127 * 257
			}
			if d := math.Abs(float64(got - want)); d > 1e-7*mag {
				t.Errorf("kernel %v, Go %v (|diff| %g)", got, want, d)
			}
		})
	}
}

// TestRadixExpandGo checks the expansion's specification against the
// stage's get (the format's definition) on random words.
func TestRadixExpandGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const nw = 50
	b := randomRadixWords(rng, nw)
	k, s := make([]byte, 5*nw), make([]byte, 5*nw)
	radixExpandGo(b, nw, k, s)
	st := radixStage(&svqTable16, "codes", "scales")
	for v := range 5 * nw {
		c := st.get(b, v)
		if uint16(k[v]) != c.k || s[v] != c.signs {
			t.Fatalf("vector %d: %d %#x, get %d %#x", v, k[v], s[v], c.k, c.signs)
		}
	}
}
