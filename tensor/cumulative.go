package tensor

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/tensor/internal/vec"
)

// This file holds the scans along one axis: cumulative sums, products,
// extrema and log-sum-exps, each as a kernel that writes into a given
// tensor (so that the result can come from reused memory) and a form that
// returns a new tensor.

// alongAxis returns axis made non-negative and the sizes of the
// [outer, n, inner] view of shape along it: element (o, i, k) is at offset
// (o·n + i)·inner + k. A 0-d tensor is one element along axis 0 (or -1), as
// in PyTorch. It panics with a *ShapeError naming op for an axis out of
// range.
func alongAxis(op string, shape []int, axis int) (ax, outer, n, inner int) {
	if len(shape) == 0 && (axis == 0 || axis == -1) {
		return 0, 1, 1, 1
	}
	ax = shpAxis(op, axis, len(shape), shape)
	outer, n, inner = 1, shape[ax], 1
	for _, d := range shape[:ax] {
		outer *= d
	}
	for _, d := range shape[ax+1:] {
		inner *= d
	}
	return ax, outer, n, inner
}

// AlongAxis returns the sizes of the [outer, n, inner] view of shape along
// axis (negative counts from the end): the number of slices before the axis,
// the axis' length and the stride of one step along it, so that element
// (o, i, k) is at offset (o·n + i)·inner + k. A 0-d shape is one element
// along axis 0 or -1. It panics with a *ShapeError for an axis out of range.
func AlongAxis(shape []int, axis int) (outer, n, inner int) {
	_, outer, n, inner = alongAxis("AlongAxis", shape, axis)
	return outer, n, inner
}

// sameShape panics with a *ShapeError naming op unless dst has x's shape.
func sameShape[T Float](op string, dst, x *Tensor[T]) {
	if !dst.HasShape(x.shape...) {
		panic(shapeErr(op, "destination does not have the shape of the source", x.shape, dst.shape))
	}
}

// scanInto is the loop of the scans: it checks axis and that dst has x's
// shape (panicking with a *ShapeError naming op), then calls scan for each
// slice of x along axis with the offset of its first element, its length
// and the step between its elements (the same in x and dst).
func scanInto[T Float](op string, dst, x *Tensor[T], axis int, scan func(base, n, step int)) {
	_, outer, n, inner := alongAxis(op, x.shape, axis)
	sameShape(op, dst, x)
	sameOrApartInto(op, dst, x)
	for o := range outer {
		for k := range inner {
			scan(o*n*inner+k, n, inner)
		}
	}
}

// CumsumInto sets dst to the cumulative sum of x along axis (negative counts
// from the end): dst[..., i, ...] = Σ_{j≤i} x[..., j, ...], or Σ_{j≥i} when
// reverse (the derivative of the forward one). Each running sum is kept in
// float64, so that a float32 scan of many elements stays accurate. dst may be
// x. It panics with a *ShapeError for an axis out of range, a dst of
// another shape, or a dst that overlaps x without being it.
func CumsumInto[T Float](dst, x *Tensor[T], axis int, reverse bool) {
	const op = "CumsumInto"
	xd, d := x.data, dst.data
	if _, outer, n, inner := alongAxis(op, x.shape, axis); inner > 1 {
		sameShape(op, dst, x)
		sameOrApartInto(op, dst, x)
		for o := range outer {
			cumsumRows(d[o*n*inner:(o+1)*n*inner], xd[o*n*inner:(o+1)*n*inner], n, inner, reverse)
		}
		return
	}
	scanInto(op, dst, x, axis, func(base, n, step int) {
		var acc float64
		for s := range n {
			i := s
			if reverse {
				i = n - 1 - s
			}
			acc += float64(xd[base+i*step])
			d[base+i*step] = T(acc)
		}
	})
}

// cumTile is how many columns cumsumRows carries at once in float64.
const cumTile = 512

// cumsumRows is CumsumInto over one [n, inner] block scanned along its
// rows: whole rows are added to the running row in order (the last one
// first when reverse), so that every access is contiguous, where a walk
// down each column would stride by a row. Each column sees the additions
// of the column walk in the same order, so the bits are the same. d may be
// x.
func cumsumRows[T Float](d, x []T, n, inner int, reverse bool) {
	row := func(s int) int { // the offset of the s-th row scanned
		if reverse {
			return (n - 1 - s) * inner
		}
		return s * inner
	}
	if d64, ok := any(d).([]float64); ok {
		// The running sums are the rows of d themselves: each is exactly
		// the float64 the scan keeps.
		x64 := any(x).([]float64)
		for s := range n {
			r := row(s)
			if s == 0 {
				vec.ArithScalar(vec.OpAdd, d64[r:r+inner], x64[r:r+inner], 0) // 0 + x: -0 becomes +0, as the scan from 0 makes it
				continue
			}
			p := row(s - 1)
			vec.Arith(vec.OpAdd, d64[r:r+inner], d64[p:p+inner], x64[r:r+inner])
		}
		return
	}
	var buf [cumTile]float64
	for c := 0; c < inner; c += cumTile {
		acc := buf[:min(cumTile, inner-c)]
		clear(acc)
		for s := range n {
			r := row(s) + c
			xr, dr := x[r:r+len(acc)], d[r:r+len(acc)]
			for k, v := range xr {
				a := acc[k] + float64(v)
				acc[k] = a
				dr[k] = T(a)
			}
		}
	}
}

