package autograd

import "github.com/adjoint-go/adjoint/tensor"

// This file holds the elementwise functions and activations, each with its
// derivative. Where the derivative can reuse the forward result (Sigmoid,
// Tanh, Exp) it does, so nothing else needs saving.

// Sigmoid returns σ(x) = 1/(1+e^-x), computed without overflow.
//
//	d/dx = g ∘ O ∘ (1 - O), where O = σ(x) is the saved output
func Sigmoid[T Float](x *Var[T]) *Var[T] {
	return record("Sigmoid", tensor.Sigmoid(x.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		o := c.Output()
		return []*Var[T]{Mul(g, Mul(o, Sub(Scalar(T(1)), o)))}
	}, x)
}

// Tanh returns the hyperbolic tangent of x.
//
//	d/dx = g ∘ (1 - O²), where O = tanh(x) is the saved output
func Tanh[T Float](x *Var[T]) *Var[T] {
	return record("Tanh", tensor.Tanh(x.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		o := c.Output()
		return []*Var[T]{Mul(g, Sub(Scalar(T(1)), Square(o)))}
	}, x)
}

// ReLU returns max(x, 0).
//
//	d/dx = g ∘ [x > 0]
//
// At the kink x = 0 the subgradient 0 is used (as PyTorch does). The mask is
// a constant, so the second derivative is 0 everywhere.
func ReLU[T Float](x *Var[T]) *Var[T] {
	return record("ReLU", tensor.ReLU(x.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Mul(g, Const(tensor.Step(c.Input(0).value)))}
	}, x)
}

// Exp returns e^x.
//
//	d/dx = g ∘ O, where O = e^x is the saved output
func Exp[T Float](x *Var[T]) *Var[T] {
	return record("Exp", tensor.Exp(x.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Mul(g, c.Output())}
	}, x)
}

// Log returns the natural logarithm of x (NaN for x < 0, -Inf at 0).
//
//	d/dx = g / x
func Log[T Float](x *Var[T]) *Var[T] {
	return record("Log", tensor.Log(x.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Div(g, c.Input(0))}
	}, x)
}

// Square returns x².
//
//	d/dx = 2 g ∘ x
func Square[T Float](x *Var[T]) *Var[T] {
	return record("Square", tensor.Pow(x.value, 2), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Mul(g, Scale(c.Input(0), 2))}
	}, x)
}

// Pow returns x^p for a constant exponent p.
//
//	d/dx = g ∘ p·x^(p-1)
//
// For p = 0 the derivative is 0 everywhere (as in PyTorch), also at x = 0
// and for a NaN x, where 0·x^-1 would be NaN.
func Pow[T Float](x *Var[T], p T) *Var[T] {
	return record("Pow", tensor.Pow(x.value, p), func(c *Context[T], g *Var[T]) []*Var[T] {
		if p == 0 {
			return []*Var[T]{Scale(g, 0)}
		}
		return []*Var[T]{Mul(g, Scale(Pow(c.Input(0), p-1), p))}
	}, x)
}
