package autograd_test

import (
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestPlainBackwardRecyclesLentBuffers checks that a plain Backward over a
// retained graph allocates no tensor once warm, including the buffer the pass
// lends to an input's slot: Sigmoid's gradient, written in place, is handed
// on by Add to the product's slot without being copied, and the bias's
// gradient, summed over the batch into a buffer of the pass, is handed to
// the bias's slot the same way (its .Grad() already holds a sum, so it is not
// written directly). Both must come back to the pass's spares when the pass
// ends rather than be made anew each time.
func TestPlainBackwardRecyclesLentBuffers(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop what it holds")
	}
	x := autograd.Const(tensor.MustNew([]float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, 3, 2))
	w := autograd.Param(tensor.MustNew([]float64{0.5, -0.2, 0.3, 0.1}, 2, 2))
	b := autograd.Param(tensor.MustNew([]float64{0.05, -0.05}, 1, 2))
	loss := autograd.Sum(autograd.Sigmoid(autograd.Add(autograd.MatMul(x, w), b)))
	step := func() { loss.Backward(autograd.RetainGraph()) }
	step()
	// The one allocation is RetainGraph's option record.
	if n := warmMallocs(2, 20, step); n > 20 {
		t.Errorf("20 warm plain Backward passes allocated %d times, want at most 20", n)
	}
}
