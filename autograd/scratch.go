package autograd

import (
	"sync"
	"unsafe"

	"github.com/adjoint-go/adjoint/tensor"
)

// plainScratch keeps the large internal buffers of ops run without an
// Arena from one step to the next, [0] for float32 and [1] for float64: a
// convolution's columns, which its state holds from the forward pass until
// the graph is released after Backward. Only buffers no caller can reach
// go in (never an op's result or a gradient), and only once nothing of the
// engine refers to them any more; they are overwritten before they are
// read. Like plainPasses it is shared state that holds nothing a caller
// sees: a stash is taken exclusively (sync.Pool is safe for concurrent
// use), and the pool lets go of it at garbage collections.
var plainScratch [2]sync.Pool

// scratchStash is a few idle buffers of one element type.
type scratchStash[T Float] struct {
	bufs []*tensor.Tensor[T]
}

// Limits of the stash: how many buffers it keeps, and the least number of
// elements worth pooling (below it a new buffer is cheaper than the pool).
const (
	maxStashed      = 16
	minStashedElems = 1 << 12
)

// stashPool returns plainScratch's pool for T.
func stashPool[T Float]() *sync.Pool {
	var z T
	if unsafe.Sizeof(z) == 4 {
		return &plainScratch[0]
	}
	return &plainScratch[1]
}

// scratchTensor returns a tensor of the given shape with arbitrary contents
// for an op's internal buffer: the arena's when ar is not nil, else an idle
// one of that shape from the stash, or a new one. pooled reports whether
// the buffer may be handed back with stashScratch once nothing uses it.
func scratchTensor[T Float](ar *Arena[T], shape ...int) (t *tensor.Tensor[T], pooled bool) {
	if ar != nil {
		return ar.tensor(shape...), false
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	if n < minStashedElems {
		return ar.tensor(shape...), false
	}
	pool := stashPool[T]()
	if x := pool.Get(); x != nil {
		st := x.(*scratchStash[T])
		for i, b := range st.bufs {
			if b.HasShape(shape...) {
				last := len(st.bufs) - 1
				st.bufs[i], st.bufs[last] = st.bufs[last], nil
				st.bufs = st.bufs[:last]
				t = b
				break
			}
		}
		pool.Put(st)
		if t != nil {
			return t, true
		}
	}
	return ar.tensor(shape...), true
}

// stashScratch hands back a buffer from scratchTensor that nothing uses
// any more. When the stash is full, the oldest buffer makes room.
func stashScratch[T Float](t *tensor.Tensor[T]) {
	pool := stashPool[T]()
	st, _ := pool.Get().(*scratchStash[T])
	if st == nil {
		st = new(scratchStash[T])
	}
	if len(st.bufs) == maxStashed {
		copy(st.bufs, st.bufs[1:])
		st.bufs = st.bufs[:maxStashed-1]
	}
	st.bufs = append(st.bufs, t)
	pool.Put(st)
}

// A scratch holder is a state that holds buffers from scratchTensor until
// its graph is released: it has a releaseScratch method, which pass.finish
// calls then, once, and the state is never used again. finish lists the
// holders by type in a switch (see there, for why not an interface), so a
// new one must be added to it; TestScratchHoldersAreReleased checks that
// the two lists agree.
