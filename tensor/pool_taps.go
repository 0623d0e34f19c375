package tensor

import (
	"fmt"
	"math"
)

// This file holds the kernels of the resampling ops over the last two axes
// of a tensor (the planes of an NCHW batch): pooling with any window rule,
// adaptive pooling, interpolation and padding. Each of those is separable:
// output row y reads a few input rows, output column x a few input columns,
// and the window of output (y, x) is their product. So one pair of
// AxisTaps, a list of taps per output position along each axis, describes
// any of them, and three kernels run them all: a weighted sum over the
// window (Resample2DInto, and its adjoint Resample2DAdjointInto) and a
// maximum over it (WindowMax2DInto, with the scatter and gather of its
// indices).

// AxisTaps lists, for every output position o along one axis, the input
// positions its window reads there: N[o] taps, Lo[o], Lo[o]+Step, ...,
// each in [0, In). A linear map also weights them: the first tap by W0[o],
// the others by W[o] (uniform for an average, W0 = 1−λ and W = λ for a
// linear interpolation between two neighbours). An output position with no
// tap (N[o] = 0) reads nothing: it is the fill value of Resample2DInto, or
// an empty window for WindowMax2DInto.
type AxisTaps[T Float] struct {
	In   int   // length of the input axis
	Step int   // distance between consecutive taps of a window, at least 1
	Lo   []int // first tap of each output position (len(Lo) is the output length)
	N    []int // number of taps of each output position
	W0   []T   // weight of each output position's first tap (linear maps only)
	W    []T   // weight of each output position's other taps (linear maps only)
}

// Out returns the output length along the axis.
func (a AxisTaps[T]) Out() int { return len(a.Lo) }

// check panics with a *ShapeError naming op when the taps are not valid
// for an input axis of length in (and, for a linear map, have no weights).
func (a AxisTaps[T]) check(op, axis string, in int, linear bool, shapes ...[]int) {
	bad := func(reason string) {
		panic(shapeErr(op, fmt.Sprintf("%s taps: %s", axis, reason), shapes...))
	}
	switch {
	case a.In != in:
		bad(fmt.Sprintf("input length %d, but the input's axis has %d", a.In, in))
	case a.Step < 1:
		bad(fmt.Sprintf("step %d, want at least 1", a.Step))
	case len(a.N) != len(a.Lo):
		bad(fmt.Sprintf("%d counts for %d positions", len(a.N), len(a.Lo)))
	case linear && (len(a.W0) != len(a.Lo) || len(a.W) != len(a.Lo)):
		bad(fmt.Sprintf("%d and %d weights for %d positions", len(a.W0), len(a.W), len(a.Lo)))
	}
	for o, lo := range a.Lo {
		if n := a.N[o]; n < 0 || (n > 0 && (lo < 0 || lo+(n-1)*a.Step >= in)) {
			bad(fmt.Sprintf("position %d reads %d taps from %d by %d, outside [0, %d)", o, n, lo, a.Step, in))
		}
	}
}

// planeDims returns the number of planes of a tensor of the given shape
// and a plane's height and width: the last two axes, or 1 and the last
// axis of a 1-D tensor.
func planeDims(shape []int) (planes, h, w int) {
	r := len(shape)
	planes, h, w = 1, 1, shape[r-1]
	if r >= 2 {
		h = shape[r-2]
		for _, d := range shape[:r-2] {
			planes *= d
		}
	}
	return planes, h, w
}

// tapsCheck validates the operands of a resampling kernel: in (the input,
// or the input's gradient) and out (the result, or the result's gradient)
// of the same rank, at least 1, with the same leading axes, and the taps
// mapping in's last two axes to out's. It returns the planes and their
// sizes.
func tapsCheck[T Float](op string, in, out []int, rows, cols AxisTaps[T], linear bool) (planes, h, w, oh, ow int) {
	r := len(in)
	if r == 0 || len(out) != r || !SameShape(in[:max(r-2, 0)], out[:max(r-2, 0)]) {
		panic(shapeErr(op, "input and output must have the same rank (at least 1) and the same leading axes", in, out))
	}
	planes, h, w = planeDims(in)
	_, oh, ow = planeDims(out)
	if rows.Out() != oh || cols.Out() != ow {
		panic(shapeErr(op, fmt.Sprintf("taps give a %d×%d output plane", rows.Out(), cols.Out()), in, out))
	}
	rows.check(op, "row", h, linear, in, out)
	cols.check(op, "column", w, linear, in, out)
	return planes, h, w, oh, ow
}

// tapsBeta applies beta (0 or 1) to a gradient buffer before it is added
// into.
func tapsBeta[T Float](op string, beta T, d []T) {
	switch beta {
	case 0:
		clear(d)
	case 1:
	default:
		panic(shapeErr(op, fmt.Sprintf("beta must be 0 or 1, got %v", beta)))
	}
}

