//go:build !amd64 || purego

package codec

const useLUTScan = false

func lutScanAVX512(a, w *float32, d int, cb, cc *float32, best *float32, idx *int32) {
	panic("codec: lutScanAVX512 without AVX-512")
}
