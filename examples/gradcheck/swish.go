package main

import (
	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Swish is the activation y = x·σ(βx) with a learnable β, defined as a
// custom op: its forward on tensors, its derivatives by hand. β has any
// shape that broadcasts against x: a scalar, or one value per feature (the
// last axis). With s = σ(βx):
//
//	dy/dx = s + βx·s(1-s)
//	dy/dβ = x²·s(1-s)
//
// The backward is written with autograd operations, so Swish is twice
// differentiable (gradient penalties, Hessian-vector products). Its
// gradient for β has x's shape; the engine sums it back to β's.
func Swish[T autograd.Float](x, beta *autograd.Var[T]) *autograd.Var[T] {
	return swish[T](false).Apply(x, beta)
}

// BrokenSwish is Swish with the kind of slip a hand-written backward
// has: dy/dβ = x·s(1-s), one factor of x short. Its values are right; the
// gradient check catches it.
func BrokenSwish[T autograd.Float](x, beta *autograd.Var[T]) *autograd.Var[T] {
	return swish[T](true).Apply(x, beta)
}

func swish[T autograd.Float](broken bool) *autograd.Function[T] {
	name := "Swish"
	if broken {
		name = "BrokenSwish"
	}
	return &autograd.Function[T]{
		Name: name,
		Forward: func(in ...*tensor.Tensor[T]) *tensor.Tensor[T] {
			x, beta := in[0], in[1]
			return tensor.Mul(x, tensor.Sigmoid(tensor.Mul(beta, x)))
		},
		Backward: func(c *autograd.Context[T], g *autograd.Var[T]) []*autograd.Var[T] {
			x, beta := c.Input(0), c.Input(1)
			s := autograd.Sigmoid(autograd.Mul(beta, x))
			ds := autograd.Mul(s, autograd.Sub(autograd.Scalar(T(1)), s)) // σ'(βx) = s(1-s)
			var gx, gbeta *autograd.Var[T]
			if c.NeedsGrad(0) {
				gx = autograd.Mul(g, autograd.Add(s, autograd.Mul(autograd.Mul(beta, x), ds)))
			}
			if c.NeedsGrad(1) {
				xx := autograd.Square(x)
				if broken {
					xx = x
				}
				gbeta = autograd.Mul(g, autograd.Mul(xx, ds))
			}
			return []*autograd.Var[T]{gx, gbeta}
		},
	}
}
