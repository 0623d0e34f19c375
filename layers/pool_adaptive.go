package layers

import (
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// AdaptiveAvgPool2D is adaptive average pooling as a layer, PyTorch's
// nn.AdaptiveAvgPool2d: it averages x [N, C, H, W] (or [C, H, W]) over the
// windows that give an OutputSize[0] × OutputSize[1] result, whatever the
// input's size (see autograd.AdaptiveAvgPool2D): the usual bridge between
// convolutions and a classifier, AdaptiveAvgPool2D{OutputSize: [2]int{1,
// 1}} being global average pooling. A zero size keeps that axis's input
// size, PyTorch's None.
type AdaptiveAvgPool2D[T Float] struct {
	OutputSize [2]int
}

// NewAdaptiveAvgPool2D returns an AdaptiveAvgPool2D to h × w. It panics
// with an *ArgError if a size is negative.
func NewAdaptiveAvgPool2D[T Float](h, w int) *AdaptiveAvgPool2D[T] {
	checkAdaptiveSize("NewAdaptiveAvgPool2D", [2]int{h, w})
	return &AdaptiveAvgPool2D[T]{OutputSize: [2]int{h, w}}
}

// Forward pools x to [N, C, OutputSize[0], OutputSize[1]]. It panics with
// an *ArgError for a negative size and with a *tensor.ShapeError naming the
// layer when x is not 3-D or 4-D or its plane is empty.
func (p *AdaptiveAvgPool2D[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	h, w := adaptiveSize("AdaptiveAvgPool2D", x, p.OutputSize)
	return autograd.AdaptiveAvgPool2D(x, h, w)
}

// Parameters returns nil: pooling has none.
func (*AdaptiveAvgPool2D[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: pooling has none.
func (*AdaptiveAvgPool2D[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: pooling has none.
func (*AdaptiveAvgPool2D[T]) NamedParameters() []NamedParam[T] { return nil }

// AdaptiveMaxPool2D is adaptive max pooling as a layer, PyTorch's
// nn.AdaptiveMaxPool2d: the maximum of x over the windows of
// AdaptiveAvgPool2D (see autograd.AdaptiveMaxPool2D). A zero size keeps
// that axis's input size. ForwardWithIndices also returns where each
// maximum is (return_indices=True).
type AdaptiveMaxPool2D[T Float] struct {
	OutputSize [2]int
}

// NewAdaptiveMaxPool2D returns an AdaptiveMaxPool2D to h × w. It panics
// with an *ArgError if a size is negative.
func NewAdaptiveMaxPool2D[T Float](h, w int) *AdaptiveMaxPool2D[T] {
	checkAdaptiveSize("NewAdaptiveMaxPool2D", [2]int{h, w})
	return &AdaptiveMaxPool2D[T]{OutputSize: [2]int{h, w}}
}

// Forward pools x as ForwardWithIndices does, without the indices.
func (p *AdaptiveMaxPool2D[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	y, _ := p.ForwardWithIndices(x)
	return y
}

// ForwardWithIndices pools x to [N, C, OutputSize[0], OutputSize[1]] and
// returns, for each output, the flat position of its maximum in its own
// H×W plane. It panics as AdaptiveAvgPool2D's Forward does.
func (p *AdaptiveMaxPool2D[T]) ForwardWithIndices(x *autograd.Var[T]) (*autograd.Var[T], *tensor.Index) {
	h, w := adaptiveSize("AdaptiveMaxPool2D", x, p.OutputSize)
	return autograd.AdaptiveMaxPool2D(x, h, w)
}

// Parameters returns nil: pooling has none.
func (*AdaptiveMaxPool2D[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: pooling has none.
func (*AdaptiveMaxPool2D[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: pooling has none.
func (*AdaptiveMaxPool2D[T]) NamedParameters() []NamedParam[T] { return nil }

// checkAdaptiveSize panics with an *ArgError when an output size is
// negative.
func checkAdaptiveSize(op string, size [2]int) {
	if size[0] < 0 || size[1] < 0 {
		argPanic(op, "OutputSize", size, "must not be negative (0 keeps the input size)")
	}
}

// adaptiveSize returns a layer's output size for x, with zeros replaced by
// the input's size. It panics with an *ArgError for a negative size and
// with a *tensor.ShapeError naming the layer by kind and output size
// unless x is [N, C, H, W] or [C, H, W] with H, W > 0, as the adaptive
// pooling ops want (whose errors would name them instead).
func adaptiveSize[T Float](kind string, x *autograd.Var[T], size [2]int) (h, w int) {
	checkAdaptiveSize(kind, size)
	xv := x.Value()
	r := xv.Dims()
	if (r != 3 && r != 4) || xv.Dim(r-2) == 0 || xv.Dim(r-1) == 0 {
		shapePanic(fmt.Sprintf("%s (output size %v)", kind, size),
			"input must be 4-D [N C H W] or 3-D [C H W] with H, W > 0", x.Shape(), size[:])
	}
	for ax := range 2 {
		if size[ax] == 0 {
			size[ax] = xv.Dim(r - 2 + ax)
		}
	}
	return size[0], size[1]
}

// MaxUnpool2D undoes max pooling as a layer, PyTorch's nn.MaxUnpool2d: it
// puts each element of x back at the position its pooling's indices name,
// zeros elsewhere (see autograd.MaxUnpool2D). Kernel, Stride and Padding
// are the pooling's. It is not a Module: its Forward takes the indices too.
type MaxUnpool2D[T Float] struct {
	Kernel  [2]int
	Stride  [2]int // 0 means Kernel
	Padding [2]int
}

// NewMaxUnpool2D returns a MaxUnpool2D that undoes a square pooling of
// kernel and stride k. It panics with an *ArgError if k is not positive.
func NewMaxUnpool2D[T Float](k int) *MaxUnpool2D[T] {
	if k <= 0 {
		argPanic("NewMaxUnpool2D", "k", k, "must be positive")
	}
	return &MaxUnpool2D[T]{Kernel: [2]int{k, k}}
}

// Forward unpools x [N, C, H, W] (or [C, H, W]) with the indices its
// pooling returned into [N, C, OH, OW], OH = (H − 1)·sh − 2·ph + KH
// (likewise OW), or into outputSize when it is given (PyTorch's
// output_size: needed when the pooled input's size was not a multiple of
// the stride). It panics with an *ArgError for a bad kernel, stride or
// padding and with a *tensor.ShapeError naming the layer when x, the
// indices or the size do not fit.
func (p *MaxUnpool2D[T]) Forward(x *autograd.Var[T], indices *tensor.Index, outputSize ...int) *autograd.Var[T] {
	checkPoolArgs("MaxUnpool2D", p.Kernel, p.Stride, [2]int{})
	if p.Padding[0] < 0 || p.Padding[1] < 0 {
		argPanic(poolLayerOp("MaxUnpool2D", p.Kernel), "Padding", p.Padding, "must not be negative")
	}
	opts := autograd.Unpool2DOptions{Kernel: p.Kernel, Stride: p.Stride, Padding: p.Padding}
	switch len(outputSize) {
	case 0:
	case 2:
		opts.OutputSize = [2]int{outputSize[0], outputSize[1]}
	default:
		argPanic(poolLayerOp("MaxUnpool2D", p.Kernel), "outputSize", outputSize, "must be a height and a width")
	}
	defer relabelPool("MaxUnpool2D", p.Kernel)
	return autograd.MaxUnpool2D(x, indices, opts)
}
