// Package kernels holds upg's numeric hot paths: dtype conversion,
// matrix-vector and matrix-matrix products over stored weights, RMSNorm, RoPE,
// softmax and SiLU, and a persistent worker pool. Each kernel has a plain-Go
// reference implementation that serves as its specification. It imports
// nothing of upg's (it is a leaf).
package kernels
