package layers

import (
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
)

// The activations are layers without parameters or state, usable by value:
// layers.ReLU[float64]{}, layers.LeakyReLU[float64]{Slope: 0.01}. Each
// Forward is the autograd operation of the same name, whose documentation
// gives the derivative and the subgradient chosen at a kink.

// Sigmoid is the logistic activation σ(x) = 1/(1+e^-x) as a layer.
type Sigmoid[T Float] struct{}

// Forward returns σ(x).
func (Sigmoid[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Sigmoid(x) }

// Parameters returns nil: activations have none.
func (Sigmoid[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: activations have none.
func (Sigmoid[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: activations have none.
func (Sigmoid[T]) NamedParameters() []NamedParam[T] { return nil }

// Tanh is the hyperbolic tangent activation as a layer.
type Tanh[T Float] struct{}

// Forward returns tanh(x).
func (Tanh[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Tanh(x) }

// Parameters returns nil: activations have none.
func (Tanh[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: activations have none.
func (Tanh[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: activations have none.
func (Tanh[T]) NamedParameters() []NamedParam[T] { return nil }

// ReLU is the rectified linear activation max(x, 0) as a layer.
type ReLU[T Float] struct{}

// Forward returns max(x, 0).
func (ReLU[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return autograd.ReLU(x) }

// Parameters returns nil: activations have none.
func (ReLU[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: activations have none.
func (ReLU[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: activations have none.
func (ReLU[T]) NamedParameters() []NamedParam[T] { return nil }

// LeakyReLU is x for x > 0 and Slope·x elsewhere, as a layer. PyTorch's
// default slope is 0.01: LeakyReLU[T]{Slope: 0.01}. The zero value (slope 0)
// is ReLU.
type LeakyReLU[T Float] struct {
	Slope T // the slope for negative inputs
}

// Forward returns x where x > 0 and Slope·x elsewhere.
func (l LeakyReLU[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.LeakyReLU(x, l.Slope)
}

// Parameters returns nil: activations have none.
func (LeakyReLU[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: activations have none.
func (LeakyReLU[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: activations have none.
func (LeakyReLU[T]) NamedParameters() []NamedParam[T] { return nil }

// ELU is x for x > 0 and Alpha·(e^x − 1) elsewhere, as a layer. PyTorch's
// default is ELU[T]{Alpha: 1}; the zero value (alpha 0) is ReLU.
type ELU[T Float] struct {
	Alpha T // the scale of the negative part, whose limit is -Alpha
}

// Forward returns x where x > 0 and Alpha·(e^x − 1) elsewhere.
func (l ELU[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return autograd.ELU(x, l.Alpha) }

// Parameters returns nil: activations have none.
func (ELU[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: activations have none.
func (ELU[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: activations have none.
func (ELU[T]) NamedParameters() []NamedParam[T] { return nil }

// GELU is the Gaussian error linear unit x·Φ(x) as a layer: the exact erf
// form by default, the tanh approximation with Tanh set (PyTorch's
// approximate="tanh").
type GELU[T Float] struct {
	Tanh bool // use the tanh approximation
}

// Forward returns x·Φ(x), or its tanh approximation.
func (l GELU[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	if l.Tanh {
		return autograd.GELUTanh(x)
	}
	return autograd.GELU(x)
}

// Parameters returns nil: activations have none.
func (GELU[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: activations have none.
func (GELU[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: activations have none.
func (GELU[T]) NamedParameters() []NamedParam[T] { return nil }

// SiLU is the sigmoid-weighted linear unit x·σ(x) (also called swish) as a
// layer.
type SiLU[T Float] struct{}

// Forward returns x·σ(x).
func (SiLU[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return autograd.SiLU(x) }

// Parameters returns nil: activations have none.
func (SiLU[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: activations have none.
func (SiLU[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: activations have none.
func (SiLU[T]) NamedParameters() []NamedParam[T] { return nil }

// Softplus is log(1 + e^x), a smooth ReLU, as a layer. It is PyTorch's
// Softplus with beta 1, computed stably for every x (without PyTorch's
// switch to the identity above a threshold).
type Softplus[T Float] struct{}

// Forward returns log(1 + e^x).
func (Softplus[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Softplus(x) }

// Parameters returns nil: activations have none.
func (Softplus[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: activations have none.
func (Softplus[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: activations have none.
func (Softplus[T]) NamedParameters() []NamedParam[T] { return nil }

// Softmax normalizes x into probabilities along Axis (negative counts from
// the end), as a layer. For logits of shape [batch, classes] use
// Softmax[T]{Axis: -1}: the zero value normalizes over axis 0, the batch.
type Softmax[T Float] struct {
	Axis int
}

// Forward returns e^x / Σ e^x along Axis. It panics with a
// *tensor.ShapeError naming Softmax when Axis is out of range.
func (l Softmax[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	checkAxis("Softmax", l.Axis, x)
	return autograd.Softmax(x, l.Axis)
}

// Parameters returns nil: activations have none.
func (Softmax[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: activations have none.
func (Softmax[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: activations have none.
func (Softmax[T]) NamedParameters() []NamedParam[T] { return nil }

// LogSoftmax is log Softmax along Axis as a layer, computed stably; follow
// it with autograd.NLL for a classifier's loss (or feed logits straight to
// autograd.CrossEntropy). As for Softmax, use Axis -1 for [batch, classes].
type LogSoftmax[T Float] struct {
	Axis int
}

// Forward returns x − log Σ e^x along Axis. It panics with a
// *tensor.ShapeError naming LogSoftmax when Axis is out of range.
func (l LogSoftmax[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	checkAxis("LogSoftmax", l.Axis, x)
	return autograd.LogSoftmax(x, l.Axis)
}

// Parameters returns nil: activations have none.
func (LogSoftmax[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: activations have none.
func (LogSoftmax[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: activations have none.
func (LogSoftmax[T]) NamedParameters() []NamedParam[T] { return nil }

// checkAxis panics with a *tensor.ShapeError naming op when axis (negative
// counting from the end) is not an axis of x. It reads x's shape only to
// report it, since Shape copies it (a warm step under an Arena allocates
// nothing).
func checkAxis[T Float](op string, axis int, x *autograd.Var[T]) {
	if r := x.Value().Dims(); axis < -r || axis >= r {
		shapePanic(op, fmt.Sprintf("axis %d out of range for %d dimensions", axis, r), x.Shape())
	}
}
