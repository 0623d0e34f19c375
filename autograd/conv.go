package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds 2-D convolution and pooling over NCHW tensors ([batch,
// channels, height, width]). None of them has a hand-written derivative of
// its own: Conv2D and AvgPool2D are built from im2col (tensor.Im2Col as a
// differentiable op) and MatMul, Mean and Reshape; MaxPool2D routes its
// gradient through a flat scatter-add. The internal ops come in adjoint
// pairs, each the derivative of the other: im2col / col2im, and gather /
// scatter-add. They are linear, so the derivatives of every op here are
// themselves differentiable and Grad with CreateGraph gives exact second
// derivatives.

// Conv2DOptions configures Conv2D. In each pair, index 0 is the height axis
// and index 1 the width axis. The zero value is PyTorch's default: stride 1,
// no padding, no dilation. A zero Stride or Dilation component means 1, so
// a stride of 0 is never an error here (tensor.Window2D, which has no
// defaults, rejects it); a negative component panics.
type Conv2DOptions struct {
	Stride   [2]int // step between windows; 0 means 1
	Padding  [2]int // zeros added on each side of the input
	Dilation [2]int // step between kernel taps; 0 means 1
}

// Conv2D returns the 2-D convolution (a cross-correlation, as in PyTorch's
// conv2d) of an NCHW input x [N, C, H, W] with weight [OC, C, KH, KW], plus
// bias [OC] (nil for none). The result has shape [N, OC, OH, OW]:
//
//	out[n,o,y,x] = bias[o] + Σ_{c,i,j} weight[o,c,i,j] · xp[n, c, y·sh + i·dh, x·sw + j·dw]
//	OH = ⌊(H + 2·ph − dh·(KH−1) − 1) / sh⌋ + 1,  likewise OW
//
// where xp is x with ph rows and pw columns of zeros on each side. It runs
// on the matmul kernel: im2col unfolds x into cols [C·KH·KW, N·OH·OW], so
// that out is W₂·cols with W₂ = weight reshaped to [OC, C·KH·KW], permuted
// from [OC, N, OH, OW] to NCHW. Its derivatives are those of the pieces:
//
//	d/dx      = col2im(W₂ᵀ·G₂)   (col2im: im2col's adjoint, each column scatter-added back to its window)
//	d/dweight = G₂·colsᵀ reshaped to [OC, C, KH, KW]
//	d/dbias   = g summed over N, OH and OW
//
// with G₂ = g permuted to [OC, N·OH·OW]. Being bilinear, it has exact second
// derivatives.
//
// It panics with a *tensor.ShapeError when x or weight is not 4-D, the
// kernel is empty, the channels of x and weight differ, bias is not [OC], an
// option is negative, or the dilated kernel is larger than the padded input
// (an output size of 0).
func Conv2D[T Float](x, weight, bias *Var[T], opts Conv2DOptions) *Var[T] {
	const op = "Conv2D"
	defer relabel(op)
	xs, ws := x.value.Shape(), weight.value.Shape()
	switch {
	case len(xs) != 4:
		panic(shapeErr(op, "input must be 4-D [N C H W]", xs, ws))
	case len(ws) != 4:
		panic(shapeErr(op, "weight must be 4-D [OC C KH KW]", xs, ws))
	case ws[2] < 1 || ws[3] < 1:
		panic(shapeErr(op, fmt.Sprintf("weight kernel must be at least 1x1, got %dx%d (weight axes 2, 3)", ws[2], ws[3]), xs, ws))
	case xs[1] != ws[1]:
		panic(shapeErr(op, fmt.Sprintf("input has %d channels (axis 1) but weight expects %d (weight axis 1)", xs[1], ws[1]), xs, ws))
	}
	if bias != nil {
		if bs := bias.value.Shape(); len(bs) != 1 || bs[0] != ws[0] {
			panic(shapeErr(op, fmt.Sprintf("bias must have shape [%d], one per output channel", ws[0]), xs, ws, bs))
		}
	}
	for _, f := range []struct {
		name, zero string
		v          [2]int
	}{{"stride", " (0 means 1)", opts.Stride}, {"padding", "", opts.Padding}, {"dilation", " (0 means 1)", opts.Dilation}} {
		if f.v[0] < 0 || f.v[1] < 0 {
			panic(shapeErr(op, fmt.Sprintf("%s must be non-negative%s, got %v", f.name, f.zero, f.v), xs, ws))
		}
	}
	win := tensor.Window2D{
		Kernel:   [2]int{ws[2], ws[3]},
		Stride:   convOr1(opts.Stride),
		Padding:  opts.Padding,
		Dilation: convOr1(opts.Dilation),
	}
	convCheckSize(op, win, xs, xs, ws)

	n, oc := xs[0], ws[0]
	oh, ow := win.OutSize(xs[2], xs[3])
	cols := convIm2Col(x, win)                                // [C·KH·KW, N·OH·OW]
	y := MatMul(Reshape(weight, oc, ws[1]*ws[2]*ws[3]), cols) // [OC, N·OH·OW]
	var out *Var[T]
	if n == 1 || oc == 1 {
		out = Reshape(y, n, oc, oh, ow) // [OC, N, ...] and [N, OC, ...] share the layout
	} else {
		out = convGather(y, convSwapIndex(oc, n, oh*ow), []int{n, oc, oh, ow})
	}
	if bias != nil {
		out = Add(out, Reshape(bias, oc, 1, 1))
	}
	return out
}

// MaxPool2D returns the maximum of x [N, C, H, W] over every kernel-sized
// window, of shape [N, C, OH, OW] (OH = ⌊(H + 2·ph − KH) / sh⌋ + 1, likewise
// OW). A zero stride component means the kernel size, PyTorch's default;
// the padding is -Inf, so it is never the maximum.
//
//	d/dx = g scatter-added to the position of each window's maximum
//
// At ties, the whole gradient goes to the first maximum in row-major window
// order (top row first, each row left to right), as PyTorch's CPU kernel
// does. A NaN counts as the maximum and propagates. Overlapping windows
// (stride < kernel) that share a maximum add their gradients. The routing
// is piecewise constant, so the second derivative with respect to x is 0.
//
// It panics with a *tensor.ShapeError when x is not 4-D, a kernel size is
// below 1, the stride or padding is negative, the padding is more than
// half the kernel (PyTorch's rule), or the kernel is larger than the padded
// input.
func MaxPool2D[T Float](x *Var[T], kernel, stride, padding [2]int) *Var[T] {
	const op = "MaxPool2D"
	defer relabel(op)
	win := convPoolWindow(op, x, kernel, stride, padding)
	in := x.value.Shape()
	out, idx := tensor.MaxPool2D(x.value, win)
	return record(op, out, func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{convScatter(g, idx, in)}
	}, x)
}

// AvgPool2D returns the mean of x [N, C, H, W] over every kernel-sized
// window, of shape [N, C, OH, OW] as for MaxPool2D (a zero stride component
// means the kernel size). The padding is zeros and counts: every window is
// divided by KH·KW, PyTorch's default count_include_pad=True. It is built
// as the mean over the rows of im2col of x viewed as [N·C, 1, H, W], so
//
//	d/dx = col2im(g / (KH·KW) repeated over each window's taps)
//
// that is, each input element receives g/(KH·KW) from every window that
// covers it. The panics are those of MaxPool2D.
func AvgPool2D[T Float](x *Var[T], kernel, stride, padding [2]int) *Var[T] {
	const op = "AvgPool2D"
	defer relabel(op)
	win := convPoolWindow(op, x, kernel, stride, padding)
	s := x.value.Shape()
	oh, ow := win.OutSize(s[2], s[3])
	cols := convIm2Col(Reshape(x, s[0]*s[1], 1, s[2], s[3]), win) // [KH·KW, N·C·OH·OW]
	return Reshape(Mean(cols, 0), s[0], s[1], oh, ow)
}

// convPoolWindow validates the arguments of a pooling op and returns its
// window, with the zero stride components replaced by the kernel size.
func convPoolWindow[T Float](op string, x *Var[T], kernel, stride, padding [2]int) tensor.Window2D {
	xs := x.value.Shape()
	switch {
	case len(xs) != 4:
		panic(shapeErr(op, "input must be 4-D [N C H W]", xs))
	case kernel[0] < 1 || kernel[1] < 1:
		panic(shapeErr(op, fmt.Sprintf("kernel size must be at least 1, got %v", kernel), xs))
	case stride[0] < 0 || stride[1] < 0:
		panic(shapeErr(op, fmt.Sprintf("stride must be non-negative (0 means the kernel size), got %v", stride), xs))
	case padding[0] < 0 || padding[1] < 0:
		panic(shapeErr(op, fmt.Sprintf("padding must be non-negative, got %v", padding), xs))
	case 2*padding[0] > kernel[0] || 2*padding[1] > kernel[1]:
		panic(shapeErr(op, fmt.Sprintf("padding %v must be at most half the kernel size %v", padding, kernel), xs))
	}
	for ax := range 2 {
		if stride[ax] == 0 {
			stride[ax] = kernel[ax]
		}
	}
	win := tensor.Window2D{Kernel: kernel, Stride: stride, Padding: padding, Dilation: [2]int{1, 1}}
	convCheckSize(op, win, xs, xs)
	return win
}

// convCheckSize panics when the dilated kernel of win is larger than the
// padded input of NCHW shape xs along an axis, naming that axis; shapes are
// the ones the error reports.
func convCheckSize(op string, win tensor.Window2D, xs []int, shapes ...[]int) {
	oh, ow := win.OutSize(xs[2], xs[3])
	for ax, name := range [2]string{"height", "width"} {
		if [2]int{oh, ow}[ax] <= 0 {
			panic(shapeErr(op, fmt.Sprintf("%skernel %s %d is larger than the padded input %s %d (axis %d)",
				convDilated(win.Dilation[ax]), name, win.Dilation[ax]*(win.Kernel[ax]-1)+1, name, xs[2+ax]+2*win.Padding[ax], 2+ax), shapes...))
		}
	}
}

func convDilated(d int) string {
	if d > 1 {
		return "dilated "
	}
	return ""
}

// convOr1 replaces zero components by 1.
func convOr1(v [2]int) [2]int {
	for i := range v {
		if v[i] == 0 {
			v[i] = 1
		}
	}
	return v
}

// convSwapIndex returns, for a row-major [A, B, R] layout, the flat source
// index of every element of its [B, A, R] transpose of the first two axes.
func convSwapIndex(a, b, r int) []int {
	idx := make([]int, 0, a*b*r)
	for j := 0; j < b; j++ {
		for i := 0; i < a; i++ {
			for k := 0; k < r; k++ {
				idx = append(idx, (i*b+j)*r+k)
			}
		}
	}
	return idx
}

// convIm2Col is tensor.Im2Col as a differentiable op. It is linear, and its
// adjoint is col2im:
//
//	d/dx = col2im(g)
func convIm2Col[T Float](x *Var[T], win tensor.Window2D) *Var[T] {
	in := x.value.Shape()
	return record("Im2Col", tensor.Im2Col(x.value, win), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{convCol2Im(g, in, win)}
	}, x)
}

