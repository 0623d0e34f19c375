package tensor

import "fmt"

// This file holds the convolution and pooling kernels that write into
// tensors the caller provides (an autodiff engine's arena), with their
// gradients. A convolution is computed one image at a time: the columns of
// image n ([C·KH·KW, OH·OW], Im2Col's layout for one image) multiplied by
// the weight as a [OC, C·KH·KW] matrix give [OC, OH·OW], which is exactly
// image n of the NCHW result, so no permutation is ever needed.

// Pointwise reports whether every window of win is a single tap at its own
// position (a 1×1 kernel, stride 1, no padding). The columns of one image
// are then the image itself, and the convolution kernels read it in place
// of a columns buffer.
func (win Window2D) Pointwise() bool {
	return win.Kernel == [2]int{1, 1} && win.Stride == [2]int{1, 1} && win.Padding == [2]int{}
}

// Im2ColInto is Im2Col into cols, which must have the shape Im2Col returns,
// [C·KH·KW, N·OH·OW]; every element is written (taps in the padding get 0).
// It panics with a *ShapeError when the shapes do not fit or cols shares
// memory with x.
func Im2ColInto[T Float](cols, x *Tensor[T], win Window2D) {
	noOverlap("Im2ColInto", cols, x)
	n, c, h, w, oh, ow := win.convCheck("Im2ColInto", x.shape)
	if !cols.HasShape(c*win.Kernel[0]*win.Kernel[1], n*oh*ow) {
		panic(shapeErr("Im2ColInto", fmt.Sprintf("columns must have shape [%d %d]", c*win.Kernel[0]*win.Kernel[1], n*oh*ow), x.shape, cols.shape))
	}
	clear(cols.data)
	convWalk(x.data, cols.data, n, c, h, w, oh, ow, win, false)
}

// Col2ImAddInto adds Col2Im(cols, x's shape, win) into x: every element of
// cols [C·KH·KW, N·OH·OW] is added to the position of x it was read from.
// It panics with a *ShapeError when the shapes do not fit or x shares
// memory with cols.
func Col2ImAddInto[T Float](x, cols *Tensor[T], win Window2D) {
	noOverlap("Col2ImAddInto", x, cols)
	n, c, h, w, oh, ow := win.convCheck("Col2ImAddInto", x.shape)
	if !cols.HasShape(c*win.Kernel[0]*win.Kernel[1], n*oh*ow) {
		panic(shapeErr("Col2ImAddInto", fmt.Sprintf("columns must have shape [%d %d]", c*win.Kernel[0]*win.Kernel[1], n*oh*ow), x.shape, cols.shape))
	}
	convWalk(x.data, cols.data, n, c, h, w, oh, ow, win, true)
}

// Conv2DInto sets out [N, OC, OH, OW] to the convolution (cross-correlation)
// of x [N, C, H, W] with w [OC, C/G, KH, KW], plus bias [OC] when it is not
// nil, as in Conv2D of package autograd: per image and group, one matrix
// product of the group's weight as [OC/G, (C/G)·KH·KW] with the group's
// columns, into the bias. The number of groups G is C / w's axis 1 (1 when
// the weight has all of x's channels; C for a depthwise convolution); OC
// and C must be divisible by it. With 3-D operands x [N, C, L], w [OC,
// C/G, K] and out [N, OC, OL] it is a 1-D convolution, run as a 2-D one
// over a unit height axis: win's height components must then be the unit
// (Kernel, Stride and Dilation 1, Padding 0).
//
// cols is where the columns go: room for every image ([N, C·KH·KW, OH·OW]
// or any shape of that size), which then keeps them for
// Conv2DWeightGradInto, or for one image, reused. A pointwise window needs
// no columns (x is read in place) and cols may be nil.
//
// It panics with a *ShapeError when the shapes do not fit together, the
// window (see Window2D) does not fit x, or out shares memory with x, w,
// bias or cols (or cols, when it is used, with x, w or bias).
func Conv2DInto[T Float](out, x, w, bias, cols *Tensor[T], win Window2D) {
	const op = "Conv2DInto"
	noOverlap(op, out, x, w, bias, cols)
	var bs []int
	var bd []T
	if bias != nil {
		bs, bd = bias.shape, bias.data
		if bs == nil {
			bs = []int{}
		}
	}
	d := convGeom(op, x.shape, w.shape, win, out.shape, false, bs)
	if d.direct(win) {
		depthwiseForward(d, win, out.data, x.data, w.data, bd, depthwiseScratch(op, "cols", cols, x, w, bias))
		if cols != nil && len(cols.data) == d.n*d.k*d.p && !d.pointwise(win) {
			// Kept for Conv2DWeightGradInto without x, as promised.
			noOverlapOf(op, "cols", cols, x, w, bias)
			for i := 0; i < d.n; i++ {
				convCols(d, win, x.data, cols.data, i, true, true)
			}
		}
		return
	}
	all := convColsRoom(op, d, win, cols)
	if !d.pointwise(win) {
		noOverlapOf(op, "cols", cols, x, w, bias)
	}
	var cd []T
	if cols != nil {
		cd = cols.data
	}
	convForwardImages(d, win, out.data, x.data, w.data, bd, cd, all)
}

