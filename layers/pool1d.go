package layers

import (
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
)

// MaxPool1D is max pooling over sequences as a layer, PyTorch's
// nn.MaxPool1d: each output is the maximum of a window of Kernel
// positions along the last axis of x [N, C, L] (or [C, L]). A zero Stride
// means the kernel size; Padding, at most half the kernel, is -Inf. It is
// MaxPool2D over an axis of height 1, so its gradients and NaN rule are
// those of autograd.MaxPool2D and MaxPool2DWith.
type MaxPool1D[T Float] struct {
	Kernel   int
	Stride   int // 0 means Kernel
	Padding  int
	Dilation int  // step between a window's taps; 0 means 1
	CeilMode bool // round the output size up (ceil_mode=True)
}

// NewMaxPool1D returns a MaxPool1D with a kernel of size k and stride k.
// It panics with an *ArgError if k is not positive.
func NewMaxPool1D[T Float](k int) *MaxPool1D[T] {
	if k <= 0 {
		argPanic("NewMaxPool1D", "k", k, "must be positive")
	}
	return &MaxPool1D[T]{Kernel: k}
}

// Forward pools x [N, C, L] (or [C, L]) into [N, C, OL] with
// OL = ⌊(L + 2·p − d·(k − 1) − 1) / s⌋ + 1 (rounded up with CeilMode, as
// PyTorch does). It panics with an *ArgError for a bad kernel, stride,
// padding or dilation and with a *tensor.ShapeError naming the layer when
// x is not 2- or 3-D or shorter than the padded, dilated kernel.
func (p *MaxPool1D[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	if p.Dilation < 0 {
		argPanic(pool1DOp("MaxPool1D", p.Kernel), "Dilation", p.Dilation, "must not be negative (0 means 1)")
	}
	x4, unbatched := pool1DInput("MaxPool1D", x, p.Kernel, p.Stride, p.Padding, max(p.Dilation, 1), p.CeilMode)
	k, s, pad := [2]int{1, p.Kernel}, [2]int{1, p.Stride}, [2]int{0, p.Padding}
	if p.Stride == 0 {
		s[1] = p.Kernel
	}
	var y *autograd.Var[T]
	if p.Dilation <= 1 && !p.CeilMode {
		y = autograd.MaxPool2D(x4, k, s, pad)
	} else {
		y, _ = autograd.MaxPool2DWith(x4, autograd.Pool2DOptions{Kernel: k, Stride: s, Padding: pad,
			Dilation: [2]int{1, max(p.Dilation, 1)}, CeilMode: p.CeilMode})
	}
	return pool1DOutput(y, unbatched)
}

// Parameters returns nil: pooling has none.
func (*MaxPool1D[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: pooling has none.
func (*MaxPool1D[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: pooling has none.
func (*MaxPool1D[T]) NamedParameters() []NamedParam[T] { return nil }

// AvgPool1D is average pooling over sequences as a layer, PyTorch's
// nn.AvgPool1d: each output is the mean of a window of Kernel positions
// along the last axis of x [N, C, L] (or [C, L]). A zero Stride means the
// kernel size; Padding, at most half the kernel, is zeros that count in
// the mean (count_include_pad=True) unless ExcludePad is set. It is
// AvgPool2D over an axis of height 1.
type AvgPool1D[T Float] struct {
	Kernel     int
	Stride     int // 0 means Kernel
	Padding    int
	CeilMode   bool // round the output size up (ceil_mode=True)
	ExcludePad bool // count_include_pad=False: divide by the input elements of each window only
}

// NewAvgPool1D returns an AvgPool1D with a kernel of size k and stride k.
// It panics with an *ArgError if k is not positive.
func NewAvgPool1D[T Float](k int) *AvgPool1D[T] {
	if k <= 0 {
		argPanic("NewAvgPool1D", "k", k, "must be positive")
	}
	return &AvgPool1D[T]{Kernel: k}
}

// Forward pools x [N, C, L] (or [C, L]) into [N, C, OL] as MaxPool1D
// does (without dilation), and panics likewise.
func (p *AvgPool1D[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	x4, unbatched := pool1DInput("AvgPool1D", x, p.Kernel, p.Stride, p.Padding, 1, p.CeilMode)
	k, s, pad := [2]int{1, p.Kernel}, [2]int{1, p.Stride}, [2]int{0, p.Padding}
	if p.Stride == 0 {
		s[1] = p.Kernel
	}
	var y *autograd.Var[T]
	if !p.CeilMode && !p.ExcludePad {
		y = autograd.AvgPool2D(x4, k, s, pad)
	} else {
		y = autograd.AvgPool2DWith(x4, autograd.AvgPool2DOptions{Kernel: k, Stride: s, Padding: pad,
			CeilMode: p.CeilMode, ExcludePad: p.ExcludePad})
	}
	return pool1DOutput(y, unbatched)
}

// Parameters returns nil: pooling has none.
func (*AvgPool1D[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: pooling has none.
func (*AvgPool1D[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: pooling has none.
func (*AvgPool1D[T]) NamedParameters() []NamedParam[T] { return nil }

// pool1DInput checks a 1-D pooling layer's settings and input, naming the
// layer by kind and kernel, and returns x as [N, C, 1, L] and whether it
// came without a batch axis.
func pool1DInput[T Float](kind string, x *autograd.Var[T], kernel, stride, padding, dilation int, ceil bool) (*autograd.Var[T], bool) {
	switch {
	case kernel < 1:
		argPanic(pool1DOp(kind, kernel), "Kernel", kernel, "must be positive")
	case stride < 0:
		argPanic(pool1DOp(kind, kernel), "Stride", stride, "must not be negative (0 means the kernel size)")
	case padding < 0 || 2*padding > kernel:
		argPanic(pool1DOp(kind, kernel), "Padding", padding, "must be between 0 and half the kernel")
	}
	xv := x.Value()
	if d := xv.Dims(); d != 2 && d != 3 {
		shapePanic(pool1DOp(kind, kernel), "input must be 3-D [N C L] or 2-D [C L]", x.Shape())
	}
	if stride == 0 {
		stride = kernel
	}
	if l := xv.Dim(xv.Dims() - 1); autograd.PoolOutputLen(l, kernel, stride, padding, dilation, ceil) < 1 {
		shapePanic(pool1DOp(kind, kernel), fmt.Sprintf("input length %d with padding %d is shorter than the kernel %d (dilation %d)",
			l, padding, kernel, dilation), x.Shape())
	}
	if xv.Dims() == 2 {
		return autograd.Unsqueeze(autograd.Unsqueeze(x, 0), 2), true
	}
	return autograd.Unsqueeze(x, 2), false
}

// pool1DOutput undoes pool1DInput's reshaping on the pooled y.
func pool1DOutput[T Float](y *autograd.Var[T], unbatched bool) *autograd.Var[T] {
	y = autograd.Squeeze(y, 2)
	if unbatched {
		y = autograd.Squeeze(y, 0)
	}
	return y
}

// pool1DOp names a 1-D pooling layer in an error message by kind and
// kernel.
func pool1DOp(kind string, kernel int) string { return fmt.Sprintf("%s (kernel %d)", kind, kernel) }
