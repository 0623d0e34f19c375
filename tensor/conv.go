package tensor

import (
	"fmt"
	"math"
)

// This file holds the kernels of 2-D convolution and pooling over NCHW
// tensors ([batch, channels, height, width]): Im2Col, which unfolds every
// window of the input into a column so that a convolution becomes a single
// matrix product, and its adjoint Col2Im; MaxPool2D, which also returns
// where each maximum came from; and the flat gather and scatter-add that
// move values (gradients) to and from such positions.

// Window2D is the geometry of a window sliding over the last two axes
// (height, width) of an NCHW tensor: a convolution kernel or a pooling
// window. In each pair, index 0 is the height axis and index 1 the width
// axis. The fields are literal, with no defaults: Kernel, Stride and
// Dilation must be at least 1 and Padding at least 0, so a zero stride is
// an error here. (The autograd package's Conv2D and pooling ops give zero
// values a meaning and build a Window2D from them.)
//
// Window position (y, x) covers the input rows y·Stride[0] − Padding[0] +
// i·Dilation[0] for i in [0, Kernel[0]), and likewise the columns.
type Window2D struct {
	Kernel   [2]int // window size, before dilation
	Stride   [2]int // step between consecutive windows
	Padding  [2]int // implicit border on each side: zeros, or -Inf for max pooling
	Dilation [2]int // step between the taps of one window
}

// OutSize returns the number of window positions (the output height and
// width) over an input of height h and width w, PyTorch's formula
//
//	out = ⌊(in + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1
//
// A result ≤ 0 means that the dilated kernel is larger than the padded
// input. The stride must be at least 1.
func (win Window2D) OutSize(h, w int) (oh, ow int) {
	return win.convOutLen(0, h), win.convOutLen(1, w)
}

func (win Window2D) convOutLen(ax, n int) int {
	num := n + 2*win.Padding[ax] - win.Dilation[ax]*(win.Kernel[ax]-1) - 1
	q := num / win.Stride[ax]
	if num%win.Stride[ax] != 0 && num < 0 {
		q-- // floor, not Go's truncation toward zero
	}
	return q + 1
}

// convCheck validates win against an NCHW input shape and returns the
// dimensions of the input and of the output plane. It panics with a
// *ShapeError naming op.
func (win Window2D) convCheck(op string, shape []int) (n, c, h, w, oh, ow int) {
	if len(shape) != 4 {
		panic(shapeErr(op, "input must be 4-D [N C H W]", shape))
	}
	for _, f := range []struct {
		name string
		v    [2]int
		min  int
	}{{"kernel size", win.Kernel, 1}, {"stride", win.Stride, 1}, {"padding", win.Padding, 0}, {"dilation", win.Dilation, 1}} {
		if f.v[0] < f.min || f.v[1] < f.min {
			panic(shapeErr(op, fmt.Sprintf("%s must be at least %d, got %v", f.name, f.min, f.v), shape))
		}
	}
	n, c, h, w = shape[0], shape[1], shape[2], shape[3]
	oh, ow = win.OutSize(h, w)
	for ax, name := range [2]string{"height", "width"} {
		if o := [2]int{oh, ow}[ax]; o <= 0 {
			panic(shapeErr(op, fmt.Sprintf("dilated kernel %s %d is larger than the padded input %s %d (axis %d)",
				name, win.Dilation[ax]*(win.Kernel[ax]-1)+1, name, shape[2+ax]+2*win.Padding[ax], 2+ax), shape))
		}
	}
	return n, c, h, w, oh, ow
}

