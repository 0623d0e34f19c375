package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

// Conv1DOptions configures Conv1D. The zero value is PyTorch's default:
// stride 1, no padding, no dilation, one group. A zero Stride, Dilation or
// Groups means 1; a negative value panics.
type Conv1DOptions struct {
	Stride   int // step between windows; 0 means 1
	Padding  int // zeros added on each side of the input
	Dilation int // step between kernel taps; 0 means 1
	Groups   int // channel groups, each convolved on its own; 0 means 1
}

// Conv1D returns the 1-D convolution (a cross-correlation, as in PyTorch's
// conv1d) of an NCL input x [N, C, L] with weight [OC, C/G, K], plus bias
// [OC] (nil for none), in G = opts.Groups groups. The result has shape
// [N, OC, OL]:
//
//	out[n,o,t] = bias[o] + Σ_{c,j} weight[o,c,j] · xp[n, g·C/G + c, t·s + j·d],  g = ⌊o / (OC/G)⌋
//	OL = ⌊(L + 2·p − d·(K−1) − 1) / s⌋ + 1
//
// with xp x padded by p zeros on each side. It is Conv2D over a unit
// height axis, run by the same kernels on the 3-D tensors themselves (no
// reshaping), so its derivatives are Conv2D's:
//
//	d/dx[n]   = col2im(W_gᵀ·G_{n,g} for each group g)
//	d/dweight = Σ_n G_{n,g}·cols_{n,g}ᵀ for each group, as [OC, C/G, K]
//	d/dbias   = g summed over N and OL
//
// recorded, for gradients of gradients, as the ops Conv1DBackwardInput,
// Conv1DBackwardWeight and Conv1DBackwardBias, which are bilinear with
// Conv1D and each other as derivatives.
//
// It panics with a *tensor.ShapeError when x or weight is not 3-D, the
// kernel is empty, C or OC is not divisible by the groups, the channels of
// x and weight differ, bias is not [OC], an option is negative, or the
// dilated kernel is longer than the padded input.
func Conv1D[T Float](x, weight, bias *Var[T], opts Conv1DOptions) *Var[T] {
	checkOperands2("Conv1D", x, weight)
	const op = "Conv1D"
	defer relabel(op)
	xv, wv := x.value, weight.value
	g := max(opts.Groups, 1)
	win := tensor.Window2D{
		Kernel:   [2]int{1, 1},
		Stride:   [2]int{1, max(opts.Stride, 1)},
		Padding:  [2]int{0, opts.Padding},
		Dilation: [2]int{1, max(opts.Dilation, 1)},
	}
	ok := xv.Dims() == 3 && wv.Dims() == 3 && wv.Dim(2) >= 1 && opts.Groups >= 0 &&
		xv.Dim(1) == g*wv.Dim(1) && wv.Dim(0)%g == 0 &&
		(bias == nil || bias.value.HasShape(wv.Dim(0))) &&
		opts.Stride >= 0 && opts.Padding >= 0 && opts.Dilation >= 0
	if ok {
		win.Kernel[1] = wv.Dim(2)
		_, ol := win.OutSize(1, xv.Dim(2))
		ok = ol > 0
	}
	if !ok {
		conv1DCheckArgs(op, x, weight, bias, opts) // panics, saying why
	}
	return convForward(x, weight, bias, win)
}

// conv1DCheckArgs panics with the error that describes what is wrong with
// Conv1D's arguments.
func conv1DCheckArgs[T Float](op string, x, weight, bias *Var[T], opts Conv1DOptions) {
	xs, ws := x.value.Shape(), weight.value.Shape()
	switch {
	case len(xs) != 3:
		panic(shapeErr(op, "input must be 3-D [N C L]", xs, ws))
	case len(ws) != 3:
		panic(shapeErr(op, "weight must be 3-D [OC C/groups K]", xs, ws))
	case ws[2] < 1:
		panic(shapeErr(op, fmt.Sprintf("weight kernel must be at least 1 long, got %d (weight axis 2)", ws[2]), xs, ws))
	}
	convCheckGroups(op, xs, ws, opts.Groups)
	convCheckBias(op, bias, ws[0], xs, ws)
	for _, f := range []struct {
		name, zero string
		v          int
	}{{"stride", " (0 means 1)", opts.Stride}, {"padding", "", opts.Padding}, {"dilation", " (0 means 1)", opts.Dilation}} {
		if f.v < 0 {
			panic(shapeErr(op, fmt.Sprintf("%s must be non-negative%s, got %d", f.name, f.zero, f.v), xs, ws))
		}
	}
	d := max(opts.Dilation, 1)
	panic(shapeErr(op, fmt.Sprintf("%skernel length %d is larger than the padded input length %d (axis 2)",
		convDilated(d), d*(ws[2]-1)+1, xs[2]+2*opts.Padding), xs, ws))
}
