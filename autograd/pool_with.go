package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the option-taking forms of 2-D pooling, PyTorch's
// max_pool2d and avg_pool2d with every argument: MaxPool2DWith (dilation,
// ceil mode, the indices of the maxima) and AvgPool2DWith (ceil mode,
// count_include_pad, divisor_override). Both run on the resampling
// operation of pool_resample.go.

// Pool2DOptions are the arguments of MaxPool2DWith, those of PyTorch's
// max_pool2d. Index 0 of each pair is the height axis, 1 the width axis.
type Pool2DOptions struct {
	Kernel   [2]int // window size, at least 1
	Stride   [2]int // step between windows; 0 means the kernel size (PyTorch's default)
	Padding  [2]int // implicit -Inf border on each side, at most half the kernel
	Dilation [2]int // step between the taps of a window; 0 means 1
	CeilMode bool   // round the output size up rather than down (see MaxPool2DWith)
}

// AvgPool2DOptions are the arguments of AvgPool2DWith, those of PyTorch's
// avg_pool2d. The zero value of each field is PyTorch's default, so the
// padding counts in the divisor unless ExcludePad is set
// (count_include_pad=False).
type AvgPool2DOptions struct {
	Kernel          [2]int // window size, at least 1
	Stride          [2]int // step between windows; 0 means the kernel size
	Padding         [2]int // implicit zero border on each side, at most half the kernel
	CeilMode        bool   // round the output size up rather than down
	ExcludePad      bool   // divide by the input elements of the window only (count_include_pad=False)
	DivisorOverride int    // divide every window by this instead (divisor_override); 0 means none
}

// PoolOutputLen returns PyTorch's pooled length of an axis of length in,
// for a window of k taps d apart moved by s over the axis padded by p on
// each side:
//
//	out = ⌊(in + 2·p − d·(k − 1) − 1 + (ceil ? s − 1 : 0)) / s⌋ + 1
//
// and, in ceil mode, one less when the last window would start at or past
// in + p (in the right padding): every window starts inside the input or
// its left padding. A result below 1 means the input is too short. The
// pooling ops size their results with it; a layer can check its input
// before calling one.
func PoolOutputLen(in, k, s, p, d int, ceil bool) int {
	num := in + 2*p - d*(k-1) - 1
	if ceil {
		num += s - 1
	}
	out := intFloorDiv(num, s) + 1
	if ceil && out > 0 && (out-1)*s >= in+p {
		out--
	}
	return out
}

// intFloorDiv is ⌊a / b⌋ for b > 0.
func intFloorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// poolGeometry validates a pooling op's arguments for x (3-D [C, H, W] or
// 4-D [N, C, H, W]) and returns them with PyTorch's defaults filled in and
// the output size. It panics with a *tensor.ShapeError naming op.
func poolGeometry[T Float](op string, x *Var[T], k, s, p, d [2]int, ceil bool) (stride, dil [2]int, oh, ow int) {
	xv := x.value
	r := xv.Dims()
	bad := func(reason string) { panic(shapeErr(op, reason, xv.Shape())) }
	if r != 3 && r != 4 {
		bad("input must be 3-D [C H W] or 4-D [N C H W]")
	}
	for ax := range 2 {
		stride[ax], dil[ax] = s[ax], d[ax]
		if stride[ax] == 0 {
			stride[ax] = k[ax]
		}
		if dil[ax] == 0 {
			dil[ax] = 1
		}
		switch {
		case k[ax] < 1:
			bad(fmt.Sprintf("kernel size must be at least 1, got %v", k))
		case s[ax] < 0:
			bad(fmt.Sprintf("stride must be non-negative (0 means the kernel size), got %v", s))
		case d[ax] < 0:
			bad(fmt.Sprintf("dilation must be non-negative (0 means 1), got %v", d))
		case p[ax] < 0 || 2*p[ax] > k[ax]:
			bad(fmt.Sprintf("padding %v must be between 0 and half the kernel size %v", p, k))
		}
	}
	h, w := xv.Dim(r-2), xv.Dim(r-1)
	oh = PoolOutputLen(h, k[0], stride[0], p[0], dil[0], ceil)
	ow = PoolOutputLen(w, k[1], stride[1], p[1], dil[1], ceil)
	if oh < 1 || ow < 1 {
		bad(fmt.Sprintf("output size %d×%d is empty: the dilated kernel %v does not fit the padded input",
			oh, ow, [2]int{dil[0]*(k[0]-1) + 1, dil[1]*(k[1]-1) + 1}))
	}
	return stride, dil, oh, ow
}