// convCol2Im is tensor.Col2Im as a differentiable op, the adjoint of
// im2col into an input of the given shape:
//
//	d/dcols = im2col(g)
func convCol2Im[T Float](cols *Var[T], shape []int, win tensor.Window2D) *Var[T] {
	return record("Col2Im", tensor.Col2Im(cols.value, shape, win), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{convIm2Col(g, win)}
	}, cols)
}

// convGather is tensor.GatherFlat as a differentiable op: out[i] =
// x[idx[i]] (flat), of the given shape. The indices are constants.
//
//	d/dx = g scatter-added to idx
func convGather[T Float](x *Var[T], idx []int, shape []int) *Var[T] {
	in := x.value.Shape()
	return record("GatherFlat", tensor.GatherFlat(x.value, idx, shape...), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{convScatter(g, idx, in)}
	}, x)
}

// convScatter is tensor.ScatterAddFlat as a differentiable op, the adjoint
// of gather: out[idx[i]] += src[i] (flat), in a zero tensor of the given
// shape.
//
//	d/dsrc = g gathered at idx
func convScatter[T Float](src *Var[T], idx []int, shape []int) *Var[T] {
	in := src.value.Shape()
	return record("ScatterAddFlat", tensor.ScatterAddFlat(src.value, idx, shape...), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{convGather(g, idx, in)}
	}, src)
}
