package layers

import (
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
)

// MaxPool2D is max pooling over NCHW batches as a layer, PyTorch's
// nn.MaxPool2d: each output is the maximum of a Kernel-sized window. Index 0
// of each pair is the height axis, 1 the width axis. A zero Stride means the
// kernel size (PyTorch's default); Padding, at most half the kernel, is
// -Inf, so it is never the maximum. Among tied maxima the gradient goes to
// the first (see autograd.MaxPool2D).
type MaxPool2D[T Float] struct {
	Kernel  [2]int
	Stride  [2]int // 0 means Kernel
	Padding [2]int
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

// Forward pools x [N, C, H, W] into [N, C, OH, OW] with
// OH = ⌊(H + 2·ph − kh) / sh⌋ + 1, likewise OW. It panics with an *ArgError
// for a bad kernel, stride or padding and with a *tensor.ShapeError naming
// the layer when x is not 4-D or is smaller than the padded kernel.
func (p *MaxPool2D[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	checkPool("MaxPool2D", x, p.Kernel, p.Stride, p.Padding)
	return autograd.MaxPool2D(x, p.Kernel, p.Stride, p.Padding)
}

// Parameters returns nil: pooling has none.
func (*MaxPool2D[T]) Parameters() []*autograd.Var[T] { return nil }

// NamedParameters returns nil: pooling has none.
func (*MaxPool2D[T]) NamedParameters() []NamedParam[T] { return nil }

// AvgPool2D is average pooling over NCHW batches as a layer, PyTorch's
// nn.AvgPool2d: each output is the mean of a Kernel-sized window. A zero
// Stride means the kernel size; Padding, at most half the kernel, is zeros
// that count in the mean (PyTorch's count_include_pad=True).
type AvgPool2D[T Float] struct {
	Kernel  [2]int
	Stride  [2]int // 0 means Kernel
	Padding [2]int
}

// NewAvgPool2D returns an AvgPool2D with a square kernel of size k and
// stride k. It panics with an *ArgError if k is not positive.
func NewAvgPool2D[T Float](k int) *AvgPool2D[T] {
	if k <= 0 {
		argPanic("NewAvgPool2D", "k", k, "must be positive")
	}
	return &AvgPool2D[T]{Kernel: [2]int{k, k}}
}

// Forward pools x [N, C, H, W] into [N, C, OH, OW] as MaxPool2D does, and
// panics likewise.
func (p *AvgPool2D[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	checkPool("AvgPool2D", x, p.Kernel, p.Stride, p.Padding)
	return autograd.AvgPool2D(x, p.Kernel, p.Stride, p.Padding)
}

// Parameters returns nil: pooling has none.
func (*AvgPool2D[T]) Parameters() []*autograd.Var[T] { return nil }

// NamedParameters returns nil: pooling has none.
func (*AvgPool2D[T]) NamedParameters() []NamedParam[T] { return nil }

// checkPool validates a pooling layer's settings (an *ArgError) and its
// input x (a *tensor.ShapeError), naming the layer by kind and kernel. The
// common case, all valid, is decided without building any message.
func checkPool[T Float](kind string, x *autograd.Var[T], kernel, stride, padding [2]int) {
	xv := x.Value()
	if kernel[0] >= 1 && kernel[1] >= 1 && stride[0] >= 0 && stride[1] >= 0 &&
		padding[0] >= 0 && padding[1] >= 0 && 2*padding[0] <= kernel[0] && 2*padding[1] <= kernel[1] &&
		xv.Dims() == 4 && windowFits(xv, kernel, padding, [2]int{1, 1}) {
		return
	}
	xs := x.Shape()
	op := fmt.Sprintf("%s (kernel %v)", kind, kernel)
	switch {
	case kernel[0] < 1 || kernel[1] < 1:
		argPanic(op, "Kernel", kernel, "must be positive")
	case stride[0] < 0 || stride[1] < 0:
		argPanic(op, "Stride", stride, "must not be negative (0 means the kernel size)")
	case padding[0] < 0 || padding[1] < 0 || 2*padding[0] > kernel[0] || 2*padding[1] > kernel[1]:
		argPanic(op, "Padding", padding, "must be between 0 and half the kernel")
	}
	if len(xs) != 4 {
		shapePanic(op, "input must be 4-D [N C H W]", xs, kernel[:])
	}
	checkWindow(op, xs, kernel[:], kernel, padding, [2]int{1, 1})
}
