package synth

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/upgtools/upg/kernels"
	"github.com/upgtools/upg/safetensors"
)

// Options selects and shapes a synthetic checkpoint.
type Options struct {
	// Preset names the model (see Presets).
	Preset string
	// Scale in (0, 1] keeps the real widths and round(layers*Scale) layers
	// (at least 1). Zero means 1.
	Scale float64
	// Layers, when positive, sets the layer count and overrides Scale.
	Layers int
	// OutlierFrac is the share of matrix weights drawn as large outliers
	// (default 0.001; negative means none).
	OutlierFrac float64
	// OutlierScale is the outlier magnitude in units of Std (default 10):
	// outliers are ±Std*OutlierScale*(1+|N(0,1)|/2).
	OutlierScale float64
	// Seed makes the weights reproducible: equal options give equal bytes.
	Seed uint64
	// ShardBytes is the largest shard's tensor data size before splitting
	// into model-0000i-of-0000N.safetensors (default 5e9, like the hub).
	ShardBytes int64
	// Std is the weight standard deviation (default 0.02); norms are 1+N(0, Std).
	Std float64
}

// defaults fills zero options and validates the rest.
func (o Options) defaults(p *preset) (Options, int, error) {
	if o.Scale == 0 {
		o.Scale = 1
	}
	if !(o.Scale > 0 && o.Scale <= 1) {
		return o, 0, fmt.Errorf("synth: scale %v outside (0, 1]", o.Scale)
	}
	switch {
	case o.OutlierFrac == 0:
		o.OutlierFrac = 0.001
	case o.OutlierFrac < 0:
		o.OutlierFrac = 0
	case o.OutlierFrac >= 1 || math.IsNaN(o.OutlierFrac):
		return o, 0, fmt.Errorf("synth: outlier fraction %v outside [0, 1)", o.OutlierFrac)
	}
	if o.OutlierScale == 0 {
		o.OutlierScale = 10
	}
	if o.ShardBytes == 0 {
		o.ShardBytes = 5_000_000_000
	}
	if o.Std == 0 {
		o.Std = 0.02
	}
	if o.ShardBytes < 0 || !(o.Std > 0) || !(o.OutlierScale > 0) || math.IsInf(o.Std, 0) || math.IsInf(o.OutlierScale, 0) {
		return o, 0, fmt.Errorf("synth: invalid options %+v", o)
	}
	layers := o.Layers
	if layers <= 0 {
		layers = max(1, int(math.Round(float64(p.layers)*o.Scale)))
	}
	return o, layers, nil
}

// shard is one output file: its name and tensors.
type shard struct {
	file    string
	tensors []tensorSpec
}

func bytesOf(t tensorSpec) int64 {
	n := int64(2) // BF16
	for _, d := range t.shape {
		n *= d
	}
	return n
}

// planShards groups tensors in order as transformers' save_pretrained does:
// a tensor goes to the current shard unless it would push it past limit.
func planShards(ts []tensorSpec, limit int64) []shard {
	var out []shard
	var cur []tensorSpec
	var size int64
	for _, t := range ts {
		b := bytesOf(t)
		if len(cur) > 0 && size+b > limit {
			out = append(out, shard{tensors: cur})
			cur, size = nil, 0
		}
		cur = append(cur, t)
		size += b
	}
	out = append(out, shard{tensors: cur})
	if len(out) == 1 {
		out[0].file = "model.safetensors"
		return out
	}
	for i := range out {
		out[i].file = fmt.Sprintf("model-%05d-of-%05d.safetensors", i+1, len(out))
	}
	return out
}

// Write creates dir holding a random-weight checkpoint of the preset:
// config.json, generation_config.json, tokenizer.json, tokenizer_config.json
// and BF16 safetensors weights (sharded with an index when over ShardBytes).
// It builds everything in a sibling "dir.tmp-*" directory and renames it into
// place at the end; dir must not exist (or be empty). Memory use is bounded
// by the largest tensor. progress, if not nil, is called after each tensor
// with bytes of weights written so far and in total.
func Write(ctx context.Context, dir string, opt Options, progress func(done, total int64)) (err error) {
	p, err := lookup(opt.Preset)
	if err != nil {
		return err
	}
	opt, layers, err := opt.defaults(p)
	if err != nil {
		return err
	}
	dir = filepath.Clean(dir)
	if st, err := os.Stat(dir); err == nil {
		entries, _ := os.ReadDir(dir)
		if !st.IsDir() || len(entries) > 0 {
			return fmt.Errorf("synth: %s already exists and is not an empty directory", dir)
		}
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".tmp-*")
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := writeMeta(tmp, p, layers); err != nil {
		return err
	}
	specs := p.tensors(layers)
	shards := planShards(specs, opt.ShardBytes)
	g := newGenerator(opt)
	var total, done int64
	for _, t := range specs {
		total += bytesOf(t)
	}
	for _, sh := range shards {
		if err := g.writeShard(ctx, filepath.Join(tmp, sh.file), sh.tensors, func(n int64) {
			done += n
			if progress != nil {
				progress(done, total)
			}
		}); err != nil {
			return err
		}
	}
	if len(shards) > 1 {
		if err := writeIndex(tmp, shards, total); err != nil {
			return err
		}
	}
	os.Remove(dir) // an empty directory may be replaced
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}