// Conv2DWeightGradInto sets dw = beta·dw + Σₙ Gₙ·colsₙᵀ (group by group),
// the gradient with respect to w [OC, C/G, KH, KW] of Conv2DInto's result
// for the result's gradient g [N, OC, OH, OW] (or the 3-D forms of
// Conv2DInto). With x nil, cols holds the columns of every image, as
// Conv2DInto left them. Otherwise each image's columns are computed from x
// into cols (room for one image is enough), or, for a pointwise window, x
// is read in place and cols may be nil. Images are added in order, each
// with one matrix product per group (beta 1 after the first).
//
// work is nil or has room for as many elements as dw. When given and a
// group has more taps ((C/G)·KH·KW) than output channels (OC/G), the
// group's sum is formed transposed, Σₙ colsₙ·Gₙᵀ into work as [taps,
// OC/G], and then added into dw: the matrix kernel runs many times faster
// with the long side as its rows, which it reads in place, than as its
// (packed, padded) columns. The two forms may differ in the last bits, so
// callers whose results must agree pass work alike.
//
// It panics with a *ShapeError when the shapes do not fit together, or
// when dw shares memory with x, g, cols or work, work with x, g or cols,
// or cols, when it is filled from x, with x or g.
func Conv2DWeightGradInto[T Float](dw, x, g, cols, work *Tensor[T], win Window2D, beta T) {
	const op = "Conv2DWeightGradInto"
	noOverlap(op, dw, x, g, cols, work)
	noOverlapOf(op, "work", work, x, g, cols)
	var d convDims
	all := true
	var xd, cd []T
	if x != nil {
		d = convGeom(op, x.shape, dw.shape, win, g.shape, false, nil)
		if d.direct(win) {
			depthwiseWeightGradCols(op, d, win, dw, x, g, cols, beta)
			return
		}
		all, xd = convColsRoom(op, d, win, cols), x.data
		if !d.pointwise(win) {
			noOverlapOf(op, "cols", cols, x, g)
		}
	} else {
		gs, ws := g.shape, dw.shape
		if len(gs) < 3 || len(gs) > 4 || len(ws) != len(gs) || gs[1] != ws[0] || ws[1] < 1 ||
			(len(ws) == 4 && ws[2] != win.Kernel[0]) || ws[len(ws)-1] != win.Kernel[1] {
			panic(shapeErr(op, "want g [N OC OH OW] and dw [OC C/G KH KW] with the window's kernel", gs, ws))
		}
		n, oc, oh, ow := convSpatial(gs)
		_, cg, kh, kw := convSpatial(ws)
		d = convDims{n: n, oc: oc, oh: oh, ow: ow, p: oh * ow, k: cg * kh * kw, groups: 1}
		if cols != nil && n > 0 && len(cols.data)%(n*d.p*kh*kw) == 0 {
			// The columns hold every image: C·KH·KW rows each.
			c := len(cols.data) / (n * d.p * kh * kw)
			if c >= cg && c%cg == 0 && oc%(c/cg) == 0 {
				d.c, d.groups, d.k = c, c/cg, c*kh*kw
			}
		}
		if cols == nil || len(cols.data) != d.n*d.k*d.p || d.oc%d.groups != 0 {
			panic(shapeErr(op, fmt.Sprintf("without x, cols must hold every image's columns (a multiple of %d elements)", d.n*d.k*d.p), gs, ws))
		}
		d.kg, d.ocg = d.k/d.groups, d.oc/d.groups
	}
	if work != nil && len(work.data) != len(dw.data) {
		panic(shapeErr(op, fmt.Sprintf("work must hold %d elements (the weight's)", len(dw.data)), dw.shape, work.shape))
	}
	if cols != nil {
		cd = cols.data
	}
	var wd []T
	if work != nil {
		wd = work.data
	}
	convWeightGradImages(d, win, dw.data, xd, g.data, cd, wd, x != nil, all, work != nil, beta)
}

