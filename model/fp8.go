package model

import (
	"fmt"

	"github.com/upgtools/upg/kernels"
)

// FP8Block is the side length of the square blocks that share one scale in
// DeepSeek-V3's F8_E4M3 checkpoints (weight_scale_inv).
const FP8Block = 128

type f8Store struct {
	w     []byte
	cols  int
	scale []float32 // [ceil(rows/128)][ceil(cols/128)]
	scols int
}

// NewDenseF8 wraps an F8_E4M3 matrix with its 128×128 block scales
// (w = fp8 · scaleInv[r/128][c/128]) without expanding it.
func NewDenseF8(b []byte, scaleInv []float32, rows, cols int) (*Dense, error) {
	if len(b) != rows*cols {
		return nil, fmt.Errorf("F8_E4M3 matrix %d×%d: have %d bytes", rows, cols, len(b))
	}
	sr, sc := (rows+FP8Block-1)/FP8Block, (cols+FP8Block-1)/FP8Block
	if len(scaleInv) != sr*sc {
		return nil, fmt.Errorf("F8_E4M3 matrix %d×%d: scale has %d values, want %d×%d", rows, cols, len(scaleInv), sr, sc)
	}
	s := f8Store{b, cols, scaleInv, sc}
	return &Dense{rows, cols, int64(len(b) + 4*len(scaleInv)), false, s}, nil
}

func (s f8Store) dot(r int, x []float32) float32 {
	w := s.w[r*s.cols : (r+1)*s.cols]
	srow := s.scale[(r/FP8Block)*s.scols:]
	var sum float32
	for b := 0; b*FP8Block < s.cols; b++ {
		lo, hi := b*FP8Block, min((b+1)*FP8Block, s.cols)
		var part float32
		for i := lo; i < hi; i++ {
			part += kernels.F8E4M3ToF32(w[i]) * x[i]
		}
		sum += part * srow[b]
	}
	return sum
}

func (s f8Store) row(r int, dst []float32) {
	w := s.w[r*s.cols : (r+1)*s.cols]
	srow := s.scale[(r/FP8Block)*s.scols:]
	for i, v := range w {
		dst[i] = kernels.F8E4M3ToF32(v) * srow[i/FP8Block]
	}
}
