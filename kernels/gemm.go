package kernels

import (
	"fmt"
	"sync"
	"unsafe"
)

// MatMulF32 computes, for r < rows and t < n,
//
//	dst[t*ldDst+r] = Σ_{c<cols} w[r*cols+c]·x[t*cols+c]
//
// that is, the products of a row-major rows×cols weight matrix with n
// row-major activation vectors, written token-major with row stride ldDst
// (ldDst >= rows; elements of dst outside those positions are untouched).
// It runs on the calling goroutine only; callers split the rows across a
// Pool. Its specification is matMulF32Ref (one dotRef per output); the
// blocked kernel differs from it only by reassociation of each sum. It
// panics if a slice is too short for the shape (a programmer error).
func MatMulF32(dst, w, x []float32, rows, cols, n, ldDst int) {
	checkMatMul("MatMulF32", len(dst), len(w), len(x), rows, cols, n, ldDst)
	if gemmMicro == nil {
		matMulF32Ref(dst, w, x, rows, cols, n, ldDst)
		return
	}
	gemm(dst, wSource{f32: w}, x, rows, cols, n, ldDst, gemmMicro)
}

// MatMulBF16 is MatMulF32 for bfloat16 weights (each widened to float32 as
// bits<<16); its specification is matMulBF16Ref (one dotBF16Ref per output).
// Blocks of rows are widened once into a scratch buffer and reused for all
// n vectors.
func MatMulBF16(dst []float32, w []uint16, x []float32, rows, cols, n, ldDst int) {
	checkMatMul("MatMulBF16", len(dst), len(w), len(x), rows, cols, n, ldDst)
	if gemmMicro == nil {
		matMulBF16Ref(dst, w, x, rows, cols, n, ldDst)
		return
	}
	gemm(dst, wSource{u16: w, widen: widenBF16}, x, rows, cols, n, ldDst, gemmMicro)
}

// MatMulF16 is MatMulF32 for IEEE binary16 weights; its specification is
// matMulF16Ref (one dotF16Ref per output).
func MatMulF16(dst []float32, w []uint16, x []float32, rows, cols, n, ldDst int) {
	checkMatMul("MatMulF16", len(dst), len(w), len(x), rows, cols, n, ldDst)
	if gemmMicro == nil {
		matMulF16Ref(dst, w, x, rows, cols, n, ldDst)
		return
	}
	gemm(dst, wSource{u16: w, widen: widenF16}, x, rows, cols, n, ldDst, gemmMicro)
}

// GemmKernel names the micro-kernel the MatMul functions use on this CPU
// and build ("ref" when they run their plain-Go references).
func GemmKernel() string {
	if gemmMicro == nil {
		return "ref"
	}
	return gemmMicro.name
}

// checkMatMul panics unless the slices hold the shape; lengths beyond it are
// allowed.
func checkMatMul(fn string, nDst, nW, nX, rows, cols, n, ldDst int) {
	if rows < 0 || cols < 0 || n < 0 || ldDst < rows {
		panic(fmt.Sprintf("kernels.%s: bad shape rows=%d cols=%d n=%d ldDst=%d", fn, rows, cols, n, ldDst))
	}
	if nW < rows*cols || nX < n*cols || (n > 0 && nDst < (n-1)*ldDst+rows) {
		panic(fmt.Sprintf("kernels.%s: slices too short for rows=%d cols=%d n=%d ldDst=%d (dst %d, w %d, x %d)",
			fn, rows, cols, n, ldDst, nDst, nW, nX))
	}
}

// matMulF32Ref is the specification of MatMulF32.
func matMulF32Ref(dst, w, x []float32, rows, cols, n, ldDst int) {
	for t := range n {
		xt := x[t*cols : (t+1)*cols]
		for r := range rows {
			dst[t*ldDst+r] = dotRef(w[r*cols:(r+1)*cols], xt)
		}
	}
}

