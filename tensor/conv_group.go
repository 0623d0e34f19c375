package tensor

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor/internal/gemm"
)

// This file holds the geometry and the image loops shared by the
// convolution kernels of conv_into.go (Conv2D*Into) and conv_transpose.go
// (ConvTranspose2D*Into): grouped convolution, and 1-D convolution as a
// 2-D one over a unit height axis.
//
// Groups. A weight [OC, C/G, KH, KW] splits the C input channels into G
// groups of C/G and the OC output channels into G groups of OC/G; output
// group g sees input group g only. The columns of one image [C·KH·KW,
// OH·OW] are laid out channel by channel, so group g's columns are the
// contiguous rows [g·Kg, (g+1)·Kg) with Kg = (C/G)·KH·KW, group g's weight
// the contiguous rows [g·OCg, (g+1)·OCg) of the weight as [OC, Kg], and
// group g's output the contiguous planes [g·OCg, (g+1)·OCg) of the image's
// result: a grouped convolution is G matrix products per image, each on
// contiguous blocks, and no data moves. The kernels read G from the shapes
// (G = C / the weight's axis 1), as PyTorch's layout determines it.

// convDims are the sizes of a convolution: the input side [N C H W], the
// weight [OC C/G KH KW] and the output side [N OC OH OW], H = 1 for a 1-D
// convolution ([N C W]); k = C·KH·KW is the length of a column over every
// group and p = OH·OW the number of columns of one image; kg = k/G and
// ocg = OC/G are one group's.
type convDims struct{ n, c, h, w, oc, oh, ow, k, p, groups, kg, ocg int }

// pointwise reports whether the columns of one image are the image itself
// (see Window2D.Pointwise): a pointwise window whose every position is
// computed.
func (d convDims) pointwise(win Window2D) bool {
	return win.Pointwise() && d.oh == d.h && d.ow == d.w
}

// convSpatial returns the sizes of an NCHW shape, or of an NCW shape with
// a unit height.
func convSpatial(s []int) (n, c, h, w int) {
	if len(s) == 3 {
		return s[0], s[1], 1, s[2]
	}
	return s[0], s[1], s[2], s[3]
}

// convGeom validates the operands of a convolution kernel and returns its
// sizes: xs the input side, ws the weight, ys the output side (nil: the
// size the window gives) and bias (nil for none). All are NCHW, or all NCW
// with a window whose height components are the unit (Kernel, Stride and
// Dilation 1, Padding 0). With prefix, ys may have fewer rows or columns
// than the window has positions: the kernel then computes the windows of
// its first OH rows and OW columns (a transposed convolution's output
// padding beyond its stride leaves the last ones out). It panics with a
// *ShapeError naming op.
func convGeom(op string, xs, ws []int, win Window2D, ys []int, prefix bool, bias []int) convDims {
	r := len(xs)
	switch {
	case r != 3 && r != 4:
		panic(shapeErr(op, "input must be 4-D [N C H W] (or 3-D [N C L])", xs, ws))
	case len(ws) != r || (ys != nil && len(ys) != r):
		panic(shapeErr(op, "input, weight and output must have the same number of axes", xs, ws, ys))
	case r == 3 && (win.Kernel[0] != 1 || win.Stride[0] != 1 || win.Padding[0] != 0 || win.Dilation[0] != 1):
		panic(shapeErr(op, fmt.Sprintf("a 1-D convolution needs a unit window height, got %+v", win), xs, ws))
	}
	for _, f := range []struct {
		name string
		v    [2]int
		min  int
	}{{"kernel size", win.Kernel, 1}, {"stride", win.Stride, 1}, {"padding", win.Padding, 0}, {"dilation", win.Dilation, 1}} {
		if f.v[0] < f.min || f.v[1] < f.min {
			panic(shapeErr(op, fmt.Sprintf("%s must be at least %d, got %v", f.name, f.min, f.v), xs, ws))
		}
	}
	n, c, h, w := convSpatial(xs)
	oc, cg, kh, kw := convSpatial(ws)
	if kh != win.Kernel[0] || kw != win.Kernel[1] || cg < 1 || c < cg || c%cg != 0 || oc%(c/cg) != 0 {
		panic(shapeErr(op, fmt.Sprintf("weight must be [OC C/G %d %d] for the input's C = %d channels in G groups, "+
			"with OC and C divisible by G", win.Kernel[0], win.Kernel[1], c), xs, ws))
	}
	oh, ow := win.OutSize(h, w)
	if oh <= 0 || ow <= 0 {
		panic(shapeErr(op, fmt.Sprintf("dilated kernel %v is larger than the padded input %v",
			[2]int{win.Dilation[0]*(kh-1) + 1, win.Dilation[1]*(kw-1) + 1}, [2]int{h + 2*win.Padding[0], w + 2*win.Padding[1]}), xs, ws))
	}
	if ys != nil {
		yn, yc, yh, yw := convSpatial(ys)
		ok := yn == n && yc == oc && yh == oh && yw == ow
		if prefix {
			ok = yn == n && yc == oc && yh >= 1 && yh <= oh && yw >= 1 && yw <= ow
		}
		if !ok {
			want := fmt.Sprintf("[%d %d %d %d]", n, oc, oh, ow)
			if r == 3 {
				want = fmt.Sprintf("[%d %d %d]", n, oc, ow)
			}
			if prefix {
				want += " or fewer rows and columns"
			}
			panic(shapeErr(op, "output (gradient) must be "+want, xs, ws, ys))
		}
		oh, ow = yh, yw
	}
	if bias != nil && !SameShape(bias, []int{oc}) {
		panic(shapeErr(op, fmt.Sprintf("bias must be [%d]", oc), xs, ws, bias))
	}
	g := c / cg
	k := c * kh * kw
	return convDims{n: n, c: c, h: h, w: w, oc: oc, oh: oh, ow: ow, k: k, p: oh * ow, groups: g, kg: k / g, ocg: oc / g}
}

