package kernels

import (
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"
)

// Pool is a fixed set of worker goroutines that split loops between them.
// It is created once per model and reused for every token, so the decode
// loop does not start goroutines. A Pool is used by one caller at a time.
//
// Hand-offs spin: a worker that finished a chunk polls for the next one for
// up to spinFor before it parks on a channel, and the caller polls for the
// workers' completion the same way. A decoded token runs ~150 loops a few
// tens of microseconds apart; parking and waking a goroutine for each one
// cost more than the loops' imbalance (measured with `upg bench`, see
// BenchmarkPoolForArgs).
type Pool struct {
	threads int
	workers []*poolWorker
	args    Args // the operands of the ForArgs loop in flight

	pending atomic.Int32  // chunks of the loop in flight not yet done by workers
	next    atomic.Int64  // the start of a balanced loop's next chunk
	parked  atomic.Bool   // the caller sleeps on done
	done    chan struct{} // wakes the parked caller (buffered, 1)
}

// poolWorker is one worker goroutine's mailbox.
type poolWorker struct {
	seq    atomic.Uint64 // bumped by the caller for each posted job
	job    job           // written before seq is bumped
	parked atomic.Bool   // the worker sleeps on wake
	wake   chan struct{} // buffered, 1; closed by Close
	closed atomic.Bool

	idle    idlePlan      // written by the caller between loops, before idleGen is bumped
	idleGen atomic.Uint64 // bumped by PrefetchIdle
	idleEnd atomic.Int64  // plans the worker prefetched to the end (for tests)
}

// idlePlan is memory a waiting worker prefetches: n bytes at base.
type idlePlan struct {
	base unsafe.Pointer
	n    int
}

// spinFor is how long a worker or the caller polls before parking: longer
// than the gaps between a decoded token's loops (a few microseconds of
// norms and additions), short enough that a core shared with another
// process is not held for long.
const spinFor = 50 * time.Microsecond

// job is one chunk of a loop: either a closure (For) or a plain function over
// the pool's Args (ForArgs).
type job struct {
	fn     func(lo, hi int)
	afn    func(a *Args, worker, lo, hi int)
	worker int
	lo, hi int
	// chunk > 0 makes it a balanced loop: the workers take chunks of
	// [0, hi), multiples of chunk, from next until none is left.
	chunk int
}

// Args are the operands of a loop run by ForArgs. ForArgs copies them into
// the pool and hands every worker a pointer to that copy, so a loop body that
// is a plain function (a func literal capturing nothing) runs without a
// single heap allocation — unlike a closure given to For, which the compiler
// must allocate because the workers outlive the call frame it was built in.
type Args struct {
	Obj  any       // the loop's object, usually a pointer (stored in an interface without allocating)
	A, B []float32 // two slices, e.g. output and input
	I    [4]int    // integer parameters
}

// NewPool starts a pool of threads workers (threads ≤ 0 means one per CPU).
// The calling goroutine counts as one of them.
func NewPool(threads int) *Pool {
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	p := &Pool{threads: threads, done: make(chan struct{}, 1)}
	for range threads - 1 {
		w := &poolWorker{wake: make(chan struct{}, 1)}
		p.workers = append(p.workers, w)
		go p.work(w)
	}
	return p
}

// work is a worker's loop: wait for the next job (spinning, then parked),
// run it, report it done.
func (p *Pool) work(w *poolWorker) {
	var last, gen uint64
	var plan idlePlan
	var pos int // bytes of plan prefetched
	idle := func() bool {
		if g := w.idleGen.Load(); g != gen {
			gen, plan, pos = g, w.idle, 0
		}
		if pos >= plan.n {
			return false
		}
		// one 1 KiB step per poll keeps the reaction to a job quick
		n := min(idleStep, plan.n-pos)
		prefetch(unsafe.Add(plan.base, pos), n)
		if pos += n; pos == plan.n {
			w.idleEnd.Add(1)
		}
		return true
	}
	for {
		if !spinUntil(func() bool { return w.seq.Load() != last || w.closed.Load() }, idle) {
			w.parked.Store(true)
			if w.seq.Load() == last && !w.closed.Load() {
				<-w.wake
			}
			w.parked.Store(false)
			continue
		}
		if w.closed.Load() {
			return
		}
		last = w.seq.Load()
		gen, plan = w.idleGen.Load(), idlePlan{} // a job ends the wait the plan was for
		p.runJob(w.job)
		if p.pending.Add(-1) == 0 && p.parked.Load() {
			select {
			case p.done <- struct{}{}:
			default:
			}
		}
	}
}

// spinUntil polls cond for up to spinFor and reports whether it held.
// Between polls it executes PAUSE (cpuPause), and every 256 polls (~10 µs)
// it yields the core (osYield), so that on a machine with more runnable
// threads than cores the spinning thread does not keep one that is waiting
// for it (or another process) from running. Yielding more often made the
// sched_yield system call the spinner's main activity, which delays its
// reaction to a posted job.
func spinUntil(cond, idle func() bool) bool {
	var deadline time.Time
	for i := 0; ; i++ {
		if cond() {
			return true
		}
		if idle != nil && idle() {
			continue
		}
		cpuPause()
		if i%256 == 255 {
			osYield()
			now := time.Now()
			if deadline.IsZero() {
				deadline = now.Add(spinFor)
			} else if now.After(deadline) {
				return false
			}
		}
	}
}

// Threads reports how many goroutines (the caller included) share the work.
// A nil Pool has one.
func (p *Pool) Threads() int {
	if p == nil {
		return 1
	}
	return p.threads
}

