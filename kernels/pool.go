package kernels

import (
	"runtime"
	"sync"
)

// Pool is a fixed set of worker goroutines that split loops between them.
// It is created once per model and reused for every token, so the decode
// loop does not start goroutines. A Pool is used by one caller at a time.
type Pool struct {
	threads int
	jobs    []chan job
	wg      sync.WaitGroup
	args    Args // the operands of the ForArgs loop in flight
}

// job is one chunk of a loop: either a closure (For) or a plain function over
// the pool's Args (ForArgs).
type job struct {
	fn     func(lo, hi int)
	afn    func(a *Args, worker, lo, hi int)
	worker int
	lo, hi int
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
	p := &Pool{threads: threads, jobs: make([]chan job, threads-1)}
	for i := range p.jobs {
		ch := make(chan job, 1)
		p.jobs[i] = ch
		go func() {
			for j := range ch {
				if j.afn != nil {
					j.afn(&p.args, j.worker, j.lo, j.hi)
				} else {
					j.fn(j.lo, j.hi)
				}
				p.wg.Done()
			}
		}()
	}
	return p
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

// run splits [0,n) into chunks aligned to align, sends all but the first to
// the workers with the template j, runs the first itself and waits.
func (p *Pool) run(n, align int, j job) {
	if align < 1 {
		align = 1
	}
	blocks := (n + align - 1) / align
	t := min(p.threads, blocks)
	per, extra := blocks/t, blocks%t
	p.wg.Add(t - 1)
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
			j.worker, j.lo, j.hi = i, lo, hi
			p.jobs[i-1] <- j
		}
		lo = hi
	}
	if j.afn != nil {
		j.afn(&p.args, 0, 0, first)
	} else {
		j.fn(0, first)
	}
	p.wg.Wait()
}

// Close stops the workers. The Pool must not be used afterwards.
func (p *Pool) Close() {
	if p == nil {
		return
	}
	for _, ch := range p.jobs {
		close(ch)
	}
	p.jobs = nil
	p.threads = 1
}
