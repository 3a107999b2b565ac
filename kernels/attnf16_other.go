//go:build !amd64 || purego

package kernels

// haveAttnF16Asm reports whether ScoresF16 and AccumF16 run assembly: never
// on this build.
const haveAttnF16Asm = false

// scoresF16 is ScoresF16 after the shape checks: the reference here.
func scoresF16(s []float32, lds int, q []float32, rows, hd int, k []uint16, ldk, n int) {
	scoresF16Ref(s, lds, q, rows, hd, k, ldk, n)
}

// accumF16 is AccumF16 after the shape checks: the reference here.
func accumF16(o []float32, ldo int, p []float32, ldp, rows int, v []uint16, ldv, n, hd int) {
	accumF16Ref(o, ldo, p, ldp, rows, v, ldv, n, hd)
}