// Resample2DInto sets out [..., OH, OW] to the separable linear map of x
// [..., H, W] that rows and cols describe, plane by plane:
//
//	out[y, x] = Σ_a rw_a · Σ_b cw_b · x[rows.Lo[y] + a·rows.Step, cols.Lo[x] + b·cols.Step]
//
// with rw_0 = rows.W0[y] and rw_a = rows.W[y] after it (likewise cw), the
// taps summed in order; an output whose row or column has no tap is fill.
// The leading axes of x and out must agree.
//
// Taps that tile the plane with a mean (see tiles: adaptive or average
// pooling whose sizes divide, global average pooling) take a faster path
// whose last bits may differ from the formula above: each window's
// elements are summed in row-major order, or by SumRow as one run when the
// window spans whole rows (a plane pooled to one row of outputs, 1×1
// included), and the sum divided by KH·KW, as AvgPool2DInto divides.
//
// It panics with a *ShapeError when the operands or the taps do not fit,
// or when out shares memory with x.
func Resample2DInto[T Float](out, x *Tensor[T], rows, cols AxisTaps[T], fill T) {
	noOverlap("Resample2DInto", out, x)
	planes, h, w, oh, ow := tapsCheck("Resample2DInto", x.shape, out.shape, rows, cols, true)
	if kh, kw, ok := tiles(rows, cols); ok {
		meanTilesInto(out.data, x.data, planes, h, w, oh, ow, kh, kw)
		return
	}
	for pl := 0; pl < planes; pl++ {
		plane := x.data[pl*h*w:][:h*w]
		po := out.data[pl*oh*ow:][:oh*ow]
		for y := 0; y < oh; y++ {
			ro := po[y*ow:][:ow]
			ny, iy := rows.N[y], rows.Lo[y]
			if ny == 0 {
				for i := range ro {
					ro[i] = fill
				}
				continue
			}
			for xo := range ro {
				nx, ix := cols.N[xo], cols.Lo[xo]
				if nx == 0 {
					ro[xo] = fill
					continue
				}
				c0, c := cols.W0[xo], cols.W[xo]
				var s T
				for a := 0; a < ny; a++ {
					row := plane[(iy+a*rows.Step)*w:][:w]
					r := c0 * row[ix]
					for b := 1; b < nx; b++ {
						r += c * row[ix+b*cols.Step]
					}
					if a == 0 {
						s = rows.W0[y] * r
					} else {
						s += rows.W[y] * r
					}
				}
				ro[xo] = s
			}
		}
	}
}

// Resample2DAdjointInto sets dx [..., H, W] = beta·dx + the adjoint
// (transpose) of Resample2DInto's linear map applied to g [..., OH, OW]:
// every tap (i, j) of output (y, x) receives rw·cw·g[y, x], added in
// row-major output order. The fill value has no part in it. beta must be 0
// (dx is overwritten) or 1. Taps that tile the plane with a mean (see
// Resample2DInto) give every element of a window g/(KH·KW) instead, added
// to dx (beta 1) or written (beta 0, as 0 + g/(KH·KW)). It panics as
// Resample2DInto does, also when dx shares memory with g.
func Resample2DAdjointInto[T Float](dx, g *Tensor[T], rows, cols AxisTaps[T], beta T) {
	const op = "Resample2DAdjointInto"
	noOverlap(op, dx, g)
	planes, h, w, oh, ow := tapsCheck(op, dx.shape, g.shape, rows, cols, true)
	if kh, kw, ok := tiles(rows, cols); ok {
		if beta != 0 && beta != 1 {
			tapsBeta(op, beta, dx.data) // panics
		}
		meanTilesAdjointInto(dx.data, g.data, planes, h, w, oh, ow, kh, kw, beta == 1)
		return
	}
	tapsBeta(op, beta, dx.data)
	for pl := 0; pl < planes; pl++ {
		plane := dx.data[pl*h*w:][:h*w]
		pg := g.data[pl*oh*ow:][:oh*ow]
		for y := 0; y < oh; y++ {
			rg := pg[y*ow:][:ow]
			ny, iy := rows.N[y], rows.Lo[y]
			for xo, v := range rg {
				nx, ix := cols.N[xo], cols.Lo[xo]
				if nx == 0 {
					continue
				}
				for a := 0; a < ny; a++ {
					rv := rows.W[y] * v
					if a == 0 {
						rv = rows.W0[y] * v
					}
					row := plane[(iy+a*rows.Step)*w:][:w]
					row[ix] += cols.W0[xo] * rv
					for b := 1; b < nx; b++ {
						row[ix+b*cols.Step] += cols.W[xo] * rv
					}
				}
			}
		}
	}
}

