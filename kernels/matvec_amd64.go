//go:build amd64 && !purego

package kernels

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// matVecFn is the signature of the assembly kernels in matvec_amd64.s: for
// g < groups and i < 4, dst[4g+i] = Σ_{c<n} W[4g+i][c]·x[c], where row r of W
// starts ld elements after w and n is a multiple of the kernel's lanes. pf is
// how many bytes ahead of the reads each row stream is prefetched.
type matVecFn func(dst *float32, w unsafe.Pointer, x *float32, groups, n, ld, pf int)

// matVecKernel is one set of matrix-vector kernels: AVX-512 or AVX2. A nil
// function means the CPU lacks an extension it needs (F16C for the AVX2 F16
// kernel); the rows then run the single-row dot product.
type matVecKernel struct {
	name           string
	lanes          int // columns per vector: n must be a multiple of it
	bf16, f16, f32 matVecFn
}

// matVecAvailable lists every kernel set this CPU can run, best first, so
// that tests cover each of them; matVecBest is the one the MatVec functions
// use (nil: the references).
var (
	matVecAvailable []*matVecKernel
	matVecBest      *matVecKernel
)

func init() {
	if haveAsm && cpu.X86.HasAVX512F {
		matVecAvailable = append(matVecAvailable, &matVecKernel{"avx512-4row", 16,
			matVec4BF16AVX512, matVec4F16AVX512, matVec4F32AVX512})
	}
	if haveAsm {
		k := &matVecKernel{"avx2-4row", 8, matVec4BF16AVX2, nil, matVec4F32AVX2}
		if haveF16C {
			k.f16 = matVec4F16AVX2
		}
		matVecAvailable = append(matVecAvailable, k)
	}
	if len(matVecAvailable) > 0 {
		matVecBest = matVecAvailable[0]
	}
}

// MatVecKernel names the kernel set the MatVec functions use on this CPU and
// build ("ref" when they run their plain-Go references).
func MatVecKernel() string {
	if matVecBest == nil {
		return "ref"
	}
	return matVecBest.name
}

// matVecPrefetch is how far ahead (bytes) each row stream is prefetched:
// 1–2 KiB measured best on Sapphire Rapids (≈ 94% of a plain read's
// bandwidth, against 80% without prefetching).
var matVecPrefetch = 2048

// matVecSplit returns how many four-row groups and how many leading columns
// of each row the kernel fn of k handles (zero groups when it handles none).
func matVecSplit(k *matVecKernel, fn matVecFn, rows, cols int) (groups, n int) {
	if k == nil || fn == nil {
		return 0, 0
	}
	n = cols - cols%k.lanes
	if n == 0 {
		return 0, 0
	}
	return rows / 4, n
}

// matVecBF16 is MatVecBF16 after the shape check (len(dst) == rows,
// len(w) == rows·cols, len(x) == cols): the kernel for whole groups of four
// rows and whole vectors of columns, the reference for the column tail of
// those rows, and the single-row dot product for the last rows.
func matVecBF16(dst []float32, w []uint16, x []float32, rows, cols int) {
	k := matVecBest
	var fn matVecFn
	if k != nil {
		fn = k.bf16
	}
	g, n := matVecSplit(k, fn, rows, cols)
	if g > 0 {
		fn(&dst[0], unsafe.Pointer(&w[0]), &x[0], g, n, cols, matVecPrefetch)
		if n < cols {
			for r := range 4 * g {
				dst[r] += dotBF16Ref(w[r*cols+n:(r+1)*cols], x[n:])
			}
		}
	}
	for r := 4 * g; r < rows; r++ {
		dst[r] = dotBF16(w[r*cols:(r+1)*cols], x)
	}
}

// matVecF16 is matVecBF16 for binary16 weights.
func matVecF16(dst []float32, w []uint16, x []float32, rows, cols int) {
	k := matVecBest
	var fn matVecFn
	if k != nil {
		fn = k.f16
	}
	g, n := matVecSplit(k, fn, rows, cols)
	if g > 0 {
		fn(&dst[0], unsafe.Pointer(&w[0]), &x[0], g, n, cols, matVecPrefetch)
		if n < cols {
			for r := range 4 * g {
				dst[r] += dotF16Ref(w[r*cols+n:(r+1)*cols], x[n:])
			}
		}
	}
	for r := 4 * g; r < rows; r++ {
		dst[r] = dotF16(w[r*cols:(r+1)*cols], x)
	}
}

// matVecF32 is matVecBF16 for float32 weights.
func matVecF32(dst, w, x []float32, rows, cols int) {
	k := matVecBest
	var fn matVecFn
	if k != nil {
		fn = k.f32
	}
	g, n := matVecSplit(k, fn, rows, cols)
	if g > 0 {
		fn(&dst[0], unsafe.Pointer(&w[0]), &x[0], g, n, cols, matVecPrefetch)
		if n < cols {
			for r := range 4 * g {
				dst[r] += dotRef(w[r*cols+n:(r+1)*cols], x[n:])
			}
		}
	}
	for r := 4 * g; r < rows; r++ {
		dst[r] = dot(w[r*cols:(r+1)*cols], x)
	}
}

//go:noescape
func matVec4BF16AVX512(dst *float32, w unsafe.Pointer, x *float32, groups, n, ld, pf int)

//go:noescape
func matVec4F16AVX512(dst *float32, w unsafe.Pointer, x *float32, groups, n, ld, pf int)

//go:noescape
func matVec4F32AVX512(dst *float32, w unsafe.Pointer, x *float32, groups, n, ld, pf int)

//go:noescape
func matVec4BF16AVX2(dst *float32, w unsafe.Pointer, x *float32, groups, n, ld, pf int)

//go:noescape
func matVec4F16AVX2(dst *float32, w unsafe.Pointer, x *float32, groups, n, ld, pf int)

//go:noescape
func matVec4F32AVX2(dst *float32, w unsafe.Pointer, x *float32, groups, n, ld, pf int)
