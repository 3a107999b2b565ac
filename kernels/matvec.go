package kernels

import "fmt"

// MatVecBF16 computes the matrix-vector product
//
//	dst[r] = Σ_{c<cols} bf16(w[r*cols+c])·x[c]   for r < rows
//
// of a row-major rows×cols bfloat16 matrix (each word widened to float32 as
// bits<<16) with one float32 vector: the decode step of a language model,
// which reads every weight once and so runs at memory bandwidth at best. It
// runs on the calling goroutine only; callers split the rows across a Pool.
// Its specification is matVecBF16Ref (one dotBF16Ref per row). On amd64
// (without the purego build tag) an AVX-512 or AVX2 kernel takes four rows
// per pass, loading each block of x once for all four and prefetching the
// weight stream; it then differs from the reference by reassociation of each
// sum only. It panics if a slice is too short for the shape (a programmer
// error); elements of dst past rows are untouched.
func MatVecBF16(dst []float32, w []uint16, x []float32, rows, cols int) {
	checkMatVec("MatVecBF16", len(dst), len(w), len(x), rows, cols)
	matVecBF16(dst[:rows], w[:rows*cols], x[:cols], rows, cols)
}

// MatVecF16 is MatVecBF16 for IEEE binary16 weights; its specification is
// matVecF16Ref (one dotF16Ref per row).
func MatVecF16(dst []float32, w []uint16, x []float32, rows, cols int) {
	checkMatVec("MatVecF16", len(dst), len(w), len(x), rows, cols)
	matVecF16(dst[:rows], w[:rows*cols], x[:cols], rows, cols)
}

// MatVecF32 is MatVecBF16 for float32 weights; its specification is
// matVecF32Ref (one dotRef per row).
func MatVecF32(dst, w, x []float32, rows, cols int) {
	checkMatVec("MatVecF32", len(dst), len(w), len(x), rows, cols)
	matVecF32(dst[:rows], w[:rows*cols], x[:cols], rows, cols)
}

// checkMatVec panics unless the slices hold the shape; lengths beyond it are
// allowed.
func checkMatVec(fn string, nDst, nW, nX, rows, cols int) {
	if rows < 0 || cols < 0 {
		panic(fmt.Sprintf("kernels.%s: bad shape rows=%d cols=%d", fn, rows, cols))
	}
	if nDst < rows || nW < rows*cols || nX < cols {
		panic(fmt.Sprintf("kernels.%s: slices too short for rows=%d cols=%d (dst %d, w %d, x %d)",
			fn, rows, cols, nDst, nW, nX))
	}
}

// matVecBF16Ref is the specification of MatVecBF16.
func matVecBF16Ref(dst []float32, w []uint16, x []float32, rows, cols int) {
	for r := range rows {
		dst[r] = dotBF16Ref(w[r*cols:(r+1)*cols], x)
	}
}

// matVecF16Ref is the specification of MatVecF16.
func matVecF16Ref(dst []float32, w []uint16, x []float32, rows, cols int) {
	for r := range rows {
		dst[r] = dotF16Ref(w[r*cols:(r+1)*cols], x)
	}
}

// matVecF32Ref is the specification of MatVecF32.
func matVecF32Ref(dst, w, x []float32, rows, cols int) {
	for r := range rows {
		dst[r] = dotRef(w[r*cols:(r+1)*cols], x)
	}
}