// Conv2DInputGradInto sets dx [N, C, H, W] to the gradient with respect to
// x of Conv2DInto's result for the result's gradient g [N, OC, OH, OW] (or
// the 3-D forms of Conv2DInto): per image and group, col2im(Wgᵀ·Gg) with Wg
// the group's weight as [OC/G, (C/G)·KH·KW]. work has room for one image's
// columns (any shape of C·KH·KW·OH·OW elements); a pointwise window needs
// none and it may be nil. dx is overwritten. It panics with a *ShapeError
// when the shapes do not fit together, or when dx shares memory with g, w
// or work (or work, when it is used, with g or w).
func Conv2DInputGradInto[T Float](dx, g, w, work *Tensor[T], win Window2D) {
	const op = "Conv2DInputGradInto"
	noOverlap(op, dx, g, w, work)
	d := convGeom(op, dx.shape, w.shape, win, g.shape, false, nil)
	if d.direct(win) {
		depthwiseInputGrad(d, win, dx.data, g.data, w.data, depthwiseScratch(op, "work", work, g, w))
		return
	}
	var wd []T
	if !d.pointwise(win) {
		if work == nil || len(work.data) != d.k*d.p {
			panic(shapeErr(op, fmt.Sprintf("work buffer must hold %d elements (one image's columns)", d.k*d.p), dx.shape, w.shape))
		}
		noOverlapOf(op, "work", work, g, w)
		wd = work.data
	}
	convInputGradImages(d, win, dx.data, g.data, w.data, wd)
}

// Conv2DBiasGradInto sets db [OC] = beta·db + g [N, OC, OH, OW] (or [N,
// OC, OL]) summed over every axis but the channels: for each channel, the
// images in order, each image's plane summed on its own first, in the
// package's summation order (see sumSpan: interleaved accumulators,
// accurate and without a chain of dependent additions). It panics with a
// *ShapeError when the shapes do not fit or db shares memory with g.
func Conv2DBiasGradInto[T Float](db, g *Tensor[T], beta T) {
	noOverlap("Conv2DBiasGradInto", db, g)
	if len(g.shape) < 3 || len(g.shape) > 4 || !db.HasShape(g.shape[1]) {
		panic(shapeErr("Conv2DBiasGradInto", "want g [N OC OH OW] (or [N OC OL]) and db [OC]", g.shape, db.shape))
	}
	n, oc, h, w := convSpatial(g.shape)
	p := h * w
	for o := 0; o < oc; o++ {
		var total T
		for i := 0; i < n; i++ {
			total += sumSpan(g.data[(i*oc+o)*p:][:p], 1, false)
		}
		if beta == 0 {
			db.data[o] = total
		} else {
			db.data[o] = beta*db.data[o] + total
		}
	}
}

// im2colImage writes the columns of one image img [C, H, W] into cols
// [C·KH·KW, OH·OW], zeros for taps in the padding.
func im2colImage[T Float](cols, img []T, c, h, w, oh, ow int, win Window2D) {
	kh, kw := win.Kernel[0], win.Kernel[1]
	sh, sw := win.Stride[0], win.Stride[1]
	if conv2Split(sw, w) {
		im2colStride2(cols, img, c, h, w, oh, ow, win)
		return
	}
	p := oh * ow
	for ci := 0; ci < c; ci++ {
		plane := img[ci*h*w:][:h*w]
		for i := 0; i < kh; i++ {
			for j := 0; j < kw; j++ {
				row := cols[((ci*kh+i)*kw+j)*p:][:p]
				off := j*win.Dilation[1] - win.Padding[1]
				lo, hi := convRange(ow, sw, off, w)
				if convShifted(sh, sw, ow, w) {
					im2colShift(row, plane, oh, ow, h, i*win.Dilation[0]-win.Padding[0], off, lo, hi)
					continue
				}
				for y := 0; y < oh; y++ {
					seg := row[y*ow:][:ow]
					ih := y*sh - win.Padding[0] + i*win.Dilation[0]
					if ih < 0 || ih >= h || lo >= hi {
						clear(seg)
						continue
					}
					for o := 0; o < lo; o++ {
						seg[o] = 0
					}
					for o := hi; o < ow; o++ {
						seg[o] = 0
					}
					src := plane[ih*w:][:w]
					if sw == 1 {
						copy(seg[lo:hi], src[lo+off:hi+off])
						continue
					}
					if sw == 2 { // a common stride: no multiply per element
						d, s := seg[lo:hi], src[lo*2+off:]
						s = s[:2*len(d)-1]
						for o := range d {
							d[o] = s[2*o]
						}
						continue
					}
					for o := lo; o < hi; o++ {
						seg[o] = src[o*sw+off]
					}
				}
			}
		}
	}
}