// WindowMax2DInto sets out [..., OH, OW] to the maximum of x [..., H, W]
// over each output's window (the product of its row and column taps; the
// weights are not used), and idx (out.Len() of them) to where it is: its
// flat position i·W + j within its H×W plane, PyTorch's max-pooling
// indices. Ties go to the first maximum in row-major window order (top row
// first, each row left to right); a NaN counts as the maximum, the last
// one winning (PyTorch's CPU kernels), so it propagates. An empty window
// (possible with dilation or where the taps leave a gap) gives -Inf and
// index -1. It panics with a *ShapeError when the operands or the taps do
// not fit, or when out shares memory with x.
func WindowMax2DInto[T Float](out *Tensor[T], idx []int, x *Tensor[T], rows, cols AxisTaps[T]) {
	const op = "WindowMax2DInto"
	noOverlap(op, out, x)
	planes, h, w, oh, ow := tapsCheck(op, x.shape, out.shape, rows, cols, false)
	if len(idx) != len(out.data) {
		panic(shapeErr(op, fmt.Sprintf("%d indices for %d outputs", len(idx), len(out.data)), x.shape, out.shape))
	}
	negInf := T(math.Inf(-1))
	k := 0
	for pl := 0; pl < planes; pl++ {
		plane := x.data[pl*h*w:][:h*w]
		for y := 0; y < oh; y++ {
			ny, iy := rows.N[y], rows.Lo[y]
			for xo := 0; xo < ow; xo++ {
				nx, ix := cols.N[xo], cols.Lo[xo]
				best, at := negInf, -1
				for a := 0; a < ny; a++ {
					base := (iy + a*rows.Step) * w
					for b := 0; b < nx; b++ {
						p := base + ix + b*cols.Step
						v := plane[p]
						if at < 0 || v > best || v != v {
							best, at = v, p
						}
					}
				}
				out.data[k], idx[k] = best, at
				k++
			}
		}
	}
}

// planesCheck validates the operands of the index kernels: big [..., H, W]
// and small [..., OH, OW] with the same leading axes, and one index per
// element of small. It returns the planes and their sizes.
func planesCheck(op string, big, small []int, n int) (planes, hw, ohw int) {
	r := len(big)
	if r == 0 || len(small) != r || !SameShape(big[:max(r-2, 0)], small[:max(r-2, 0)]) {
		panic(shapeErr(op, "operands must have the same rank (at least 1) and the same leading axes", big, small))
	}
	planes, h, w := planeDims(big)
	_, oh, ow := planeDims(small)
	if n != planes*oh*ow {
		panic(shapeErr(op, fmt.Sprintf("%d indices for %d elements", n, planes*oh*ow), big, small))
	}
	return planes, h * w, oh * ow
}

// indexErr panics with the *ShapeError of an index outside its plane.
func indexErr(op string, k, t, hw int, shapes ...[]int) {
	panic(shapeErr(op, fmt.Sprintf("index %d (position %d) is outside its plane [0, %d)", t, k, hw), shapes...))
}

// ScatterAddPlanesInto sets dx [..., H, W] = beta·dx + g [..., OH, OW]
// scattered by idx: each g[..., k] is added at the flat position idx[k]
// of its own H×W plane (the gradient of WindowMax2DInto and of max
// pooling), in row-major order; an index of -1 (an empty window) adds
// nothing. beta must be 0 (dx is overwritten) or 1. It panics with a
// *ShapeError when the shapes do not fit, an index is outside its plane,
// or dx shares memory with g.
func ScatterAddPlanesInto[T Float](dx, g *Tensor[T], idx []int, beta T) {
	const op = "ScatterAddPlanesInto"
	noOverlap(op, dx, g)
	planes, hw, ohw := planesCheck(op, dx.shape, g.shape, len(idx))
	tapsBeta(op, beta, dx.data)
	for pl := 0; pl < planes; pl++ {
		plane := dx.data[pl*hw:][:hw]
		ks := idx[pl*ohw:][:ohw]
		for k, v := range g.data[pl*ohw:][:ohw] {
			if t := ks[k]; uint(t) < uint(hw) {
				plane[t] += v
			} else if t != -1 {
				indexErr(op, pl*ohw+k, t, hw, dx.shape, g.shape)
			}
		}
	}
}

// ScatterPlanesInto sets out [..., H, W] to zeros, then writes each x[...,
// k] of x [..., OH, OW] at the flat position idx[k] of its own H×W plane,
// in row-major order, so that the last of repeated indices wins (PyTorch's
// max_unpool2d on the CPU); an index of -1 writes nothing. It panics as
// ScatterAddPlanesInto does, also when out shares memory with x.
func ScatterPlanesInto[T Float](out, x *Tensor[T], idx []int) {
	const op = "ScatterPlanesInto"
	noOverlap(op, out, x)
	planes, hw, ohw := planesCheck(op, out.shape, x.shape, len(idx))
	clear(out.data)
	for pl := 0; pl < planes; pl++ {
		plane := out.data[pl*hw:][:hw]
		ks := idx[pl*ohw:][:ohw]
		for k, v := range x.data[pl*ohw:][:ohw] {
			if t := ks[k]; uint(t) < uint(hw) {
				plane[t] = v
			} else if t != -1 {
				indexErr(op, pl*ohw+k, t, hw, out.shape, x.shape)
			}
		}
	}
}

