package autograd_test

import (
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// ExampleVar_Backward_vectorSeed seeds the backward pass of an output of
// several elements with a vector u, as PyTorch's y.backward(u): Backward
// on Σ y∘u, or Grad with GradOutputs(u), which gives the same numbers.
func ExampleVar_Backward_vectorSeed() {
	x := autograd.Param(tensor.MustNew([]float64{1, 2, 3}, 3))
	u := tensor.MustNew([]float64{1, 0.5, -1}, 3)
	y := autograd.Mul(x, x) // y = x², not a scalar: y.Backward() would panic

	g := autograd.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x}, autograd.GradOutputs(u), autograd.RetainGraph())
	autograd.Sum(autograd.Mul(y, autograd.Const(u))).Backward()
	fmt.Println("Grad with GradOutputs(u):", g[0].Value().Data())
	fmt.Println("x.Grad() after Backward of Σ y∘u:", x.Grad().Data())
	// Output:
	// Grad with GradOutputs(u): [2 2 -6]
	// x.Grad() after Backward of Σ y∘u: [2 2 -6]
}

// ExampleParam_freeze trains w and keeps b frozen: the forward pass uses a
// constant that shares b's value, so that Backward computes no gradient
// for b at all.
func ExampleParam_freeze() {
	w := autograd.Param(tensor.MustNew([]float64{2}, 1))
	b := autograd.Param(tensor.MustNew([]float64{0.5}, 1))
	frozen := autograd.Const(b.Value()) // b's value, no gradient

	x := autograd.Const(tensor.MustNew([]float64{3}, 1))
	loss := autograd.Sum(autograd.Add(autograd.Mul(w, x), frozen))
	loss.Backward()
	fmt.Println("dw:", w.Grad().Data(), "db:", b.Grad())

	b.Value().Data()[0] = 1.5 // an update of b shows through the constant
	fmt.Println("frozen value:", frozen.Value().Data())
	// Output:
	// dw: [3] db: <nil>
	// frozen value: [1.5]
}
