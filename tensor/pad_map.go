package tensor

import "fmt"

// This file holds the kernels of padding in every mode on any axes: a map
// per axis from output positions to input positions, which is how
// constant, reflect, replicate and circular padding (and cropping, with
// negative widths) all read their input. Each output element reads one
// input element, or none (the fill value).

// padMapCheck validates x, out and the maps (one per axis, len(maps[a]) =
// out's size along a, each entry in [-1, x's size along a)) and returns
// x's strides into xs.
func padMapCheck(op string, x, out []int, maps [][]int, xs []int) {
	r := len(x)
	if len(out) != r || len(maps) != r || r > shpStack {
		panic(shapeErr(op, fmt.Sprintf("%d maps for input and output of ranks %d and %d (at most %d)", len(maps), len(x), len(out), shpStack), x, out))
	}
	for a, m := range maps {
		if len(m) != out[a] {
			panic(shapeErr(op, fmt.Sprintf("axis %d: %d map entries for an output of size %d", a, len(m), out[a]), x, out))
		}
		for o, u := range m {
			if u < -1 || u >= x[a] {
				panic(shapeErr(op, fmt.Sprintf("axis %d: output %d reads %d, outside [0, %d)", a, o, u, x[a]), x, out))
			}
		}
	}
	shpStrides(xs, x)
}

// padMapRows calls row(o, base) for each row (run along the last axis) of
// an output of shape out, in row-major order: o is the row's first flat
// offset, base the flat offset in x (strides xs) of the row it reads,
// without the last axis's term, or -1 when a leading axis's map reads
// nothing there. A 0-d output is one row of one element.
func padMapRows(out, xs []int, maps [][]int, row func(o, base int)) {
	r := len(out)
	n := 1
	for _, d := range out {
		n *= d
	}
	if n == 0 {
		return
	}
	if r == 0 {
		row(0, 0)
		return
	}
	var idx [shpStack]int
	for o := 0; o < n; o += out[r-1] {
		base := 0
		for a := range r - 1 {
			u := maps[a][idx[a]]
			if u < 0 {
				base = -1
				break
			}
			base += u * xs[a]
		}
		row(o, base)
		for a := r - 2; a >= 0; a-- {
			idx[a]++
			if idx[a] < out[a] {
				break
			}
			idx[a] = 0
		}
	}
}

// PadMapInto sets out[o_0, …, o_{r−1}] = x[maps[0][o_0], …,
// maps[r−1][o_{r−1}]], or fill where an axis's map holds −1 (reads
// nothing): padding of any mode on any axes, and cropping. maps has one
// entry per axis, of out's size along it, each in [−1, x's size). It
// panics with a *ShapeError when the operands or the maps do not fit, or
// when out shares memory with x.
func PadMapInto[T Float](out, x *Tensor[T], maps [][]int, fill T) {
	noOverlap("PadMapInto", out, x)
	var xs [shpStack]int
	padMapCheck("PadMapInto", x.shape, out.shape, maps, xs[:len(x.shape)])
	r := len(x.shape)
	if r == 0 {
		copy(out.data, x.data)
		return
	}
	xd, od, last, ls := x.data, out.data, maps[r-1], xs[r-1]
	padMapRows(out.shape, xs[:r], maps, func(o, base int) {
		ro := od[o:][:len(last)]
		if base < 0 {
			for k := range ro {
				ro[k] = fill
			}
			return
		}
		for k, u := range last {
			if u < 0 {
				ro[k] = fill
			} else {
				ro[k] = xd[base+u*ls]
			}
		}
	})
}

// PadMapAdjointInto sets dx = beta·dx + the adjoint (transpose) of
// PadMapInto's map applied to g: each g element is added into dx at the
// position it was read from, in row-major order of g; the fill value has
// no part in it. beta must be 0 (dx is overwritten) or 1. It panics as
// PadMapInto does, also when dx shares memory with g.
func PadMapAdjointInto[T Float](dx, g *Tensor[T], maps [][]int, beta T) {
	const op = "PadMapAdjointInto"
	noOverlap(op, dx, g)
	var xs [shpStack]int
	padMapCheck(op, dx.shape, g.shape, maps, xs[:len(dx.shape)])
	tapsBeta(op, beta, dx.data)
	r := len(dx.shape)
	if r == 0 {
		if len(dx.data) > 0 {
			dx.data[0] += g.data[0]
		}
		return
	}
	dd, gd, last, ls := dx.data, g.data, maps[r-1], xs[r-1]
	padMapRows(g.shape, xs[:r], maps, func(o, base int) {
		if base < 0 {
			return
		}
		rg := gd[o:][:len(last)]
		for k, u := range last {
			if u >= 0 {
				dd[base+u*ls] += rg[k]
			}
		}
	})
}