// matMulBF16Ref is the specification of MatMulBF16.
func matMulBF16Ref(dst []float32, w []uint16, x []float32, rows, cols, n, ldDst int) {
	for t := range n {
		xt := x[t*cols : (t+1)*cols]
		for r := range rows {
			dst[t*ldDst+r] = dotBF16Ref(w[r*cols:(r+1)*cols], xt)
		}
	}
}

// matMulF16Ref is the specification of MatMulF16.
func matMulF16Ref(dst []float32, w []uint16, x []float32, rows, cols, n, ldDst int) {
	for t := range n {
		xt := x[t*cols : (t+1)*cols]
		for r := range rows {
			dst[t*ldDst+r] = dotF16Ref(w[r*cols:(r+1)*cols], xt)
		}
	}
}

// widenBF16Ref is the specification of widenBF16.
func widenBF16Ref(dst []float32, src []uint16) {
	for i, h := range src {
		dst[i] = BF16ToF32(h)
	}
}

// narrowF16Ref is the specification of narrowF16.
func narrowF16Ref(dst []uint16, src []float32) {
	for i, f := range src {
		dst[i] = F32ToF16(f)
	}
}

// widenF16Ref is the specification of widenF16.
func widenF16Ref(dst []float32, src []uint16) {
	for i, h := range src {
		dst[i] = F16ToF32(h)
	}
}

// microKernel is a register-blocked kernel computing a gemmMR-row by nr-token
// tile: out[t*ldo+r] += Σ_{c<k} w[r*ldw+c]·x[t*ldx+c] for k a positive
// multiple of gemmKStep.
type microKernel struct {
	name string
	nr   int
	fn   func(w *float32, ldw int, x *float32, ldx int, k int, out *float32, ldo int)
}

const (
	gemmMR    = 4    // rows per micro-kernel tile
	gemmKStep = 16   // the column count of every blocked call is a multiple of this
	gemmKC    = 1024 // columns per block: a 6-token panel (24 KiB) stays in L1
	gemmMC    = 64   // rows per packed block: 64×1024 floats (256 KiB) stay in L2
	gemmMaxNR = 8    // the widest tile any micro-kernel uses
)

// gemmScratch is one goroutine's packing space.
type gemmScratch struct {
	w    [gemmMC * gemmKC]float32    // a packed block of rows, leading dimension kc
	x    [gemmMaxNR * gemmKC]float32 // a zero-padded partial token panel
	tile [gemmMaxNR * gemmMR]float32 // a partial output tile
	row  [gemmKStep]float32          // a widened column tail
}

var gemmScratchPool = sync.Pool{New: func() any { return new(gemmScratch) }}

// wSource supplies rows of the weight matrix as float32: f32 directly, or
// u16 words widened by widen.
type wSource struct {
	f32   []float32
	u16   []uint16
	widen func(dst []float32, src []uint16)
}

// load writes elements [off, off+m) of the flattened matrix to dst[:m].
func (s wSource) load(dst []float32, off, m int) {
	if s.widen == nil {
		copy(dst[:m], s.f32[off:off+m])
		return
	}
	s.widen(dst[:m], s.u16[off:off+m])
}

// prefetchRow hints that elements [off, off+m) of the flattened matrix will
// be loaded soon.
func (s wSource) prefetchRow(off, m int) {
	if s.widen == nil {
		prefetch(unsafe.Pointer(&s.f32[off]), 4*m)
		return
	}
	prefetch(unsafe.Pointer(&s.u16[off]), 2*m)
}

// gemmNext is the block of weights after the current one, prefetched one
// row per micro-kernel call while the current block is multiplied.
type gemmNext struct {
	src          wSource
	off, ld, len int // first element, row stride, elements per row
	rows         int // rows still to prefetch
}

// step prefetches the next row, if any.
func (p *gemmNext) step() {
	if p.rows > 0 {
		p.src.prefetchRow(p.off, p.len)
		p.off += p.ld
		p.rows--
	}
}

