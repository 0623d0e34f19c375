package layers

import (
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// MaxPool2D is max pooling over NCHW batches as a layer, PyTorch's
// nn.MaxPool2d: each output is the maximum of a Kernel-sized window. Index 0
// of each pair is the height axis, 1 the width axis. A zero Stride means the
// kernel size (PyTorch's default); Padding, at most half the kernel, is
// -Inf, so it is never the maximum. Among tied maxima the gradient goes to
// the first (see autograd.MaxPool2D). With Dilation or CeilMode set, or
// for an input [C, H, W] without a batch axis (which PyTorch takes too),
// it is autograd.MaxPool2DWith; ForwardWithIndices returns the indices of
// the maxima too (return_indices=True), for MaxUnpool2D.
type MaxPool2D[T Float] struct {
	Kernel   [2]int
	Stride   [2]int // 0 means Kernel
	Padding  [2]int
	Dilation [2]int // step between a window's taps; 0 means 1
	CeilMode bool   // round the output size up (ceil_mode=True)
}

// NewMaxPool2D returns a MaxPool2D with a square kernel of size k and stride
// k, the usual halving layer for k = 2. It panics with an *ArgError if k is
// not positive.
func NewMaxPool2D[T Float](k int) *MaxPool2D[T] {
	if k <= 0 {
		argPanic("NewMaxPool2D", "k", k, "must be positive")
	}
	return &MaxPool2D[T]{Kernel: [2]int{k, k}}
}

// Forward pools x [N, C, H, W] (or [C, H, W]) into [N, C, OH, OW] (or
// [C, OH, OW]) with OH = ⌊(H + 2·ph − dh·(kh − 1) − 1) / sh⌋ + 1, likewise
// OW, rounded up with CeilMode as PyTorch does (autograd.PoolOutputLen).
// It panics with an *ArgError for a bad kernel, stride, padding or
// dilation and with a *tensor.ShapeError naming the layer when x is not
// 3-D or 4-D or is smaller than the padded, dilated kernel, whatever the
// options.
func (p *MaxPool2D[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	if p.Dilation == [2]int{} && !p.CeilMode && x.Value().Dims() == 4 {
		checkPool("MaxPool2D", x, p.Kernel, p.Stride, p.Padding)
		return autograd.MaxPool2D(x, p.Kernel, p.Stride, p.Padding)
	}
	y, _ := p.ForwardWithIndices(x)
	return y
}

// ForwardWithIndices pools x as Forward does and also returns, for each
// output, the flat position of its maximum in its own H×W plane (see
// autograd.MaxPool2DWith). It panics as Forward does.
func (p *MaxPool2D[T]) ForwardWithIndices(x *autograd.Var[T]) (*autograd.Var[T], *tensor.Index) {
	checkPoolArgs("MaxPool2D", p.Kernel, p.Stride, p.Padding)
	if p.Dilation[0] < 0 || p.Dilation[1] < 0 {
		argPanic(poolLayerOp("MaxPool2D", p.Kernel), "Dilation", p.Dilation, "must not be negative (0 means 1)")
	}
	checkPoolInput("MaxPool2D", x, p.Kernel, p.Stride, p.Padding, p.Dilation, p.CeilMode)
	return autograd.MaxPool2DWith(x, autograd.Pool2DOptions{
		Kernel: p.Kernel, Stride: p.Stride, Padding: p.Padding, Dilation: p.Dilation, CeilMode: p.CeilMode})
}

// Parameters returns nil: pooling has none.
func (*MaxPool2D[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: pooling has none.
func (*MaxPool2D[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: pooling has none.
func (*MaxPool2D[T]) NamedParameters() []NamedParam[T] { return nil }

// AvgPool2D is average pooling over NCHW batches as a layer, PyTorch's
// nn.AvgPool2d: each output is the mean of a Kernel-sized window. A zero
// Stride means the kernel size; Padding, at most half the kernel, is zeros
// that count in the mean (PyTorch's count_include_pad=True) unless
// ExcludePad is set. With CeilMode, ExcludePad or DivisorOverride set, or
// for an input [C, H, W] without a batch axis (which PyTorch takes too),
// it is autograd.AvgPool2DWith.
type AvgPool2D[T Float] struct {
	Kernel          [2]int
	Stride          [2]int // 0 means Kernel
	Padding         [2]int
	CeilMode        bool // round the output size up (ceil_mode=True)
	ExcludePad      bool // count_include_pad=False: divide by the input elements of each window only
	DivisorOverride int  // divisor_override: divide every window by this; 0 means none
}

// NewAvgPool2D returns an AvgPool2D with a square kernel of size k and
// stride k. It panics with an *ArgError if k is not positive.
func NewAvgPool2D[T Float](k int) *AvgPool2D[T] {
	if k <= 0 {
		argPanic("NewAvgPool2D", "k", k, "must be positive")
	}
	return &AvgPool2D[T]{Kernel: [2]int{k, k}}
}

// Forward pools x [N, C, H, W] (or [C, H, W]) as MaxPool2D does (without
// dilation), and panics likewise (with an *ArgError for a negative
// DivisorOverride too).
func (p *AvgPool2D[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	if !p.CeilMode && !p.ExcludePad && p.DivisorOverride == 0 && x.Value().Dims() == 4 {
		checkPool("AvgPool2D", x, p.Kernel, p.Stride, p.Padding)
		return autograd.AvgPool2D(x, p.Kernel, p.Stride, p.Padding)
	}
	checkPoolArgs("AvgPool2D", p.Kernel, p.Stride, p.Padding)
	if p.DivisorOverride < 0 {
		argPanic(poolLayerOp("AvgPool2D", p.Kernel), "DivisorOverride", p.DivisorOverride, "must not be negative (0 means none)")
	}
	checkPoolInput("AvgPool2D", x, p.Kernel, p.Stride, p.Padding, [2]int{}, p.CeilMode)
	return autograd.AvgPool2DWith(x, autograd.AvgPool2DOptions{Kernel: p.Kernel, Stride: p.Stride, Padding: p.Padding,
		CeilMode: p.CeilMode, ExcludePad: p.ExcludePad, DivisorOverride: p.DivisorOverride})
}

// Parameters returns nil: pooling has none.
func (*AvgPool2D[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: pooling has none.
func (*AvgPool2D[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: pooling has none.
func (*AvgPool2D[T]) NamedParameters() []NamedParam[T] { return nil }

// checkPool validates a pooling layer's settings (an *ArgError) and its
// 4-D input x (a *tensor.ShapeError), naming the layer by kind and kernel.
// The common case, all valid, is decided without building any message.
func checkPool[T Float](kind string, x *autograd.Var[T], kernel, stride, padding [2]int) {
	if kernel[0] >= 1 && kernel[1] >= 1 && stride[0] >= 0 && stride[1] >= 0 &&
		padding[0] >= 0 && padding[1] >= 0 && 2*padding[0] <= kernel[0] && 2*padding[1] <= kernel[1] &&
		windowFits(x.Value(), kernel, padding, [2]int{1, 1}) {
		return
	}
	checkPoolArgs(kind, kernel, stride, padding)
	checkWindow(poolLayerOp(kind, kernel), x.Shape(), kernel[:], kernel, padding, [2]int{1, 1})
}

// checkPoolInput panics with a *tensor.ShapeError naming the layer by kind
// and kernel unless x is [N, C, H, W] or [C, H, W] with a plane that gives
// at least one window of the kernel with the stride, padding, dilation
// and rounding of the option-taking pooling ops (autograd.PoolOutputLen),
// whose own errors would name them instead. The settings must be valid
// (checkPoolArgs).
func checkPoolInput[T Float](kind string, x *autograd.Var[T], kernel, stride, padding, dilation [2]int, ceil bool) {
	xv := x.Value()
	r := xv.Dims()
	if r != 3 && r != 4 {
		shapePanic(poolLayerOp(kind, kernel), "input must be 4-D [N C H W] or 3-D [C H W]", x.Shape(), kernel[:])
	}
	for a := range 2 {
		s, d := stride[a], max(dilation[a], 1)
		if s == 0 {
			s = kernel[a]
		}
		if autograd.PoolOutputLen(xv.Dim(r-2+a), kernel[a], s, padding[a], d, ceil) < 1 {
			shapePanic(poolLayerOp(kind, kernel), fmt.Sprintf("input %dx%d with padding %v is smaller than the kernel %v (dilation %v)",
				xv.Dim(r-2), xv.Dim(r-1), padding, kernel, [2]int{max(dilation[0], 1), max(dilation[1], 1)}), x.Shape(), kernel[:])
		}
	}
}

// checkPoolArgs panics with an *ArgError, naming the layer by kind and
// kernel, when the kernel, stride or padding is invalid.
func checkPoolArgs(kind string, kernel, stride, padding [2]int) {
	switch {
	case kernel[0] < 1 || kernel[1] < 1:
		argPanic(poolLayerOp(kind, kernel), "Kernel", kernel, "must be positive")
	case stride[0] < 0 || stride[1] < 0:
		argPanic(poolLayerOp(kind, kernel), "Stride", stride, "must not be negative (0 means the kernel size)")
	case padding[0] < 0 || padding[1] < 0 || 2*padding[0] > kernel[0] || 2*padding[1] > kernel[1]:
		argPanic(poolLayerOp(kind, kernel), "Padding", padding, "must be between 0 and half the kernel")
	}
}

// poolLayerOp names a pooling layer in an error message by kind and kernel.
func poolLayerOp(kind string, kernel [2]int) string {
	return fmt.Sprintf("%s (kernel %v)", kind, kernel)
}