// rsTaps returns taps for an axis of length in and out output positions,
// with weights when linear, in memory from ar (fresh when ar is nil).
func rsTaps[T Float](ar *Arena[T], in, out int, linear bool) tensor.AxisTaps[T] {
	ints := ar.intsN(2 * out)
	a := tensor.AxisTaps[T]{In: in, Step: 1, Lo: ints[:out], N: ints[out:]}
	if linear {
		ws := ar.tensor(2 * out).Data()
		a.W0, a.W = ws[:out], ws[out:]
	}
	return a
}

// poolTaps fills a's taps with the windows of a pooling axis: output o
// reads o·s − p + i·d for i in [0, k), those inside [0, a.In). With
// weights, each window is divided by its count as PyTorch's avg_pool2d
// counts it: the window clipped to the padded input (padding counts), or
// to the input when excludePad.
func poolTaps[T Float](a tensor.AxisTaps[T], k, s, p, d int, excludePad bool) {
	in := a.In
	for o := range a.Lo {
		start := o*s - p
		i0 := 0
		if start < 0 {
			i0 = (-start + d - 1) / d
		}
		i1 := k - 1
		if lim := in - 1 - start; lim < i1*d {
			i1 = intFloorDiv(lim, d)
		}
		n := max(0, i1-i0+1)
		a.Lo[o], a.N[o] = start+i0*d, n
		if a.W != nil {
			count := n
			if !excludePad {
				count = min(start+k, in+p) - start
			}
			a.W0[o] = 1 / T(count)
			a.W[o] = a.W0[o]
		}
	}
}

// MaxPool2DWith is MaxPool2D with all of PyTorch's max_pool2d arguments:
// the maximum of x ([N, C, H, W], or [C, H, W]) over every window, where
// window (y, x) reads rows y·sh − ph + i·dh for i in [0, KH) and likewise
// the columns, of shape [N, C, OH, OW] with
//
//	OH = ⌊(H + 2·ph − dh·(KH − 1) − 1 + (CeilMode ? sh − 1 : 0)) / sh⌋ + 1,  likewise OW
//
// less one in ceil mode when the last window would start in the bottom
// padding (PyTorch's rule: every window starts inside the input or the top
// padding). Windows past the edge read only what they cover; the padding
// is -Inf, never the maximum. It also returns the indices of the maxima,
// PyTorch's return_indices: for each output, the flat position h·W + w of
// its maximum in its own H×W plane (the input MaxUnpool2D takes), shaped
// as the result; -1 for a window with no input element (possible only
// with dilation). Under an Arena the index array belongs to the step, like
// the result.
//
//	d/dx = g scatter-added at the indices
//
// Ties, NaN and overlapping windows are as for MaxPool2D: the first maximum
// in row-major window order takes the gradient, or the last NaN; the second derivative is 0,
// with the scatter recorded (its derivative is the gather at the indices)
// so that gradients of gradients flow.
//
// It panics with a *tensor.ShapeError when x is not 3-D or 4-D, a kernel
// size is below 1, the stride or dilation is negative, the padding is
// negative or more than half the kernel, or the output would be empty.
func MaxPool2DWith[T Float](x *Var[T], opts Pool2DOptions) (*Var[T], *tensor.Index) {
	checkOperands1("MaxPool2DWith", x)
	const op = "MaxPool2DWith"
	defer relabel(op)
	s, d, oh, ow := poolGeometry(op, x, opts.Kernel, opts.Stride, opts.Padding, opts.Dilation, opts.CeilMode)
	ar := arenaOf(x)
	xv := x.value
	r := xv.Dims()
	rows := rsTaps(ar, xv.Dim(r-2), oh, false)
	cols := rsTaps(ar, xv.Dim(r-1), ow, false)
	poolTaps(rows, opts.Kernel[0], s[0], opts.Padding[0], d[0], false)
	poolTaps(cols, opts.Kernel[1], s[1], opts.Padding[1], d[1], false)
	rows.Step, cols.Step = d[0], d[1]
	return rsMaxOp(op, x, rows, cols)
}