// gemm is the blocked product behind the MatMul functions (shape checked).
// Columns are taken kc at a time (the leading multiple of gemmKStep; the
// remaining < gemmKStep columns are added by a scalar tail), rows gemmMC at a
// time packed into scratch, and tokens nr at a time.
func gemm(dst []float32, src wSource, x []float32, rows, cols, n, ldDst int, mk *microKernel) {
	for t := range n {
		clear(dst[t*ldDst : t*ldDst+rows])
	}
	if rows == 0 || n == 0 {
		return
	}
	sc := gemmScratchPool.Get().(*gemmScratch)
	defer gemmScratchPool.Put(sc)
	kv := cols &^ (gemmKStep - 1)
	for k0 := 0; k0 < kv; k0 += gemmKC {
		kc := min(gemmKC, kv-k0)
		for m0 := 0; m0 < rows; m0 += gemmMC {
			mc := min(gemmMC, rows-m0)
			for i := range mc {
				src.load(sc.w[i*kc:], (m0+i)*cols+k0, kc)
			}
			clear(sc.w[mc*kc : (mc+gemmMR-1)/gemmMR*gemmMR*kc])
			next := gemmNext{src: src, ld: cols}
			switch {
			case m0+mc < rows:
				next.off, next.len, next.rows = (m0+mc)*cols+k0, kc, min(gemmMC, rows-m0-mc)
			case k0+kc < kv:
				next.off, next.len, next.rows = k0+kc, min(gemmKC, kv-k0-kc), min(gemmMC, rows)
			}
			gemmBlock(dst[m0:], sc, mc, x[k0:], cols, kc, n, ldDst, mk, &next)
		}
	}
	if kv < cols {
		gemmColumnTail(dst, src, x, rows, cols, n, ldDst, kv, sc.row[:cols-kv])
	}
}

// gemmBlock adds the products of the packed block sc.w (mc rows, kc columns,
// padded with zero rows to a multiple of gemmMR) with columns [0, kc) of the
// n tokens of x (stride ldx) to dst[t*ldDst+r], prefetching a row of next
// per micro-kernel call.
func gemmBlock(dst []float32, sc *gemmScratch, mc int, x []float32, ldx, kc, n, ldDst int, mk *microKernel, next *gemmNext) {
	nr := mk.nr
	for t0 := 0; t0 < n; t0 += nr {
		nt := min(nr, n-t0)
		xp, ld := x[t0*ldx:], ldx
		if nt < nr {
			for j := range nr {
				if j < nt {
					copy(sc.x[j*kc:(j+1)*kc], x[(t0+j)*ldx:])
				} else {
					clear(sc.x[j*kc : (j+1)*kc])
				}
			}
			xp, ld = sc.x[:], kc
		}
		for r := 0; r < mc; r += gemmMR {
			next.step()
			w := &sc.w[r*kc]
			if nt == nr && r+gemmMR <= mc {
				mk.fn(w, kc, &xp[0], ld, kc, &dst[t0*ldDst+r], ldDst)
				continue
			}
			tile := sc.tile[:nr*gemmMR]
			clear(tile)
			mk.fn(w, kc, &xp[0], ld, kc, &tile[0], gemmMR)
			for j := range nt {
				d := dst[(t0+j)*ldDst+r:]
				for i := range min(gemmMR, mc-r) {
					d[i] += tile[j*gemmMR+i]
				}
			}
		}
	}
}

// gemmColumnTail adds the products over columns [kv, cols) (fewer than
// gemmKStep) to every output, widening each row's tail into row.
func gemmColumnTail(dst []float32, src wSource, x []float32, rows, cols, n, ldDst, kv int, row []float32) {
	for r := range rows {
		src.load(row, r*cols+kv, len(row))
		for t := range n {
			xt := x[t*cols+kv : (t+1)*cols]
			var s float32
			for c, v := range row {
				s += v * xt[c]
			}
			dst[t*ldDst+r] += s
		}
	}
}
