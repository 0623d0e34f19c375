package autograd

import "github.com/adjoint-go/adjoint/tensor"

// This file holds the operations behind Conv2D (conv.go) and Conv1D
// (conv1d.go), grouped or not (the tensor kernels read the groups from the
// shapes): each a single operation whose result and temporaries come from
// the inputs' Arena, with typed state and a fused derivative on plain
// tensors (the tensor package's Into kernels). Their derivatives, recorded
// when gradients of gradients are wanted, are operations of the same kind,
// run by the same kernels, so that the recorded and the fused backward give
// the same bits:
//
//	Conv2D(x, w, b)            d/dx: conv2DInputGrad(g, w)    d/dw: conv2DWeightGrad(x, g)   d/db: conv2DBiasGrad(g)
//	conv2DInputGrad(g, w)      d/dg: Conv2D(gg, w)            d/dw: conv2DWeightGrad(gg, g)
//	conv2DWeightGrad(x, g)     d/dx: conv2DInputGrad(g, gg)   d/dg: Conv2D(x, gg)
//	conv2DBiasGrad(g)          d/dg: gg broadcast over N, OH, OW
//	Conv1D                     the same ops on 3-D tensors (a unit height), named Conv1D...
//	ConvTranspose2D(x, w, b)   d/dx: convTInputGrad(g, w)     d/dw: convTWeightGrad(x, g)    d/db: conv2DBiasGrad(g)
//	convTInputGrad(g, w)       d/dg: ConvTranspose2D(gg, w)   d/dw: convTWeightGrad(gg, g)   (conv_transpose.go)
//	convTWeightGrad(x, g)      d/dx: convTInputGrad(g, gg)    d/dg: ConvTranspose2D(x, gg)
//	MaxPool2D(x)               d/dx: maxPoolScatter(g)        (the maxima kept by the forward pass)
//	maxPoolScatter(g)          d/dg: maxPoolGather(gg)        and back
//	AvgPool2D(x)               d/dx: avgPoolGrad(g)           and back

// convKeepCols is the largest columns buffer, in elements, that Conv2D keeps
// from its forward pass for the weight's gradient; beyond it, the backward
// pass recomputes the columns image by image.
const convKeepCols = 1 << 24

// gradInto computes input j's gradient with kernel, which sets dst =
// beta·dst + the gradient. A fresh buffer (beta 0) is written directly. A
// buffer that already holds gradient gets the kernel's result added from a
// scratch tensor, so that the sum has the bits of a recorded pass (which
// adds a fresh result), unless exact says that the kernel's own
// accumulation gives those bits (it adds into each element once).
func gradInto[T Float](c *Context[T], j int, exact bool, kernel func(dst *tensor.Tensor[T], beta T)) {
	dst, beta := c.gradBuf(j)
	if beta == 0 || exact {
		kernel(dst, beta)
		return
	}
	tmp := c.scratch(dst)
	kernel(tmp, 0)
	tensor.SumToInto(dst, tmp, 1, 1)
}

// convWork returns a buffer for one image's columns, nil for a pointwise
// window, which needs none, or one output plane for a depthwise
// convolution that the kernels compute directly (see tensor.Conv2DDirectWork:
// the weight's gradient uses it as scratch).
func convWork[T Float](ar *Arena[T], win tensor.Window2D, x, w *tensor.Tensor[T]) *tensor.Tensor[T] {
	if win.Pointwise() {
		return nil
	}
	oh, ow := win.OutSize(convHW(x))
	if n, ok := tensor.Conv2DDirectWork(x, w, win); ok {
		return ar.tensor(n)
	}
	return ar.tensor(x.Dim(1)*win.Kernel[0]*win.Kernel[1], oh*ow)
}

// convHW returns the height and width of an NCHW tensor, or 1 and the
// length of an NCL one (a 1-D convolution's operand, a 2-D one's with a
// unit height).
func convHW[T Float](t *tensor.Tensor[T]) (h, w int) {
	if t.Dims() == 3 {
		return 1, t.Dim(2)
	}
	return t.Dim(2), t.Dim(3)
}

