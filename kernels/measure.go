package kernels

import (
	"errors"
	"slices"
	"time"
)

// Machine figures as ../shared/docs/measurement.md defines them: the
// memory-read bandwidth (a read-only sum over a large buffer, with the same
// thread count as the run it is compared with) and the cores' peak FP32
// fused multiply-add rate. Both run on a Pool, one chunk per worker.

// MinBandwidthBuffer is the buffer size measurement.md asks for (1 GiB):
// large enough that no cache level holds it.
const MinBandwidthBuffer = 1 << 30

// ErrMeasure marks invalid measurement parameters.
var ErrMeasure = errors.New("invalid measurement")

// Bandwidth is one memory-read bandwidth measurement.
type Bandwidth struct {
	Threads     int       `json:"threads"`
	BufferBytes int64     `json:"buffer_bytes"`
	Passes      int       `json:"passes"`
	PassGBps    []float64 `json:"pass_gb_per_s"` // every timed pass, GB/s (10⁹ bytes)
	MedianGBps  float64   `json:"median_gb_per_s"`
	MaxGBps     float64   `json:"max_gb_per_s"`
	Kernel      string    `json:"kernel"`
	Checksum    float32   `json:"checksum"` // the sum read, so the reads cannot be skipped
}

// MeasureReadBandwidth fills a buffer of bufBytes (rounded down to whole
// 4-KiB pages, at least one page) and times passes full read-only sums of it
// split over the pool's workers, after one untimed warm-up pass. Use at
// least MinBandwidthBuffer for a figure of main memory.
func MeasureReadBandwidth(p *Pool, bufBytes int64, passes int) (Bandwidth, error) {
	if passes < 1 || bufBytes < 4096 {
		return Bandwidth{}, errors.Join(ErrMeasure, errors.New("need ≥ 1 pass over ≥ 4096 bytes"))
	}
	n := int(bufBytes/4096) * 1024
	buf := make([]float32, n)
	for i := range buf {
		buf[i] = float32(i & 7)
	}
	threads := p.Threads()
	partial := make([]float32, threads)
	args := Args{A: partial, B: buf}
	sumPass := func() float32 {
		clear(partial)
		p.ForArgs(n, 4096, args, sumChunk)
		var s float32
		for _, v := range partial {
			s += v
		}
		return s
	}
	bw := Bandwidth{Threads: threads, BufferBytes: int64(n) * 4, Passes: passes, Kernel: SumKernel()}
	bw.Checksum = sumPass()
	for range passes {
		start := time.Now()
		bw.Checksum = sumPass()
		bw.PassGBps = append(bw.PassGBps, float64(bw.BufferBytes)/time.Since(start).Seconds()/1e9)
	}
	bw.MedianGBps, bw.MaxGBps = median(bw.PassGBps), slices.Max(bw.PassGBps)
	return bw, nil
}

// sumChunk is the ForArgs body of MeasureReadBandwidth: a.A[worker] gets the
// sum of a.B[lo:hi].
func sumChunk(a *Args, worker, lo, hi int) { a.A[worker] = SumF32(a.B[lo:hi]) }

// SumF32 returns Σ x[i]. On amd64 (without the purego tag) it runs an
// AVX-512 or AVX2 kernel chosen at run time, which reads the memory as fast
// as the core can and sums in a different order than sumF32Ref.
func SumF32(x []float32) float32 { return sumF32(x) }

// sumF32Ref is the specification of SumF32: eight interleaved float32
// partial sums.
func sumF32Ref(x []float32) float32 {
	var s [8]float32
	i := 0
	for ; i+8 <= len(x); i += 8 {
		for k := range s {
			s[k] += x[i+k]
		}
	}
	for ; i < len(x); i++ {
		s[0] += x[i]
	}
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
}

// FMAPeak is one measurement of the peak FP32 fused multiply-add rate.
type FMAPeak struct {
	Threads       int     `json:"threads"`
	Kernel        string  `json:"kernel"`
	FLOPsPerCall  int64   `json:"flops_per_iteration"` // of one FMALoop iteration, one thread
	Seconds       float64 `json:"seconds"`
	GFLOPs        float64 `json:"gflop_per_s"` // all threads, 2 FLOPs per lane per FMA
	GFLOPsPerCore float64 `json:"gflop_per_s_per_thread"`
	Checksum      float32 `json:"checksum"`
}

// MeasureFMAPeak runs FMALoop on every worker of the pool for about dur
// (after a short warm-up that lets the cores reach their vector clock) in
// fmaRounds equal rounds and reports the fastest round's FP32 FLOP rate (2
// per lane per FMA): a peak, so a round slowed by another process does not
// lower it.
func MeasureFMAPeak(p *Pool, dur time.Duration) (FMAPeak, error) {
	if dur <= 0 {
		return FMAPeak{}, errors.Join(ErrMeasure, errors.New("duration must be positive"))
	}
	threads := p.Threads()
	out := make([]float32, threads)
	run := func(iters int) time.Duration {
		start := time.Now()
		p.ForArgs(threads, 1, Args{A: out, I: [4]int{iters}}, fmaChunk)
		return time.Since(start)
	}
	iters := 1 << 12
	for run(iters) < dur/8 && iters < 1<<40 {
		iters *= 2 // warm-up and calibration
	}
	iters = int(float64(iters) * dur.Seconds() / fmaRounds / max(run(iters).Seconds(), 1e-9))
	iters = max(iters, 1)
	el := run(iters)
	for range fmaRounds - 1 {
		el = min(el, run(iters))
	}
	per := FMAFLOPsPerIteration()
	fp := FMAPeak{Threads: threads, Kernel: FMAKernel(), FLOPsPerCall: per, Seconds: el.Seconds()}
	fp.GFLOPs = float64(per) * float64(iters) * float64(threads) / el.Seconds() / 1e9
	fp.GFLOPsPerCore = fp.GFLOPs / float64(threads)
	for _, v := range out {
		fp.Checksum += v
	}
	return fp, nil
}

// fmaRounds is the number of timed rounds of MeasureFMAPeak.
const fmaRounds = 4

// fmaChunk is the ForArgs body of MeasureFMAPeak: one FMALoop per item.
func fmaChunk(a *Args, _, lo, hi int) {
	for i := lo; i < hi; i++ {
		a.A[i] = FMALoop(a.I[0], 1, 1e-7)
	}
}

// FMALoop runs iters iterations of the peak-rate kernel: each iteration
// applies acc = acc·m + c to every lane of fmaAccumulators independent
// vector accumulators (initialised to 0), and returns the sum of all lanes.
// FMAFLOPsPerIteration is its FLOP count per iteration.
func FMALoop(iters int, m, c float32) float32 {
	if iters <= 0 {
		return 0
	}
	return fmaLoop(iters, m, c)
}

// fmaAccumulators is how many independent accumulators the FMA kernels keep:
// enough to cover the FMA latency (4 cycles) times two FMA ports.
const fmaAccumulators = 12

// fmaLoopRef is the specification of FMALoop on one lane per accumulator.
func fmaLoopRef(iters int, m, c float32) float32 {
	var acc [fmaAccumulators]float32
	for range iters {
		for k := range acc {
			acc[k] = acc[k]*m + c
		}
	}
	var s float32
	for _, v := range acc {
		s += v
	}
	return s
}

func median(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// FMAFLOPsPerIteration is the FLOP count of one FMALoop iteration on this
// machine's kernel: 2 per lane per accumulator.
func FMAFLOPsPerIteration() int64 { return int64(2 * fmaAccumulators * fmaLanes()) }
