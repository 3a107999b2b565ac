package convert

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"path/filepath"
	"time"

	"github.com/upgtools/upg/checkpoint"
	"github.com/upgtools/upg/codec"
	"github.com/upgtools/upg/kernels"
	"github.com/upgtools/upg/model"
	"github.com/upgtools/upg/safetensors"
	"github.com/upgtools/upg/upg"
)

// shardName is the file name of shard k (0-based).
func (j *job) shardName(k int) string {
	if n := j.shardCount(); n > 1 {
		return upg.ShardName(k+1, n)
	}
	return upg.SingleFile
}

// encodeAll writes every shard not already done, tensor by tensor.
func (j *job) encodeAll(ctx context.Context) error {
	cleanTemporaries(j.partial)
	if err := j.state.syncCosts(j.plans); err != nil {
		return err
	}
	var totalBytes, doneBytes int64
	for _, p := range j.plans {
		totalBytes += p.srcBytes(j)
	}
	done := 0
	reports := map[string]TensorReport{}
	for _, r := range j.state.Tensors {
		reports[r.Name] = r
	}
	written := 0
	for k := range j.shardCount() {
		name := j.shardName(k)
		var members []*tensorPlan
		for _, p := range j.plans {
			if p.Shard == k {
				members = append(members, p)
			}
		}
		if j.state.done(name) {
			for _, p := range members {
				done++
				doneBytes += p.srcBytes(j)
			}
			j.o.log("shard %s: kept from the interrupted run", name)
			continue
		}
		if j.o.stopAfterShards > 0 && written == j.o.stopAfterShards {
			return fmt.Errorf("stopped after %d shards: %w", written, context.Canceled)
		}
		w, err := upg.Create(filepath.Join(j.partial, name), upg.Options{Metadata: map[string]string{"tool": "upg " + j.o.ToolVersion}})
		if err != nil {
			return err
		}
		var reps []TensorReport
		for _, p := range members {
			if err := ctx.Err(); err != nil {
				w.Abort()
				return err
			}
			r, err := j.encodeOne(w, p)
			if err != nil {
				w.Abort()
				return err
			}
			reps = append(reps, r)
			done++
			doneBytes += p.srcBytes(j)
			if j.o.Progress != nil {
				j.o.Progress(Progress{Stage: "encode", Done: done, Total: len(j.plans), Bytes: doneBytes, TotalBytes: totalBytes, Tensor: p.Name, Elapsed: time.Since(j.start)})
			}
		}
		if err := w.Close(); err != nil {
			return err
		}
		if err := j.state.markDone(name, reps); err != nil {
			return err
		}
		written++
	}
	return nil
}

// srcBytes is the tensor's size in the input checkpoint.
func (p *tensorPlan) srcBytes(j *job) int64 {
	if t, err := j.ck.Tensor(p.Name); err == nil {
		return int64(len(t.Data))
	}
	return 0
}

// chunkBytes bounds the float32 working set of one encoding step: large
// matrices are read, encoded and measured in row blocks of about this size.
const chunkBytes = 64 << 20

// errSums accumulates the plain and importance-weighted squared error.
type errSums struct{ num, den, wnum, wden float64 }

