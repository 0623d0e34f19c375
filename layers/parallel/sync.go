package parallel

import (
	"runtime"
	"sync/atomic"
	"time"
)

// barrier is where the workers of a step meet between its phases: each
// one calls wait, which returns once all have called it. A worker that
// arrives early spins for a while (spinFor) before it blocks, because a
// step's phases follow each other within microseconds to milliseconds and
// waking a blocked thread takes hundreds of microseconds to more than a
// millisecond on the virtual machines this was measured on, as long as a
// phase; a channel round trip per phase made two workers barely faster
// than one. A trainer left idle blocks after spinFor and costs nothing.
type barrier struct {
	n       int32
	spin    time.Duration // spinFor, but in tests
	arrived atomic.Int32
	gen     atomic.Uint64
	sleep   []sleeper // one per worker
}

// sleeper is how a worker that stopped spinning is woken: on is the
// generation it waits to pass, plus 1 (0 when it is not asleep), while it
// waits (or is about to) on wake, and whoever clears on sends the one
// token that wakes it. The generation in on keeps the last arrival at one
// meeting, late to wake the sleepers, from waking a worker that already
// went on to sleep at the next.
type sleeper struct {
	on   atomic.Uint64
	wake chan struct{}
	_    [48]byte // a cache line each: the flags are written by different cores
}

// spinFor is how long a worker waits for the others by spinning before it
// blocks: longer than the wake-up it avoids (hundreds of microseconds to
// over a millisecond here), so that a worker that finishes its share a
// little early does not block and then wake late. On the MLP of
// BenchmarkParallelMLP (2 workers, about 2 ms a step), 500 µs gave
// 594–669 steps/s where 50 µs gave 420–484 (alternated runs, load 1.7).
// An idle trainer costs this much CPU once, then blocks.
const spinFor = 500 * time.Microsecond

func newBarrier(n int) *barrier {
	b := &barrier{n: int32(n), spin: spinFor, sleep: make([]sleeper, n)}
	for i := range b.sleep {
		b.sleep[i].wake = make(chan struct{}, 1)
	}
	return b
}

// wait is worker w's arrival; it returns when all n workers have arrived.
// Everything a worker wrote before its wait is visible to every worker
// after theirs (the generation counter is atomic).
func (b *barrier) wait(w int) { b.waitThen(w, nil) }

// waitThen is wait, except that the last worker to arrive runs f (with
// its index) before it releases the others, who see what f wrote.
func (b *barrier) waitThen(w int, f func(int)) {
	g := b.gen.Load()
	if b.arrived.Add(1) == b.n {
		if f != nil {
			f(w)
		}
		b.arrived.Store(0)
		b.gen.Store(g + 1)
		for i := range b.sleep {
			if s := &b.sleep[i]; s.on.Load() == g+1 && s.on.CompareAndSwap(g+1, 0) {
				s.wake <- struct{}{}
			}
		}
		return
	}
	// Spin; yield now and then if a worker may share this one's P
	// (GOMAXPROCS below the number of workers), so that it gets to run.
	yield := runtime.GOMAXPROCS(0) < int(b.n)
	var start time.Time
	for i := 1; b.gen.Load() == g; i++ {
		if i%32 != 0 {
			continue
		}
		if yield {
			runtime.Gosched()
		}
		if i == 32 {
			start = time.Now()
		} else if time.Since(start) > b.spin {
			b.block(w, g)
			return
		}
	}
}

// block waits on worker w's channel until generation g has passed.
func (b *barrier) block(w int, g uint64) {
	s := &b.sleep[w]
	s.on.Store(g + 1)
	if b.gen.Load() != g && s.on.CompareAndSwap(g+1, 0) {
		return // the last arrival came in between and did not see the flag
	}
	<-s.wake // the last arrival cleared on: its token comes
}

// queue is a worker's units still to compute in a step, [lo, hi) packed
// as lo<<32 | hi, which its owner takes from the front and the others
// from the back.
type queue struct {
	v atomic.Uint64
	_ [56]byte // a cache line each
}

func (q *queue) reset(s span) { q.v.Store(uint64(s.lo)<<32 | uint64(s.hi)) }

func (q *queue) front() (int, bool) {
	for {
		v := q.v.Load()
		lo, hi := v>>32, v&(1<<32-1)
		if lo >= hi {
			return 0, false
		}
		if q.v.CompareAndSwap(v, (lo+1)<<32|hi) {
			return int(lo), true
		}
	}
}

func (q *queue) back() (int, bool) {
	for {
		v := q.v.Load()
		lo, hi := v>>32, v&(1<<32-1)
		if lo >= hi {
			return 0, false
		}
		if q.v.CompareAndSwap(v, lo<<32|(hi-1)) {
			return int(hi - 1), true
		}
	}
}
