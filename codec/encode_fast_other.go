//go:build !amd64 || purego

package codec

// Without amd64 assembly (or with the purego tag) nearest runs nearestRef;
// the tests still run the scan logic through the Go kernels.
const useSVQScan = false

func svqScanAVX512(tab *float32, nblk int, coef *float32, base float32, par *uint16, flip uint16, out *float32, vmin *float32) {
	panic("codec: svqScanAVX512 without assembly")
}

func svqMaskAVX512(d *float32, nblk int, vmin *float32, eps2 float32, mask *uint16) {
	panic("codec: svqMaskAVX512 without assembly")
}
