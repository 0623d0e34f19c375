package autograd

import (
	"runtime"
	"sync"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestClaimIsDecidedOnce checks that a pass that met a node while another
// pass held it keeps it in its own maps after the other lets it go: it
// used to claim it then, which made its sort visit the node twice.
func TestClaimIsDecidedOnce(t *testing.T) {
	x := Param(tensor.MustNew([]float64{1, 2}, 2))
	h := Exp(x)
	a, b := acquirePass[float64](nil), acquirePass[float64](nil)
	defer b.release()
	if !a.claim(h) {
		t.Fatal("the first pass did not claim a free node")
	}
	if b.claim(h) {
		t.Fatal("the second pass claimed a node the first holds")
	}
	a.release()
	if b.claim(h) {
		t.Error("the second pass claimed, after its release, a node it had met held by the first")
	}
	c := acquirePass[float64](nil)
	defer c.release()
	if !c.claim(h) {
		t.Error("a third pass, which never met the node held, could not claim it")
	}
}

// TestConcurrentPullbacksAreBitIdentical runs one VJP pullback on many
// goroutines at once over a graph where a node feeds two others: every
// call must give the sequential call's bits (the passes' claims on shared
// nodes used to change mid-sort, splitting a gradient in two).
func TestConcurrentPullbacksAreBitIdentical(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	x := tensor.MustNew([]float64{0.3, -0.5, 0.8, 0.1, -0.9, 0.4, 0.2, -0.6}, 2, 4)
	w := tensor.MustNew([]float64{0.7, -0.2, 0.5}, 3)
	f := func(xs ...*Var[float64]) *Var[float64] {
		h := Add(Reshape(xs[0], 2, 4, 1), xs[1])
		return Sum(Mul(Exp(h), Tanh(h)), 1, 2)
	}
	_, pull := VJP(f, []*tensor.Tensor[float64]{x, w})
	u := tensor.MustNew([]float64{0.3, -0.7}, 2)
	want := pull(u)
	var wg sync.WaitGroup
	var mu sync.Mutex
	differ := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				for i, g := range pull(u) {
					if !tensor.SameBits(g, want[i]) {
						mu.Lock()
						differ++
						mu.Unlock()
					}
				}
			}
		}()
	}
	wg.Wait()
	if differ > 0 {
		t.Errorf("%d of 3200 concurrent pullback results differ from the sequential one", differ)
	}
}
