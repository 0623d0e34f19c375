package layers

import (
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
)

// More activations of torch.nn, as layers without parameters or state,
// usable by value like those of activation.go. Each Forward is the autograd
// operation of the same name, whose documentation gives the derivative and
// the subgradient chosen at a kink. Where PyTorch's module has arguments,
// the fields carry PyTorch's names; the zero value of such a layer is not
// PyTorch's default, which its documentation gives.

// Hardtanh limits x to [MinVal, MaxVal], as a layer. PyTorch's default is
// Hardtanh[T]{MinVal: -1, MaxVal: 1}; ReLU6 is Hardtanh[T]{MinVal: 0,
// MaxVal: 6}. The zero value maps every number to 0.
type Hardtanh[T Float] struct {
	MinVal T // the lower bound (PyTorch's min_val)
	MaxVal T // the upper bound (PyTorch's max_val)
}

// Forward returns min(max(x, MinVal), MaxVal). It panics with an
// *autograd.UsageError when MinVal > MaxVal.
func (l Hardtanh[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Hardtanh(x, l.MinVal, l.MaxVal)
}

// Parameters returns nil: activations have none.
func (Hardtanh[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: activations have none.
func (Hardtanh[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: activations have none.
func (Hardtanh[T]) NamedParameters() []NamedParam[T] { return nil }

// Hardswish is x·relu6(x + 3)/6, the cheap swish of MobileNetV3, as a layer.
type Hardswish[T Float] struct{}

// Forward returns x·relu6(x + 3)/6.
func (Hardswish[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Hardswish(x) }

// Parameters returns nil: activations have none.
func (Hardswish[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: activations have none.
func (Hardswish[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: activations have none.
func (Hardswish[T]) NamedParameters() []NamedParam[T] { return nil }

// Hardsigmoid is relu6(x + 3)/6, a piecewise linear sigmoid, as a layer.
type Hardsigmoid[T Float] struct{}

// Forward returns relu6(x + 3)/6.
func (Hardsigmoid[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Hardsigmoid(x) }

// Parameters returns nil: activations have none.
func (Hardsigmoid[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: activations have none.
func (Hardsigmoid[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: activations have none.
func (Hardsigmoid[T]) NamedParameters() []NamedParam[T] { return nil }

// Mish is x·tanh(softplus(x)) as a layer.
type Mish[T Float] struct{}

// Forward returns x·tanh(softplus(x)).
func (Mish[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Mish(x) }

// Parameters returns nil: activations have none.
func (Mish[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: activations have none.
func (Mish[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: activations have none.
func (Mish[T]) NamedParameters() []NamedParam[T] { return nil }

// SELU is the self-normalizing scaled ELU, scale·x for x > 0 and
// scale·alpha·(e^x − 1) elsewhere with PyTorch's fixed constants, as a
// layer.
type SELU[T Float] struct{}

// Forward returns SELU(x).
func (SELU[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return autograd.SELU(x) }

// Parameters returns nil: activations have none.
func (SELU[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: activations have none.
func (SELU[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: activations have none.
func (SELU[T]) NamedParameters() []NamedParam[T] { return nil }

// CELU is x for x > 0 and Alpha·(e^(x/Alpha) − 1) elsewhere, as a layer.
// PyTorch's default is CELU[T]{Alpha: 1}. Alpha must not be 0, so the zero
// value panics in Forward.
type CELU[T Float] struct {
	Alpha T // the scale of the negative part, whose limit is -Alpha
}

// Forward returns x where x > 0 and Alpha·(e^(x/Alpha) − 1) elsewhere. It
// panics with an *autograd.UsageError when Alpha is 0.
func (l CELU[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return autograd.CELU(x, l.Alpha) }

// Parameters returns nil: activations have none.
func (CELU[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: activations have none.
func (CELU[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: activations have none.
func (CELU[T]) NamedParameters() []NamedParam[T] { return nil }

// Softsign is x/(1 + |x|) as a layer.
type Softsign[T Float] struct{}

// Forward returns x/(1 + |x|).
func (Softsign[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Softsign(x) }

// Parameters returns nil: activations have none.
func (Softsign[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: activations have none.
func (Softsign[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: activations have none.
func (Softsign[T]) NamedParameters() []NamedParam[T] { return nil }

// LogSigmoid is log σ(x), computed stably, as a layer.
type LogSigmoid[T Float] struct{}

// Forward returns log σ(x).
func (LogSigmoid[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return autograd.LogSigmoid(x) }

// Parameters returns nil: activations have none.
func (LogSigmoid[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: activations have none.
func (LogSigmoid[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: activations have none.
func (LogSigmoid[T]) NamedParameters() []NamedParam[T] { return nil }

// Softshrink is soft thresholding as a layer: x − Lambd above Lambd,
// x + Lambd below −Lambd, 0 between. PyTorch's default is
// Softshrink[T]{Lambd: 0.5}; the zero value is the identity.
type Softshrink[T Float] struct {
	Lambd T // the threshold, non-negative (PyTorch's lambd)
}

// Forward returns Softshrink(x). It panics with an *autograd.UsageError
// for a negative or NaN Lambd.
func (l Softshrink[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Softshrink(x, l.Lambd)
}

// Parameters returns nil: activations have none.
func (Softshrink[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: activations have none.
func (Softshrink[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: activations have none.
func (Softshrink[T]) NamedParameters() []NamedParam[T] { return nil }

// Hardshrink is hard thresholding as a layer: x where |x| > Lambd, 0
// elsewhere. PyTorch's default is Hardshrink[T]{Lambd: 0.5}; the zero
// value keeps every nonzero element.
type Hardshrink[T Float] struct {
	Lambd T // the threshold (PyTorch's lambd)
}

// Forward returns Hardshrink(x). It panics with an *autograd.UsageError
// for a NaN Lambd.
func (l Hardshrink[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Hardshrink(x, l.Lambd)
}

// Parameters returns nil: activations have none.
func (Hardshrink[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: activations have none.
func (Hardshrink[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: activations have none.
func (Hardshrink[T]) NamedParameters() []NamedParam[T] { return nil }

// Tanhshrink is x − tanh(x) as a layer.
type Tanhshrink[T Float] struct{}

// Forward returns x − tanh(x).
func (Tanhshrink[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Tanhshrink(x) }

// Parameters returns nil: activations have none.
func (Tanhshrink[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: activations have none.
func (Tanhshrink[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: activations have none.
func (Tanhshrink[T]) NamedParameters() []NamedParam[T] { return nil }

// GLU is the gated linear unit (Dauphin et al., 2017), PyTorch's nn.GLU:
// x split in two halves a and b along Axis, and a·σ(b), half of x's size
// along Axis. PyTorch's default is GLU[T]{Axis: -1}; the zero value splits
// axis 0.
type GLU[T Float] struct {
	Axis int // the axis to halve (PyTorch's dim); negative counts from the end
}

// Forward returns a·σ(b). It panics with a *tensor.ShapeError naming GLU
// when Axis is out of range or x's size along it is odd.
func (l GLU[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	xv := x.Value()
	ax := l.Axis
	if ax < 0 {
		ax += xv.Dims()
	}
	if ax < 0 || ax >= xv.Dims() || xv.Dim(ax)%2 != 0 {
		shapePanic("GLU", fmt.Sprintf("axis %d must exist and have an even size", l.Axis), x.Shape())
	}
	h := xv.Dim(ax) / 2
	ab := autograd.Split(x, ax, h, h)
	return autograd.Mul(ab[0], autograd.Sigmoid(ab[1]))
}

// Parameters returns nil: activations have none.
func (GLU[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: activations have none.
func (GLU[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: activations have none.
func (GLU[T]) NamedParameters() []NamedParam[T] { return nil }
