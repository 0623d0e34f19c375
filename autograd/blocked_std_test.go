package autograd_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestStdConstantSliceIsPlusZero: Std has no derivative where a slice is
// constant (the standard deviation is 0); its gradient there is +0 by every
// path, for any incoming gradient, and so is the tangent, as PyTorch's
// masked_fill makes them. torch 1.13 on x = [[1 1] [2 3]], std over axis 1
// (correction 1), gives the gradient [[0 0] [-0.7071 0.7071]] for g = [s 1]
// with s = 1, Inf or NaN, the tangent [0 -0.7071] for the tangents
// [[s s] [1 0]], and a second derivative of Σ∂std/∂x of 0 everywhere.
func TestStdConstantSliceIsPlusZero(t *testing.T) {
	t.Run("float64", runStdConstantSlice[float64])
	t.Run("float32", runStdConstantSlice[float32])
}

func runStdConstantSlice[T autograd.Float](t *testing.T) {
	std := func(xs ...*autograd.Var[T]) *autograd.Var[T] { return autograd.Std(xs[0], 1, 1) }
	x := blockedTensor[T]([]float64{1, 1, 2, 3}).Reshape(2, 2)
	const r = 0.7071067811865475
	for _, s := range []float64{math.Inf(1), math.Inf(-1), math.NaN(), 1, -2} {
		t.Run(fmt.Sprint("s=", s), func(t *testing.T) {
			checkBlockedGrads(t, std, []*tensor.Tensor[T]{x}, blockedTensor[T]([]float64{s, 1}),
				[][]float64{{0, 0, -r, r}}, [][]bool{{true, true, false, false}})
			_, tan := autograd.JVP(std, []*tensor.Tensor[T]{x}, []*tensor.Tensor[T]{blockedTensor[T]([]float64{s, s, 1, 0}).Reshape(2, 2)})
			checkBlockedValues(t, "JVP tangent", tan, []float64{0, -r}, []bool{true, false})
		})
	}
	t.Run("second order", func(t *testing.T) {
		p := autograd.Param(x.Clone())
		g := autograd.Grad([]*autograd.Var[T]{std(p)}, []*autograd.Var[T]{p},
			autograd.GradOutputs(tensor.Ones[T](2)), autograd.CreateGraph())[0]
		h := autograd.Grad([]*autograd.Var[T]{autograd.Sum(g)}, []*autograd.Var[T]{p})[0]
		checkBlockedValues(t, "d/dx Σ ∂std/∂x", h.Value(), []float64{0, 0, 0, 0}, []bool{true, true, false, false})
	})
}
