package main

import (
	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file is the seed article's network in its matrix form, twice: once as
// an autograd graph whose gradients Backward finds, and once as the four
// gradient formulas the article derives by hand with the chain rule, written
// with tensor kernels only. The tests prove that the two agree.
//
// Shapes, with n samples and one sample per column:
//
//	X   [4 n]   features × samples
//	Wih [4 5]   Z1  = Wihᵀ·X + bih   [5 n]    h1 = σ(Z1)
//	Who [5 1]   Z2  = Whoᵀ·h1 + bho  [1 n]    O  = σ(Z2)
//	bih, bho    0-d, one bias shared by every neuron of the layer
//	E = Σ (Y − O)² / 2               0-d

// Net is the article's [4, 5, 1] network: sigmoid hidden and output layers
// and one scalar bias per layer.
type Net[T tensor.Float] struct {
	Wih *autograd.Var[T] // input→hidden weights, [features hidden]
	Bih *autograd.Var[T] // hidden bias, 0-d, shared by all hidden neurons
	Who *autograd.Var[T] // hidden→output weights, [hidden 1]
	Bho *autograd.Var[T] // output bias, 0-d
}

// NewNet wraps the given tensors (which it does not copy) as the network's
// parameters, named after the article so that graph drawings are readable.
// wih is [features hidden], who is [hidden 1], bih and bho are 0-d.
func NewNet[T tensor.Float](wih, bih, who, bho *tensor.Tensor[T]) *Net[T] {
	return &Net[T]{
		Wih: autograd.Param(wih).SetName("Wih"),
		Bih: autograd.Param(bih).SetName("bih"),
		Who: autograd.Param(who).SetName("Who"),
		Bho: autograd.Param(bho).SetName("bho"),
	}
}

// Params returns the four parameters in the order Wih, bih, Who, bho.
func (n *Net[T]) Params() []*autograd.Var[T] {
	return []*autograd.Var[T]{n.Wih, n.Bih, n.Who, n.Bho}
}

// Pass holds the intermediate results of one recorded forward pass.
type Pass[T tensor.Float] struct {
	Z1, H1, Z2, O *autograd.Var[T]
}

// Forward records the article's forward pass for x ([features n]). The
// transposes Wihᵀ and Whoᵀ are read in place by the matmul, never copied.
// Every result is named after the article, for graph drawings.
func (n *Net[T]) Forward(x *autograd.Var[T]) Pass[T] {
	z1 := autograd.Add(autograd.MatMulT(n.Wih, x, true, false).SetName("Wihᵀ·X"), n.Bih).SetName("Z1")
	h1 := autograd.Sigmoid(z1).SetName("h1")
	z2 := autograd.Add(autograd.MatMulT(n.Who, h1, true, false).SetName("Whoᵀ·h1"), n.Bho).SetName("Z2")
	o := autograd.Sigmoid(z2).SetName("O")
	return Pass[T]{Z1: z1, H1: h1, Z2: z2, O: o}
}

// ArticleError returns the article's error E = Σ (Y − O)² / 2 over every
// sample, a 0-d Var.
func ArticleError[T tensor.Float](o, y *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Scale(autograd.Sum(autograd.Square(autograd.Sub(y, o))), 0.5).SetName("E")
}

// Predict returns O for x ([features n]) with tensor kernels alone, so that
// evaluation records no graph.
func (n *Net[T]) Predict(x *tensor.Tensor[T]) *tensor.Tensor[T] {
	_, o := n.forwardValues(x)
	return o
}

// forwardValues is the forward pass on plain tensors; it returns h1 and O.
func (n *Net[T]) forwardValues(x *tensor.Tensor[T]) (h1, o *tensor.Tensor[T]) {
	h1 = tensor.Sigmoid(tensor.Add(tensor.MatMul(n.Wih.Value(), x, true, false), n.Bih.Value()))
	o = tensor.Sigmoid(tensor.Add(tensor.MatMul(n.Who.Value(), h1, true, false), n.Bho.Value()))
	return h1, o
}

// Gradients holds dE/dW for each of the four parameters, each of its
// parameter's shape.
type Gradients[T tensor.Float] struct {
	Wih, Bih, Who, Bho *tensor.Tensor[T]
}

// HandGradients returns the article's four hand-derived gradients of E for
// inputs x ([features n]) and targets y ([1 n]), computed with tensor kernels
// only (no autograd), in matrix form:
//
//	δ2      = (O − Y) ∘ [O ∘ (1 − O)]             dE/dO ∘ dO/dZ2, [1 n]
//	dE/dWho = h1 · δ2ᵀ                            [5 1]
//	dE/dbho = Σ δ2                                0-d
//	δ1      = [h1 ∘ (1 − h1)] ∘ (Who · δ2)        dh1/dZ1 ∘ dZ2/dh1·δ2, [5 n]
//	dE/dWih = X · δ1ᵀ                             [4 5]
//	dE/dbih = Σ δ1                                0-d
//
// The transposes are matmul flags, not copies.
func (n *Net[T]) HandGradients(x, y *tensor.Tensor[T]) Gradients[T] {
	h1, o := n.forwardValues(x)
	one := tensor.Scalar(T(1))
	d2 := tensor.Mul(tensor.Sub(o, y), tensor.Mul(o, tensor.Sub(one, o)))
	d1 := tensor.Mul(tensor.Mul(h1, tensor.Sub(one, h1)), tensor.MatMul(n.Who.Value(), d2, false, false))
	return Gradients[T]{
		Who: tensor.MatMul(h1, d2, false, true),
		Bho: tensor.Sum(d2),
		Wih: tensor.MatMul(x, d1, false, true),
		Bih: tensor.Sum(d1),
	}
}
