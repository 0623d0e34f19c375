package layers

import (
	"fmt"
	"sync/atomic"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// PReLU is the parametric ReLU of He et al. (2015), PyTorch's nn.PReLU:
// max(0, x) + w·min(0, x) with the slope w learned, one shared by every
// channel (Weight of shape [1]) or one per channel (shape [C], channels on
// axis 1 of x, as in PyTorch: an x of fewer than 2 axes has no channel
// axis and takes one slope only).
//
//	d/dx = g where x > 0, w·g elsewhere (at 0 too, as PyTorch)
//	d/dw = Σ g·min(0, x) over the elements that share w
type PReLU[T Float] struct {
	Weight *autograd.Var[T] // [1] or [C]: the slopes (PyTorch's "weight")

	zero atomic.Pointer[autograd.Var[T]] // 0, for the selects; made at the first Forward
}

// NewPReLU returns a PReLU with num slopes (1 to share one, or the number
// of channels), each init, as nn.PReLU(num_parameters=num, init=init);
// PyTorch's default init is 0.25. It panics with a *tensor.ShapeError if
// num is not positive.
func NewPReLU[T Float](num int, init T) *PReLU[T] {
	checkPositive("NewPReLU", "[num]", num)
	return &PReLU[T]{Weight: autograd.Param(tensor.Full(init, num)).SetName("weight")}
}

// Forward returns x where x > 0 and w·x elsewhere, w broadcast along x's
// channel axis. Under an Arena (x from one) it takes its memory from the Arena,
// the weight included (autograd.Arena.Use). It panics with a
// *tensor.ShapeError when Weight is not 1-D, or has more than one slope
// and x no channel axis of that size.
func (l *PReLU[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	w, xv := l.Weight, x.Value()
	if w.Value().Dims() != 1 {
		shapePanic(layerOp("PReLU", w), "weight must be 1-D", w.Shape(), x.Shape())
	}
	c := w.Value().Dim(0)
	if ar := x.Arena(); ar != nil {
		w = ar.Use(w)
	}
	if c == 1 {
		w = autograd.Reshape(w) // 0-d: x keeps its shape, 0-d included
	} else {
		if xv.Dims() < 2 || xv.Dim(1) != c {
			shapePanic(layerOp("PReLU", l.Weight), fmt.Sprintf("%d slopes, but x has no channel axis (1) of that size", c), l.Weight.Shape(), x.Shape())
		}
		var sb [8]int
		shape := append(sb[:0], c)
		for range xv.Dims() - 2 {
			shape = append(shape, 1)
		}
		w = autograd.Reshape(w, shape...)
	}
	// Selects, not relu(x) + w·(x − relu(x)), whose Inf − Inf at +Inf would
	// make the result and the slope's gradient NaN.
	zero := l.zero.Load()
	if zero == nil { // the first Forward; a race makes a spare, which is harmless
		l.zero.CompareAndSwap(nil, autograd.Const(tensor.Scalar(T(0))))
		zero = l.zero.Load()
	}
	pos := autograd.Greater(x, zero)
	// The slope multiplies x with its positive elements zeroed, so that
	// +Inf there sends the slope 0·g, not Inf·0.
	return autograd.Where(pos, x, autograd.Mul(w, autograd.Where(pos, zero, x)))
}

// Parameters returns the weight.
func (l *PReLU[T]) Parameters() []*autograd.Var[T] { return l.AppendParameters(nil) }

// AppendParameters appends the weight to dst and returns the extended
// slice; it allocates nothing when dst has room.
func (l *PReLU[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	return appendWeightBias(dst, l.Weight, nil)
}

// NamedParameters returns "weight".
func (l *PReLU[T]) NamedParameters() []NamedParam[T] { return weightBias(l.Weight, nil) }
