package tensor

import "fmt"

// This file holds the transposed convolution (PyTorch's conv_transpose2d)
// and its gradients. A transposed convolution is the adjoint of a
// convolution: with that convolution's input side as its output, it is
// Conv2DInputGradInto's map, and its gradients are Conv2DInto's and
// Conv2DWeightGradInto's with the roles of the two sides exchanged. Its
// weight [C, OC/G, KH, KW] (PyTorch's layout) is read as the weight of the
// convolution from its OC output channels to its C input channels, which is
// the same array. Its output may be larger than that convolution's input
// needs (output padding): the last rows and columns are then positions no
// window of the convolution reaches, or reaches only beyond the input's
// size, and get the bias alone.

// ConvTranspose2DInto sets out [N, OC, OH, OW] to the transposed
// convolution of x [N, C, H, W] with w [C, OC/G, KH, KW], plus bias [OC]
// when it is not nil:
//
//	out[n, g·OCg + o] = bias + Σ_{c in group g, i, j} w[c, o, i, j] · x[n, c] placed at (y·sh − ph + i·dh, x·sw − pw + j·dw)
//
// that is, per image and group, col2im(Wgᵀ·Xg). The number of groups G is
// OC / w's axis 1 (C and OC divisible by it). The output's height and
// width are free as long as the convolution over them with win has at
// least H×W window positions: PyTorch's (H−1)·sh − 2·ph + dh·(KH−1) + 1
// plus an output padding. work has room for one image's columns of the
// output ([OC·KH·KW, H·W] elements); a pointwise window with no output
// padding needs none and it may be nil. out is overwritten.
//
// It panics with a *ShapeError when the shapes do not fit together, the
// window does not fit, or out shares memory with x, w, bias or work (or
// work, when it is used, with x, w or bias).
func ConvTranspose2DInto[T Float](out, x, w, bias, work *Tensor[T], win Window2D) {
	const op = "ConvTranspose2DInto"
	noOverlap(op, out, x, w, bias, work)
	var bs []int
	if bias != nil {
		bs = bias.shape
		if bs == nil {
			bs = []int{}
		}
	}
	d := convGeom(op, out.shape, w.shape, win, x.shape, true, nil)
	if bias != nil && !SameShape(bs, []int{d.c}) {
		panic(shapeErr(op, fmt.Sprintf("bias must be [%d], one per output channel", d.c), x.shape, w.shape, bs))
	}
	var wd []T
	switch {
	case d.direct(win): // see Conv2DDirect
		depthwiseInputGrad(d, win, out.data, x.data, w.data, depthwiseScratch(op, "work", work, x, w, bias))
	case !d.pointwise(win):
		if work == nil || len(work.data) != d.k*d.p {
			panic(shapeErr(op, fmt.Sprintf("work buffer must hold %d elements (one image's columns)", d.k*d.p), x.shape, w.shape))
		}
		noOverlapOf(op, "work", work, x, w, bias)
		wd = work.data
		fallthrough
	default:
		convInputGradImages(d, win, out.data, x.data, w.data, wd)
	}
	if bias == nil {
		return
	}
	plane := d.h * d.w
	for i := 0; i < d.n; i++ {
		for o, b := range bias.data {
			row := out.data[(i*d.c+o)*plane:][:plane]
			for j := range row {
				row[j] += b
			}
		}
	}
}

// ConvTranspose2DInputGradInto sets dx [N, C, H, W] to the gradient with
// respect to x of ConvTranspose2DInto's result for the result's gradient
// g [N, OC, OH, OW]: the convolution of g with w, at the first H×W window
// positions. cols has room for the columns of one image of g ([OC·KH·KW,
// H·W] elements) or of every image; a pointwise window with no output
// padding reads g in place and cols may be nil. dx is overwritten. It
// panics with a *ShapeError when the shapes do not fit together, or when
// dx shares memory with g, w or cols (or cols, when it is used, with g or
// w).
func ConvTranspose2DInputGradInto[T Float](dx, g, w, cols *Tensor[T], win Window2D) {
	const op = "ConvTranspose2DInputGradInto"
	noOverlap(op, dx, g, w, cols)
	d := convGeom(op, g.shape, w.shape, win, dx.shape, true, nil)
	if d.direct(win) { // see Conv2DDirect
		depthwiseForward(d, win, dx.data, g.data, w.data, nil, depthwiseScratch(op, "cols", cols, g, w))
		return
	}
	all := convColsRoom(op, d, win, cols)
	if !d.pointwise(win) {
		noOverlapOf(op, "cols", cols, g, w)
	}
	var cd []T
	if cols != nil {
		cd = cols.data
	}
	convForwardImages(d, win, dx.data, g.data, w.data, nil, cd, all)
}

// ConvTranspose2DWeightGradInto sets dw = beta·dw + the gradient with
// respect to w [C, OC/G, KH, KW] of ConvTranspose2DInto's result for x
// [N, C, H, W] and the result's gradient g [N, OC, OH, OW]: Σₙ Xₙ·colsₙᵀ
// per group, with cols the columns of g. cols has room for one image's
// ([OC·KH·KW, H·W] elements) or every image's, and may be nil for a
// pointwise window with no output padding; work is as for
// Conv2DWeightGradInto (nil, or dw's size). It panics with a *ShapeError
// when the shapes do not fit together, or when dw shares memory with x, g,
// cols or work, work with x, g or cols, or cols, when it is used, with x
// or g.
func ConvTranspose2DWeightGradInto[T Float](dw, x, g, cols, work *Tensor[T], win Window2D, beta T) {
	const op = "ConvTranspose2DWeightGradInto"
	noOverlap(op, dw, x, g, cols, work)
	noOverlapOf(op, "work", work, x, g, cols)
	d := convGeom(op, g.shape, dw.shape, win, x.shape, true, nil)
	if d.direct(win) { // see Conv2DDirect
		depthwiseWeightGradCols(op, d, win, dw, g, x, cols, beta)
		return
	}
	all := convColsRoom(op, d, win, cols)
	if !d.pointwise(win) {
		noOverlapOf(op, "cols", cols, x, g)
	}
	if work != nil && len(work.data) != len(dw.data) {
		panic(shapeErr(op, fmt.Sprintf("work must hold %d elements (the weight's)", len(dw.data)), dw.shape, work.shape))
	}
	var cd, wd []T
	if cols != nil {
		cd = cols.data
	}
	if work != nil {
		wd = work.data
	}
	convWeightGradImages(d, win, dw.data, g.data, x.data, cd, wd, true, all, work != nil, beta)
}
