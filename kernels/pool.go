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
}

type job struct {
	fn     func(lo, hi int)
	lo, hi int
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
				j.fn(j.lo, j.hi)
				p.wg.Done()
			}
		}()
	}
	return p
}

// Threads reports how many goroutines (the caller included) share the work.
func (p *Pool) Threads() int { return p.threads }

// For runs fn over [0,n) split into at most Threads contiguous chunks whose
// boundaries are multiples of align (the last chunk takes the tail), and
// returns when all chunks are done. A nil Pool runs fn(0, n) directly.
func (p *Pool) For(n, align int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if p == nil || p.threads == 1 || n <= align {
		fn(0, n)
		return
	}
	if align < 1 {
		align = 1
	}
	blocks := (n + align - 1) / align
	t := min(p.threads, blocks)
	per, extra := blocks/t, blocks%t
	lo := 0
	chunks := make([][2]int, 0, 16)
	for i := range t {
		nb := per
		if i < extra {
			nb++
		}
		hi := min(lo+nb*align, n)
		chunks = append(chunks, [2]int{lo, hi})
		lo = hi
	}
	p.wg.Add(len(chunks) - 1)
	for i, c := range chunks[1:] {
		p.jobs[i] <- job{fn, c[0], c[1]}
	}
	fn(chunks[0][0], chunks[0][1])
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
