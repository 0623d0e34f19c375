package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Linear is the affine layer y = x·Wᵀ + b. Weight has shape [out, in] and
// Bias [out], PyTorch's layout, so that weights move between the two without
// transposing; the transpose in the forward pass is never materialized.
type Linear[T Float] struct {
	Weight *autograd.Var[T] // [out, in]
	Bias   *autograd.Var[T] // [out], or nil for a layer without bias
}

// NewLinear returns a Linear layer from in to out features, with weights
// drawn by init from rng and a zero bias. A nil init means XavierUniform,
// suited to sigmoid and tanh; use HeNormal or HeUniform before ReLU. It
// panics with a *tensor.ShapeError if in or out is not positive.
func NewLinear[T Float](rng *rand.Rand, in, out int, init Initializer[T]) *Linear[T] {
	checkPositive("NewLinear", "[in out]", in, out)
	if init == nil {
		init = XavierUniform[T]
	}
	return &Linear[T]{
		Weight: autograd.Param(init(rng, in, out, out, in)).SetName("weight"),
		Bias:   autograd.Param(tensor.Zeros[T](out)).SetName("bias"),
	}
}

// Forward maps x of shape [batch, in] to [batch, out]. It panics with a
// *tensor.ShapeError naming the layer (with its weight's name, "Linear
// (0.weight)") and both shapes when x does not fit.
func (l *Linear[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	w, xv := l.Weight.Value(), x.Value()
	if xv.Dims() != 2 || xv.Dim(1) != w.Dim(1) {
		shapePanic(layerOp("Linear", l.Weight), fmt.Sprintf("input must be [batch %d]", w.Dim(1)), xv.Shape(), w.Shape())
	}
	return autograd.Linear(x, l.Weight, l.Bias)
}

// Parameters returns the weight and the bias (if any).
func (l *Linear[T]) Parameters() []*autograd.Var[T] { return paramsOf(l.NamedParameters()) }

// NamedParameters returns "weight" and "bias" (the latter only when Bias is
// not nil).
func (l *Linear[T]) NamedParameters() []NamedParam[T] {
	return weightBias(l.Weight, l.Bias)
}