// convName returns the name of a convolution op or of one of its
// derivatives (suffix "", "BackwardInput", "BackwardWeight" or
// "BackwardBias") for operands of the given rank: Conv1D's for 3-D ones,
// Conv2D's for 4-D ones.
func convName(rank int, suffix string) string {
	if rank == 3 {
		switch suffix {
		case "BackwardInput":
			return "Conv1DBackwardInput"
		case "BackwardWeight":
			return "Conv1DBackwardWeight"
		case "BackwardBias":
			return "Conv1DBackwardBias"
		}
		return "Conv1D"
	}
	switch suffix {
	case "BackwardInput":
		return "Conv2DBackwardInput"
	case "BackwardWeight":
		return "Conv2DBackwardWeight"
	case "BackwardBias":
		return "Conv2DBackwardBias"
	}
	return "Conv2D"
}

// convWeightWork returns the buffer in which tensor.Conv2DWeightGradInto
// forms the weight's gradient transposed (faster when there are fewer
// output channels than taps). Every caller passes one, so that the fused
// and the recorded gradient have the same bits.
func convWeightWork[T Float](ar *Arena[T], dw *tensor.Tensor[T]) *tensor.Tensor[T] {
	return ar.tensor(dw.Len())
}

// convDirect reports whether the tensor kernels compute the convolution
// of x with w directly, without columns (see tensor.Conv2DDirectWork).
func convDirect[T Float](x, w *tensor.Tensor[T], win tensor.Window2D) bool {
	_, ok := tensor.Conv2DDirectWork(x, w, win)
	return ok
}

// convForward is Conv2D after its checks, with its window; bias may be nil.
func convForward[T Float](x, w, bias *Var[T], win tensor.Window2D) *Var[T] {
	xv, wv := x.value, w.value
	n, oc := xv.Dim(0), wv.Dim(0)
	oh, ow := win.OutSize(convHW(xv))
	k, p := xv.Dim(1)*win.Kernel[0]*win.Kernel[1], oh*ow
	ar, bv, grad := convArgs(x, w, bias)
	var out *tensor.Tensor[T]
	if xv.Dims() == 3 {
		out = ar.tensor(n, oc, ow)
	} else {
		out = ar.tensor(n, oc, oh, ow)
	}
	keep := w.requiresGrad && !win.Pointwise() && !convDirect(xv, wv, win) && (n == 1 || n*k*p <= convKeepCols)
	var cols *tensor.Tensor[T]
	pooled := false
	if keep {
		cols, pooled = scratchTensor(ar, n, k, p)
	} else {
		cols = convWork(ar, win, xv, wv)
	}
	tensor.Conv2DInto(out, xv, wv, bv, cols, win)
	var d derivative[T]
	if grad {
		s := newState[conv2DOp[T]](ar)
		s.win = win
		if keep {
			s.cols, s.pooled = cols, pooled
		}
		d = s
	} else if pooled {
		stashScratch(cols)
	}
	return convRecord(convName(xv.Dims(), ""), out, d, x, w, bias)
}

// convArgs returns the Arena of a convolution's operands x, w and bias
// (nil for none), bias's value (nil for none) and whether any of them
// needs a gradient.
func convArgs[T Float](x, w, bias *Var[T]) (ar *Arena[T], bv *tensor.Tensor[T], grad bool) {
	ar = arenaOf(x, w)
	grad = needsGrad(x, w)
	if bias != nil {
		bv = bias.value
		grad = grad || bias.requiresGrad
		ar = arenaOf(x, w, bias)
	}
	return ar, bv, grad
}

// convRecord records a convolution's result out with derivative d, with
// bias as a third input when there is one.
func convRecord[T Float](name string, out *tensor.Tensor[T], d derivative[T], x, w, bias *Var[T]) *Var[T] {
	if bias == nil {
		return recordOp(name, out, d, x, w)
	}
	return recordOp(name, out, d, x, w, bias)
}

