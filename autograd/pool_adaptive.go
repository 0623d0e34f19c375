package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds adaptive pooling (AdaptiveAvgPool2D, AdaptiveMaxPool2D),
// which picks the windows from the output size, and MaxUnpool2D, which puts
// pooled maxima back where they came from. They run on the resampling
// operation of pool_resample.go.

// adaptiveCheck validates the arguments of an adaptive pooling op and
// returns the input's plane size.
func adaptiveCheck[T Float](op string, x *Var[T], outH, outW int) (h, w int) {
	xv := x.value
	r := xv.Dims()
	if r != 3 && r != 4 {
		panic(shapeErr(op, "input must be 3-D [C H W] or 4-D [N C H W]", xv.Shape()))
	}
	if outH < 1 || outW < 1 {
		panic(shapeErr(op, fmt.Sprintf("output size %d×%d must be at least 1×1", outH, outW), xv.Shape()))
	}
	h, w = xv.Dim(r-2), xv.Dim(r-1)
	if h < 1 || w < 1 {
		panic(shapeErr(op, "input plane must not be empty", xv.Shape()))
	}
	return h, w
}

// adaptiveTaps fills a's taps with the windows of an adaptive pooling axis
// (PyTorch's rule): output o reads [⌊o·in/out⌋, ⌈(o+1)·in/out⌉), each
// tap weighted by one over the window's length when a has weights.
func adaptiveTaps[T Float](a tensor.AxisTaps[T]) {
	in, out := a.In, a.Out()
	for o := range a.Lo {
		lo := o * in / out
		hi := ((o+1)*in + out - 1) / out
		a.Lo[o], a.N[o] = lo, hi-lo
		if a.W != nil {
			a.W0[o] = 1 / T(hi-lo)
			a.W[o] = a.W0[o]
		}
	}
}

// AdaptiveAvgPool2D returns the mean of x ([N, C, H, W], or [C, H, W])
// over outH × outW windows that cover its plane, PyTorch's
// adaptive_avg_pool2d: output row i averages input rows
// [⌊i·H/outH⌋, ⌈(i+1)·H/outH⌉), and likewise the columns, so windows
// differ in size (and overlap) when H is not a multiple of outH. The result
// has shape [N, C, outH, outW].
//
//	d/dx = each input element receives g / (window size) from every window that covers it
//
// The derivative is recorded as an operation whose own derivative is this
// op's linear map, so gradients of gradients flow. It panics with a
// *tensor.ShapeError when x is not 3-D or 4-D, its plane is empty, or an
// output size is below 1.
func AdaptiveAvgPool2D[T Float](x *Var[T], outH, outW int) *Var[T] {
	checkOperands1("AdaptiveAvgPool2D", x)
	const op = "AdaptiveAvgPool2D"
	defer relabel(op)
	h, w := adaptiveCheck(op, x, outH, outW)
	ar := arenaOf(x)
	rows, cols := rsTaps(ar, h, outH, true), rsTaps(ar, w, outW, true)
	adaptiveTaps(rows)
	adaptiveTaps(cols)
	var sb [4]int
	out := ar.tensor(outShape(x.value, outH, outW, sb[:0])...)
	return rsLinearOp(op, x, out, rows, cols, 0)
}

// AdaptiveMaxPool2D returns the maximum of x ([N, C, H, W], or [C, H, W])
// over the windows of AdaptiveAvgPool2D, PyTorch's adaptive_max_pool2d,
// and the indices of the maxima (flat positions in each H×W plane, as
// MaxPool2DWith returns them; under an Arena they belong to the step).
//
//	d/dx = g scatter-added at the indices
//
// Ties go to the first maximum in row-major window order and a NaN counts
// as the maximum (the last one), as in MaxPool2D; the second derivative
// is 0, with the scatter recorded so that gradients of gradients flow. It
// panics as AdaptiveAvgPool2D does.
func AdaptiveMaxPool2D[T Float](x *Var[T], outH, outW int) (*Var[T], *tensor.Index) {
	checkOperands1("AdaptiveMaxPool2D", x)
	const op = "AdaptiveMaxPool2D"
	defer relabel(op)
	h, w := adaptiveCheck(op, x, outH, outW)
	ar := arenaOf(x)
	rows, cols := rsTaps(ar, h, outH, false), rsTaps(ar, w, outW, false)
	adaptiveTaps(rows)
	adaptiveTaps(cols)
	return rsMaxOp(op, x, rows, cols)
}

