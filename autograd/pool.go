package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds 2-D pooling over NCHW tensors, MaxPool2D and AvgPool2D:
// each a single operation whose result and temporaries come from the
// input's Arena, with typed state and a fused derivative on plain tensors
// (the tensor package's Into kernels); their recorded derivatives are
// operations of the same kind, run by the same kernels.

// MaxPool2D returns the maximum of x [N, C, H, W] over every kernel-sized
// window, of shape [N, C, OH, OW] (OH = ⌊(H + 2·ph − KH) / sh⌋ + 1, likewise
// OW). A zero stride component means the kernel size, PyTorch's default;
// the padding is -Inf, so it is never the maximum.
//
//	d/dx = g scatter-added to the position of each window's maximum
//
// At ties, the whole gradient goes to the first maximum in row-major window
// order (top row first, each row left to right), as PyTorch's CPU kernel
// does. A NaN counts as the maximum and propagates; of several NaNs the
// last takes the gradient, as in PyTorch. Overlapping windows
// (stride < kernel) that share a maximum add their gradients. The routing
// is piecewise constant, so the second derivative with respect to x is 0;
// the scatter is recorded as an operation whose derivative is the matching
// gather, so gradients of gradients flow through it.
//
// It panics with a *tensor.ShapeError when x is not 4-D, a kernel size is
// below 1, the stride or padding is negative, the padding is more than
// half the kernel (PyTorch's rule), or the kernel is larger than the padded
// input.
func MaxPool2D[T Float](x *Var[T], kernel, stride, padding [2]int) *Var[T] {
	checkOperands1("MaxPool2D", x)
	const op = "MaxPool2D"
	defer relabel(op)
	return maxPoolForward(x, convPoolWindow(op, x, kernel, stride, padding))
}

// AvgPool2D returns the mean of x [N, C, H, W] over every kernel-sized
// window, of shape [N, C, OH, OW] as for MaxPool2D (a zero stride component
// means the kernel size). The padding is zeros and counts: every window is
// divided by KH·KW, PyTorch's default count_include_pad=True.
//
//	d/dx = g / (KH·KW) added to every element of its window
//
// that is, each input element receives g/(KH·KW) from every window that
// covers it. The derivative is recorded as an operation whose own
// derivative is AvgPool2D, so gradients of gradients flow through it. The
// panics are those of MaxPool2D.
func AvgPool2D[T Float](x *Var[T], kernel, stride, padding [2]int) *Var[T] {
	checkOperands1("AvgPool2D", x)
	const op = "AvgPool2D"
	defer relabel(op)
	return avgPoolForward(x, convPoolWindow(op, x, kernel, stride, padding))
}

// convPoolWindow validates the arguments of a pooling op and returns its
// window, with the zero stride components replaced by the kernel size.
func convPoolWindow[T Float](op string, x *Var[T], kernel, stride, padding [2]int) tensor.Window2D {
	given := stride
	for ax := range 2 {
		if stride[ax] == 0 {
			stride[ax] = kernel[ax]
		}
	}
	win := tensor.Window2D{Kernel: kernel, Stride: stride, Padding: padding, Dilation: [2]int{1, 1}}
	xv := x.value
	ok := xv.Dims() == 4 && kernel[0] >= 1 && kernel[1] >= 1 && stride[0] >= 0 && stride[1] >= 0 &&
		padding[0] >= 0 && padding[1] >= 0 && 2*padding[0] <= kernel[0] && 2*padding[1] <= kernel[1]
	if ok {
		oh, ow := win.OutSize(xv.Dim(2), xv.Dim(3))
		ok = oh > 0 && ow > 0
	}
	if !ok {
		convCheckPool(op, x, kernel, given, padding) // panics, saying why
	}
	return win
}

// convCheckPool panics with the error that describes what is wrong with a
// pooling op's arguments.
func convCheckPool[T Float](op string, x *Var[T], kernel, stride, padding [2]int) {
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
}

// maxPoolForward is MaxPool2D after its checks.
func maxPoolForward[T Float](x *Var[T], win tensor.Window2D) *Var[T] {
	ar := arenaOf(x)
	xv := x.value
	oh, ow := win.OutSize(xv.Dim(2), xv.Dim(3))
	out := ar.tensor(xv.Dim(0), xv.Dim(1), oh, ow)
	if !x.requiresGrad {
		tensor.MaxPool2DInto(out, nil, xv, win)
		return recordOp("MaxPool2D", out, nil, x)
	}
	s := newState[poolOp[T]](ar)
	s.win, s.kind = win, poolMax
	s.arg, s.pooled = scratchTensor(ar, xv.Dim(0), xv.Dim(1), oh, ow)
	tensor.MaxPool2DInto(out, s.arg, xv, win)
	return recordOp("MaxPool2D", out, s, x)
}

// avgPoolForward is AvgPool2D after its checks.
func avgPoolForward[T Float](x *Var[T], win tensor.Window2D) *Var[T] {
	ar := arenaOf(x)
	xv := x.value
	oh, ow := win.OutSize(xv.Dim(2), xv.Dim(3))
	out := ar.tensor(xv.Dim(0), xv.Dim(1), oh, ow)
	tensor.AvgPool2DInto(out, xv, win)
	return recordOp("AvgPool2D", out, poolState(ar, win, poolAvg, nil, x), x)
}

