package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkLUTDot times LUTDotSym ("fast") and its reference lutDotSymGo
// ("ref") on the product of a 2048×2048 matrix at d = 4 (32 tiles of 64
// rows, 512 groups, 128-entry half tables). Bytes are code bytes, Gw/s
// counts four weights per code byte.
func BenchmarkLUTDot(b *testing.B) {
	const nt, G = 32, 512
	rng := rand.New(rand.NewPCG(1, 2))
	codes := make([]byte, nt*G*64)
	for i := range codes {
		codes[i] = byte(rng.Uint32())
	}
	half := make([]int8, G*128)
	for i := range half {
		half[i] = int8(rng.Uint32())
	}
	out := make([]int32, nt*64)
	run := map[string]func(){
		"fast": func() { _ = LUTDotSym(out, codes, nt, G, half) },
		"ref":  func() { lutDotSymGo(out, codes, nt, G, half) },
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

// BenchmarkLUTBuild times LUTBuildHalf ("fast") and its reference
// lutBuildHalfGo ("ref") on the table of one input of n = 2048 and n = 5632
// values at d = 2 (lut4) and d = 4 (lut2) from a 128-entry codebook half;
// bytes are table bytes written.
func BenchmarkLUTBuild(b *testing.B) {
	for _, d := range []int{2, 4} {
		rng := rand.New(rand.NewPCG(3, 4))
		half := make([]float32, d*128)
		for i := range half {
			half[i] = float32(rng.NormFloat64())
		}
		for _, n := range []int{2048, 5632} {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			dst := make([]int8, (n+d-1)/d*128)
			run := map[string]func(){
				"fast": func() { _ = LUTBuildHalf(dst, x, d, half, 20) },
				"ref":  func() { lutBuildHalfGo(dst, x, d, half, 20) },
			}
			for _, name := range []string{"fast", "ref"} {
				f := run[name]
				b.Run(fmt.Sprintf("%s/n=%d/d=%d", name, n, d), func(b *testing.B) {
					b.SetBytes(int64(len(dst)))
					for b.Loop() {
						f()
					}
				})
			}
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

// BenchmarkLUTBuildPrefetch times building one n = 2048, d = 4 table while
// prefetching the 64 KiB of cold memory its groups cover at two lines
// each: "spread" (LUTBuildHalfPrefetch) against "burst" (LUTBuildHalf,
// then Prefetch) and the build alone. The cold memory cycles through a
// 512 MiB buffer.
func BenchmarkLUTBuildPrefetch(b *testing.B) {
	const d, n = 4, 2048
	rng := rand.New(rand.NewPCG(3, 4))
	half := make([]float32, d*128)
	for i := range half {
		half[i] = float32(rng.NormFloat64())
	}
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	dst := make([]int8, n/d*128)
	cold := make([]byte, 512<<20)
	for i := 0; i < len(cold); i += 4096 {
		cold[i] = 1
	}
	pfBytes := n / d * 128
	off := 0
	next := func() []byte {
		if off+pfBytes > len(cold) {
			off = 0
		}
		off += pfBytes
		return cold[off-pfBytes : off]
	}
	for _, mode := range []string{"build", "burst", "spread"} {
		b.Run(mode, func(b *testing.B) {
			for b.Loop() {
				switch mode {
				case "build":
					_ = LUTBuildHalf(dst, x, d, half, 20)
				case "burst":
					_ = LUTBuildHalf(dst, x, d, half, 20)
					Prefetch(next())
				case "spread":
					_ = LUTBuildHalfPrefetch(dst, x, d, half, 20, next())
				}
			}
		})
	}
}