// For runs fn over [0,n) split into at most Threads contiguous chunks whose
// boundaries are multiples of align (the last chunk takes the tail), and
// returns when all chunks are done. A nil Pool runs fn(0, n) directly.
// A capturing closure costs one allocation per call; hot loops use ForArgs.
func (p *Pool) For(n, align int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if p == nil || p.threads == 1 || n <= align {
		fn(0, n)
		return
	}
	p.run(n, align, job{fn: fn})
}

// ForArgs runs fn over [0,n) like For, passing each chunk a pointer to a copy
// of a that stays valid until ForArgs returns, and the chunk's worker index
// in [0, Threads()) (for per-worker scratch buffers). With fn a function that
// captures nothing, ForArgs does not allocate.
func (p *Pool) ForArgs(n, align int, a Args, fn func(a *Args, worker, lo, hi int)) {
	if n <= 0 {
		return
	}
	if p == nil {
		own := new(Args) // not the hot path: a nil pool serves one-off callers
		*own = a
		fn(own, 0, 0, n)
		return
	}
	p.args = a
	if p.threads == 1 || n <= align {
		fn(&p.args, 0, 0, n)
	} else {
		p.run(n, align, job{afn: fn})
	}
	p.args = Args{} // drop the references so the pool does not keep buffers alive
}

// ForArgsBalanced is ForArgs for loops whose chunks may take unequal time
// (a core shared with other work, rows of different cost): the workers
// take chunks of [0,n) in turn until none is left, so fn may run several
// times on one worker. Chunks shrink as the loop goes (guided scheduling):
// each is 1/(2·Threads) of what is left, rounded down to a multiple of
// align but at least align, so the first are long and the last short
// enough to even out the workers' finishing times.
func (p *Pool) ForArgsBalanced(n, align int, a Args, fn func(a *Args, worker, lo, hi int)) {
	if n <= 0 {
		return
	}
	if p == nil || p.threads == 1 || n <= align {
		p.ForArgs(n, align, a, fn)
		return
	}
	p.args = a
	p.next.Store(0)
	j := job{afn: fn, hi: n, chunk: max(align, 1)}
	p.pending.Store(int32(p.threads - 1))
	for i, w := range p.workers {
		w.job = j
		w.job.worker = i + 1
		p.post(w)
	}
	p.runJob(j)
	p.wait()
	p.args = Args{}
}

// idleStep is how many bytes a waiting worker prefetches between two polls
// for its next job.
const idleStep = 1 << 10

// PrefetchIdle asks worker w (1 ≤ w < Threads; the caller is worker 0) to
// prefetch the memory of s into its cache while it waits for the next
// loop: typically the first weights it will likely read in that loop. It
// is a hint: it changes no result, the worker stops at the next loop, and
// an empty s, a parked worker or a pool without worker w prefetches
// nothing. Like the loops, it must be called by the pool's one caller,
// never during a loop.
func PrefetchIdle[T any](p *Pool, w int, s []T) {
	if p == nil || w < 1 || w >= p.threads || len(s) == 0 {
		return
	}
	wk := p.workers[w-1]
	wk.idle = idlePlan{base: unsafe.Pointer(unsafe.SliceData(s)), n: len(s) * int(unsafe.Sizeof(s[0]))}
	wk.idleGen.Add(1)
}

// GuidedChunk is the size of the next chunk ForArgsBalanced hands out when
// left elements remain on a pool of threads: left/(2·threads) rounded down
// to a multiple of align, at least align (align ≥ 1).
func GuidedChunk(left, threads, align int) int {
	return max(left/(2*threads)/align, 1) * align
}

// runJob runs j: its one chunk, or chunks of a balanced loop until none is
// left.
func (p *Pool) runJob(j job) {
	if j.chunk == 0 {
		if j.afn != nil {
			j.afn(&p.args, j.worker, j.lo, j.hi)
		} else {
			j.fn(j.lo, j.hi)
		}
		return
	}
	for {
		lo := p.next.Load()
		left := int64(j.hi) - lo
		if left <= 0 {
			return
		}
		size := int64(GuidedChunk(int(left), p.threads, j.chunk))
		if !p.next.CompareAndSwap(lo, lo+size) {
			continue
		}
		j.afn(&p.args, j.worker, int(lo), int(min(lo+size, int64(j.hi))))
	}
}

// post hands w its job and wakes it if it is parked.
func (p *Pool) post(w *poolWorker) {
	w.seq.Add(1)
	if w.parked.Load() {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// wait returns when every worker has finished its part of the loop.
func (p *Pool) wait() {
	if !spinUntil(func() bool { return p.pending.Load() == 0 }, nil) {
		// Tokens on done may be stale (sent for an earlier check): each
		// one only makes this loop look again.
		p.parked.Store(true)
		for p.pending.Load() != 0 {
			<-p.done
		}
		p.parked.Store(false)
	}
}

// run splits [0,n) into chunks aligned to align, posts all but the first to
// the workers with the template j, runs the first itself and waits.
func (p *Pool) run(n, align int, j job) {
	if align < 1 {
		align = 1
	}
	blocks := (n + align - 1) / align
	t := min(p.threads, blocks)
	per, extra := blocks/t, blocks%t
	p.pending.Store(int32(t - 1))
	lo := 0
	first := 0
	for i := range t {
		nb := per
		if i < extra {
			nb++
		}
		hi := min(lo+nb*align, n)
		if i == 0 {
			first = hi
		} else {
			w := p.workers[i-1]
			w.job = j
			w.job.worker, w.job.lo, w.job.hi = i, lo, hi
			p.post(w)
		}
		lo = hi
	}
	j.lo, j.hi = 0, first
	p.runJob(j)
	p.wait()
}

// Close stops the workers. The Pool must not be used afterwards.
func (p *Pool) Close() {
	if p == nil {
		return
	}
	for _, w := range p.workers {
		w.closed.Store(true)
		close(w.wake)
	}
	p.workers = nil
	p.threads = 1
}
