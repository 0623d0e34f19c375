package autograd_test

import (
	"math"
	"runtime"
	"testing"
	"weak"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// An operation's result without an Arena shares one allocation with its Var
// and node (and, up to 64 elements, its data). These tests check that what
// outlives a graph by design does not keep it alive through that sharing.

// TestDetachDoesNotKeepTheGraph: a Var detached from a result keeps its
// values but not the graph below it, whatever the size (the data is copied
// up to 64 elements, shared beyond): a loop that detaches a state and
// drops the rest, such as sampling from a recurrent net without an Arena,
// does not grow.
func TestDetachDoesNotKeepTheGraph(t *testing.T) {
	for _, n := range []int{1, 64, 65, 1000} {
		x := autograd.Param(tensor.Full(0.5, n))
		h := autograd.Exp(autograd.Mul(x, x))
		gone := weak.Make(h)
		// A view of a result (Reshape's) points into the result's
		// allocation: detaching it must not keep that either.
		d := autograd.Detach(autograd.Reshape(autograd.Tanh(h), n, 1))
		h = nil
		runtime.GC()
		if gone.Value() != nil {
			t.Errorf("n = %d: the graph below a detached result is still alive", n)
		}
		want := math.Tanh(math.Exp(0.25))
		for i, v := range d.Value().Data() {
			if math.Abs(v-want) > 1e-15 {
				t.Errorf("n = %d: detached value [%d] = %v, want %v", n, i, v, want)
				break
			}
		}
		runtime.KeepAlive(x)
	}
}

// TestCheckpointFreesItsSegment: the graph a Checkpoint's fn records is
// garbage once Checkpoint returns (it is what Backward recomputes), also
// when fn's result is small enough to share an allocation with its node;
// Backward then gives the gradient of the plain computation.
func TestCheckpointFreesItsSegment(t *testing.T) {
	for _, n := range []int{4, 1000} {
		// A parameter inside fn, so that fn records a graph.
		w := autograd.Param(tensor.Full(1.0, n))
		var inner weak.Pointer[autograd.Var[float64]]
		fn := func(in ...*autograd.Var[float64]) *autograd.Var[float64] {
			h := autograd.Exp(autograd.Mul(autograd.Mul(in[0], in[0]), w))
			inner = weak.Make(h)
			return autograd.Tanh(h)
		}
		x := autograd.Param(tensor.Full(0.5, n))
		y := autograd.Checkpoint(fn, x)
		runtime.GC()
		if inner.Value() != nil {
			t.Errorf("n = %d: the segment's graph outlives Checkpoint", n)
		}
		autograd.Sum(y).Backward()
		// d tanh(exp(x²w))/dx = (1 - tanh²)·exp(x²w)·2xw at x = 0.5, w = 1.
		e := math.Exp(0.25)
		want := (1 - math.Tanh(e)*math.Tanh(e)) * e
		if got := x.Grad().Data()[0]; math.Abs(got-want) > 1e-15 {
			t.Errorf("n = %d: gradient %v, want %v", n, got, want)
		}
	}
}
