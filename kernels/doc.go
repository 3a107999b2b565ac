// Package kernels holds upg's numeric hot paths: dtype conversion,
// matrix-vector and matrix-matrix products over stored weights, RMSNorm, RoPE,
// softmax and SiLU, and a persistent worker pool. Each kernel has a plain-Go
// reference implementation that serves as its specification. On amd64 with
// AVX2 and FMA, Dot and DotBF16 run assembly kernels (dot_amd64.s) that differ
// from their references only by reassociation of the sum; the purego build tag
// forces the references everywhere. It imports nothing of upg's (it is a leaf).
package kernels