// col2imImage adds the columns cols [C·KH·KW, OH·OW] of one image back into
// img [C, H, W], dropping taps in the padding: im2colImage's adjoint. It
// may set the dropped elements of cols to 0 (see col2imShift).
func col2imImage[T Float](img, cols []T, c, h, w, oh, ow int, win Window2D) {
	kh, kw := win.Kernel[0], win.Kernel[1]
	sh, sw := win.Stride[0], win.Stride[1]
	if conv2Split(sw, w) {
		col2imStride2(img, cols, c, h, w, oh, ow, win)
		return
	}
	p := oh * ow
	for ci := 0; ci < c; ci++ {
		plane := img[ci*h*w:][:h*w]
		for i := 0; i < kh; i++ {
			for j := 0; j < kw; j++ {
				row := cols[((ci*kh+i)*kw+j)*p:][:p]
				off := j*win.Dilation[1] - win.Padding[1]
				lo, hi := convRange(ow, sw, off, w)
				if lo >= hi {
					continue
				}
				if convShifted(sh, sw, ow, w) {
					col2imShift(plane, row, oh, ow, h, i*win.Dilation[0]-win.Padding[0], off, lo, hi)
					continue
				}
				for y := 0; y < oh; y++ {
					ih := y*sh - win.Padding[0] + i*win.Dilation[0]
					if ih < 0 || ih >= h {
						continue
					}
					seg := row[y*ow:][lo:hi]
					dst := plane[ih*w:][:w]
					if sw == 1 {
						dst = dst[lo+off : hi+off]
						for o, v := range seg {
							dst[o] += v
						}
						continue
					}
					if sw == 2 { // a common stride: no multiply per element
						d := dst[lo*2+off:]
						d = d[:2*len(seg)-1]
						for o, v := range seg {
							d[2*o] += v
						}
						continue
					}
					for o, v := range seg {
						dst[(o+lo)*sw+off] += v
					}
				}
			}
		}
	}
}

// poolCheck validates the operands of a pooling kernel: x (or dx) NCHW and
// an output-shaped tensor for each of outs. It returns the dimensions.
func poolCheck(op string, win Window2D, xs []int, outs ...[]int) (n, c, h, w, oh, ow int) {
	n, c, h, w, oh, ow = win.convCheck(op, xs)
	for _, s := range outs {
		if !SameShape(s, []int{n, c, oh, ow}) {
			panic(shapeErr(op, fmt.Sprintf("pooled tensors must be [%d %d %d %d]", n, c, oh, ow), xs, s))
		}
	}
	return n, c, h, w, oh, ow
}

// poolTaps returns, for each tap t = i·KW + j of a window, its offset
// (i·dh)·W + j·dw from the window's origin in a plane of width w. buf is
// used when it is large enough.
func poolTaps(win Window2D, w int, buf []int) []int {
	kk := win.Kernel[0] * win.Kernel[1]
	taps := buf[:0]
	if kk > cap(buf) {
		taps = make([]int, 0, kk)
	}
	for i := 0; i < win.Kernel[0]; i++ {
		for j := 0; j < win.Kernel[1]; j++ {
			taps = append(taps, i*win.Dilation[0]*w+j*win.Dilation[1])
		}
	}
	return taps
}