// convCols returns the columns of image i: x's own plane for a pointwise
// window, else cols' block i after filling it with the image's columns
// (fill), or as already filled. cols holds every image (all) or one.
func convCols[T Float](d convDims, win Window2D, x, cols []T, i int, all, fill bool) []T {
	if d.pointwise(win) {
		return x[i*d.k*d.p:][:d.k*d.p]
	}
	blk := cols[:d.k*d.p]
	if all {
		blk = cols[i*d.k*d.p:][:d.k*d.p]
	}
	if fill {
		im2colImage(blk, x[i*d.c*d.h*d.w:][:d.c*d.h*d.w], d.c, d.h, d.w, d.oh, d.ow, win)
	}
	return blk
}

// convColsRoom checks that cols has room for the columns of one image
// (returns false) or of all of them (returns true); a pointwise window
// needs none.
func convColsRoom[T Float](op string, d convDims, win Window2D, cols *Tensor[T]) bool {
	if d.pointwise(win) {
		return true
	}
	switch {
	case cols == nil:
	case len(cols.data) == d.n*d.k*d.p:
		return true
	case len(cols.data) == d.k*d.p:
		return false
	}
	var got []int
	if cols != nil {
		got = cols.shape
	}
	panic(shapeErr(op, fmt.Sprintf("columns buffer must hold %d (one image) or %d (every image) elements", d.k*d.p, d.n*d.k*d.p), got))
}

// convForwardImages sets out (output side) to the convolution of x (input
// side) with w, plus bias when not nil: per image, the columns (filled into
// cols, which holds every image when all) times each group's weight.
func convForwardImages[T Float](d convDims, win Window2D, out, x, w, bias, cols []T, all bool) {
	beta := T(0)
	kg, ocg, p := d.kg, d.ocg, d.p
	for i := 0; i < d.n; i++ {
		dst := out[i*d.oc*p:][:d.oc*p]
		if bias != nil {
			for o, b := range bias {
				row := dst[o*p:][:p]
				for j := range row {
					row[j] = b
				}
			}
			beta = 1
		}
		src := convCols(d, win, x, cols, i, all, true)
		for g := 0; g < d.groups; g++ {
			gemm.Gemm(false, false, ocg, p, kg, 1, w[g*ocg*kg:][:ocg*kg], max(1, kg), src[g*kg*p:][:kg*p], max(1, p),
				beta, dst[g*ocg*p:][:ocg*p], max(1, p))
		}
	}
}

