package kernels

import (
	"sync/atomic"
	"testing"
	"time"
)

// poolTally is the object ForArgs loops in the tests work on.
type poolTally struct {
	seen    []int32
	workers [8]atomic.Int32
}

func tallyChunk(a *Args, worker, lo, hi int) {
	t := a.Obj.(*poolTally)
	t.workers[worker].Add(1)
	for i := lo; i < hi; i++ {
		atomic.AddInt32(&t.seen[i], int32(a.I[0]))
	}
	a.A[worker] += float32(hi - lo)
}

func TestPoolForArgs(t *testing.T) {
	for _, threads := range []int{1, 2, 3} {
		p := NewPool(threads)
		for _, tc := range []struct{ n, align int }{{1, 1}, {7, 1}, {100, 16}, {17, 16}, {1000, 7}, {5, 0}} {
			tl := &poolTally{seen: make([]int32, tc.n)}
			counts := make([]float32, threads)
			p.ForArgs(tc.n, tc.align, Args{Obj: tl, A: counts, I: [4]int{1}}, tallyChunk)
			for i, s := range tl.seen {
				if s != 1 {
					t.Fatalf("threads=%d n=%d align=%d: index %d visited %d times", threads, tc.n, tc.align, i, s)
				}
			}
			var total float32
			for w := range threads {
				if c := tl.workers[w].Load(); c > 1 {
					t.Fatalf("threads=%d n=%d: worker %d ran %d chunks", threads, tc.n, w, c)
				}
				total += counts[w]
			}
			if int(total) != tc.n {
				t.Fatalf("threads=%d n=%d: chunks cover %v elements", threads, tc.n, total)
			}
		}
		p.Close()
	}
	var nilPool *Pool
	tl := &poolTally{seen: make([]int32, 3)}
	nilPool.ForArgs(3, 1, Args{Obj: tl, A: make([]float32, 1), I: [4]int{2}}, tallyChunk)
	if tl.seen[2] != 2 || nilPool.Threads() != 1 {
		t.Fatalf("nil pool: %v", tl.seen)
	}
}

// TestPoolForArgsAllocs: a ForArgs loop with a capture-free body allocates
// nothing, which is what keeps the decode loop allocation-free.
func TestPoolForArgsAllocs(t *testing.T) {
	p := NewPool(2)
	defer p.Close()
	tl := &poolTally{seen: make([]int32, 64)}
	counts := make([]float32, 2)
	allocs := testing.AllocsPerRun(100, func() {
		p.ForArgs(64, 8, Args{Obj: tl, A: counts, I: [4]int{1}}, tallyChunk)
	})
	if allocs != 0 {
		t.Fatalf("ForArgs allocates %.1f times per call", allocs)
	}
}

// slowChunk sleeps in every chunk but the caller's, so the caller outwaits
// its spin and parks.
func slowChunk(a *Args, worker, lo, hi int) {
	if worker != 0 {
		time.Sleep(time.Duration(a.I[0]) * time.Microsecond)
	}
	t := a.Obj.(*poolTally)
	for i := lo; i < hi; i++ {
		atomic.AddInt32(&t.seen[i], 1)
	}
}

// TestPoolParking runs loops with pauses longer than the spin between them
// (workers park and must be woken) and with workers slower than the spin
// (the caller parks), checking every element is done exactly once.
func TestPoolParking(t *testing.T) {
	p := NewPool(3)
	defer p.Close()
	for i, tc := range []struct {
		pause, work time.Duration
	}{{0, 0}, {3 * spinFor, 0}, {0, 3 * spinFor}, {3 * spinFor, 3 * spinFor}, {0, 0}, {spinFor / 2, spinFor / 2}} {
		for rep := range 5 {
			time.Sleep(tc.pause)
			tl := &poolTally{seen: make([]int32, 30)}
			p.ForArgs(30, 1, Args{Obj: tl, I: [4]int{int(tc.work / time.Microsecond)}}, slowChunk)
			for j, s := range tl.seen {
				if s != 1 {
					t.Fatalf("case %d rep %d: index %d visited %d times", i, rep, j, s)
				}
			}
		}
	}
}

// BenchmarkPoolForArgs measures one hand-off round trip: a 2-thread loop
// over 64 elements that does almost nothing (the decode loop's ~150
// products per token each pay this).
func BenchmarkPoolForArgs(b *testing.B) {
	p := NewPool(2)
	defer p.Close()
	tl := &poolTally{seen: make([]int32, 64)}
	counts := make([]float32, 2)
	for b.Loop() {
		p.ForArgs(64, 8, Args{Obj: tl, A: counts, I: [4]int{1}}, tallyChunk)
	}
}

