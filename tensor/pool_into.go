package tensor

import (
	"fmt"
	"math"

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

// inner returns the output positions [lo, hi) along axis ax (0 rows, 1
// columns) of n whose windows lie wholly inside the plane: they need no
// bounds check.
func (p *poolArgs) inner(ax, n int) (lo, hi int) {
	in, span := p.h, p.spanH
	if ax == 1 {
		in, span = p.w, p.spanW
	}
	s, pad := p.win.Stride[ax], p.win.Padding[ax]
	if in+pad-span < 0 {
		return n, n
	}
	lo = (pad + s - 1) / s
	hi = min((in+pad-span)/s+1, n)
	return min(lo, hi), hi
}

// maxPoolRowChecked is MaxPool2DInto for the windows of output row y,
// columns [xa, xb), each tap checked against the plane: ro and ra (nil, or
// arg's row) are the output row. A window without an element of the plane
// gives −Inf and tap −1.
func maxPoolRowChecked[T Float](ro, ra, plane []T, p *poolArgs, y, xa, xb int) {
	kh, kw := p.win.Kernel[0], p.win.Kernel[1]
	dh, dw := p.win.Dilation[0], p.win.Dilation[1]
	y0 := y*p.win.Stride[0] - p.win.Padding[0]
	negInf := T(math.Inf(-1))
	for xo := xa; xo < xb; xo++ {
		x0 := xo*p.win.Stride[1] - p.win.Padding[1]
		best, at := negInf, -1
		for i := 0; i < kh; i++ {
			ih := y0 + i*dh
			if ih < 0 || ih >= p.h {
				continue
			}
			for j := 0; j < kw; j++ {
				iw := x0 + j*dw
				if iw < 0 || iw >= p.w {
					continue
				}
				v := plane[ih*p.w+iw]
				if at < 0 || v > best || v != v {
					best, at = v, i*kw+j
				}
			}
		}
		ro[xo] = best
		if ra != nil {
			ra[xo] = T(at)
		}
	}
}

// maxPoolRowInside is MaxPool2DInto for windows wholly inside the plane:
// output columns [xa, xb) of the row whose windows start at base (the
// offset of their first row), taps the offsets of a window's taps.
func maxPoolRowInside[T Float](ro, ra, plane []T, taps []int, base, sw, pw, xa, xb int) {
	for xo := xa; xo < xb; xo++ {
		wv := plane[base+xo*sw-pw:]
		best, at := wv[0], 0
		for t, off := range taps[1:] {
			v := wv[off]
			if v > best || v != v {
				best, at = v, t+1
			}
		}
		ro[xo] = best
		if ra != nil {
			ra[xo] = T(at)
		}
	}
}

// maxPoolRow3x3 is maxPoolRowInside for an undilated 3×3 window whose
// first row is y0 in a plane of width w, the taps unrolled (in row-major
// order, with the same rule).
func maxPoolRow3x3[T Float](ro, ra, plane []T, y0, w, sw, pw, xa, xb int) {
	r0 := plane[y0*w:][:w]
	r1 := plane[(y0+1)*w:][:w]
	r2 := plane[(y0+2)*w:][:w]
	for xo := xa; xo < xb; xo++ {
		x0 := xo*sw - pw
		a, b, c := r0[x0:][:3], r1[x0:][:3], r2[x0:][:3]
		best, at := a[0], 0
		if v := a[1]; v > best || v != v {
			best, at = v, 1
		}
		if v := a[2]; v > best || v != v {
			best, at = v, 2
		}
		if v := b[0]; v > best || v != v {
			best, at = v, 3
		}
		if v := b[1]; v > best || v != v {
			best, at = v, 4
		}
		if v := b[2]; v > best || v != v {
			best, at = v, 5
		}
		if v := c[0]; v > best || v != v {
			best, at = v, 6
		}
		if v := c[1]; v > best || v != v {
			best, at = v, 7
		}
		if v := c[2]; v > best || v != v {
			best, at = v, 8
		}
		ro[xo] = best
		if ra != nil {
			ra[xo] = T(at)
		}
	}
}

// maxPoolScatterRow adds the gradients gr of output row y, columns
// [xa, xb), at their windows' taps recorded in ar (arg's row, k the flat
// index of its first element): MaxPool2DScatterInto's loop. checked says
// whether the windows may reach into the padding, so that a tap must also
// be checked against the plane.
func maxPoolScatterRow[T Float](plane, gr, ar []T, p *poolArgs, taps []int, k, y, xa, xb int, checked bool) {
	y0 := y*p.win.Stride[0] - p.win.Padding[0]
	sw, pw := p.win.Stride[1], p.win.Padding[1]
	for xo := xa; xo < xb; xo++ {
		x0 := xo*sw - pw
		v := ar[xo]
		t := int(v)
		if t < -1 || t >= p.kk || T(t) != v || (checked && t >= 0 && p.outside(t, y0, x0)) {
			p.bad(v, t, T(t) == v, k+xo, y0, x0)
		}
		if t >= 0 {
			plane[y0*p.w+x0+taps[t]] += gr[xo]
		}
	}
}

// maxPoolGatherRow sets ro, output row y's columns [xa, xb), to src's
// plane read at the taps recorded in ar (0 for −1): MaxPool2DGatherInto's
// loop, checked as maxPoolScatterRow is.
func maxPoolGatherRow[T Float](ro, plane, ar []T, p *poolArgs, taps []int, k, y, xa, xb int, checked bool) {
	y0 := y*p.win.Stride[0] - p.win.Padding[0]
	sw, pw := p.win.Stride[1], p.win.Padding[1]
	for xo := xa; xo < xb; xo++ {
		x0 := xo*sw - pw
		a := ar[xo]
		t := int(a)
		if t < -1 || t >= p.kk || T(t) != a || (checked && t >= 0 && p.outside(t, y0, x0)) {
			p.bad(a, t, T(t) == a, k+xo, y0, x0)
		}
		v := T(0)
		if t >= 0 {
			v = plane[y0*p.w+x0+taps[t]]
		}
		ro[xo] = v
	}
}
