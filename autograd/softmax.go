package autograd

import "github.com/adjoint-go/adjoint/tensor"

// This file holds Softmax and LogSoftmax. Both forward kernels subtract each
// slice's maximum first, so they are finite for inputs of any size; both
// derivatives reuse the saved output, written with differentiable ops so
// that second derivatives work.

// Softmax returns exp(x) / Σ exp(x) along axis (negative counts from the
// end), computed as exp(x - m) / Σ exp(x - m) with m the maximum of each
// slice: Softmax of [1000 -1000] is exactly [1 0].
//
//	d/dx = O ∘ (g - Σ(g ∘ O)), O the saved output and Σ along axis
//
// It panics with a *tensor.ShapeError for an axis out of range.
func Softmax[T Float](x *Var[T], axis int) *Var[T] {
	defer relabel("Softmax")
	return record("Softmax", tensor.Softmax(x.value, axis), func(c *Context[T], g *Var[T]) []*Var[T] {
		y := c.Output()
		return []*Var[T]{Mul(y, Sub(g, SumKeepDims(Mul(g, y), axis)))}
	}, x)
}

// LogSoftmax returns log Softmax(x, axis), computed as x - m - log Σ exp(x - m)
// with m the maximum of each slice: finite wherever x is (exactly
// [0 -2000] for [1000 -1000], where log of Softmax would give -Inf).
//
//	d/dx = g - exp(O) ∘ Σ g, O the saved output (exp(O) is the softmax) and Σ along axis
//
// It panics with a *tensor.ShapeError for an axis out of range.
func LogSoftmax[T Float](x *Var[T], axis int) *Var[T] {
	defer relabel("LogSoftmax")
	return record("LogSoftmax", tensor.LogSoftmax(x.value, axis), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Sub(g, Mul(Exp(c.Output()), SumKeepDims(g, axis)))}
	}, x)
}