// Unpool2DOptions are the arguments of MaxUnpool2D, those of PyTorch's
// max_unpool2d: the window of the max pooling being undone, and
// optionally the output size.
type Unpool2DOptions struct {
	Kernel  [2]int // window size, at least 1
	Stride  [2]int // step between windows; 0 means the kernel size
	Padding [2]int // padding of the pooling, at least 0

	// OutputSize is the output's height and width; zero means the size
	// the pooling's window gives, (in − 1)·stride − 2·padding + kernel per
	// axis. A size of its own (for an input whose pooling rounded down)
	// must be within a stride of that, as PyTorch requires.
	OutputSize [2]int
}

// MaxUnpool2D is the partial inverse of max pooling, PyTorch's
// max_unpool2d: it returns zeros of shape [N, C, OH, OW] (or [C, OH, OW])
// with each element of x ([N, C, H, W], or [C, H, W]) written at its index
// in indices (flat positions in each OH×OW plane, as MaxPool2DWith and
// AdaptiveMaxPool2D return them, with x's shape). Where indices repeat, the
// last in row-major order wins, as in PyTorch's CPU kernel; an index of -1
// writes nothing.
//
//	d/dx = g read at the indices
//
// (PyTorch's choice, which gives every repeated index the gradient of the
// element written there.) The gather is recorded as an operation whose
// derivative is the matching scatter-add, so gradients of gradients flow.
// It panics with a *tensor.ShapeError when x is not 3-D or 4-D, indices do
// not have its shape, an index lies outside its plane, or the options are
// invalid (a kernel below 1, a negative stride or padding, an output size
// empty or more than a stride away from the default).
func MaxUnpool2D[T Float](x *Var[T], indices *tensor.Index, opts Unpool2DOptions) *Var[T] {
	checkOperands1("MaxUnpool2D", x)
	const op = "MaxUnpool2D"
	defer relabel(op)
	xv := x.value
	r := xv.Dims()
	if r != 3 && r != 4 {
		panic(shapeErr(op, "input must be 3-D [C H W] or 4-D [N C H W]", xv.Shape()))
	}
	if indices == nil || indices.Dims() != r || indices.Len() != xv.Len() || !sameDims(xv, indices) {
		var is []int
		if indices != nil {
			is = indices.Shape()
		}
		panic(shapeErr(op, "indices must have the input's shape", xv.Shape(), is))
	}
	var size [2]int
	for ax := range 2 {
		k, s, p := opts.Kernel[ax], opts.Stride[ax], opts.Padding[ax]
		if s == 0 {
			s = k
		}
		if k < 1 || s < 1 || p < 0 {
			panic(shapeErr(op, fmt.Sprintf("kernel %v must be at least 1, stride %v and padding %v non-negative",
				opts.Kernel, opts.Stride, opts.Padding), xv.Shape()))
		}
		def := (xv.Dim(r-2+ax)-1)*s - 2*p + k
		size[ax] = def
		if o := opts.OutputSize[ax]; o != 0 {
			if o <= def-s || o >= def+s {
				panic(shapeErr(op, fmt.Sprintf("output size %v must be within a stride %d of the default %d on axis %d",
					opts.OutputSize, s, def, r-2+ax), xv.Shape()))
			}
			size[ax] = o
		}
		if size[ax] < 1 {
			panic(shapeErr(op, fmt.Sprintf("output size %d×%d is empty", size[0], size[1]), xv.Shape()))
		}
	}
	ar := arenaOf(x)
	var sb [4]int
	out := ar.tensor(outShape(xv, size[0], size[1], sb[:0])...)
	idx := ar.ints(indices.Data())
	tensor.ScatterPlanesInto(out, xv, idx)
	var d derivative[T]
	if x.requiresGrad {
		d = rsState(ar, rsScatter, tensor.AxisTaps[T]{}, tensor.AxisTaps[T]{}, idx)
	}
	return recordOp(op, out, d, x)
}

// sameDims reports whether x and idx have the same shape, without
// allocating.
func sameDims[T Float](x *tensor.Tensor[T], idx *tensor.Index) bool {
	for i := range x.Dims() {
		if x.Dim(i) != idx.Dim(i) {
			return false
		}
	}
	return true
}