// TestPoolForArgsBalanced: a balanced loop covers every element exactly
// once in chunks aligned to align, whatever the thread count, and
// allocates nothing.
func TestPoolForArgsBalanced(t *testing.T) {
	for _, threads := range []int{1, 2, 3} {
		p := NewPool(threads)
		for _, tc := range []struct{ n, align int }{{1, 1}, {7, 1}, {100, 16}, {17, 16}, {1000, 7}, {5, 0}, {32000, 16}} {
			for rep := range 3 {
				tl := &poolTally{seen: make([]int32, tc.n)}
				counts := make([]float32, threads)
				p.ForArgsBalanced(tc.n, tc.align, Args{Obj: tl, A: counts, I: [4]int{1, tc.align}}, alignedChunk)
				for i, s := range tl.seen {
					if s != 1 {
						t.Fatalf("threads=%d n=%d align=%d rep %d: index %d visited %d times", threads, tc.n, tc.align, rep, i, s)
					}
				}
				if tc.align > 1 && tl.workers[7].Load() != 0 {
					t.Fatalf("threads=%d n=%d align=%d: a chunk starts off the alignment", threads, tc.n, tc.align)
				}
			}
		}
		p.Close()
	}
	p := NewPool(2)
	defer p.Close()
	tl := &poolTally{seen: make([]int32, 640)}
	counts := make([]float32, 2)
	if a := testing.AllocsPerRun(100, func() {
		p.ForArgsBalanced(640, 8, Args{Obj: tl, A: counts, I: [4]int{1, 8}}, alignedChunk)
	}); a != 0 {
		t.Fatalf("ForArgsBalanced allocates %.1f times per call", a)
	}
}

// alignedChunk is tallyChunk that also counts, in workers[7], chunks whose
// start is not a multiple of a.I[1] (when set).
func alignedChunk(a *Args, worker, lo, hi int) {
	if al := a.I[1]; al > 1 && lo%al != 0 {
		a.Obj.(*poolTally).workers[7].Add(1)
	}
	t := a.Obj.(*poolTally)
	for i := lo; i < hi; i++ {
		atomic.AddInt32(&t.seen[i], int32(a.I[0]))
	}
	if worker >= len(a.A) {
		t.workers[7].Add(1)
	}
}

// TestGuidedChunk: chunks are left/(2·threads) rounded down to align, never
// below align.
func TestGuidedChunk(t *testing.T) {
	for _, tc := range []struct{ left, threads, align, want int }{
		{2048, 2, 256, 512}, {1536, 2, 256, 256}, {1000, 2, 256, 256}, {100, 2, 256, 256},
		{176, 2, 4, 44}, {132, 2, 4, 32}, {7, 1, 1, 3}, {1, 4, 1, 1}, {3000, 3, 64, 448},
	} {
		if got := GuidedChunk(tc.left, tc.threads, tc.align); got != tc.want {
			t.Errorf("GuidedChunk(%d, %d, %d) = %d, want %d", tc.left, tc.threads, tc.align, got, tc.want)
		}
	}
}

// TestPrefetchIdle: a waiting worker prefetches a posted plan to its end;
// plans for the caller, for no worker or of nothing are ignored; loops
// posted while a plan runs are unaffected and allocate nothing.
func TestPrefetchIdle(t *testing.T) {
	p := NewPool(2)
	defer p.Close()
	buf := make([]byte, 1<<20)
	w := p.workers[0]
	tl := &poolTally{seen: make([]int32, 1000)}
	counts := make([]float32, 2)
	// A worker takes plans while it spins after a loop (not once parked):
	// retry if the test goroutine was descheduled past that window.
	posted := uint64(0)
	for try := 0; ; try++ {
		if try == 100 {
			t.Fatal("the worker never finished a prefetch plan")
		}
		want := w.idleEnd.Load() + 1
		p.ForArgs(len(tl.seen), 16, Args{Obj: tl, A: counts, I: [4]int{1}}, tallyChunk)
		PrefetchIdle(p, 1, buf[:80000+try]) // 78 KiB and a few bytes
		posted++
		deadline := time.Now().Add(20 * time.Millisecond)
		for w.idleEnd.Load() < want && time.Now().Before(deadline) {
			time.Sleep(100 * time.Microsecond)
		}
		if w.idleEnd.Load() >= want {
			break
		}
	}
	PrefetchIdle(p, 0, buf) // the caller
	PrefetchIdle(p, 2, buf) // no such worker
	PrefetchIdle[byte](nil, 1, buf)
	PrefetchIdle(p, 1, buf[:0])
	if got := w.idleGen.Load(); got != posted {
		t.Fatalf("%d plans posted, want %d (the others are invalid)", got, posted)
	}
	for i := range tl.seen {
		tl.seen[i] = 0
	}
	allocs := testing.AllocsPerRun(20, func() {
		PrefetchIdle(p, 1, buf)
		p.ForArgsBalanced(len(tl.seen), 16, Args{Obj: tl, A: counts, I: [4]int{1}}, tallyChunk)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per plan and loop", allocs)
	}
	for i, s := range tl.seen {
		if s != 21 {
			t.Fatalf("index %d visited %d times, want 21", i, s)
		}
	}
}
