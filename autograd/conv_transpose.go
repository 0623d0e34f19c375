package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

// ConvTranspose2DOptions configures ConvTranspose2D. In each pair, index 0
// is the height axis and index 1 the width axis. The zero value is
// PyTorch's default: stride 1, no padding, no output padding, no dilation,
// one group. A zero Stride, Dilation or Groups means 1; a negative
// component panics.
type ConvTranspose2DOptions struct {
	Stride        [2]int // step between the input's positions in the output; 0 means 1
	Padding       [2]int // rows and columns removed from each side of the full output
	OutputPadding [2]int // rows and columns added at the bottom and right; less than the stride or the dilation
	Dilation      [2]int // step between kernel taps; 0 means 1
	Groups        int    // channel groups, each on its own; 0 means 1
}

// ConvTranspose2D returns the transposed convolution of an NCHW input x
// [N, C, H, W] with weight [C, OC/G, KH, KW] (PyTorch's layout, as in its
// conv_transpose2d), plus bias [OC] (nil for none), in G = opts.Groups
// groups: the adjoint of the Conv2D that maps [N, OC, OH, OW] to x's shape
// with the same weight, stride, padding, dilation and groups, that is, its
// gradient with respect to its input. Each input element scatters its
// channel's filters, scaled, into the output:
//
//	out[n, o, y·sh − ph + i·dh, x·sw − pw + j·dw] += x[n, c, y, x] · weight[c, o − g·OC/G, i, j]   for c in group g, o in group g
//	OH = (H−1)·sh − 2·ph + dh·(KH−1) + oph + 1,  likewise OW
//
// plus bias[o] everywhere, where oph is the output padding (extra rows at
// the bottom, which as in PyTorch must be smaller than the stride or the
// dilation). It is one operation on the matmul kernel, image by image:
// col2im of W_gᵀ·X_{n,g} for each group (see tensor.ConvTranspose2DInto).
// Its derivatives are convolutions, by the transpose relations:
//
//	d/dx      = Conv2D(g, weight) at the first H×W window positions     (recorded as ConvTranspose2DBackwardInput)
//	d/dweight = Σ_n X_{n,g}·cols(g_n)_gᵀ for each group g                (recorded as ConvTranspose2DBackwardWeight)
//	d/dbias   = g summed over N, OH and OW
//
// They are bilinear, with ConvTranspose2D and each other as derivatives,
// so second derivatives are exact.
//
// It panics with a *tensor.ShapeError when x or weight is not 4-D, the
// kernel is empty, C or the output channels are not divisible by the
// groups, weight's axis 0 is not C, bias is not [OC], an option is
// negative, an output padding is not smaller than its stride or its
// dilation, or the output would be empty.
func ConvTranspose2D[T Float](x, weight, bias *Var[T], opts ConvTranspose2DOptions) *Var[T] {
	checkOperands2("ConvTranspose2D", x, weight)
	const op = "ConvTranspose2D"
	defer relabel(op)
	xv, wv := x.value, weight.value
	g := max(opts.Groups, 1)
	win := tensor.Window2D{
		Stride:   convOr1(opts.Stride),
		Padding:  opts.Padding,
		Dilation: convOr1(opts.Dilation),
	}
	ok := xv.Dims() == 4 && wv.Dims() == 4 && wv.Dim(2) >= 1 && wv.Dim(3) >= 1 && opts.Groups >= 0 &&
		xv.Dim(1) == wv.Dim(0) && xv.Dim(1)%g == 0 && (bias == nil || bias.value.HasShape(g*wv.Dim(1)))
	var size [2]int
	for a := range 2 {
		ok = ok && opts.Stride[a] >= 0 && opts.Padding[a] >= 0 && opts.Dilation[a] >= 0 && opts.OutputPadding[a] >= 0 &&
			(opts.OutputPadding[a] < win.Stride[a] || opts.OutputPadding[a] < win.Dilation[a])
		if ok {
			size[a] = convTOutLen(xv.Dim(2+a), wv.Dim(2+a), win, opts.OutputPadding, a)
			ok = size[a] > 0
		}
	}
	if !ok {
		convTCheckArgs(op, x, weight, bias, opts) // panics, saying why
	}
	win.Kernel = [2]int{wv.Dim(2), wv.Dim(3)}
	return convTForward(x, weight, bias, win, [4]int{xv.Dim(0), g * wv.Dim(1), size[0], size[1]})
}