// AvgPool2DWith is AvgPool2D with all of PyTorch's avg_pool2d arguments:
// the mean of x ([N, C, H, W], or [C, H, W]) over every window, where
// window (y, x) covers rows [y·sh − ph, y·sh − ph + KH) and likewise the
// columns, of shape [N, C, OH, OW] (the output size rule of MaxPool2DWith,
// with no dilation). Each window's sum is divided as PyTorch divides it:
//
//   - by DivisorOverride when it is set;
//   - else, with ExcludePad, by the number of input elements the window
//     covers;
//   - else (count_include_pad=True, the default) by the size of the window
//     clipped to the padded input: KH·KW, except for a ceil-mode window
//     that runs past the padding, which counts what lies inside it.
//
// The sum over a window is the sum of its row sums, each weighted by the
// rows' and the columns' share of the divisor, so values agree with
// PyTorch's to a few ulps. For a 4-D x with none of CeilMode, ExcludePad
// and DivisorOverride it is AvgPool2D, bit for bit.
//
//	d/dx = each input element receives g / divisor from every window that covers it
//
// The derivative is recorded as an operation whose own derivative is this
// op's linear map, so gradients of gradients flow. It panics as
// MaxPool2DWith does, and when DivisorOverride is negative.
func AvgPool2DWith[T Float](x *Var[T], opts AvgPool2DOptions) *Var[T] {
	checkOperands1("AvgPool2DWith", x)
	const op = "AvgPool2DWith"
	defer relabel(op)
	if opts.DivisorOverride < 0 {
		panic(shapeErr(op, fmt.Sprintf("DivisorOverride must be positive (or 0 for none), got %d", opts.DivisorOverride), x.value.Shape()))
	}
	xv := x.value
	if !opts.CeilMode && !opts.ExcludePad && opts.DivisorOverride == 0 && xv.Dims() == 4 {
		return avgPoolForward(x, convPoolWindow(op, x, opts.Kernel, opts.Stride, opts.Padding))
	}
	s, _, oh, ow := poolGeometry(op, x, opts.Kernel, opts.Stride, opts.Padding, [2]int{}, opts.CeilMode)
	ar := arenaOf(x)
	r := xv.Dims()
	rows := rsTaps(ar, xv.Dim(r-2), oh, true)
	cols := rsTaps(ar, xv.Dim(r-1), ow, true)
	poolTaps(rows, opts.Kernel[0], s[0], opts.Padding[0], 1, opts.ExcludePad)
	poolTaps(cols, opts.Kernel[1], s[1], opts.Padding[1], 1, opts.ExcludePad)
	if dv := opts.DivisorOverride; dv > 0 {
		for o := range rows.W {
			rows.W0[o], rows.W[o] = 1/T(dv), 1/T(dv)
		}
		for o := range cols.W {
			cols.W0[o], cols.W[o] = 1, 1
		}
	}
	var sb [4]int
	out := ar.tensor(outShape(xv, oh, ow, sb[:0])...)
	return rsLinearOp(op, x, out, rows, cols, 0)
}

// outShape appends x's shape with its last two axes replaced by oh and ow
// to dst (a caller's stack buffer, so that nothing is allocated).
func outShape[T Float](x *tensor.Tensor[T], oh, ow int, dst []int) []int {
	s := shapeOf(x, dst)
	s[len(s)-2], s[len(s)-1] = oh, ow
	return s
}
