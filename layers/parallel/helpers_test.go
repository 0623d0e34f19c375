package parallel_test

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/internal/allocs"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/layers/parallel"
	"github.com/adjoint-go/adjoint/layers/parallel/internal/digitsnet"
	"github.com/adjoint-go/adjoint/tensor"
)

// bnMLP is an MLP for the digits with a BatchNorm1d layer, whose running
// statistics the trainer must keep in step across replicas.
func bnMLP(seed uint64) (layers.Module[float32], error) {
	rng := rand.New(rand.NewPCG(seed, 7))
	return layers.NewSequential[float32](
		layers.Flatten[float32]{},
		layers.NewLinear(rng, 64, 32, layers.HeUniform[float32]),
		layers.NewBatchNorm1d[float32](32),
		layers.ReLU[float32]{},
		layers.NewLinear(rng, 32, 10, layers.XavierUniform[float32]),
	), nil
}

// models are the architectures every bit-identity test runs ("partial"
// has a parameter only some micro-batches reach).
var models = map[string]func(uint64) (layers.Module[float32], error){
	"mlp": digitsnet.MLP, "cnn": digitsnet.CNN, "bn": bnMLP, "partial": sometimesMLP, "tied": tiedMLP,
}

// config returns a Config training model with Adam on cross-entropy.
// Replica i is built from seed i+1 (different weights: New must copy
// replica 0's).
func config(model func(uint64) (layers.Module[float32], error), workers int) parallel.Config[float32] {
	var mu sync.Mutex
	seed := uint64(0)
	return parallel.Config[float32]{
		Model: func() (layers.Module[float32], error) {
			mu.Lock()
			seed++
			s := seed
			mu.Unlock()
			return model(s)
		},
		Optimizer: func(ps []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
			return optim.NewAdam(ps, 3e-3)
		},
		Loss: func(out *autograd.Var[float32], mb parallel.MicroBatch[float32]) *autograd.Var[float32] {
			return autograd.CrossEntropy(out, mb.Labels)
		},
		Workers:  workers,
		Seed:     42,
		Checksum: true,
	}
}

// digitBatch returns n seeded images [n 1 8 8] with pixels in [0, 1) whose
// label is a function of the pixels (so the loss can fall).
func digitBatch(seed uint64, n int) parallel.Batch[float32] {
	rng := rand.New(rand.NewPCG(seed, 99))
	x := tensor.RandUniform[float32](rng, 0, 1, n, 1, 8, 8)
	labels := make([]int, n)
	d := x.Data()
	for i := range labels {
		var s float32
		for k := range 8 {
			s += d[i*64+k*9] // the diagonal
		}
		labels[i] = min(9, int(s*10/8))
	}
	return parallel.Batch[float32]{X: x, Labels: labels}
}

// state returns every parameter's and buffer's values of m, in order.
func state(m layers.Module[float32]) [][]float32 {
	var out [][]float32
	for _, p := range m.Parameters() {
		out = append(out, append([]float32(nil), p.Value().Data()...))
	}
	for _, b := range layers.BuffersOf(m) {
		out = append(out, append([]float32(nil), b.Buffer.Data()...))
	}
	return out
}

// sameBits reports the first tensor and element where a and b differ in
// their bits, or -1.
func sameBits(a, b [][]float32) (int, int) {
	for i := range a {
		for k := range a[i] {
			if math.Float32bits(a[i][k]) != math.Float32bits(b[i][k]) {
				return i, k
			}
		}
	}
	return -1, -1
}

// loopback is a Transport between goroutines of one process: the ranks of
// a test of NewDistributed without MPI.
type loopback struct {
	rank int
	hub  *hub
}

type hub struct {
	size  int
	mu    sync.Mutex
	cond  *sync.Cond
	buf   []byte
	sends [][]byte // Alltoallv: every rank's send buffer
	sendc [][]int  // and its counts
	n     int      // ranks arrived at the current barrier
	gen   int
}

func newLoopback(size int) []parallel.Transport {
	h := &hub{size: size, sends: make([][]byte, size), sendc: make([][]int, size)}
	h.cond = sync.NewCond(&h.mu)
	out := make([]parallel.Transport, size)
	for r := range out {
		out[r] = loopback{rank: r, hub: h}
	}
	return out
}

func (l loopback) Rank() int { return l.rank }
func (l loopback) Size() int { return l.hub.size }

// barrier waits until every rank has called it.
func (h *hub) barrier() {
	h.mu.Lock()
	defer h.mu.Unlock()
	g := h.gen
	h.n++
	if h.n == h.size {
		h.n, h.gen = 0, h.gen+1
		h.cond.Broadcast()
		return
	}
	for g == h.gen {
		h.cond.Wait()
	}
}

func (l loopback) AllgatherInPlace(buf []byte, counts []int) error {
	h := l.hub
	off := 0
	for r := range l.rank {
		off += counts[r]
	}
	h.mu.Lock()
	if len(h.buf) != len(buf) {
		h.buf = make([]byte, len(buf))
	}
	h.mu.Unlock()
	h.barrier()
	copy(h.buf[off:off+counts[l.rank]], buf[off:])
	h.barrier()
	copy(buf, h.buf)
	h.barrier()
	return nil
}

func (l loopback) Broadcast(buf []byte, root int) error {
	h := l.hub
	h.barrier()
	if l.rank == root {
		h.mu.Lock()
		h.buf = append(h.buf[:0], buf...)
		h.mu.Unlock()
	}
	h.barrier()
	copy(buf, h.buf)
	h.barrier()
	return nil
}

func (l loopback) Alltoallv(send []byte, sendCounts []int, recv []byte, recvCounts []int) error {
	h := l.hub
	h.mu.Lock()
	h.sends[l.rank], h.sendc[l.rank] = send, sendCounts
	h.mu.Unlock()
	h.barrier()
	at := 0
	for src := range h.size {
		off := 0
		for r := range l.rank {
			off += h.sendc[src][r]
		}
		if h.sendc[src][l.rank] != recvCounts[src] {
			panic("loopback: Alltoallv counts disagree")
		}
		at += copy(recv[at:at+recvCounts[src]], h.sends[src][off:off+recvCounts[src]])
	}
	h.barrier()
	return nil
}

// runRanks runs f for every rank of a loopback transport of n ranks, each
// on a goroutine of its own, and returns their errors; it fails the test
// if they have not all returned within a minute (ranks that wait for each
// other for ever), leaving those goroutines blocked.
func runRanks(t *testing.T, n int, f func(rank int, tp parallel.Transport) error) []error {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for r, tp := range newLoopback(n) {
		wg.Go(func() { errs[r] = f(r, tp) })
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("%d ranks: still running after a minute: ranks that wait for each other", n)
	}
	return errs
}

// wantWarmStepsAllocateNothing takes 3 steps on b to warm tr up, then
// fails the test unless 10 more allocate nothing.
func wantWarmStepsAllocateNothing(t *testing.T, tr *parallel.Trainer[float32], b parallel.Batch[float32]) {
	t.Helper()
	for range 3 {
		if _, err := tr.Step(b); err != nil {
			t.Fatal(err)
		}
	}
	if n := allocs.Count(10, func() {
		if _, err := tr.Step(b); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("%d allocations in 10 steps, want 0", n)
	}
}
