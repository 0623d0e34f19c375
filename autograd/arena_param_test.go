package autograd_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestArenaParam checks an Arena's parameters: the same gradients as a
// plain Param, accumulated across steps and Resets, never stale, and a step
// made of operations on them alone allocates nothing once warm.
func TestArenaParam(t *testing.T) {
	data := []float64{-1.5, -0.25, 0.5, 2}
	ar := autograd.NewArena[float64]()
	p := ar.Param(tensor.MustNew(append([]float64(nil), data...), 2, 2))
	q := autograd.Param(tensor.MustNew(append([]float64(nil), data...), 2, 2))
	step := func(x *autograd.Var[float64]) {
		autograd.Sum(autograd.Mul(autograd.Tanh(x), autograd.Sigmoid(x))).Backward()
	}
	for range 3 {
		ar.Reset()
		step(p)
		step(q)
	}
	if diff := cmp.Diff(q.Grad().Data(), p.Grad().Data()); diff != "" {
		t.Errorf("gradient after 3 accumulated steps, Arena.Param against Param (-Param +Arena.Param):\n%s", diff)
	}
	if !p.RequiresGrad() {
		t.Error("an Arena's Param does not require a gradient")
	}
	// Used after a Reset it is still live (no ErrArenaReset panic).
	ar.Reset()
	_ = p.Value()
	if raceEnabled {
		return
	}
	if n := warmMallocs(2, 20, func() {
		ar.Reset()
		step(p)
		autograd.ZeroGrad(p)
	}); n != 0 {
		t.Errorf("20 warm steps on an Arena's Param alone made %d allocations, want 0", n)
	}
}