func (s *errSums) add(w, dec []float32, cols int, imp []float32) {
	for i, v := range w {
		d := float64(v) - float64(dec[i])
		s.num += d * d
		s.den += float64(v) * float64(v)
		if imp != nil {
			s.wnum += float64(imp[i%cols]) * d * d
			s.wden += float64(imp[i%cols]) * float64(v) * float64(v)
		}
	}
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// encodeOne reads one tensor, stores it as planned and measures its error.
func (j *job) encodeOne(w *upg.Writer, p *tensorPlan) (TensorReport, error) {
	t, err := j.ck.Tensor(p.Name)
	if err != nil {
		return TensorReport{}, err
	}
	defer safetensors.Release(t.Data)
	rep := TensorReport{Name: p.Name, Shape: p.Shape, Params: p.Params}
	if p.Encode && p.chosen().codec != nil {
		e, sums, err := j.encodeChunked(t, p)
		if err != nil {
			return rep, fmt.Errorf("%s: tensor %s: %w", t.File, p.Name, err)
		}
		if err := w.AddEncoded(p.Name, e); err != nil {
			return rep, err
		}
		rep.Codec, rep.Bytes = p.chosen().name, e.Bytes()
		rep.NMSE, rep.WNMSE = ratio(sums.num, sums.den), ratio(sums.wnum, sums.wden)
	} else {
		vals, err := j.ck.Float32(p.Name)
		if err != nil {
			return rep, err
		}
		dt, data := plainBytes(vals, p.DType)
		if err := w.AddPlain(p.Name, dt, p.Shape, data); err != nil {
			return rep, err
		}
		back, _ := model.PlainFloat32(dt, data)
		rep.Codec, rep.DType, rep.Bytes = "plain", string(dt), int64(len(data))
		rep.NMSE = codec.NMSE(vals, back)
	}
	rep.BPW = 8 * float64(rep.Bytes) / float64(p.Params)
	rep.Cost = p.cost()
	return rep, nil
}

// encodeChunked encodes a matrix in row blocks of about chunkBytes of
// float32 (one block for small matrices, and for FP8 sources whose block
// scales need the whole tensor), releasing each block's source pages, and
// joins the blocks.
func (j *job) encodeChunked(t *checkpoint.Tensor, p *tensorPlan) (*codec.Encoded, errSums, error) {
	var sums errSums
	c := p.chosen().codec
	rows, cols := int(p.Shape[0]), int(p.Shape[1])
	step := rows
	if t.DType != safetensors.F8E4M3 {
		step = max(1, chunkBytes/(4*cols))
		m := c.RowMultiple()
		step = max(m, step/m*m)
	}
	imp := j.stats[p.Name].Importance()
	var parts []*codec.Encoded
	var dec []float32
	for r0 := 0; r0 < rows; r0 += step {
		r1 := min(rows, r0+step)
		vals, err := j.rowsFloat32(t, r0, r1, cols)
		if err != nil {
			return nil, sums, err
		}
		e, err := j.encodeWith(c, p.Name, vals, r1-r0, cols)
		if err != nil {
			return nil, sums, err
		}
		dec = grow(dec, len(vals))
		if err := e.Decode(dec); err != nil {
			return nil, sums, fmt.Errorf("decoding for the error measurement: %w", err)
		}
		sums.add(vals, dec, cols, imp)
		parts = append(parts, e)
		if t.DType != safetensors.F8E4M3 {
			safetensors.Release(t.Data[r0*cols*t.DType.Size() : r1*cols*t.DType.Size()])
		}
	}
	e, err := codec.ConcatRows(parts)
	return e, sums, err
}

func grow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

// rowsFloat32 converts rows [r0, r1) of a stored matrix to float32.
func (j *job) rowsFloat32(t *checkpoint.Tensor, r0, r1, cols int) ([]float32, error) {
	switch t.DType {
	case safetensors.F32, safetensors.BF16, safetensors.F16:
		sz := t.DType.Size()
		return model.PlainFloat32(t.DType, t.Data[r0*cols*sz:r1*cols*sz])
	}
	vals, err := j.ck.Float32(t.Name)
	if err != nil {
		return nil, err
	}
	return vals[r0*cols : r1*cols], nil
}

// cost is the estimated damage of the chosen option (0 for plain tensors).
func (p *tensorPlan) cost() float64 {
	if !p.Encode {
		return 0
	}
	return p.chosen().cost
}

// plainBytes stores values plain: BF16 sources stay BF16 (exact), others
// become F16, or BF16 when a value exceeds F16's range.
func plainBytes(v []float32, src safetensors.DType) (safetensors.DType, []byte) {
	dt := plainDType(src)
	if dt == safetensors.F16 {
		for _, x := range v {
			if math.Abs(float64(x)) > 65504 {
				dt = safetensors.BF16
				break
			}
		}
	}
	out := make([]byte, 2*len(v))
	for i, x := range v {
		var h uint16
		if dt == safetensors.F16 {
			h = kernels.F32ToF16(x)
		} else {
			h = kernels.F32ToBF16(x)
		}
		binary.LittleEndian.PutUint16(out[2*i:], h)
	}
	return dt, out
}