// convBackward is the backward of a convolution (Conv2D, Conv1D or
// ConvTranspose2D) with window win for the result's gradient g: its
// gradients with respect to the input and the weight, as recorded
// operations of inputGrad and weightGrad, and with respect to the bias
// when there is one.
func convBackward[T Float](c *Context[T], g *Var[T], win tensor.Window2D,
	inputGrad func(g, w *Var[T], x *tensor.Tensor[T], win tensor.Window2D) *Var[T],
	weightGrad func(x, g *Var[T], w *tensor.Tensor[T], win tensor.Window2D) *Var[T]) []*Var[T] {
	gs := make([]*Var[T], c.NumInputs())
	if c.NeedsGrad(0) {
		gs[0] = inputGrad(g, c.Input(1), c.node().inputs[0].value, win)
	}
	if c.NeedsGrad(1) {
		gs[1] = weightGrad(c.Input(0), g, c.node().inputs[1].value, win)
	}
	if len(gs) == 3 && c.NeedsGrad(2) {
		gs[2] = convBiasGrad(g)
	}
	return gs
}

// conv2DOp is Conv2D's state: the window and, when the weight needs a
// gradient, the columns of every image (nil when they are recomputed or the
// window is pointwise).
//
// Without an Arena the columns come from scratchTensor (pooled) and go
// back to it when the graph is released after Backward.
type conv2DOp[T Float] struct {
	win    tensor.Window2D
	cols   *tensor.Tensor[T]
	pooled bool
}

func (*conv2DOp[T]) slot() stateSlot { return slotConv2D }

// releaseScratch hands the pooled columns back (see scratch.go).
func (s *conv2DOp[T]) releaseScratch() {
	if s.pooled {
		stashScratch(s.cols)
		s.cols, s.pooled = nil, false
	}
}

func (s *conv2DOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	return convBackward(c, g, s.win, convInputGrad[T], convWeightGrad[T])
}

func (s *conv2DOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	x, w := c.node().inputs[0].value, c.node().inputs[1].value
	ar := c.p.arena
	if c.NeedsGrad(1) {
		gradInto(c, 1, false, func(dst *tensor.Tensor[T], beta T) {
			if s.cols != nil {
				tensor.Conv2DWeightGradInto(dst, nil, g, s.cols, convWeightWork(ar, dst), s.win, beta)
				return
			}
			tensor.Conv2DWeightGradInto(dst, x, g, convWork(ar, s.win, x, w), convWeightWork(ar, dst), s.win, beta)
		})
	}
	if c.NeedsGrad(0) {
		gradInto(c, 0, false, func(dst *tensor.Tensor[T], _ T) {
			tensor.Conv2DInputGradInto(dst, g, w, convWork(ar, s.win, x, w), s.win)
		})
	}
	if c.NumInputs() == 3 && c.NeedsGrad(2) {
		gradInto(c, 2, true, func(dst *tensor.Tensor[T], beta T) { tensor.Conv2DBiasGradInto(dst, g, beta) })
	}
}

// Which gradient of Conv2D a conv2DGradOp computes.
const (
	convWrtInput = iota
	convWrtWeight
	convWrtBias
)

// conv2DGradOp is the state of the recorded gradients of Conv2D (and
// Conv1D): the window and which gradient.
type conv2DGradOp[T Float] struct {
	win tensor.Window2D
	wrt int
}

func (*conv2DGradOp[T]) slot() stateSlot { return slotConv2DGrad }

// convGradState returns the state of a recorded Conv2D gradient, or nil
// when none of inputs needs a gradient.
func convGradState[T Float](ar *Arena[T], win tensor.Window2D, wrt int, inputs ...*Var[T]) derivative[T] {
	if !needsGrad(inputs...) {
		return nil
	}
	s := newState[conv2DGradOp[T]](ar)
	s.win, s.wrt = win, wrt
	return s
}

// convInputGrad is the gradient of Conv2D with respect to its input x (of
// which only the shape is read) for the result's gradient g, as a recorded
// operation.
func convInputGrad[T Float](g, w *Var[T], x *tensor.Tensor[T], win tensor.Window2D) *Var[T] {
	ar := arenaOf(g, w)
	out := ar.like(x)
	tensor.Conv2DInputGradInto(out, g.value, w.value, convWork(ar, win, x, w.value), win)
	return recordOp(convName(x.Dims(), "BackwardInput"), out, convGradState(ar, win, convWrtInput, g, w), g, w)
}

