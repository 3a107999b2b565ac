package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkLUTDot times the product of a 2048×2048 matrix at d = 4 (32
// tiles of 64 rows, 512 groups): LUTDot on full 256-entry tables ("fast",
// "ref") and LUTDotSym on 128-entry halves ("sym-fast", "sym-ref"). Bytes
// are code bytes, Gw/s counts four weights per code byte.
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
	half := table[:G*128]
	out := make([]int32, nt*64)
	run := map[string]func(){
		"fast":     func() { _ = LUTDot(out, codes, nt, G, table) },
		"ref":      func() { lutDotGo(out, codes, nt, G, table) },
		"sym-fast": func() { _ = LUTDotSym(out, codes, nt, G, half) },
		"sym-ref":  func() { lutDotSymGo(out, codes, nt, G, half) },
	}
	for _, name := range []string{"fast", "ref", "sym-fast", "sym-ref"} {
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
// codebook ("fast", "ref"), LUTBuildSym on a 128-entry half ("sym-fast",
// "sym-ref"), the same table size, and LUTBuildHalf on the same half
// ("half-fast", "half-ref"), a table of half the size.
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
			"fast":      func() { _ = LUTBuild(dst, x, d, cb, 20) },
			"ref":       func() { lutBuildGo(dst, x, d, cb, 20) },
			"sym-fast":  func() { _ = LUTBuildSym(dst, x, d, half, 20) },
			"sym-ref":   func() { lutBuildSymGo(dst, x, d, half, 20) },
			"half-fast": func() { _ = LUTBuildHalf(dst, x, d, half, 20) },
			"half-ref":  func() { lutBuildHalfGo(dst[:len(dst)/2], x, d, half, 20) },
		}
		for _, name := range []string{"fast", "ref", "sym-fast", "sym-ref", "half-fast", "half-ref"} {
			f := run[name]
			size := len(dst)
			if name == "half-fast" || name == "half-ref" {
				size /= 2
			}
			b.Run(fmt.Sprintf("%s/n=%d", name, n), func(b *testing.B) {
				b.SetBytes(int64(size))
				for b.Loop() {
					f()
				}
			})
		}
	}
}

// BenchmarkLUTScaleRows times the epilogue of a 2048-row LUT product (one
// call per 64-row tile as a product calls it, and one call over all rows):
// bytes are output bytes.
func BenchmarkLUTScaleRows(b *testing.B) {
	const n = 2048
	rng := rand.New(rand.NewPCG(5, 6))
	acc := make([]int32, n)
	scales := make([]byte, 2*n)
	for i := range acc {
		acc[i] = int32(rng.IntN(200001) - 100000)
		h := F32ToF16(float32(rng.NormFloat64()) * 0.01)
		scales[2*i], scales[2*i+1] = byte(h), byte(h>>8)
	}
	dst := make([]float32, n)
	perTile := func(f func(dst []float32, acc []int32, scales []byte, post, mul float32)) func() {
		return func() {
			for r := 0; r < n; r += LUTTileRows {
				f(dst[r:r+LUTTileRows], acc[r:r+LUTTileRows], scales[2*r:2*r+2*LUTTileRows], 1.0/32, 0.0123)
			}
		}
	}
	fast := func(dst []float32, acc []int32, scales []byte, post, mul float32) {
		_ = LUTScaleRows(dst, acc, scales, post, mul)
	}
	run := map[string]func(){
		"fast/tiles": perTile(fast),
		"ref/tiles":  perTile(lutScaleRowsGo),
		"fast/all":   func() { fast(dst, acc, scales, 1.0/32, 0.0123) },
		"ref/all":    func() { lutScaleRowsGo(dst, acc, scales, 1.0/32, 0.0123) },
	}
	for _, name := range []string{"fast/tiles", "ref/tiles", "fast/all", "ref/all"} {
		f := run[name]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(4 * n)
			for b.Loop() {
				f()
			}
		})
	}
}
