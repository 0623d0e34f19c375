package autograd

import "github.com/adjoint-go/adjoint/tensor"

// This file holds the operations behind Conv2D (conv.go): each a single operation whose result and temporaries come from
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

// convWork returns a buffer for one image's columns, or nil for a pointwise
// window, which needs none.
func convWork[T Float](ar *Arena[T], win tensor.Window2D, x, w *tensor.Tensor[T]) *tensor.Tensor[T] {
	if win.Pointwise() {
		return nil
	}
	oh, ow := win.OutSize(x.Dim(2), x.Dim(3))
	return ar.tensor(w.Dim(1)*w.Dim(2)*w.Dim(3), oh*ow)
}

// convWeightWork returns the buffer in which tensor.Conv2DWeightGradInto
// forms the weight's gradient transposed (faster when there are fewer
// output channels than taps). Every caller passes one, so that the fused
// and the recorded gradient have the same bits.
func convWeightWork[T Float](ar *Arena[T], dw *tensor.Tensor[T]) *tensor.Tensor[T] {
	return ar.tensor(dw.Len())
}

// convForward is Conv2D after its checks, with its window; bias may be nil.
func convForward[T Float](x, w, bias *Var[T], win tensor.Window2D) *Var[T] {
	xv, wv := x.value, w.value
	n, oc := xv.Dim(0), wv.Dim(0)
	oh, ow := win.OutSize(xv.Dim(2), xv.Dim(3))
	k, p := wv.Dim(1)*wv.Dim(2)*wv.Dim(3), oh*ow
	ar := arenaOf(x, w)
	var bv *tensor.Tensor[T]
	grad := needsGrad(x, w)
	if bias != nil {
		bv = bias.value
		grad = grad || bias.requiresGrad
		if ar == nil {
			ar = bias.arena
		}
	}
	out := ar.tensor(n, oc, oh, ow)
	keep := w.requiresGrad && !win.Pointwise() && (n == 1 || n*k*p <= convKeepCols)
	var cols *tensor.Tensor[T]
	if keep {
		cols = ar.tensor(n, k, p)
	} else {
		cols = convWork(ar, win, xv, wv)
	}
	tensor.Conv2DInto(out, xv, wv, bv, cols, win)
	var d derivative[T]
	if grad {
		s := newState[conv2DOp[T]](ar)
		s.win = win
		if keep {
			s.cols = cols
		}
		d = s
	}
	if bias == nil {
		return recordOp("Conv2D", out, d, x, w)
	}
	return recordOp("Conv2D", out, d, x, w, bias)
}

// conv2DOp is Conv2D's state: the window and, when the weight needs a
// gradient, the columns of every image (nil when they are recomputed or the
// window is pointwise).
type conv2DOp[T Float] struct {
	win  tensor.Window2D
	cols *tensor.Tensor[T]
}

func (*conv2DOp[T]) slot() stateSlot { return slotConv2D }

func (s *conv2DOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	gs := make([]*Var[T], c.NumInputs())
	if c.NeedsGrad(0) {
		gs[0] = convInputGrad(g, c.Input(1), c.n.inputs[0].value, s.win)
	}
	if c.NeedsGrad(1) {
		gs[1] = convWeightGrad(c.Input(0), g, c.n.inputs[1].value, s.win)
	}
	if len(gs) == 3 && c.NeedsGrad(2) {
		gs[2] = convBiasGrad(g)
	}
	return gs
}

