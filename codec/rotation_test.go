package codec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRotationFastBitIdentical checks that the rotation's fast path gives
// exactly the bits of forwardGo for every block size, several blocks per
// vector and inputs with a wide range of magnitudes.
func TestRotationFastBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tc := range []struct{ block, blocks int }{
		{8, 3}, {16, 1}, {16, 5}, {32, 2}, {64, 3}, {128, 1}, {512, 11}, {1024, 2}, {2048, 1}, {4096, 2},
	} {
		r := newRotation(uint64(tc.block)*31+1, tc.block, tc.block*tc.blocks)
		v := make([]float32, tc.block*tc.blocks)
		for j := range v {
			v[j] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(7)-3)))
		}
		want := append([]float32(nil), v...)
		r.forwardGo(want)
		got := append([]float32(nil), v...)
		r.forward(got)
		for j := range want {
			if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
				t.Fatalf("block %d × %d: value %d = %v, want %v (bit-identical)", tc.block, tc.blocks, j, got[j], want[j])
			}
		}
	}
}

// BenchmarkRotation measures forward on one 5632-value input (blocks of
// 512, a TinyLlama down_proj) and one 2048-value input (one block).
func BenchmarkRotation(b *testing.B) {
	for _, tc := range []struct {
		name        string
		block, cols int
		ref         bool
	}{
		{"2048/fast", 2048, 2048, false}, {"2048/ref", 2048, 2048, true},
		{"5632/fast", 512, 5632, false}, {"5632/ref", 512, 5632, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r := newRotation(1, tc.block, tc.cols)
			v := gaussian(tc.cols, 2)
			b.SetBytes(int64(4 * tc.cols))
			for b.Loop() {
				if tc.ref {
					r.forwardGo(v)
				} else {
					r.forward(v)
				}
			}
		})
	}
}
