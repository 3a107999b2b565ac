package convert

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"path/filepath"
	"time"

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

// encodeOne reads one tensor, stores it as planned and measures its error.
func (j *job) encodeOne(w *upg.Writer, p *tensorPlan) (TensorReport, error) {
	t, err := j.ck.Tensor(p.Name)
	if err != nil {
		return TensorReport{}, err
	}
	defer safetensors.Release(t.Data)
	vals, err := j.ck.Float32(p.Name)
	if err != nil {
		return TensorReport{}, err
	}
	rep := TensorReport{Name: p.Name, Shape: p.Shape, Params: p.Params}
	if p.Encode && p.chosen().codec != nil {
		rows, cols := int(p.Shape[0]), int(p.Shape[1])
		e, err := j.encodeWith(p.chosen().codec, p.Name, vals, rows, cols)
		if err != nil {
			return rep, fmt.Errorf("%s: tensor %s: %w", t.File, p.Name, err)
		}
		if err := w.AddEncoded(p.Name, e); err != nil {
			return rep, err
		}
		dec := make([]float32, len(vals))
		if err := e.Decode(dec); err != nil {
			return rep, fmt.Errorf("tensor %s: decoding for the error measurement: %w", p.Name, err)
		}
		rep.Codec, rep.Bytes = p.chosen().name, e.Bytes()
		rep.NMSE = codec.NMSE(vals, dec)
		if imp := j.stats[p.Name].Importance(); imp != nil {
			rep.WNMSE = codec.WeightedNMSE(vals, dec, cols, imp)
		}
	} else {
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