// convTOutLen is PyTorch's output size of a transposed convolution along
// axis a, for an input of size n and a kernel of size k:
// (n−1)·s − 2·p + d·(k−1) + op + 1.
func convTOutLen(n, k int, win tensor.Window2D, outPad [2]int, a int) int {
	return (n-1)*win.Stride[a] - 2*win.Padding[a] + win.Dilation[a]*(k-1) + outPad[a] + 1
}

// convTCheckArgs panics with the error that describes what is wrong with
// ConvTranspose2D's arguments.
func convTCheckArgs[T Float](op string, x, weight, bias *Var[T], opts ConvTranspose2DOptions) {
	xs, ws := x.value.Shape(), weight.value.Shape()
	g := max(opts.Groups, 1)
	switch {
	case len(xs) != 4:
		panic(shapeErr(op, "input must be 4-D [N C H W]", xs, ws))
	case len(ws) != 4:
		panic(shapeErr(op, "weight must be 4-D [C OC/groups KH KW]", xs, ws))
	case ws[2] < 1 || ws[3] < 1:
		panic(shapeErr(op, fmt.Sprintf("weight kernel must be at least 1x1, got %dx%d (weight axes 2, 3)", ws[2], ws[3]), xs, ws))
	case opts.Groups < 0:
		panic(shapeErr(op, fmt.Sprintf("groups must be non-negative (0 means 1), got %d", opts.Groups), xs, ws))
	case xs[1] != ws[0]:
		panic(shapeErr(op, fmt.Sprintf("input has %d channels (axis 1) but weight expects %d (weight axis 0)", xs[1], ws[0]), xs, ws))
	case xs[1]%g != 0:
		panic(shapeErr(op, fmt.Sprintf("input channels %d (axis 1) are not divisible by groups %d", xs[1], g), xs, ws))
	}
	convCheckBias(op, bias, g*ws[1], xs, ws)
	for _, f := range []struct {
		name, zero string
		v          [2]int
	}{{"stride", " (0 means 1)", opts.Stride}, {"padding", "", opts.Padding}, {"output padding", "", opts.OutputPadding},
		{"dilation", " (0 means 1)", opts.Dilation}} {
		if f.v[0] < 0 || f.v[1] < 0 {
			panic(shapeErr(op, fmt.Sprintf("%s must be non-negative%s, got %v", f.name, f.zero, f.v), xs, ws))
		}
	}
	win := tensor.Window2D{Stride: convOr1(opts.Stride), Padding: opts.Padding, Dilation: convOr1(opts.Dilation)}
	for a, name := range [2]string{"height", "width"} {
		if pad := opts.OutputPadding[a]; pad >= win.Stride[a] && pad >= win.Dilation[a] {
			panic(shapeErr(op, fmt.Sprintf("output padding %v must be smaller than the stride %v or the dilation %v (%s)",
				opts.OutputPadding, win.Stride, win.Dilation, name), xs, ws))
		}
	}
	for a, name := range [2]string{"height", "width"} {
		if n := convTOutLen(xs[2+a], ws[2+a], win, opts.OutputPadding, a); n <= 0 {
			panic(shapeErr(op, fmt.Sprintf("output %s (%d−1)·%d − 2·%d + %d·(%d−1) + %d + 1 = %d is not positive",
				name, xs[2+a], win.Stride[a], win.Padding[a], win.Dilation[a], ws[2+a], opts.OutputPadding[a], n), xs, ws))
		}
	}
	panic(shapeErr(op, "invalid arguments", xs, ws)) // not reached: the checks above cover ConvTranspose2D's
}

// convTWork returns a buffer for the columns of one image of y, the
// output side of a transposed convolution whose input side is x, or nil
// when the window is pointwise and y is x's size (the columns are y
// itself).
func convTWork[T Float](ar *Arena[T], win tensor.Window2D, x, y *tensor.Tensor[T]) *tensor.Tensor[T] {
	if win.Pointwise() && x.Dim(2) == y.Dim(2) && x.Dim(3) == y.Dim(3) {
		return nil
	}
	return ar.tensor(y.Dim(1)*win.Kernel[0]*win.Kernel[1], x.Dim(2)*x.Dim(3))
}