// convWeightGrad is the gradient of Conv2D with respect to its weight w (of
// which only the shape is read) for input x and the result's gradient g, as
// a recorded operation.
func convWeightGrad[T Float](x, g *Var[T], w *tensor.Tensor[T], win tensor.Window2D) *Var[T] {
	ar := arenaOf(x, g)
	out := ar.like(w)
	tensor.Conv2DWeightGradInto(out, x.value, g.value, convWork(ar, win, x.value, w), convWeightWork(ar, out), win, 0)
	return recordOp(convName(w.Dims(), "BackwardWeight"), out, convGradState(ar, win, convWrtWeight, x, g), x, g)
}

// convBiasGrad is the gradient of Conv2D with respect to its bias for the
// result's gradient g, as a recorded operation.
func convBiasGrad[T Float](g *Var[T]) *Var[T] {
	ar := arenaOf(g)
	out := ar.tensor(g.value.Dim(1))
	tensor.Conv2DBiasGradInto(out, g.value, 0)
	return recordOp(convName(g.value.Dims(), "BackwardBias"), out, convGradState(ar, tensor.Window2D{}, convWrtBias, g), g)
}

func (s *conv2DGradOp[T]) backward(c *Context[T], gg *Var[T]) []*Var[T] {
	gs := make([]*Var[T], c.NumInputs())
	switch s.wrt {
	case convWrtInput: // inputs g, w
		if c.NeedsGrad(0) {
			gs[0] = convForward(gg, c.Input(1), nil, s.win)
		}
		if c.NeedsGrad(1) {
			gs[1] = convWeightGrad(gg, c.Input(0), c.node().inputs[1].value, s.win)
		}
	case convWrtWeight: // inputs x, g
		if c.NeedsGrad(0) {
			gs[0] = convInputGrad(c.Input(1), gg, c.node().inputs[0].value, s.win)
		}
		if c.NeedsGrad(1) {
			gs[1] = convForward(c.Input(0), gg, nil, s.win)
		}
	default: // input g
		gv := c.node().inputs[0].value
		if gv.Dims() == 3 {
			gs[0] = BroadcastTo(Reshape(gg, 1, gv.Dim(1), 1), gv.Dim(0), gv.Dim(1), gv.Dim(2))
		} else {
			gs[0] = BroadcastTo(Reshape(gg, 1, gv.Dim(1), 1, 1), gv.Dim(0), gv.Dim(1), gv.Dim(2), gv.Dim(3))
		}
	}
	return gs
}

func (s *conv2DGradOp[T]) vjp(c *Context[T], gg *tensor.Tensor[T]) {
	a, b := c.node().inputs[0].value, (*tensor.Tensor[T])(nil)
	if len(c.node().inputs) > 1 {
		b = c.node().inputs[1].value
	}
	ar := c.p.arena
	switch s.wrt {
	case convWrtInput: // a = g, b = w; gg has the shape of Conv2D's input
		if c.NeedsGrad(0) {
			gradInto(c, 0, false, func(dst *tensor.Tensor[T], _ T) {
				tensor.Conv2DInto(dst, gg, b, nil, convWork(ar, s.win, gg, b), s.win)
			})
		}
		if c.NeedsGrad(1) {
			gradInto(c, 1, false, func(dst *tensor.Tensor[T], beta T) {
				tensor.Conv2DWeightGradInto(dst, gg, a, convWork(ar, s.win, gg, b), convWeightWork(ar, dst), s.win, beta)
			})
		}
	case convWrtWeight: // a = x, b = g; gg has the shape of the weight
		if c.NeedsGrad(0) {
			gradInto(c, 0, false, func(dst *tensor.Tensor[T], _ T) {
				tensor.Conv2DInputGradInto(dst, b, gg, convWork(ar, s.win, a, gg), s.win)
			})
		}
		if c.NeedsGrad(1) {
			gradInto(c, 1, false, func(dst *tensor.Tensor[T], _ T) {
				tensor.Conv2DInto(dst, a, gg, nil, convWork(ar, s.win, a, gg), s.win)
			})
		}
	default: // a = g; gg is [OC]
		gradInto(c, 0, true, func(dst *tensor.Tensor[T], beta T) {
			h, w := convHW(a)
			d, p := dst.Data(), h*w
			for i, v := range gg.Data() {
				for n := 0; n < a.Dim(0); n++ {
					row := d[(n*len(gg.Data())+i)*p:][:p]
					if beta == 0 {
						for q := range row {
							row[q] = v
						}
						continue
					}
					for q := range row {
						row[q] += v
					}
				}
			}
		})
	}
}