// maxPoolPadding panics with a *ShapeError naming op unless win's padding
// is at most half its kernel size on each axis, PyTorch's rule for max
// pooling (autograd's pooling ops check the same).
func maxPoolPadding(op string, win Window2D, shape []int) {
	if 2*win.Padding[0] > win.Kernel[0] || 2*win.Padding[1] > win.Kernel[1] {
		panic(shapeErr(op, fmt.Sprintf("padding %v must be at most half the kernel size %v", win.Padding, win.Kernel), shape))
	}
}

// MaxPool2DInto is MaxPool2D into out [N, C, OH, OW], keeping in arg (of
// the same shape) where each maximum came from: the tap i·KW + j of the
// window, as a T (exact for any kernel of fewer than 2²⁴ taps), or -1 for a
// window that holds no element of x; arg may be nil when no gradient is
// wanted. Ties, NaN and padding are as in MaxPool2D, and so are the panics;
// it also panics with a *ShapeError when out shares memory with arg or x,
// or arg with x.
func MaxPool2DInto[T Float](out, arg, x *Tensor[T], win Window2D) {
	const op = "MaxPool2DInto"
	noOverlap(op, out, arg, x)
	noOverlapOf(op, "arg", arg, x)
	n, c, h, w, oh, ow := poolCheck(op, win, x.shape, out.shape)
	var ad []T
	if arg != nil {
		poolCheck(op, win, x.shape, arg.shape)
		ad = arg.data
	}
	maxPoolPadding(op, win, x.shape)
	if pool2x2(win) {
		maxPool2x2(out.data, ad, x.data, n*c, h, w, oh, ow)
		return
	}
	var buf [64]int
	taps := poolTaps(win, w, buf[:])
	var pa poolArgs
	pa.init(op, win, h, w)
	// The windows of rows [yLo, yHi) and columns [xLo, xHi) lie wholly
	// inside the plane and need no bounds check; only the border ones
	// (those that reach into the padding) take the checked loop. Both scan
	// the taps in row-major order with the same rule, so they agree.
	yLo, yHi := pa.inner(0, oh)
	xLo, xHi := pa.inner(1, ow)
	fast3 := win.Kernel == [2]int{3, 3} && win.Dilation == [2]int{1, 1}
	for pl := 0; pl < n*c; pl++ {
		plane := x.data[pl*h*w:][:h*w]
		po := out.data[pl*oh*ow:][:oh*ow]
		var pr []T
		if ad != nil {
			pr = ad[pl*oh*ow:][:oh*ow]
		}
		for y := 0; y < oh; y++ {
			ro := po[y*ow:][:ow]
			var ra []T
			if pr != nil {
				ra = pr[y*ow:][:ow]
			}
			if y < yLo || y >= yHi {
				maxPoolRowChecked(ro, ra, plane, &pa, y, 0, ow)
				continue
			}
			maxPoolRowChecked(ro, ra, plane, &pa, y, 0, xLo)
			y0 := y*win.Stride[0] - win.Padding[0]
			if fast3 {
				maxPoolRow3x3(ro, ra, plane, y0, w, win.Stride[1], win.Padding[1], xLo, xHi)
			} else {
				maxPoolRowInside(ro, ra, plane, taps, y0*w, win.Stride[1], win.Padding[1], xLo, xHi)
			}
			maxPoolRowChecked(ro, ra, plane, &pa, y, xHi, ow)
		}
	}
}