// convTForward is ConvTranspose2D after its checks, with its window and
// the shape of its result; bias may be nil.
func convTForward[T Float](x, w, bias *Var[T], win tensor.Window2D, shape [4]int) *Var[T] {
	ar, bv, grad := convArgs(x, w, bias)
	out := ar.tensor(shape[0], shape[1], shape[2], shape[3])
	tensor.ConvTranspose2DInto(out, x.value, w.value, bv, convTWork(ar, win, x.value, out), win)
	var d derivative[T]
	if grad {
		s := newState[convTOp[T]](ar)
		s.win = win
		d = s
	}
	return convRecord("ConvTranspose2D", out, d, x, w, bias)
}

// convTOp is ConvTranspose2D's state: its window.
type convTOp[T Float] struct{ win tensor.Window2D }

func (*convTOp[T]) slot() stateSlot { return slotConvTranspose }

func (s *convTOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	return convBackward(c, g, s.win, convTInputGrad[T], convTWeightGrad[T])
}

func (s *convTOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	x, w := c.node().inputs[0].value, c.node().inputs[1].value
	ar := c.p.arena
	if c.NeedsGrad(1) {
		gradInto(c, 1, false, func(dst *tensor.Tensor[T], beta T) {
			tensor.ConvTranspose2DWeightGradInto(dst, x, g, convTWork(ar, s.win, x, g), convWeightWork(ar, dst), s.win, beta)
		})
	}
	if c.NeedsGrad(0) {
		gradInto(c, 0, false, func(dst *tensor.Tensor[T], _ T) {
			tensor.ConvTranspose2DInputGradInto(dst, g, w, convTWork(ar, s.win, x, g), s.win)
		})
	}
	if c.NumInputs() == 3 && c.NeedsGrad(2) {
		gradInto(c, 2, true, func(dst *tensor.Tensor[T], beta T) { tensor.Conv2DBiasGradInto(dst, g, beta) })
	}
}

// convTGradOp is the state of the recorded gradients of ConvTranspose2D:
// the window and which gradient (convWrtInput or convWrtWeight).
type convTGradOp[T Float] struct {
	win tensor.Window2D
	wrt int
}

func (*convTGradOp[T]) slot() stateSlot { return slotConvTransposeGrad }

// convTGradState returns the state of a recorded ConvTranspose2D gradient,
// or nil when none of inputs needs a gradient.
func convTGradState[T Float](ar *Arena[T], win tensor.Window2D, wrt int, inputs ...*Var[T]) derivative[T] {
	if !needsGrad(inputs...) {
		return nil
	}
	s := newState[convTGradOp[T]](ar)
	s.win, s.wrt = win, wrt
	return s
}

// convTInputGrad is the gradient of ConvTranspose2D with respect to its
// input x (of which only the shape is read) for the result's gradient g,
// as a recorded operation: the convolution of g with w.
func convTInputGrad[T Float](g, w *Var[T], x *tensor.Tensor[T], win tensor.Window2D) *Var[T] {
	ar := arenaOf(g, w)
	out := ar.like(x)
	tensor.ConvTranspose2DInputGradInto(out, g.value, w.value, convTWork(ar, win, x, g.value), win)
	return recordOp("ConvTranspose2DBackwardInput", out, convTGradState(ar, win, convWrtInput, g, w), g, w)
}

// convTWeightGrad is the gradient of ConvTranspose2D with respect to its
// weight w (of which only the shape is read) for input x and the result's
// gradient g, as a recorded operation.
func convTWeightGrad[T Float](x, g *Var[T], w *tensor.Tensor[T], win tensor.Window2D) *Var[T] {
	ar := arenaOf(x, g)
	out := ar.like(w)
	tensor.ConvTranspose2DWeightGradInto(out, x.value, g.value, convTWork(ar, win, x.value, g.value), convWeightWork(ar, out), win, 0)
	return recordOp("ConvTranspose2DBackwardWeight", out, convTGradState(ar, win, convWrtWeight, x, g), x, g)
}

// convTShape returns the shape of a 4-D tensor as an array.
func convTShape[T Float](t *tensor.Tensor[T]) [4]int {
	return [4]int{t.Dim(0), t.Dim(1), t.Dim(2), t.Dim(3)}
}