// The operations a poolOp describes.
const (
	poolMax        = iota // MaxPool2D(x)
	poolMaxScatter        // its gradient: g scattered to the maxima
	poolMaxGather         // the scatter's adjoint: gg read at the maxima
	poolAvg               // AvgPool2D(x)
	poolAvgGrad           // its gradient
)

// poolOp is the state of the pooling operations and their recorded
// gradients: the window, which operation, and for max pooling where each
// window's maximum is (see tensor.MaxPool2DInto).
//
// Without an Arena, MaxPool2D's arg comes from scratchTensor (pooled) and
// goes back to it when the graph is released, unless the recorded
// derivative has run: its operations share arg, so it stays theirs.
type poolOp[T Float] struct {
	win    tensor.Window2D
	kind   int
	arg    *tensor.Tensor[T]
	pooled bool
}

func (*poolOp[T]) slot() stateSlot { return slotPool }

// releaseScratch hands the pooled arg back (see scratch.go).
func (s *poolOp[T]) releaseScratch() {
	if s.pooled {
		stashScratch(s.arg)
		s.arg, s.pooled = nil, false
	}
}

// poolState returns the state of a pooling operation on x, or nil when x
// needs no gradient.
func poolState[T Float](ar *Arena[T], win tensor.Window2D, kind int, arg *tensor.Tensor[T], x *Var[T]) derivative[T] {
	if !x.requiresGrad {
		return nil
	}
	s := newState[poolOp[T]](ar)
	s.win, s.kind, s.arg = win, kind, arg
	return s
}

// poolOverlaps reports whether two windows of win can share an element, so
// that a gradient scatter may add into an element twice.
func poolOverlaps(win tensor.Window2D) bool {
	for ax := range 2 {
		if win.Stride[ax] < win.Dilation[ax]*(win.Kernel[ax]-1)+1 {
			return true
		}
	}
	return false
}

// poolApply computes the operation kind (not poolMax, which also finds the
// maxima) of in into dst, with beta as the scatter kernels take it (0 or
// 1; the other kernels overwrite dst).
func poolApply[T Float](kind int, win tensor.Window2D, arg, dst, in *tensor.Tensor[T], beta T) {
	switch kind {
	case poolMaxScatter:
		tensor.MaxPool2DScatterInto(dst, in, arg, win, beta)
	case poolMaxGather:
		tensor.MaxPool2DGatherInto(dst, in, arg, win)
	case poolAvg:
		tensor.AvgPool2DInto(dst, in, win)
	default:
		tensor.AvgPool2DGradInto(dst, in, win, beta)
	}
}

// poolAdjoint returns the operation whose result is the derivative of kind.
func poolAdjoint(kind int) int {
	switch kind {
	case poolMax, poolMaxGather:
		return poolMaxScatter
	case poolMaxScatter:
		return poolMaxGather
	case poolAvg:
		return poolAvgGrad
	}
	return poolAvg
}

// poolName returns the recorded name of the operation kind.
func poolName(kind int) string {
	switch kind {
	case poolMax:
		return "MaxPool2D"
	case poolMaxScatter:
		return "MaxPool2DBackward"
	case poolMaxGather:
		return "MaxPool2DGather"
	case poolAvg:
		return "AvgPool2D"
	}
	return "AvgPool2DBackward"
}

// poolRecord applies the operation kind to g as a recorded operation whose
// result has the shape of like.
func poolRecord[T Float](kind int, win tensor.Window2D, arg *tensor.Tensor[T], g *Var[T], like *tensor.Tensor[T]) *Var[T] {
	ar := arenaOf(g)
	out := ar.like(like)
	poolApply(kind, win, arg, out, g.value, 0)
	return recordOp(poolName(kind), out, poolState(ar, win, kind, arg, g), g)
}

func (s *poolOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	s.pooled = false // the recorded operations may keep s.arg
	return []*Var[T]{poolRecord(poolAdjoint(s.kind), s.win, s.arg, g, c.node().inputs[0].value)}
}

func (s *poolOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	adj := poolAdjoint(s.kind)
	scatter := adj == poolMaxScatter || adj == poolAvgGrad
	gradInto(c, 0, scatter && !poolOverlaps(s.win), func(dst *tensor.Tensor[T], beta T) {
		poolApply(adj, s.win, s.arg, dst, g, beta)
	})
}

// jvp of a pooling operation, linear in its input once the maxima are
// fixed, is the same map on the tangent: MaxPool2D's tangent is t read at
// each window's maximum (where the forward pass found it: the first at
// ties, 0 for a window of padding alone), AvgPool2D's the tangent
// averaged, and each recorded gradient (scatter, gather, average's
// adjoint) applied to the tangent.
func (s *poolOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	kind := s.kind
	if kind == poolMax {
		kind = poolMaxGather
	}
	res := tensor.Zeros[T](c.out.value.Shape()...)
	poolApply(kind, s.win, s.arg, res, ts[0], 0)
	return res
}