// CumprodInto sets dst to the cumulative product of x along axis:
// dst[..., i, ...] = x[..., 0, ...]·…·x[..., i, ...], multiplied left to
// right in float64 and rounded to T, as PyTorch's CPU kernel does: a
// float32 product that leaves float32's range and comes back ([1e20 1e20
// 1e-20 1e-20]: 1e20, +Inf, 1e20, 1) is not lost to an Inf or a 0 on the
// way. dst may be x. It panics as CumsumInto does.
func CumprodInto[T Float](dst, x *Tensor[T], axis int) {
	xd, d := x.data, dst.data
	scanInto("CumprodInto", dst, x, axis, func(base, n, step int) {
		acc := 1.0
		for i := range n {
			acc *= float64(xd[base+i*step])
			d[base+i*step] = T(acc)
		}
	})
}

// CumExtremumInto sets dst to the running maximum of x along axis (the
// running minimum when max is false) and idx, of x's length and layout, to
// the position along axis of the element each value is: as PyTorch's
// cummax and cummin, a later element equal to the running extremum takes
// over (ties go to the LAST index), and a NaN is the extremum from where it
// occurs (a later NaN taking over). dst may be x. It panics as CumsumInto
// does, or when idx has another length.
func CumExtremumInto[T Float](dst *Tensor[T], idx []int, x *Tensor[T], axis int, max bool) {
	const op = "CumExtremumInto"
	if len(idx) != len(x.data) {
		panic(shapeErr(op, fmt.Sprintf("%d indices for %d elements", len(idx), len(x.data)), x.shape))
	}
	xd, d := x.data, dst.data
	scanInto(op, dst, x, axis, func(base, n, step int) {
		var best T
		at := 0
		for i := range n {
			v := xd[base+i*step]
			if i == 0 || v != v || (best == best && ((max && v >= best) || (!max && v <= best))) {
				best, at = v, i
			}
			d[base+i*step] = best
			idx[base+i*step] = at
		}
	})
}

// LogAddExp returns log(e^a + e^b) without overflow or underflow: the
// larger plus log1p(e^-|a-b|). Two -Inf give -Inf, a +Inf gives +Inf, and a
// NaN gives NaN.
func LogAddExp(a, b float64) float64 {
	switch {
	case a != a || b != b:
		return math.NaN()
	case a < b:
		a, b = b, a
	}
	if math.IsInf(a, 0) {
		return a // -Inf only when both are; +Inf whatever b is
	}
	return a + math.Log1p(math.Exp(b-a))
}

// LogCumSumExpInto sets dst to log Σ_{j≤i} e^x[..., j, ...] along axis,
// computed stably in float64 as a running LogAddExp: finite for large
// inputs (1000 + log 2 for [1000 1000]), -Inf only where every term so far
// is -Inf. dst may be x. It panics as CumsumInto does.
func LogCumSumExpInto[T Float](dst, x *Tensor[T], axis int) {
	xd, d := x.data, dst.data
	scanInto("LogCumSumExpInto", dst, x, axis, func(base, n, step int) {
		acc := math.Inf(-1)
		for i := range n {
			acc = LogAddExp(acc, float64(xd[base+i*step]))
			d[base+i*step] = T(acc)
		}
	})
}

// Cumsum returns the cumulative sum of x along axis (see CumsumInto).
func Cumsum[T Float](x *Tensor[T], axis int) *Tensor[T] {
	out := Zeros[T](x.shape...)
	CumsumInto(out, x, axis, false)
	return out
}

// Cumprod returns the cumulative product of x along axis (see CumprodInto).
func Cumprod[T Float](x *Tensor[T], axis int) *Tensor[T] {
	out := Zeros[T](x.shape...)
	CumprodInto(out, x, axis)
	return out
}

// Cummax returns the running maximum of x along axis and the index of each
// value along it (see CumExtremumInto: ties go to the last index).
func Cummax[T Float](x *Tensor[T], axis int) (*Tensor[T], *Index) {
	return cumExtremum(x, axis, true)
}

// Cummin returns the running minimum of x along axis and the index of each
// value along it (see CumExtremumInto: ties go to the last index).
func Cummin[T Float](x *Tensor[T], axis int) (*Tensor[T], *Index) {
	return cumExtremum(x, axis, false)
}

func cumExtremum[T Float](x *Tensor[T], axis int, max bool) (*Tensor[T], *Index) {
	out := Zeros[T](x.shape...)
	idx := make([]int, len(x.data))
	CumExtremumInto(out, idx, x, axis, max)
	return out, &Index{data: idx, shape: append([]int{}, x.shape...)}
}

// LogCumSumExp returns log Σ_{j≤i} e^x along axis (see LogCumSumExpInto).
func LogCumSumExp[T Float](x *Tensor[T], axis int) *Tensor[T] {
	out := Zeros[T](x.shape...)
	LogCumSumExpInto(out, x, axis)
	return out
}
