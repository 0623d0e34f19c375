package autograd_test

import (
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// TestEmptyRecordedGradients: gradients with CreateGraph of products and
// GroupNorm whose tensors have a dimension 0 are zeros of the inputs'
// shapes, as Backward's are (and torch 1.13's with create_graph). They
// used to panic: a Reshape to [-1, 0] of the folded batch, and an integer
// division by an empty batch.
func TestEmptyRecordedGradients(t *testing.T) {
	ones := func(shape ...int) *autograd.Var[float64] { return autograd.Param(tensor.Ones[float64](shape...)) }
	for _, c := range []struct {
		name string
		ins  []*autograd.Var[float64]
		f    func(xs []*autograd.Var[float64]) *autograd.Var[float64]
	}{
		{"MatMul [2 3 4]·[4 0]", []*autograd.Var[float64]{ones(2, 3, 4), ones(4, 0)},
			func(xs []*autograd.Var[float64]) *autograd.Var[float64] { return autograd.MatMul(xs[0], xs[1]) }},
		{"MatMul [2 3 0]·[0 5]", []*autograd.Var[float64]{ones(2, 3, 0), ones(0, 5)},
			func(xs []*autograd.Var[float64]) *autograd.Var[float64] { return autograd.MatMul(xs[0], xs[1]) }},
		{"MatMulT [2 3 4]·[0 4]ᵀ", []*autograd.Var[float64]{ones(2, 3, 4), ones(0, 4)},
			func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
				return autograd.MatMulT(xs[0], xs[1], false, true)
			}},
		{"GroupNorm [0 4 3]", []*autograd.Var[float64]{ones(0, 4, 3), ones(4), ones(4)},
			func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
				return autograd.GroupNorm(xs[0], 2, xs[1], xs[2], 1e-5)
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			gs := autograd.Grad([]*autograd.Var[float64]{autograd.Sum(c.f(c.ins))}, c.ins, autograd.CreateGraph())
			for i, g := range gs {
				want := tensor.Zeros[float64](c.ins[i].Shape()...)
				if diff := cmp.Diff(want.Shape(), g.Shape()); diff != "" {
					t.Errorf("gradient %d shape (-want +got):\n%s", i, diff)
				}
				if diff := cmp.Diff(want.Data(), g.Value().Data()); diff != "" {
					t.Errorf("gradient %d (-want +got):\n%s", i, diff)
				}
			}
		})
	}
}