// GatherPlanesInto sets out [..., OH, OW] to src [..., H, W] read at the
// flat position idx[k] of each element's own H×W plane (0 for an index of
// -1): the adjoint of ScatterAddPlanesInto. It panics as
// ScatterAddPlanesInto does, also when out shares memory with src.
func GatherPlanesInto[T Float](out, src *Tensor[T], idx []int) {
	const op = "GatherPlanesInto"
	noOverlap(op, out, src)
	planes, hw, ohw := planesCheck(op, src.shape, out.shape, len(idx))
	for pl := 0; pl < planes; pl++ {
		plane := src.data[pl*hw:][:hw]
		ks := idx[pl*ohw:][:ohw]
		po := out.data[pl*ohw:][:ohw]
		for k := range po {
			var v T
			if t := ks[k]; uint(t) < uint(hw) {
				v = plane[t]
			} else if t != -1 {
				indexErr(op, pl*ohw+k, t, hw, src.shape, out.shape)
			}
			po[k] = v
		}
	}
}

// tiles reports whether rows and cols describe a mean over windows that
// tile the plane: along each axis, output o reads the k taps [o·k, o·k+k)
// by step 1 (so k·out = in), each weighted 1/k. It returns the windows'
// height and width.
func tiles[T Float](rows, cols AxisTaps[T]) (kh, kw int, ok bool) {
	kh, ok = rows.tile()
	if !ok {
		return 0, 0, false
	}
	kw, ok = cols.tile()
	return kh, kw, ok
}

// tile is tiles for one axis.
func (a AxisTaps[T]) tile() (int, bool) {
	n := a.Out()
	if n == 0 || a.Step != 1 || a.In%n != 0 {
		return 0, false
	}
	k := a.In / n
	wk := 1 / T(k)
	for o, lo := range a.Lo {
		if lo != o*k || a.N[o] != k || a.W0[o] != wk || (k > 1 && a.W[o] != wk) {
			return 0, false
		}
	}
	return k, true
}

// meanTilesInto sets each element of out (planes of oh×ow) to the mean of
// its kh×kw window of x (planes of h×w = oh·kh × ow·kw): the window summed
// in row-major order, or by SumRow when it spans whole rows (one run of
// the plane), divided by kh·kw.
func meanTilesInto[T Float](out, x []T, planes, h, w, oh, ow, kh, kw int) {
	count := T(kh * kw)
	negZero := T(math.Copysign(0, -1))
	if kw == w {
		// ow is 1: window y is the run of rows [y·kh, y·kh+kh).
		for i := range out {
			out[i] = SumRow(x[i*kh*w:][:kh*w]) / count
		}
		return
	}
	for pl := 0; pl < planes; pl++ {
		plane := x[pl*h*w:][:h*w]
		po := out[pl*oh*ow:][:oh*ow]
		for y := 0; y < oh; y++ {
			ro := po[y*ow:][:ow]
			for xo := range ro {
				s := negZero // −0 + v is v, so a window of −0 keeps its sign
				for a := 0; a < kh; a++ {
					for _, v := range plane[(y*kh+a)*w+xo*kw:][:kw] {
						s += v
					}
				}
				ro[xo] = s / count
			}
		}
	}
}

// meanTilesAdjointInto sets every element of dx's window of each element
// v of g to v/(kh·kw), added (add) or written as 0 + v/(kh·kw) (the bits
// of an add into zeros: −0 becomes +0). The windows tile dx, so every
// element is written once.
func meanTilesAdjointInto[T Float](dx, g []T, planes, h, w, oh, ow, kh, kw int, add bool) {
	count := T(kh * kw)
	for pl := 0; pl < planes; pl++ {
		plane := dx[pl*h*w:][:h*w]
		pg := g[pl*oh*ow:][:oh*ow]
		for y := 0; y < oh; y++ {
			for xo, gv := range pg[y*ow:][:ow] {
				v := gv / count
				if !add && v == 0 {
					v = 0 // +0, as 0 + v
				}
				for a := 0; a < kh; a++ {
					seg := plane[(y*kh+a)*w+xo*kw:][:kw]
					if add {
						for i := range seg {
							seg[i] += v
						}
					} else {
						for i := range seg {
							seg[i] = v
						}
					}
				}
			}
		}
	}
}
