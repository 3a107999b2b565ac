// Package kernels holds upg's numeric hot paths: dtype conversion,
// matrix-vector and matrix-matrix products over stored weights, RMSNorm, RoPE,
// softmax and SiLU, machine measurements (read bandwidth, FMA peak) and a
// persistent worker pool. Each kernel has a plain-Go reference implementation
// that serves as its specification. On amd64 the products run assembly chosen
// at run time by CPU feature (AVX-512, else AVX2/FMA/F16C): Dot, DotBF16 and
// DotF16 (dot_amd64.s, dotf16_amd64.s), the 4-row matrix-vector kernels
// MatVecF32/BF16/F16 with prefetch (matvec_amd64.s), the register-blocked
// matrix-matrix kernels MatMulF32/BF16/F16 (gemm_amd64.s), RMSNorm,
// RoPENeoX and AXPY (ops_amd64.s; bit-identical to the Go code but for the
// order of RMSNorm's float64 sum), the 4×64 panel product of blocked
// attention MulPanel64, a vectorized exp (Exp, ExpShift,
// Softmax, SoftmaxOnline, SwiGLU; relative error ≤ ExpMaxRelErr against
// math.Exp), and the bandwidth and FMA loops (measure_amd64.s). Products
// differ from their references only by reassociation of sums; the purego
// build tag forces the references everywhere.
//
// Single-token attention over an F16 KV cache reads it in place: ScoresF16
// (q·k, 16 keys per register tree) and AccumF16 (Σ p·v), attnf16_amd64.s.
// The lookup-table codecs' products use sign-symmetric codebooks (entry
// k+128 = −entry k): LUTBuildHalf writes the int8 table of an input times
// the first 128 codebook entries (128 bytes per group; entries within 1 of
// the reference, FMA against rounded products) and LUTDotSym sums table
// lookups over 64-row tiles exactly in int32, one VPERMI2B and a masked
// negation per 64 codes, in passes over eight tiles, or four tiles read as
// eight streams (each tile's two halves of the groups side by side: it
// streams from memory as fast as eight), lut_amd64.s; LUTBuildHalfPrefetch also brings
// the product's first codes into cache, two lines per group inside the
// build loop; LUTScaleRows turns a tile's int32 sums into floats with F16
// row scales, bit-identical to its reference (lutscale_amd64.s), and
// MaxGroupNorm2 bounds the table's entries (groupnorm_amd64.s,
// bit-identical). NarrowF16 stores F16 eight values per VCVTPS2PH.
//
// The Pool splits loops over persistent workers: ForArgs in one chunk per
// thread, ForArgsBalanced in shrinking chunks taken in turn (guided: each
// 1/(2·threads) of what is left). Hand-offs spin briefly (PAUSE between
// polls, yielding the core every 256) before parking, so a decoded token's
// ~200 loops cost about a microsecond each instead of a goroutine wake-up;
// a spinning worker may meanwhile prefetch a plan the caller posted
// (PrefetchIdle). Prefetch hints a slice into cache. The package imports
// nothing of upg's (it is a leaf).
package kernels
