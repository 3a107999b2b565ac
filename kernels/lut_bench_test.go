package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkLUTDot times the product of a 2048×2048 matrix at d = 4 (32
// tiles of 64 rows, 512 groups): bytes are code bytes, Gw/s counts four
// weights per code byte.
func BenchmarkLUTDot(b *testing.B) {
	const nt, G = 32, 512
	rng := rand.New(rand.NewPCG(1, 2))
	codes := make([]byte, nt*G*64)
	for i := range codes {
		codes[i] = byte(rng.Uint32())
	}
	table := make([]int8, G*256)
	for i := range table {
		table[i] = int8(rng.Uint32())
	}
	out := make([]int32, nt*64)
	run := map[string]func(){
		"fast": func() { _ = LUTDot(out, codes, nt, G, table) },
		"ref":  func() { lutDotGo(out, codes, nt, G, table) },
	}
	for _, name := range []string{"fast", "ref"} {
		f := run[name]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(codes)))
			for b.Loop() {
				f()
			}
			weights := float64(nt*64*G*4) * float64(b.N)
			b.ReportMetric(weights/b.Elapsed().Seconds()/1e9, "Gw/s")
		})
	}
}

// BenchmarkLUTBuild times the table of one input of n = 2048 and n = 5632
// values at d = 4 (bytes are table bytes written): LUTBuild on a 256-entry
// codebook ("fast", "ref") and LUTBuildSym on a 128-entry half ("sym-fast",
// "sym-ref"), the same table size.
func BenchmarkLUTBuild(b *testing.B) {
	const d = 4
	rng := rand.New(rand.NewPCG(3, 4))
	cb := make([]float32, d*256)
	for i := range cb {
		cb[i] = float32(rng.NormFloat64())
	}
	half := cb[:d*128]
	for _, n := range []int{2048, 5632} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		dst := make([]int8, (n+d-1)/d*256)
		run := map[string]func(){
			"fast":     func() { _ = LUTBuild(dst, x, d, cb, 20) },
			"ref":      func() { lutBuildGo(dst, x, d, cb, 20) },
			"sym-fast": func() { _ = LUTBuildSym(dst, x, d, half, 20) },
			"sym-ref":  func() { lutBuildSymGo(dst, x, d, half, 20) },
		}
		for _, name := range []string{"fast", "ref", "sym-fast", "sym-ref"} {
			f := run[name]
			b.Run(fmt.Sprintf("%s/n=%d", name, n), func(b *testing.B) {
				b.SetBytes(int64(len(dst)))
				for b.Loop() {
					f()
				}
			})
		}
	}
}