func (s *conv2DOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	x, w := c.n.inputs[0].value, c.n.inputs[1].value
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

// conv2DGradOp is the state of the recorded gradients of Conv2D: the
// window, which gradient, and the shape of the other operand of Conv2D
// (the weight's for the input gradient, the input's for the weight
// gradient).
type conv2DGradOp[T Float] struct {
	win   tensor.Window2D
	wrt   int
	other [4]int
}

func (*conv2DGradOp[T]) slot() stateSlot { return slotConv2DGrad }

// convGradState returns the state of a recorded Conv2D gradient, or nil
// when none of inputs needs a gradient.
func convGradState[T Float](ar *Arena[T], win tensor.Window2D, wrt int, other *tensor.Tensor[T], inputs ...*Var[T]) derivative[T] {
	if !needsGrad(inputs...) {
		return nil
	}
	s := newState[conv2DGradOp[T]](ar)
	s.win, s.wrt = win, wrt
	if other != nil {
		s.other = [4]int{other.Dim(0), other.Dim(1), other.Dim(2), other.Dim(3)}
	}
	return s
}

// convInputGrad is the gradient of Conv2D with respect to its input x (of
// which only the shape is read) for the result's gradient g, as a recorded
// operation.
func convInputGrad[T Float](g, w *Var[T], x *tensor.Tensor[T], win tensor.Window2D) *Var[T] {
	ar := arenaOf(g, w)
	out := ar.tensor(x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3))
	tensor.Conv2DInputGradInto(out, g.value, w.value, convWork(ar, win, x, w.value), win)
	return recordOp("Conv2DBackwardInput", out, convGradState(ar, win, convWrtInput, w.value, g, w), g, w)
}

// convWeightGrad is the gradient of Conv2D with respect to its weight w (of
// which only the shape is read) for input x and the result's gradient g, as
// a recorded operation.
func convWeightGrad[T Float](x, g *Var[T], w *tensor.Tensor[T], win tensor.Window2D) *Var[T] {
	ar := arenaOf(x, g)
	out := ar.tensor(w.Dim(0), w.Dim(1), w.Dim(2), w.Dim(3))
	tensor.Conv2DWeightGradInto(out, x.value, g.value, convWork(ar, win, x.value, w), convWeightWork(ar, out), win, 0)
	return recordOp("Conv2DBackwardWeight", out, convGradState(ar, win, convWrtWeight, x.value, x, g), x, g)
}

// convBiasGrad is the gradient of Conv2D with respect to its bias for the
// result's gradient g, as a recorded operation.
func convBiasGrad[T Float](g *Var[T]) *Var[T] {
	ar := arenaOf(g)
	out := ar.tensor(g.value.Dim(1))
	tensor.Conv2DBiasGradInto(out, g.value, 0)
	return recordOp("Conv2DBackwardBias", out, convGradState(ar, tensor.Window2D{}, convWrtBias, nil, g), g)
}

func (s *conv2DGradOp[T]) backward(c *Context[T], gg *Var[T]) []*Var[T] {
	gs := make([]*Var[T], c.NumInputs())
	switch s.wrt {
	case convWrtInput: // inputs g, w
		if c.NeedsGrad(0) {
			gs[0] = convForward(gg, c.Input(1), nil, s.win)
		}
		if c.NeedsGrad(1) {
			gs[1] = convWeightGrad(gg, c.Input(0), c.n.inputs[1].value, s.win)
		}
	case convWrtWeight: // inputs x, g
		if c.NeedsGrad(0) {
			gs[0] = convInputGrad(c.Input(1), gg, c.n.inputs[0].value, s.win)
		}
		if c.NeedsGrad(1) {
			gs[1] = convForward(c.Input(0), gg, nil, s.win)
		}
	default: // input g
		gv := c.n.inputs[0].value
		gs[0] = BroadcastTo(Reshape(gg, 1, gv.Dim(1), 1, 1), gv.Dim(0), gv.Dim(1), gv.Dim(2), gv.Dim(3))
	}
	return gs
}

func (s *conv2DGradOp[T]) vjp(c *Context[T], gg *tensor.Tensor[T]) {
	a, b := c.n.inputs[0].value, (*tensor.Tensor[T])(nil)
	if len(c.n.inputs) > 1 {
		b = c.n.inputs[1].value
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
			d, p := dst.Data(), a.Dim(2)*a.Dim(3)
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