// convWeightGradImages sets dw = beta·dw + Σₙ Gₙ·colsₙᵀ group by group.
// Without haveX, cols holds every image's columns already; otherwise each
// image's columns are filled from x into cols (every image when all; x may
// be empty, even nil, when the images have no pixels). work (nil, or the
// weight's size) is where the sum is formed transposed when a group has
// more taps than output channels (see Conv2DWeightGradInto).
func convWeightGradImages[T Float](d convDims, win Window2D, dw, x, g, cols, work []T, haveX, all, haveWork bool, beta T) {
	kg, ocg, p := d.kg, d.ocg, d.p
	trans := haveWork && kg > ocg && d.n > 0
	acc := beta
	if trans {
		acc = 0
	}
	for i := 0; i < d.n; i++ {
		var src []T
		if !haveX {
			src = cols[i*d.k*p:][:d.k*p]
		} else {
			src = convCols(d, win, x, cols, i, all, true)
		}
		gi := g[i*d.oc*p:][:d.oc*p]
		for gr := 0; gr < d.groups; gr++ {
			sg, gg := src[gr*kg*p:][:kg*p], gi[gr*ocg*p:][:ocg*p]
			if trans {
				gemm.Gemm(false, true, kg, ocg, p, 1, sg, max(1, p), gg, max(1, p), acc, work[gr*kg*ocg:][:kg*ocg], max(1, ocg))
			} else {
				gemm.Gemm(false, true, ocg, kg, p, 1, gg, max(1, p), sg, max(1, p), acc, dw[gr*ocg*kg:][:ocg*kg], max(1, kg))
			}
		}
		acc = 1
	}
	if trans {
		for gr := 0; gr < d.groups; gr++ {
			wk := work[gr*kg*ocg:][:kg*ocg]
			for o := 0; o < ocg; o++ {
				row := dw[(gr*ocg+o)*kg:][:kg]
				for r := range row {
					if beta == 0 {
						row[r] = wk[r*ocg+o]
					} else {
						row[r] = beta*row[r] + wk[r*ocg+o]
					}
				}
			}
		}
	}
	if d.n == 0 && beta != 1 {
		for i := range dw {
			dw[i] *= beta
		}
	}
}

// convInputGradImages sets dx (input side) to the gradient of the
// convolution with respect to its input for g (output side): per image and
// group, Wgᵀ·Gg into work (one image's columns), then col2im. A pointwise
// window writes the products into dx directly.
func convInputGradImages[T Float](d convDims, win Window2D, dx, g, w, work []T) {
	kg, ocg, p := d.kg, d.ocg, d.p
	pw := d.pointwise(win)
	for i := 0; i < d.n; i++ {
		gi := g[i*d.oc*p:][:d.oc*p]
		img := dx[i*d.c*d.h*d.w:][:d.c*d.h*d.w]
		dst := work
		if pw {
			dst = img
		}
		for gr := 0; gr < d.groups; gr++ {
			gemm.Gemm(true, false, kg, p, ocg, 1, w[gr*ocg*kg:][:ocg*kg], max(1, kg), gi[gr*ocg*p:][:ocg*p], max(1, p),
				0, dst[gr*kg*p:][:kg*p], max(1, p))
		}
		switch {
		case pw:
		case same3x3(win, d.h, d.w) && d.oh == d.h && d.ow == d.w:
			col2imSame3x3(img, work, d.c, d.h, d.w)
		case dilatedSame(win, d):
			col2imSame3x3Dilated(img, work, d.c, d.h, d.w, win.Dilation[0])
		default:
			clear(img)
			col2imImage(img, work, d.c, d.h, d.w, d.oh, d.ow, win)
		}
	}
}

// dilatedSame reports whether the window of d is a dilated "same" 3×3 one
// that col2imSame3x3Dilated handles, every output position computed.
func dilatedSame(win Window2D, d convDims) bool {
	_, ok := same3x3Dilated(win, d.h, d.w)
	return ok && d.oh == d.h && d.ow == d.w
}
