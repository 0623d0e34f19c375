package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds 2-D convolution over NCHW tensors ([batch, channels,
// height, width]): its public form and argument checks, and the checks it
// shares with pooling (pool.go). Each is one operation with a fused
// derivative (fast_conv.go). The derivatives
// are recorded, when gradients of gradients are wanted, as operations of
// their own that come in adjoint pairs, each the derivative of the other
// (Conv2D and the gradients with respect to its input and weight, the
// max-pooling scatter and gather, average pooling and its gradient). All
// are linear in each argument, so Grad with CreateGraph gives exact second
// derivatives.

// Conv2DOptions configures Conv2D. In each pair, index 0 is the height axis
// and index 1 the width axis. The zero value is PyTorch's default: stride 1,
// no padding, no dilation, one group. A zero Stride or Dilation component
// means 1, so a stride of 0 is never an error here (tensor.Window2D, which
// has no defaults, rejects it), and so does a zero Groups; a negative
// component panics.
type Conv2DOptions struct {
	Stride   [2]int // step between windows; 0 means 1
	Padding  [2]int // zeros added on each side of the input
	Dilation [2]int // step between kernel taps; 0 means 1
	Groups   int    // channel groups, each convolved on its own; 0 means 1
}

// Conv2D returns the 2-D convolution (a cross-correlation, as in PyTorch's
// conv2d) of an NCHW input x [N, C, H, W] with weight [OC, C/G, KH, KW],
// plus bias [OC] (nil for none), in G = opts.Groups groups. The result has
// shape [N, OC, OH, OW]:
//
//	out[n,o,y,x] = bias[o] + Σ_{c,i,j} weight[o,c,i,j] · xp[n, g·C/G + c, y·sh + i·dh, x·sw + j·dw],  g = ⌊o / (OC/G)⌋
//	OH = ⌊(H + 2·ph − dh·(KH−1) − 1) / sh⌋ + 1,  likewise OW
//
// where xp is x with ph rows and pw columns of zeros on each side: output
// channel o sees only the input channels of its group g. With one group
// every output channel sees every input channel; with G = C (a depthwise
// convolution, as in MobileNet) each input channel has OC/C filters of its
// own. It is one operation on the matmul kernel, image by image: im2col
// unfolds image n into cols_n [C·KH·KW, OH·OW], and for each group
// out[n, group g] = W_g·cols_{n,g} with W_g = the group's weight as [OC/G,
// (C/G)·KH·KW] and cols_{n,g} the group's (contiguous) rows, which is
// already out[n]'s NCHW layout (see tensor.Conv2DInto). The columns are
// kept for the backward pass when the weight needs a gradient (recomputed
// instead when they would exceed 2²⁴ elements). Its derivatives, with
// G_{n,g} = group g of g[n] as [OC/G, OH·OW]:
//
//	d/dx[n]   = col2im(W_gᵀ·G_{n,g} for each group g)   (col2im: im2col's adjoint, each column scatter-added back to its window)
//	d/dweight = Σ_n G_{n,g}·cols_{n,g}ᵀ for each group, reshaped to [OC, C/G, KH, KW]
//	d/dbias   = g summed over N, OH and OW
//
// Each is recorded as an operation of its own when gradients of gradients
// are wanted; they are bilinear (in g and the weight, or in x and g), with
// Conv2D and each other as derivatives, so second derivatives are exact.
// The input gradient is ConvTranspose2D's map, so they share kernels.
//
// It panics with a *tensor.ShapeError when x or weight is not 4-D, the
// kernel is empty, C or OC is not divisible by the groups, the channels of
// x and weight differ (C ≠ G·weight's axis 1), bias is not [OC], an option
// is negative, or the dilated kernel is larger than the padded input (an
// output size of 0).
func Conv2D[T Float](x, weight, bias *Var[T], opts Conv2DOptions) *Var[T] {
	checkOperands2("Conv2D", x, weight)
	const op = "Conv2D"
	defer relabel(op)
	win := tensor.Window2D{
		Kernel:   [2]int{},
		Stride:   convOr1(opts.Stride),
		Padding:  opts.Padding,
		Dilation: convOr1(opts.Dilation),
	}
	xv, wv := x.value, weight.value
	g := max(opts.Groups, 1)
	ok := xv.Dims() == 4 && wv.Dims() == 4 && wv.Dim(2) >= 1 && wv.Dim(3) >= 1 && opts.Groups >= 0 &&
		xv.Dim(1) == g*wv.Dim(1) && wv.Dim(0)%g == 0 &&
		(bias == nil || bias.value.HasShape(wv.Dim(0))) &&
		opts.Stride[0] >= 0 && opts.Stride[1] >= 0 && opts.Padding[0] >= 0 && opts.Padding[1] >= 0 &&
		opts.Dilation[0] >= 0 && opts.Dilation[1] >= 0
	if ok {
		win.Kernel = [2]int{wv.Dim(2), wv.Dim(3)}
		oh, ow := win.OutSize(xv.Dim(2), xv.Dim(3))
		ok = oh > 0 && ow > 0
	}
	if !ok {
		convCheckArgs(op, x, weight, bias, opts) // panics, saying why
	}
	return convForward(x, weight, bias, win)
}

// convCheckArgs panics with the error that describes what is wrong with
// Conv2D's arguments.
func convCheckArgs[T Float](op string, x, weight, bias *Var[T], opts Conv2DOptions) {
	xs, ws := x.value.Shape(), weight.value.Shape()
	switch {
	case len(xs) != 4:
		panic(shapeErr(op, "input must be 4-D [N C H W]", xs, ws))
	case len(ws) != 4:
		panic(shapeErr(op, "weight must be 4-D [OC C KH KW]", xs, ws))
	case ws[2] < 1 || ws[3] < 1:
		panic(shapeErr(op, fmt.Sprintf("weight kernel must be at least 1x1, got %dx%d (weight axes 2, 3)", ws[2], ws[3]), xs, ws))
	}
	convCheckGroups(op, xs, ws, opts.Groups)
	convCheckBias(op, bias, ws[0], xs, ws)
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
}

// convCheckGroups panics when the groups of a convolution with input shape
// xs [N C ...] and weight shape ws [OC C/groups ...] do not fit: a negative
// count, C or OC not divisible by it, or weight's axis 1 not C/groups.
func convCheckGroups(op string, xs, ws []int, groups int) {
	g := max(groups, 1)
	switch {
	case groups < 0:
		panic(shapeErr(op, fmt.Sprintf("groups must be non-negative (0 means 1), got %d", groups), xs, ws))
	case xs[1]%g != 0:
		panic(shapeErr(op, fmt.Sprintf("input channels %d (axis 1) are not divisible by groups %d", xs[1], g), xs, ws))
	case ws[0]%g != 0:
		panic(shapeErr(op, fmt.Sprintf("output channels %d (weight axis 0) are not divisible by groups %d", ws[0], g), xs, ws))
	case xs[1] != g*ws[1] && g == 1:
		panic(shapeErr(op, fmt.Sprintf("input has %d channels (axis 1) but weight expects %d (weight axis 1)", xs[1], ws[1]), xs, ws))
	case xs[1] != g*ws[1]:
		panic(shapeErr(op, fmt.Sprintf("input has %d channels (axis 1) but weight expects %d (weight axis 1) × %d groups = %d",
			xs[1], ws[1], g, g*ws[1]), xs, ws))
	}
}

// convCheckBias panics unless bias is nil or has shape [oc].
func convCheckBias[T Float](op string, bias *Var[T], oc int, xs, ws []int) {
	if bias != nil {
		if bs := bias.value.Shape(); len(bs) != 1 || bs[0] != oc {
			panic(shapeErr(op, fmt.Sprintf("bias must have shape [%d], one per output channel", oc), xs, ws, bs))
		}
	}
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