// Im2Col unfolds every window of the NCHW tensor x [N, C, H, W] into a
// column: the result has shape [C·KH·KW, N·OH·OW], row (c·KH + i)·KW + j
// holding tap (i, j) of channel c and column (n·OH + y)·OW + x holding the
// window at output position (y, x) of image n; taps in the padding are 0.
// A convolution with weight [OC, C, KH, KW] is then the single matrix
// product weight.Reshape(OC, C·KH·KW) · Im2Col(x), laid out [OC, N, OH, OW].
//
// It panics with a *ShapeError when x is not 4-D or the window is invalid
// for it (see Window2D) or larger than the padded input.
func Im2Col[T Float](x *Tensor[T], win Window2D) *Tensor[T] {
	n, c, h, w, oh, ow := win.convCheck("Im2Col", x.shape)
	cols := Zeros[T](c*win.Kernel[0]*win.Kernel[1], n*oh*ow)
	convWalk(x.data, cols.data, n, c, h, w, oh, ow, win, false)
	return cols
}

// Col2Im is the adjoint (transpose) of Im2Col: it scatter-adds every
// element of cols [C·KH·KW, N·OH·OW] back to the input position it was
// read from, into a tensor of the given NCHW shape; elements that came from
// the padding are dropped. Where windows overlap, contributions add up. So
// for all x and y, ⟨Im2Col(x), y⟩ = ⟨x, Col2Im(y)⟩, which makes each the
// derivative of the other.
//
// It panics with a *ShapeError when shape and win are invalid as for
// Im2Col, or cols does not have the shape Im2Col would produce.
func Col2Im[T Float](cols *Tensor[T], shape []int, win Window2D) *Tensor[T] {
	n, c, h, w, oh, ow := win.convCheck("Col2Im", shape)
	if want := []int{c * win.Kernel[0] * win.Kernel[1], n * oh * ow}; !SameShape(cols.shape, want) {
		panic(shapeErr("Col2Im", fmt.Sprintf("columns must have shape %v for this input shape and window", want), cols.shape, shape))
	}
	x := Zeros[T](shape...)
	convWalk(x.data, cols.data, n, c, h, w, oh, ow, win, true)
	return x
}

// convWalk visits every (tap, output position) pair of the unfolding and
// copies x into cols (Im2Col) or, with scatter, adds cols into x (Col2Im).
// Taps that fall in the padding are skipped, which leaves cols zero there.
func convWalk[T Float](x, cols []T, n, c, h, w, oh, ow int, win Window2D, scatter bool) {
	kh, kw := win.Kernel[0], win.Kernel[1]
	q := n * oh * ow
	for ci := 0; ci < c; ci++ {
		for i := 0; i < kh; i++ {
			for j := 0; j < kw; j++ {
				row := cols[((ci*kh+i)*kw+j)*q:][:q]
				// Output column o reads input column o·sw + off, which is
				// inside the input for o in [lo, hi).
				sw, off := win.Stride[1], j*win.Dilation[1]-win.Padding[1]
				lo, hi := convRange(ow, sw, off, w)
				for b := 0; b < n; b++ {
					plane := x[(b*c+ci)*h*w:][:h*w]
					for y := 0; y < oh; y++ {
						ih := y*win.Stride[0] - win.Padding[0] + i*win.Dilation[0]
						if ih < 0 || ih >= h {
							continue
						}
						seg := row[(b*oh+y)*ow:][:ow]
						src := plane[ih*w:][:w]
						if scatter {
							for o := lo; o < hi; o++ {
								src[o*sw+off] += seg[o]
							}
						} else {
							for o := lo; o < hi; o++ {
								seg[o] = src[o*sw+off]
							}
						}
					}
				}
			}
		}
	}
}

// convRange returns the range [lo, hi) of o in [0, n) for which o·s + off
// lies in [0, size).
func convRange(n, s, off, size int) (lo, hi int) {
	if off < 0 {
		lo = (-off + s - 1) / s
	}
	last := size - 1 - off // o·s ≤ last
	if last < 0 {
		return 0, 0
	}
	hi = min(n, last/s+1)
	if lo > hi {
		lo = hi
	}
	return lo, hi
}