// MaxPool2DScatterInto sets dx [N, C, H, W] = beta·dx + the gradient of
// max pooling for the pooled result's gradient g: each element of g added
// at the position of its window's maximum, as MaxPool2DInto recorded it in
// arg (nothing for -1, a window without one). Overlapping windows that
// share a maximum add up, in row-major output order. beta must be 0 (dx is
// overwritten) or 1. It panics with a *ShapeError when the shapes do not
// fit or dx shares memory with g or arg, and with an *ArgError when an
// element of arg is not -1 or a tap of its window inside the plane (dx is
// then partly written).
//
// One case does not check arg, for speed: beta 0 with a 2×2 stride-2
// window without padding or dilation (a CNN's MaxPool2d(2)), whose kernel
// does little else than route and would be some 40% slower. There, an
// element that is not a tap 0 to 3 routes nothing (its window of dx is
// zero), the same on every CPU.
func MaxPool2DScatterInto[T Float](dx, g, arg *Tensor[T], win Window2D, beta T) {
	const op = "MaxPool2DScatterInto"
	noOverlap(op, dx, g, arg)
	n, c, h, w, oh, ow := poolCheck(op, win, dx.shape, g.shape, arg.shape)
	if beta == 0 && pool2x2(win) {
		maxPoolScatter2x2(dx.data, g.data, arg.data, n*c, h, w, oh, ow)
		return
	}
	poolBeta(op, beta, dx.data)
	var buf [64]int
	taps := poolTaps(win, w, buf[:])
	var pa poolArgs
	pa.init(op, win, h, w)
	yLo, yHi := pa.inner(0, oh)
	xLo, xHi := pa.inner(1, ow)
	for pl := 0; pl < n*c; pl++ {
		plane := dx.data[pl*h*w:][:h*w]
		for y := 0; y < oh; y++ {
			k := (pl*oh + y) * ow
			gr, ar := g.data[k:][:ow], arg.data[k:][:ow]
			if y < yLo || y >= yHi {
				maxPoolScatterRow(plane, gr, ar, &pa, taps, k, y, 0, ow, true)
				continue
			}
			// In row-major order: the border windows on the left, the
			// interior ones, the border ones on the right.
			maxPoolScatterRow(plane, gr, ar, &pa, taps, k, y, 0, xLo, true)
			maxPoolScatterRow(plane, gr, ar, &pa, taps, k, y, xLo, xHi, false)
			maxPoolScatterRow(plane, gr, ar, &pa, taps, k, y, xHi, ow, true)
		}
	}
}

// MaxPool2DGatherInto sets out [N, C, OH, OW] to src [N, C, H, W] read at
// each window's maximum, as MaxPool2DInto recorded it in arg (0 for -1, a
// window without one): the adjoint of MaxPool2DScatterInto. It panics with
// a *ShapeError when the shapes do not fit or out shares memory with src or
// arg, and with an *ArgError when an element of arg is not -1 or a tap of
// its window inside the plane.
func MaxPool2DGatherInto[T Float](out, src, arg *Tensor[T], win Window2D) {
	const op = "MaxPool2DGatherInto"
	noOverlap(op, out, src, arg)
	n, c, h, w, oh, ow := poolCheck(op, win, src.shape, out.shape, arg.shape)
	var buf [64]int
	taps := poolTaps(win, w, buf[:])
	var pa poolArgs
	pa.init(op, win, h, w)
	yLo, yHi := pa.inner(0, oh)
	xLo, xHi := pa.inner(1, ow)
	for pl := 0; pl < n*c; pl++ {
		plane := src.data[pl*h*w:][:h*w]
		for y := 0; y < oh; y++ {
			k := (pl*oh + y) * ow
			ro, ar := out.data[k:][:ow], arg.data[k:][:ow]
			if y < yLo || y >= yHi {
				maxPoolGatherRow(ro, plane, ar, &pa, taps, k, y, 0, ow, true)
				continue
			}
			maxPoolGatherRow(ro, plane, ar, &pa, taps, k, y, 0, xLo, true)
			maxPoolGatherRow(ro, plane, ar, &pa, taps, k, y, xLo, xHi, false)
			maxPoolGatherRow(ro, plane, ar, &pa, taps, k, y, xHi, ow, true)
		}
	}
}

// poolBeta applies beta (0 or 1) to a gradient buffer before a scatter.
func poolBeta[T Float](op string, beta T, d []T) {
	switch beta {
	case 0:
		clear(d)
	case 1:
	default:
		panic(shapeErr(op, fmt.Sprintf("beta must be 0 or 1, got %v", beta)))
	}
}

// AvgPool2DInto sets out [N, C, OH, OW] to the mean of x [N, C, H, W] over
// every window: its taps summed in row-major order, padding counting as
// zeros, divided by KH·KW (PyTorch's count_include_pad=True). It panics as
// MaxPool2DInto does for shapes and windows that do not fit, and with a
// *ShapeError when out shares memory with x.
func AvgPool2DInto[T Float](out, x *Tensor[T], win Window2D) {
	const op = "AvgPool2DInto"
	noOverlap(op, out, x)
	n, c, h, w, oh, ow := poolCheck(op, win, x.shape, out.shape)
	count := T(win.Kernel[0] * win.Kernel[1])
	var buf [64]int
	taps := poolTaps(win, w, buf[:])
	var pa poolArgs
	pa.init(op, win, h, w)
	for pl := 0; pl < n*c; pl++ {
		avgPoolPlane(out.data[pl*oh*ow:][:oh*ow], x.data[pl*h*w:][:h*w], &pa, taps, oh, ow, count)
	}
}

