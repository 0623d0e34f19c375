package autograd

import (
	"runtime"
	"sync"
	"testing"

	"github.com/adjoint-go/adjoint/graph"
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

// TestSortPanicHandsBackClaims checks that a pass whose sort panics (it
// reached a released node) hands back every node it had claimed, for
// Backward and Grad alike, and that the nodes then serve a pass that does
// not panic.
func TestSortPanicHandsBackClaims(t *testing.T) {
	x := Param(tensor.MustNew([]float64{1, 2}, 2))
	w := Param(tensor.MustNew([]float64{0.5, -1}, 2))
	z := Exp(x)
	Sum(z).Backward() // releases z's node
	a := Mul(Add(w, w), w)
	top := Add(Sum(a), Sum(Mul(z, w))) // reaches z, released, after a's nodes
	nodes := []*Var[float64]{top, top.node.inputs[0], a, a.node.inputs[0]}
	free := func(what string) {
		t.Helper()
		for _, v := range nodes {
			if o, m := v.node.owner.Load(), v.node.mark; o != 0 || m != (graph.Mark{}) {
				t.Fatalf("%s: node %s is still claimed (owner %#x, mark %v)", what, v.node.op, o, m)
			}
		}
	}
	if r := recoverOf(func() { top.Backward() }); r == nil {
		t.Fatal("Backward through a released node did not panic")
	}
	free("after Backward")
	if r := recoverOf(func() { Grad([]*Var[float64]{top}, []*Var[float64]{w}) }); r == nil {
		t.Fatal("Grad through a released node did not panic")
	}
	free("after Grad")
	g := Grad([]*Var[float64]{top.node.inputs[0]}, []*Var[float64]{w}, RetainGraph())[0].Value().Data()
	// a = 2w², so dΣa/dw = 4w.
	if g[0] != 2 || g[1] != -4 {
		t.Errorf("Grad of Σ(2w²) after the panics = %v, want [2 -4]", g)
	}
	free("after a Grad that succeeds (and retains the graph)")
}

// recoverOf runs f and returns what it panicked with (nil when it did not).
func recoverOf(f func()) (r any) {
	defer func() { r = recover() }()
	f()
	return nil
}
