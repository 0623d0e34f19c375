package autograd

import "github.com/adjoint-go/adjoint/tensor"

// This file holds the elementwise arithmetic operations. Each one is its
// forward kernel next to its vector-Jacobian product. Binary operations
// broadcast (NumPy rules); their backward returns gradients of the broadcast
// shape and the engine sums them back to each input's shape.

// Add returns a + b.
//
//	d/da = g,  d/db = g
func Add[T Float](a, b *Var[T]) *Var[T] {
	defer relabel()
	return record("Add", tensor.Add(a.value, b.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{g, g}
	}, a, b)
}

// Sub returns a - b.
//
//	d/da = g,  d/db = -g
func Sub[T Float](a, b *Var[T]) *Var[T] {
	defer relabel()
	return record("Sub", tensor.Sub(a.value, b.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		var gb *Var[T]
		if c.NeedsGrad(1) {
			gb = Neg(g)
		}
		return []*Var[T]{g, gb}
	}, a, b)
}

// Mul returns the elementwise product a ∘ b.
//
//	d/da = g ∘ b,  d/db = g ∘ a
func Mul[T Float](a, b *Var[T]) *Var[T] {
	defer relabel()
	return record("Mul", tensor.Mul(a.value, b.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		var ga, gb *Var[T]
		if c.NeedsGrad(0) {
			ga = Mul(g, c.Input(1))
		}
		if c.NeedsGrad(1) {
			gb = Mul(g, c.Input(0))
		}
		return []*Var[T]{ga, gb}
	}, a, b)
}

// Div returns the elementwise quotient a / b.
//
//	d/da = g / b,  d/db = -g ∘ a / b² = -g ∘ out / b
func Div[T Float](a, b *Var[T]) *Var[T] {
	defer relabel()
	return record("Div", tensor.Div(a.value, b.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		var ga, gb *Var[T]
		if c.NeedsGrad(0) {
			ga = Div(g, c.Input(1))
		}
		if c.NeedsGrad(1) {
			gb = Neg(Div(Mul(g, c.Output()), c.Input(1)))
		}
		return []*Var[T]{ga, gb}
	}, a, b)
}

// Neg returns -x.
//
//	d/dx = -g
func Neg[T Float](x *Var[T]) *Var[T] {
	return record("Neg", tensor.Neg(x.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Neg(g)}
	}, x)
}

// Scale returns k·x for a constant k.
//
//	d/dx = k·g
func Scale[T Float](x *Var[T], k T) *Var[T] {
	return record("Scale", tensor.Scale(x.value, k), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Scale(g, k)}
	}, x)
}