// AvgPool2DGradInto sets dx [N, C, H, W] = beta·dx + the gradient of
// average pooling for the pooled result's gradient g: every input element
// receives g·(1/(KH·KW)) from each window that covers it, added in
// row-major output order. beta must be 0 (dx is overwritten) or 1. It
// panics with a *ShapeError when the shapes do not fit or dx shares memory
// with g.
func AvgPool2DGradInto[T Float](dx, g *Tensor[T], win Window2D, beta T) {
	const op = "AvgPool2DGradInto"
	noOverlap(op, dx, g)
	n, c, h, w, oh, ow := poolCheck(op, win, dx.shape, g.shape)
	inv := 1 / T(win.Kernel[0]*win.Kernel[1])
	if beta == 0 && pool2x2(win) {
		avgPoolGrad2x2(dx.data, g.data, n*c, h, w, oh, ow, inv)
		return
	}
	poolBeta(op, beta, dx.data)
	var buf [64]int
	taps := poolTaps(win, w, buf[:])
	var pa poolArgs
	pa.init(op, win, h, w)
	for pl := 0; pl < n*c; pl++ {
		avgPoolGradPlane(dx.data[pl*h*w:][:h*w], g.data[pl*oh*ow:][:oh*ow], &pa, taps, oh, ow, inv)
	}
}

// convShifted reports whether each row of an image's columns is the plane
// shifted by a constant offset: stride 1 both ways and an output as wide as
// the input (a "same" convolution, such as 3×3 with padding 1). Row y of a
// tap then starts w elements after row y−1 in both the columns and the
// plane, so a tap's rows are one contiguous run of the plane.
func convShifted(sh, sw, ow, w int) bool {
	return sh == 1 && sw == 1 && ow == w
}

// im2colShift writes one row of the columns (one tap, oh×ow) for a shifted
// window (see convShifted) from plane [h, ow]: the tap reads plane row y+dy,
// column o+dx, valid for output columns [lo, hi). It copies the valid rows
// as one run, then zeros what the run read from the neighbouring rows (the
// columns outside [lo, hi)) and the rows that fall in the padding.
func im2colShift[T Float](row, plane []T, oh, ow, h, dy, dx, lo, hi int) {
	ylo, yhi := convRange(oh, 1, dy, h)
	if lo >= hi || ylo >= yhi {
		clear(row)
		return
	}
	clear(row[:ylo*ow])
	clear(row[yhi*ow:])
	start, end := ylo*ow+lo, (yhi-1)*ow+hi
	shift := dy*ow + dx
	copy(row[start:end], plane[start+shift:end+shift])
	clearEdges(row, ow, ylo, yhi, lo, hi)
}

// col2imShift is im2colShift's adjoint: it adds one row of the columns into
// plane [h, ow], dropping the taps in the padding. It first sets the
// dropped elements of the valid rows to 0 in row, so that the valid rows
// add as one run: the zeros land on the neighbouring rows' elements, and
// adding +0 leaves every element's bits as they were (a sum that starts
// from +0 is never −0).
func col2imShift[T Float](plane, row []T, oh, ow, h, dy, dx, lo, hi int) {
	ylo, yhi := convRange(oh, 1, dy, h)
	if ylo >= yhi {
		return
	}
	clearEdges(row, ow, ylo, yhi, lo, hi)
	start, end := ylo*ow+lo, (yhi-1)*ow+hi
	shift := dy*ow + dx
	src := row[start:end]
	dst := plane[start+shift : end+shift]
	dst = dst[:len(src)]
	for o, v := range src {
		dst[o] += v
	}
}

// clearEdges zeros columns [0, lo) and [hi, ow) of rows [ylo, yhi) of a
// tap's row of columns (ow wide). The gaps are a column or two for the
// usual windows: a loop of stores, where clear would call memclr twice per
// row.
func clearEdges[T Float](row []T, ow, ylo, yhi, lo, hi int) {
	var zero T
	for y := ylo; y < yhi; y++ {
		seg := row[y*ow:][:ow]
		for o := range seg[:lo] {
			seg[o] = zero
		}
		for o := hi; o < len(seg); o++ {
			seg[o] = zero
		}
	}
}
