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

// NewLinear returns a Linear layer from in to out features. With a nil
// init, the weight and the bias are drawn from rng as PyTorch's nn.Linear
// draws them, both from U(-1/√in, 1/√in) (UniformFanIn: PyTorch's
// kaiming_uniform_ with a = √5 for the weight, and its bias rule), the
// weight before the bias. With an init, the weight is drawn by init with
// fanIn = in and fanOut = out and the bias is zero: pass HeUniform or
// HeNormal before a ReLU, XavierUniform before sigmoid or tanh. It panics
// with a *tensor.ShapeError if in or out is not positive.
//
// Until December 2026 a nil init meant XavierUniform with a zero bias; pass
// XavierUniform[T] explicitly to keep those weights.
func NewLinear[T Float](rng *rand.Rand, in, out int, init Initializer[T]) *Linear[T] {
	checkPositive("NewLinear", "[in out]", in, out)
	l := &Linear[T]{}
	if init == nil {
		l.Weight = autograd.Param(UniformFanIn[T](rng, in, out, out, in))
		l.Bias = autograd.Param(UniformFanIn[T](rng, in, out, out))
	} else {
		l.Weight = autograd.Param(init(rng, in, out, out, in))
		l.Bias = autograd.Param(tensor.Zeros[T](out))
	}
	l.Weight.SetName("weight")
	l.Bias.SetName("bias")
	return l
}

// Forward maps x of shape [batch, in] to [batch, out], and, as PyTorch's
// nn.Linear, x [..., in] with any number of leading axes to [..., out] ([in]
// to [out]): such an input is reshaped to [rows, in] and the result back,
// views that copy nothing (and allocate nothing under an Arena). It panics
// with a *tensor.ShapeError naming the layer (with its weight's name,
// "Linear (0.weight)") and both shapes when x is 0-d or its last axis is
// not in.
func (l *Linear[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	l.checkInput(x)
	if x.Value().Dims() == 2 {
		return autograd.Linear(x, l.Weight, l.Bias)
	}
	return unflattenRows(autograd.Linear(flattenRows(x), l.Weight, l.Bias), x, l.Weight.Value().Dim(0))
}

// forwardReLU is ReLU of Forward as one operation, autograd.LinearReLU,
// except under anomaly detection, where the two stay separate so that a
// report names each.
func (l *Linear[T]) forwardReLU(x *autograd.Var[T]) *autograd.Var[T] {
	l.checkInput(x)
	if x.DetectsAnomaly() || l.Weight.DetectsAnomaly() || (l.Bias != nil && l.Bias.DetectsAnomaly()) {
		return autograd.ReLU(l.Forward(x))
	}
	if x.Value().Dims() == 2 {
		return autograd.LinearReLU(x, l.Weight, l.Bias)
	}
	return unflattenRows(autograd.LinearReLU(flattenRows(x), l.Weight, l.Bias), x, l.Weight.Value().Dim(0))
}

// checkInput panics with the layer's *ShapeError unless x is [..., in],
// and with an *ArgError when x is nil.
func (l *Linear[T]) checkInput(x *autograd.Var[T]) {
	if x == nil {
		checkInput(layerOp("Linear", l.Weight), x)
	}
	w, xv := l.Weight.Value(), x.Value()
	if xv.Dims() == 0 || xv.Dim(-1) != w.Dim(1) {
		shapePanic(layerOp("Linear", l.Weight), fmt.Sprintf("input must be [... %d]", w.Dim(1)), xv.Shape(), w.Shape())
	}
}

// flattenRows returns x [..., in] as [rows, in], a view.
func flattenRows[T Float](x *autograd.Var[T]) *autograd.Var[T] {
	xv := x.Value()
	rows := 1
	for i := range xv.Dims() - 1 {
		rows *= xv.Dim(i)
	}
	return autograd.Reshape(x, rows, xv.Dim(-1))
}

// unflattenRows returns y [rows, out] as [..., out], with x's leading axes,
// a view.
func unflattenRows[T Float](y, x *autograd.Var[T], out int) *autograd.Var[T] {
	xv := x.Value()
	var buf [8]int
	shape := buf[:0]
	for i := range xv.Dims() - 1 {
		shape = append(shape, xv.Dim(i))
	}
	return autograd.Reshape(y, append(shape, out)...)
}

// Parameters returns the weight and the bias (if any).
func (l *Linear[T]) Parameters() []*autograd.Var[T] { return l.AppendParameters(nil) }

// AppendParameters appends the parameters, in the order of Parameters, to
// dst and returns the extended slice; it allocates nothing when dst has
// room (see the package function AppendParameters).
func (l *Linear[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	return appendWeightBias(dst, l.Weight, l.Bias)
}

// NamedParameters returns "weight" and "bias" (the latter only when Bias is
// not nil).
func (l *Linear[T]) NamedParameters() []NamedParam[T] {
	return weightBias(l.Weight, l.Bias)
}
