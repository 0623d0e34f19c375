package autograd_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestReleasedNodeMetAgainPanics checks that an intermediate result whose
// graph a Backward released panics with ErrGraphReleased, naming its op,
// whenever a later pass reaches it, again and again: a released node keeps
// the owner of the pass that released it (see pass.id), and the pooled
// pass that comes back for the next Backward has that very owner, as a
// pass on another goroutine may or may not. A graph built afresh next to
// it still gets its exact gradients.
func TestReleasedNodeMetAgainPanics(t *testing.T) {
	w, _, _, _, z, loss := smallNet()
	loss.Backward()
	w.ZeroGrad()
	reuse := func() { autograd.Sum(autograd.Mul(z, z)).Backward() }
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, autograd.ErrGraphReleased) || !strings.HasPrefix(err.Error(), "autograd: Add: ") {
			t.Fatalf("%s: panicked with %v, want an error of Add wrapping ErrGraphReleased", what, err)
		}
	}
	for i := range 20 {
		check("Backward", mustPanicError(t, reuse))
		check("Grad", mustPanicError(t, func() { autograd.Grad([]*V{autograd.Sum(z)}, []*V{w}) }))
		got := make(chan any)
		go func() { got <- panicValue(reuse) }()
		err, _ := (<-got).(error)
		check("Backward on another goroutine", err)
		if i%5 == 4 {
			w2, _, _, _, _, loss2 := smallNet()
			loss2.Backward()
			checkTensor(t, "a fresh graph's w.Grad()", w2.Grad(), smallNetGradW, 0)
		}
	}
	checkTensor(t, "w.Grad() after the failed passes", w.Grad(), view([]int{2, 1}, 0, 0), 0)
}

// TestReleasedRootRetriedPanics checks that Backward retried on a result
// whose graph it released panics every time, also after collections that
// drop the pooled pass so that a new one lands at its address and numbers
// its sorts from the start again: the retry must neither claim the root as
// the old owner nor leave a Mark on it that a later sort of the new pass
// takes for visited (20 of 40 retries returned silently when the Mark was
// set before the sort asked for the root's inputs).
func TestReleasedRootRetriedPanics(t *testing.T) {
	rounds := 20
	if raceEnabled {
		rounds = 5
	}
	for range rounds {
		runtime.GC()
		runtime.GC()
		x := autograd.Param(tensor.MustNew([]float64{1, 2}, 2))
		y := autograd.Sum(autograd.Exp(x))
		y.Backward()
		retry := func() {
			if err, _ := panicValue(func() { y.Backward() }).(error); !errors.Is(err, autograd.ErrGraphReleased) {
				t.Fatalf("Backward on a released result: panic %v, want ErrGraphReleased", err)
			}
		}
		retry()
		runtime.GC()
		runtime.GC()
		q := autograd.Param(tensor.MustNew([]float64{3}, 1))
		autograd.Sum(autograd.Mul(q, q)).Backward()
		retry()
	}
}