// writeMeta writes the config, generation config and tokenizer files.
func writeMeta(dir string, p *preset, layers int) error {
	cfg := make(map[string]any, len(p.config))
	for k, v := range p.config {
		cfg[k] = v
	}
	cfg["num_hidden_layers"] = layers
	tokJSON, tokCfg, err := p.tok.tokenizerFiles()
	if err != nil {
		return err
	}
	cfgJSON, err := marshal(cfg, true)
	if err != nil {
		return fmt.Errorf("synth: encoding config.json: %w", err)
	}
	genJSON, err := marshal(p.generation, true)
	if err != nil {
		return fmt.Errorf("synth: encoding generation_config.json: %w", err)
	}
	for name, b := range map[string][]byte{
		"config.json": cfgJSON, "generation_config.json": genJSON,
		"tokenizer.json": tokJSON, "tokenizer_config.json": tokCfg,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return fmt.Errorf("synth: %w", err)
		}
	}
	return nil
}

func writeIndex(dir string, shards []shard, total int64) error {
	wm := map[string]string{}
	for _, sh := range shards {
		for _, t := range sh.tensors {
			wm[t.name] = sh.file
		}
	}
	b, err := marshal(map[string]any{"metadata": map[string]any{"total_size": total}, "weight_map": wm}, true)
	if err != nil {
		return fmt.Errorf("synth: encoding index: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), b, 0o644); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}

// generator fills tensors with seeded random BF16 values. Each chunk of
// chunkElems elements has its own PCG stream keyed by (seed, tensor name,
// chunk), so the bytes do not depend on how many goroutines fill them.
type generator struct {
	opt Options
	buf []byte
}

const chunkElems = 1 << 16

func newGenerator(opt Options) *generator { return &generator{opt: opt} }

func (g *generator) writeShard(ctx context.Context, path string, ts []tensorSpec, progress func(int64)) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("synth: %w", cerr)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	infos := make([]safetensors.TensorInfo, len(ts))
	for i, t := range ts {
		infos[i] = safetensors.TensorInfo{Name: t.name, DType: safetensors.BF16, Shape: t.shape}
	}
	w, err := safetensors.NewWriter(bw, infos, map[string]string{"format": "pt"}, safetensors.WriterOptions{})
	if err != nil {
		return fmt.Errorf("synth: %s: %w", path, err)
	}
	for _, t := range ts {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("synth: %w", err)
		}
		data, err := g.fill(ctx, t)
		if err != nil {
			return fmt.Errorf("synth: %s: %w", t.name, err)
		}
		if err := w.WriteTensor(t.name, data); err != nil {
			return fmt.Errorf("synth: %s: %w", path, err)
		}
		progress(int64(len(data)))
	}
	if err := errors.Join(w.Close(), bw.Flush(), f.Sync()); err != nil {
		return fmt.Errorf("synth: %s: %w", path, err)
	}
	return nil
}

// fill generates one tensor's BF16 bytes into the reused buffer, stopping
// early when ctx is cancelled.
func (g *generator) fill(ctx context.Context, t tensorSpec) ([]byte, error) {
	size := bytesOf(t)
	if int64(cap(g.buf)) < size {
		g.buf = make([]byte, size)
	}
	data := g.buf[:size]
	n := int(size / 2)
	chunks := (n + chunkElems - 1) / chunkElems
	h := fnv.New64a()
	h.Write([]byte(t.name))
	key := h.Sum64() ^ g.opt.Seed
	workers := min(runtime.GOMAXPROCS(0), chunks)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				lo, hi := c*chunkElems, min(n, (c+1)*chunkElems)
				g.fillChunk(data[2*lo:2*hi], t.kind, rand.New(rand.NewPCG(key, uint64(c))))
			}
		}()
	}
	for c := range chunks {
		if ctx.Err() != nil {
			break
		}
		next <- c
	}
	close(next)
	wg.Wait()
	return data, ctx.Err()
}

func (g *generator) fillChunk(dst []byte, kind int, r *rand.Rand) {
	std, frac, big := g.opt.Std, g.opt.OutlierFrac, g.opt.Std*g.opt.OutlierScale
	for i := 0; i < len(dst); i += 2 {
		var v float64
		switch {
		case kind == kindNorm:
			v = 1 + std*r.NormFloat64()
		case kind == kindMatrix && r.Float64() < frac:
			v = big * (1 + math.Abs(r.NormFloat64())/2)
			if r.Uint64()&1 == 0 {
				v = -v
			}
		default:
			v = std * r.NormFloat64()
		}
		binary.LittleEndian.PutUint16(dst[i:], kernels.F32ToBF16(float32(v)))
	}
}