func (s *convTGradOp[T]) backward(c *Context[T], gg *Var[T]) []*Var[T] {
	gs := make([]*Var[T], c.NumInputs())
	if s.wrt == convWrtInput { // inputs g, w; gg has the shape of ConvTranspose2D's input
		g := c.node().inputs[0].value
		if c.NeedsGrad(0) {
			gs[0] = convTForward(gg, c.Input(1), nil, s.win, convTShape(g))
		}
		if c.NeedsGrad(1) {
			gs[1] = convTWeightGrad(gg, c.Input(0), c.node().inputs[1].value, s.win)
		}
		return gs
	}
	// inputs x, g; gg has the shape of the weight
	if c.NeedsGrad(0) {
		gs[0] = convTInputGrad(c.Input(1), gg, c.node().inputs[0].value, s.win)
	}
	if c.NeedsGrad(1) {
		gs[1] = convTForward(c.Input(0), gg, nil, s.win, convTShape(c.node().inputs[1].value))
	}
	return gs
}

func (s *convTGradOp[T]) vjp(c *Context[T], gg *tensor.Tensor[T]) {
	a, b := c.node().inputs[0].value, c.node().inputs[1].value
	ar := c.p.arena
	if s.wrt == convWrtInput { // a = g, b = w; gg has the shape of ConvTranspose2D's input
		if c.NeedsGrad(0) {
			gradInto(c, 0, false, func(dst *tensor.Tensor[T], _ T) {
				tensor.ConvTranspose2DInto(dst, gg, b, nil, convTWork(ar, s.win, gg, dst), s.win)
			})
		}
		if c.NeedsGrad(1) {
			gradInto(c, 1, false, func(dst *tensor.Tensor[T], beta T) {
				tensor.ConvTranspose2DWeightGradInto(dst, gg, a, convTWork(ar, s.win, gg, a), convWeightWork(ar, dst), s.win, beta)
			})
		}
		return
	}
	// a = x, b = g; gg has the shape of the weight
	if c.NeedsGrad(0) {
		gradInto(c, 0, false, func(dst *tensor.Tensor[T], _ T) {
			tensor.ConvTranspose2DInputGradInto(dst, b, gg, convTWork(ar, s.win, a, b), s.win)
		})
	}
	if c.NeedsGrad(1) {
		gradInto(c, 1, false, func(dst *tensor.Tensor[T], _ T) {
			tensor.ConvTranspose2DInto(dst, a, gg, nil, convTWork(ar, s.win, a, dst), s.win)
		})
	}
}

// jvp of ConvTranspose2D is its product rule: ConvT(tx, w) + ConvT(x, tw)
// + tb broadcast over N, OH and OW, each term the forward kernel on the
// tangent (the transposed convolution is bilinear in x and w).
func (s *convTOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	x, w, out := c.node().inputs[0].value, c.node().inputs[1].value, c.out.value
	work := convTWork(nil, s.win, x, out)
	return convBilinearJVP(out, x, w, ts, func(dst, x, w, bias *tensor.Tensor[T]) {
		tensor.ConvTranspose2DInto(dst, x, w, bias, work, s.win)
	})
}

// jvp of a recorded ConvTranspose2D gradient, bilinear in its two inputs,
// is the gradient's own kernel on each tangent:
//
//	BackwardInput(g, w):   InputGrad(tg, w) + InputGrad(g, tw)
//	BackwardWeight(x, g):  WeightGrad(tx, g) + WeightGrad(x, tg)
func (s *convTGradOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	a, b, out := c.node().inputs[0].value, c.node().inputs[1].value, c.out.value
	if s.wrt == convWrtInput { // a = g, b = w; the result has the shape of ConvTranspose2D's input
		cols := convTWork(nil, s.win, out, a)
		return convBilinearJVP(out, a, b, ts, func(dst, g, w, _ *tensor.Tensor[T]) {
			tensor.ConvTranspose2DInputGradInto(dst, g, w, cols, s.win)
		})
	}
	// a = x, b = g; the result has the shape of the weight
	cols, work := convTWork(nil, s.win, a, b), convWeightWork(nil, out)
	return convBilinearJVP(out, a, b, ts, func(dst, x, g, _ *tensor.Tensor[T]) {
		tensor.ConvTranspose2DWeightGradInto(dst, x, g, cols, work, s.win, 0)
	})
}
