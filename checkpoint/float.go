package checkpoint

import (
	"fmt"

	"github.com/upgtools/upg/kernels"
	"github.com/upgtools/upg/safetensors"
)

// fp8Block is the DeepSeek-V3 FP8 scale block edge (weight_block_size).
const fp8Block = 128

// Float32 returns the named tensor converted to a new []float32. F8_E4M3
// weights that have a "<name>_scale_inv" companion are multiplied by the
// inverse scale of their 128×128 block, as DeepSeek-V3 stores them; without a
// companion the raw FP8 values are returned. Other dtypes than F32, F16,
// BF16, I8, U8 and F8_E4M3 give an *UnsupportedError.
func (c *Checkpoint) Float32(name string) ([]float32, error) {
	t, err := c.Tensor(name)
	if err != nil {
		return nil, err
	}
	n := len(t.Data) / max(t.DType.Size(), 1) // bounded by the file size
	var out []float32
	switch t.DType {
	case safetensors.F32:
		out = make([]float32, n)
		kernels.DecodeF32(out, t.Data)
	case safetensors.F16:
		out = make([]float32, n)
		kernels.DecodeF16(out, t.Data)
	case safetensors.BF16:
		out = make([]float32, n)
		kernels.DecodeBF16(out, t.Data)
	case safetensors.I8:
		out = make([]float32, n)
		for i, b := range t.Data {
			out[i] = float32(int8(b))
		}
	case safetensors.U8:
		out = make([]float32, n)
		for i, b := range t.Data {
			out[i] = float32(b)
		}
	case safetensors.F8E4M3:
		out = make([]float32, n)
		kernels.DecodeF8E4M3(out, t.Data)
		if c.Has(name + scaleSuffix) {
			if err := c.applyBlockScales(t, out); err != nil {
				return nil, err
			}
		}
	default:
		return nil, &UnsupportedError{Dir: c.Dir, Tensor: name, DType: t.DType}
	}
	return out, nil
}

// applyBlockScales multiplies each 128×128 block of the 2-D weight w by its
// entry of the [ceil(rows/128), ceil(cols/128)] scale_inv tensor.
func (c *Checkpoint) applyBlockScales(t *Tensor, w []float32) error {
	scaleName := t.Name + scaleSuffix
	if len(t.Shape) != 2 {
		return fmt.Errorf("checkpoint %s: tensor %q: %w: FP8 weight with block scales has shape %v, want 2-D", c.Dir, t.Name, ErrInvalid, t.Shape)
	}
	rows, cols := t.Shape[0], t.Shape[1]
	st, err := c.Tensor(scaleName)
	if err != nil {
		return err
	}
	br, bc := (rows+fp8Block-1)/fp8Block, (cols+fp8Block-1)/fp8Block
	if len(st.Shape) != 2 || st.Shape[0] != br || st.Shape[1] != bc {
		return fmt.Errorf("checkpoint %s: tensor %q: %w: shape %v, want [%d %d] for weight %v", c.Dir, scaleName, ErrInvalid, st.Shape, br, bc, t.Shape)
	}
	if st.DType == safetensors.F8E4M3 {
		return &UnsupportedError{Dir: c.Dir, Tensor: scaleName, DType: st.DType}
	}
	scales, err := c.Float32(scaleName)
	if err != nil {
		return err
	}
	for r := int64(0); r < rows; r++ {
		row := w[r*cols : (r+1)*cols]
		srow := scales[(r/fp8Block)*bc : (r/fp8Block+1)*bc]
		for j := range row {
			row[j] *= srow[j/fp8Block]
		}
	}
	return nil
}
