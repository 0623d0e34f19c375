package autograd_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
)

// TestReleasedNodeMetAgainPanics checks that an intermediate result whose
// graph a Backward released panics with ErrGraphReleased, naming its op,
// whenever a later pass reaches it, again and again: a released node keeps
// the owner of the pass that released it (see pass.id), and the pooled
// pass that comes back for the next Backward has that very owner, as a
// pass on another goroutine does not. A graph built afresh next to it
// still gets its exact gradients.
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
