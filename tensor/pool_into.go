package tensor

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor/internal/poolk"
)

// This file holds the dedicated path of the most common pooling window:
// 2×2, stride 2, no padding, no dilation (a CNN's "MaxPool2d(2)"). Its
// windows tile the plane without overlapping, so the forward pass reads
// two rows at a time and the gradient scatter writes every element of dx
// exactly once (zeros and the routed gradient in one pass, no zero-filled
// buffer to add into). The kernels are package poolk's: vectorized where
// the CPU allows, with the same bits as its portable loops.

// pool2x2 reports whether win is the 2×2, stride 2, unpadded, undilated
// window the dedicated kernels handle.
func pool2x2(win Window2D) bool {
	return win.Kernel == [2]int{2, 2} && win.Stride == [2]int{2, 2} &&
		win.Padding == [2]int{} && win.Dilation == [2]int{1, 1}
}

// maxPool2x2 is MaxPool2DInto for a 2×2 stride-2 window: planes of h×w in
// x, oh×ow in out (and arg, when not nil). The maximum is the tap a
// row-major scan picks (the last NaN, else the first of the greatest),
// its tap i·2 + j goes to arg.
func maxPool2x2[T Float](out, arg, x []T, planes, h, w, oh, ow int) {
	if len(out) == 0 {
		return
	}
	if is32[T]() {
		var a []float32
		if arg != nil {
			a = asF32(arg)
		}
		poolk.Max2x2F32(asF32(out), a, asF32(x), planes, h, w, oh, ow)
		return
	}
	var a []float64
	if arg != nil {
		a = asF64(arg)
	}
	poolk.Max2x2F64(asF64(out), a, asF64(x), planes, h, w, oh, ow)
}

// maxPoolScatter2x2 is MaxPool2DScatterInto with beta 0 for a 2×2 stride-2
// window: every element of dx is written once, g's element at its window's
// maximum and 0 elsewhere (rows and columns that no window covers too).
// The routed value is 0 + g, the bits a scatter-add into a zeroed buffer
// gives (−0 becomes +0). An element of arg that is not a tap 0 to 3
// routes nothing, on every CPU, and is not reported: checking costs the
// kernel some 40% (it does little else than route).
func maxPoolScatter2x2[T Float](dx, g, arg []T, planes, h, w, oh, ow int) {
	switch {
	case len(dx) == 0:
		return
	case len(g) == 0:
		clear(dx)
	case is32[T]():
		poolk.Scatter2x2F32(asF32(dx), asF32(g), asF32(arg), planes, h, w, oh, ow)
	default:
		poolk.Scatter2x2F64(asF64(dx), asF64(g), asF64(arg), planes, h, w, oh, ow)
	}
}

// poolArgs checks the elements of a max-pooling arg (see MaxPool2DInto)
// for the kernels that route through it: each must be −1 (no maximum) or
// a tap i·KW + j whose element lies inside the plane. Anything else (a
// tap beyond the window, a fraction, NaN, a tap in the padding) would
// read or write another element, or outside the plane. Only the windows
// that reach into the padding need the last test.
type poolArgs struct {
	op           string
	win          Window2D
	kk, h, w     int
	spanH, spanW int // the dilated window's height and width
}

// init sets p up for op, win and planes of h×w.
func (p *poolArgs) init(op string, win Window2D, h, w int) {
	p.op, p.win, p.h, p.w = op, win, h, w
	p.kk = win.Kernel[0] * win.Kernel[1]
	p.spanH = (win.Kernel[0]-1)*win.Dilation[0] + 1
	p.spanW = (win.Kernel[1]-1)*win.Dilation[1] + 1
}

// rowInside reports whether every row of the windows whose origin is row
// y0 lies inside the plane (and colInside the same of the columns).
func (p *poolArgs) rowInside(y0 int) bool { return y0 >= 0 && y0+p.spanH <= p.h }

func (p *poolArgs) colInside(x0 int) bool { return x0 >= 0 && x0+p.spanW <= p.w }

// at returns the row and column in the plane of tap t (in [0, kk)) of the
// window whose origin is (y0, x0).
func (p *poolArgs) at(t, y0, x0 int) (ih, iw int) {
	return y0 + t/p.win.Kernel[1]*p.win.Dilation[0], x0 + t%p.win.Kernel[1]*p.win.Dilation[1]
}

// outside reports whether tap t of the window at (y0, x0) is outside the
// plane.
func (p *poolArgs) outside(t, y0, x0 int) bool {
	ih, iw := p.at(t, y0, x0)
	return ih < 0 || ih >= p.h || iw < 0 || iw >= p.w
}

// bad panics with the *ArgError of v, element k of arg, which is not a
// tap of the window at (y0, x0) inside the plane: t is int(v), and
// integral whether T(t) == v.
func (p *poolArgs) bad(v any, t int, integral bool, k, y0, x0 int) {
	arg := fmt.Sprintf("arg[%d]", k)
	if !integral || t < -1 || t >= p.kk {
		panic(&ArgError{Op: p.op, Arg: arg, Value: v,
			Reason: fmt.Sprintf("is neither -1 (no maximum) nor a tap in [0, %d) of the %d×%d window", p.kk, p.win.Kernel[0], p.win.Kernel[1])})
	}
	ih, iw := p.at(t, y0, x0)
	panic(&ArgError{Op: p.op, Arg: arg, Value: v, Reason: fmt.Sprintf("tap %d of its window is in the padding, at row %d, column %d of a %d×%d plane",
		t, ih, iw, p.h, p.w)})
}
