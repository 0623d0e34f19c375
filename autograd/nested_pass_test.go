package autograd_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// A backward pass started inside another one (by a Function's Backward
// that calls Grad, or by a Checkpoint's recomputation) walks into the
// outer pass's nodes; it must leave them for the outer pass, which still
// needs them. It released them: the outer pass then crashed on a nil
// derivative (or, with the operands the other way round, left half the
// gradient).

// TestGradInsideAFunctionsBackward: a Function whose Backward calls Grad
// over the graph below its input, without RetainGraph.
func TestGradInsideAFunctionsBackward(t *testing.T) {
	for _, arena := range []bool{false, true} {
		w := autograd.Param(tensor.MustNew([]float64{0.5, -1.5}, 2))
		x := tensor.MustNew([]float64{2, 0.25}, 2)
		in := autograd.Const(x)
		if arena {
			in = autograd.NewArena[float64]().Const(x)
		}
		h := autograd.Tanh(autograd.Mul(w, in))
		fn := &autograd.Function[float64]{
			Name:    "squareViaGrad",
			Forward: func(ins ...*tensor.Tensor[float64]) *tensor.Tensor[float64] { return tensor.Mul(ins[0], ins[0]) },
			Backward: func(c *autograd.Context[float64], g *autograd.Var[float64]) []*autograd.Var[float64] {
				hv := c.Input(0)
				// d/dh Σ h² = 2h, by a pass of its own over h alone.
				hh := autograd.Param(hv.Value())
				d := autograd.Grad([]*autograd.Var[float64]{autograd.Sum(autograd.Mul(hh, hh))}, []*autograd.Var[float64]{hh})[0]
				// And one over the outer graph below h, which is what
				// released the outer pass's nodes.
				_ = autograd.Grad([]*autograd.Var[float64]{autograd.Sum(autograd.Mul(h, h))}, []*autograd.Var[float64]{h})
				return []*autograd.Var[float64]{autograd.Mul(g, d)}
			},
		}
		autograd.Sum(fn.Apply(h)).Backward()

		want := autograd.Param(tensor.MustNew([]float64{0.5, -1.5}, 2))
		hw := autograd.Tanh(autograd.Mul(want, autograd.Const(x)))
		autograd.Sum(autograd.Mul(hw, hw)).Backward()
		if diff := cmp.Diff(want.Grad().Data(), w.Grad().Data(), cmpopts.EquateApprox(0, 1e-15)); diff != "" {
			t.Errorf("arena %v: w's gradient (-want +got):\n%s", arena, diff)
		}
	}
}

// TestCheckpointOfAValueFromOutside: fn reaches a result h of the outer
// graph through its closure, and the loss uses h too, before or after the
// Checkpoint's result.
func TestCheckpointOfAValueFromOutside(t *testing.T) {
	for _, hFirst := range []bool{true, false} {
		grads := make([][]float64, 2)
		for k, checkpoint := range []bool{false, true} {
			w := autograd.Param(tensor.MustNew([]float64{0.5, -1.5}, 2))
			z := autograd.Param(tensor.MustNew([]float64{2, 3}, 2))
			h := autograd.Tanh(autograd.Mul(w, autograd.Const(tensor.MustNew([]float64{2, 0.25}, 2))))
			seg := func(in ...*autograd.Var[float64]) *autograd.Var[float64] { return autograd.Mul(in[0], h) }
			var y *autograd.Var[float64]
			if checkpoint {
				y = autograd.Checkpoint(seg, z)
			} else {
				y = seg(z)
			}
			loss := autograd.Add(y, h)
			if hFirst {
				loss = autograd.Add(h, y)
			}
			autograd.Sum(loss).Backward()
			grads[k] = append(w.Grad().Data(), z.Grad().Data()...)
		}
		if diff := cmp.Diff(grads[0], grads[1], cmpopts.EquateApprox(0, 1e-15)); diff != "" {
			t.Errorf("h first %v: w's and z's gradients, Checkpoint against plain (-plain +checkpoint):\n%s", hFirst, diff)
		}
	}
}

// TestTwoCheckpointsOfOneOutsideValue: two Checkpoints whose fn reaches the
// same result h of the outer graph through its closure, h in the loss
// through them alone. The first recomputation's pass released h's graph,
// which the second one needs ("Tanh: graph already released").
func TestTwoCheckpointsOfOneOutsideValue(t *testing.T) {
	grads := make([][]float64, 2)
	for k, checkpoint := range []bool{false, true} {
		w := autograd.Param(tensor.MustNew([]float64{0.5, -1.5}, 2))
		z1 := autograd.Param(tensor.MustNew([]float64{2, 3}, 2))
		z2 := autograd.Param(tensor.MustNew([]float64{-1, 0.5}, 2))
		h := autograd.Tanh(autograd.Mul(w, autograd.Const(tensor.MustNew([]float64{2, 0.25}, 2))))
		seg := func(in ...*autograd.Var[float64]) *autograd.Var[float64] { return autograd.Mul(in[0], h) }
		run := seg
		if checkpoint {
			run = func(in ...*autograd.Var[float64]) *autograd.Var[float64] { return autograd.Checkpoint(seg, in...) }
		}
		autograd.Sum(autograd.Add(run(z1), run(z2))).Backward()
		grads[k] = append(append(w.Grad().Data(), z1.Grad().Data()...), z2.Grad().Data()...)
	}
	if diff := cmp.Diff(grads[0], grads[1], cmpopts.EquateApprox(0, 1e-15)); diff != "" {
		t.Errorf("w's, z1's and z2's gradients, Checkpoint against plain (-plain +checkpoint):\n%s", diff)
	}
}