// jvp of a convolution is its product rule: Conv(tx, w) + Conv(x, tw) +
// tb broadcast over N, OH and OW, each term the forward kernel on the
// tangent (the convolution is bilinear in x and w).
func (s *conv2DOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	x, w := c.node().inputs[0].value, c.node().inputs[1].value
	work := convWork(nil, s.win, x, w)
	return convBilinearJVP(c.out.value, x, w, ts, func(dst, x, w, bias *tensor.Tensor[T]) {
		tensor.Conv2DInto(dst, x, w, bias, work, s.win)
	})
}

// jvp of a recorded Conv2D (or Conv1D) gradient, bilinear in its two
// inputs as Conv2D is, is the gradient's own kernel on each tangent:
//
//	BackwardInput(g, w):   InputGrad(tg, w) + InputGrad(g, tw)
//	BackwardWeight(x, g):  WeightGrad(tx, g) + WeightGrad(x, tg)
//	BackwardBias(g):       tg summed over N, OH and OW
func (s *conv2DGradOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	out := c.out.value
	if s.wrt == convWrtInput { // inputs g, w; the result has the shape of Conv2D's input
		g, w := c.node().inputs[0].value, c.node().inputs[1].value
		work := convWork(nil, s.win, out, w)
		return convBilinearJVP(out, g, w, ts, func(dst, g, w, _ *tensor.Tensor[T]) {
			tensor.Conv2DInputGradInto(dst, g, w, work, s.win)
		})
	}
	if s.wrt == convWrtWeight { // inputs x, g; the result has the shape of the weight
		x, g := c.node().inputs[0].value, c.node().inputs[1].value
		work, wwork := convWork(nil, s.win, x, out), convWeightWork(nil, out)
		return convBilinearJVP(out, x, g, ts, func(dst, x, g, _ *tensor.Tensor[T]) {
			tensor.Conv2DWeightGradInto(dst, x, g, work, wwork, s.win, 0)
		})
	}
	res := tensor.Zeros[T](out.Shape()...) // input g
	tensor.Conv2DBiasGradInto(res, ts[0], 0)
	return res
}

// convBilinearJVP is the product rule of a convolution (or of its input
// gradient) y = K(a, b, bias), bilinear in a and b and affine in an
// optional bias: K(ta, b, tbias) + K(a, tb), with the tangents ts of a, b
// and, when there is a third, the bias. Each term is kernel, which
// overwrites the dst it is given, on one tangent, with the bias's tangent
// (nil without one) given to the first term that runs, or broadcast alone
// (convJVPBias) when neither a nor b has a tangent. out is the result's
// shape.
func convBilinearJVP[T Float](out, a, b *tensor.Tensor[T], ts []*tensor.Tensor[T], kernel func(dst, a, b, bias *tensor.Tensor[T])) *tensor.Tensor[T] {
	var tbias, res *tensor.Tensor[T]
	if len(ts) == 3 {
		tbias = ts[2]
	}
	term := func(a, b *tensor.Tensor[T]) {
		t := tensor.Zeros[T](out.Shape()...)
		kernel(t, a, b, tbias)
		tbias = nil
		if res == nil {
			res = t
		} else {
			res.AddInPlace(t)
		}
	}
	if ts[0] != nil {
		term(ts[0], b)
	}
	if ts[1] != nil {
		term(a, ts[1])
	}
	if tbias != nil {
		res = tensor.Zeros[T](out.Shape()...)
		convJVPBias(res, tbias)
	}
	return res
}

// convJVPBias adds b [OC] to every position of channel o of res [N, OC,
// OH, OW] (or [N, OC, OL]): a bias tangent broadcast as the forward adds
// the bias.
func convJVPBias[T Float](res, b *tensor.Tensor[T]) {
	h, w := convHW(res)
	d, bd, p := res.Data(), b.Data(), h*w
	for i := range res.Dim(0) {
		for o, v := range bd {
			row := d[(i*len(bd)+o)*p:][:p]
			for q := range row {
				row[q] += v
			}
		}
	}
}