// MaxPool2D returns the maximum of x [N, C, H, W] over every window, of
// shape [N, C, OH, OW], with the padding taken as -Inf, and for each output
// element the flat (row-major) index into x of the element it was taken
// from, ready for GatherFlat and ScatterAddFlat. Ties go to the first
// maximum in row-major window order (top row first, each row left to
// right), as in PyTorch; a NaN counts as the maximum, so it propagates (the
// last NaN of the window wins, as in PyTorch's CPU kernel). A window that
// holds no element of x at all (possible only with dilation) yields -Inf
// and index -1.
//
// Like PyTorch it requires the padding to be at most half the kernel size
// (the kernel's, not the dilated window's); it panics with a *ShapeError
// for that, and as Im2Col for any other invalid geometry.
func MaxPool2D[T Float](x *Tensor[T], win Window2D) (*Tensor[T], []int) {
	n, c, h, w, oh, ow := win.convCheck("MaxPool2D", x.shape)
	maxPoolPadding("MaxPool2D", win, x.shape)
	out := Zeros[T](n, c, oh, ow)
	idx := make([]int, len(out.data))
	negInf := T(math.Inf(-1))
	k := 0
	for p := 0; p < n*c; p++ {
		base := p * h * w
		plane := x.data[base:][:h*w]
		for y := 0; y < oh; y++ {
			for xo := 0; xo < ow; xo++ {
				best, at := negInf, -1
				for i := 0; i < win.Kernel[0]; i++ {
					ih := y*win.Stride[0] - win.Padding[0] + i*win.Dilation[0]
					if ih < 0 || ih >= h {
						continue
					}
					for j := 0; j < win.Kernel[1]; j++ {
						iw := xo*win.Stride[1] - win.Padding[1] + j*win.Dilation[1]
						if iw < 0 || iw >= w {
							continue
						}
						v := plane[ih*w+iw]
						if at < 0 || v > best || v != v {
							best, at = v, ih*w+iw
						}
					}
				}
				out.data[k] = best
				if at >= 0 {
					at += base
				}
				idx[k] = at
				k++
			}
		}
	}
	return out, idx
}

// GatherFlat returns a tensor of the given shape whose i-th element (in
// row-major order) is x's element at flat index idx[i]. It panics with a
// *ShapeError when len(idx) does not match the shape or an index is outside
// [0, x.Len()).
func GatherFlat[T Float](x *Tensor[T], idx []int, shape ...int) *Tensor[T] {
	out := Zeros[T](shape...)
	if len(idx) != len(out.data) {
		panic(shapeErr("GatherFlat", fmt.Sprintf("%d indices for an output of %d elements", len(idx), len(out.data)), x.shape, shape))
	}
	for i, k := range idx {
		if k < 0 || k >= len(x.data) {
			panic(shapeErr("GatherFlat", fmt.Sprintf("index %d (position %d) out of range [0, %d)", k, i, len(x.data)), x.shape, shape))
		}
		out.data[i] = x.data[k]
	}
	return out
}

// ScatterAddFlat is the adjoint of GatherFlat: it returns a zero tensor of
// the given shape into which each element src[i] (row-major) has been added
// at flat index idx[i]; repeated indices accumulate. It panics with a
// *ShapeError when len(idx) differs from src.Len() or an index is outside
// the shape.
func ScatterAddFlat[T Float](src *Tensor[T], idx []int, shape ...int) *Tensor[T] {
	out := Zeros[T](shape...)
	if len(idx) != len(src.data) {
		panic(shapeErr("ScatterAddFlat", fmt.Sprintf("%d indices for a source of %d elements", len(idx), len(src.data)), src.shape, shape))
	}
	for i, k := range idx {
		if k < 0 || k >= len(out.data) {
			panic(shapeErr("ScatterAddFlat", fmt.Sprintf("index %d (position %d) out of range [0, %d)", k, i, len(out.data)), src.shape, shape))
		}
		out.data[k] += src.data[i]
	}
	return out
}
