package main

import (
	"math"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

type (
	V = *autograd.Var[float64]
	T = *tensor.Tensor[float64]
)

// swishOf adapts an op of (x, β) to a gradcheck.Func.
func swishOf(op func(x, beta V) V) gradcheck.Func {
	return func(in []V) V { return op(in[0], in[1]) }
}

// swishJacobian is the Jacobian of Swish with a scalar β, in closed form:
// for output element o and input element k of x, d y_o / d x_k is
// [o == k]·(s + βx·s(1-s)); d y_o / d β is x_o²·s(1-s).
func swishJacobian(in []T) []T {
	x, beta := in[0], in[1].Item()
	n := x.Len()
	jx := tensor.Zeros[float64](append(x.Shape(), x.Shape()...)...)
	jb := tensor.Zeros[float64](x.Shape()...)
	for o, v := range x.Data() {
		s := 1 / (1 + math.Exp(-beta*v))
		ds := s * (1 - s)
		jx.Data()[o*n+o] = s + beta*v*ds
		jb.Data()[o] = v * v * ds
	}
	return []T{jx, jb}
}

// suite is the gradient-check suite of Swish: the cases a user of the op
// would write, plus the broken variant, which the suite must catch.
func suite() []gradcheck.Case {
	scalarBeta := tensor.Scalar(1.5)
	return []gradcheck.Case{
		{
			Name: "Swish, scalar beta",
			F:    swishOf(Swish[float64]),
			Inputs: []gradcheck.Input{
				gradcheck.Random(gradcheck.Real, 2, 3).Named("x"),
				gradcheck.Fixed(scalarBeta).Named("beta"),
			},
			Jacobian:    swishJacobian, // the derivation, checked without finite differences
			SecondOrder: true,
		},
		{
			Name: "Swish, one beta per feature",
			F:    swishOf(Swish[float64]),
			Inputs: []gradcheck.Input{
				gradcheck.Random(gradcheck.Real, 4, 3).Named("x"),
				gradcheck.Random(gradcheck.Positive, 3).Named("beta"),
			},
			SecondOrder: true,
		},
		{
			Name: "Swish, negative beta and large inputs",
			F:    swishOf(Swish[float64]),
			Inputs: []gradcheck.Input{
				gradcheck.Random(gradcheck.Wide, 5).Named("x"),
				gradcheck.Fixed(tensor.Scalar(-0.7)).Named("beta"),
			},
		},
		{
			Name: "Swish in a layer: Mean(Swish(x·W, beta))",
			F: func(in []V) V {
				return autograd.Mean(Swish(autograd.MatMul(in[0], in[1]), in[2]))
			},
			Inputs: []gradcheck.Input{
				gradcheck.Random(gradcheck.Real, 3, 4).Named("x"),
				gradcheck.Random(gradcheck.Real, 4, 2).Named("W"),
				gradcheck.Random(gradcheck.Positive, 2).Named("beta"),
			},
			SecondOrder: true,
		},
		{
			Name: "BrokenSwish is caught",
			F:    swishOf(BrokenSwish[float64]),
			Inputs: []gradcheck.Input{
				gradcheck.Random(gradcheck.Real, 2, 3).Named("x"),
				gradcheck.Fixed(scalarBeta).Named("beta"),
			},
			WantErr: gradcheck.ErrMismatch,
		},
	}
}
