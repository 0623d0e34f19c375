package autograd_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestCheckpointClosureResult: h = x·W is computed outside the segment and
// used both inside it and outside. Reached through fn's closure, W gets
// its gradient in two contributions, the recomputation's and the outer
// pass's, and it differs from the plain run's in the last bits, as
// Checkpoint's doc says (in 50 of its 64 elements here); passed as the
// Checkpoint's input, h's gradient is summed before it goes down to W,
// which gets the plain run's bits.
func TestCheckpointClosureResult(t *testing.T) {
	rng := newRand(3)
	xt := tensor.RandNormal(rng, 0.0, 1.0, 16, 8)
	wt := tensor.RandNormal(rng, 0.0, 1.0, 8, 8)
	ct := tensor.RandNormal(rng, 0.0, 1.0, 16, 8)
	const (
		plain = iota
		closure
		input
	)
	gradW := func(mode int) []float64 {
		x, w, c := autograd.Const(xt), autograd.Param(wt.Clone()), autograd.Const(ct)
		h := autograd.MatMul(x, w)
		var y *autograd.Var[float64]
		switch mode {
		case plain:
			y = autograd.Tanh(h)
		case closure:
			y = autograd.Checkpoint(func(...*autograd.Var[float64]) *autograd.Var[float64] { return autograd.Tanh(h) }, x)
		case input:
			y = autograd.Checkpoint(func(in ...*autograd.Var[float64]) *autograd.Var[float64] { return autograd.Tanh(in[0]) }, h)
		}
		autograd.Add(autograd.Sum(y), autograd.Sum(autograd.Mul(h, c))).Backward()
		return w.Grad().Data()
	}
	want := gradW(plain)
	if d := cmp.Diff(want, gradW(input)); d != "" {
		t.Errorf("h as the Checkpoint's input: W's gradient differs from the plain run's (-plain +checkpoint):\n%s", d)
	}
	got := gradW(closure)
	if d := cmp.Diff(want, got, approx(1e-14)); d != "" {
		t.Errorf("h through the closure: W's gradient is not the plain run's to rounding (-plain +checkpoint):\n%s", d)
	}
}

// TestCheckpointUnusedInput: an input fn never reads gets no gradient, nil
// as in the plain run (and PyTorch's checkpoint), not zeros; so does a
// Param below it that reaches the loss only through that input.
func TestCheckpointUnusedInput(t *testing.T) {
	fn := func(in ...*autograd.Var[float64]) *autograd.Var[float64] {
		return autograd.Sum(autograd.Mul(in[0], in[0]))
	}
	for _, checkpoint := range []bool{false, true} {
		a := autograd.Param(tensor.MustNew([]float64{1, 2}, 2))
		b := autograd.Param(tensor.MustNew([]float64{3, 4}, 2))
		c := autograd.Param(tensor.MustNew([]float64{5, 6}, 2))
		bc := autograd.Add(b, c)
		var loss *autograd.Var[float64]
		if checkpoint {
			loss = autograd.Checkpoint(fn, a, bc)
		} else {
			loss = fn(a, bc)
		}
		loss.Backward()
		if d := cmp.Diff([]float64{2, 4}, a.Grad().Data()); d != "" {
			t.Errorf("checkpoint %v: a's gradient (-want +got):\n%s", checkpoint, d)
		}
		if b.Grad() != nil || c.Grad() != nil {
			t.Errorf("checkpoint %v: unused input's leaves got gradients %v and %v, want nil", checkpoint, b.Grad(), c.Grad())
		}
	}
}
