package tensor

import (
	"fmt"
	"math"
	"strconv"
)

// This file holds the kernels that move elements without arithmetic in the
// ways PyTorch users reach for: flipping and rolling axes, keeping a
// triangle, taking a diagonal, tiling and repeating. Each writes into a
// given tensor, and each has its adjoint (the gradient of the move) beside
// it: an ...AddInto that adds the moved-back elements into a tensor of the
// source's shape. None of them lets dst and x share memory, except where
// said: they panic with a *ShapeError then.

// FlipInto sets dst to x with the order of the elements along each of axes
// reversed (torch.flip); negative axes count from the end, and a 0-d x has
// one element along axis 0 (or -1), as in torch. It panics with a
// *ShapeError for an axis out of range or repeated, or a dst of another
// shape.
func FlipInto[T Float](dst, x *Tensor[T], axes ...int) {
	noOverlap("FlipInto", dst, x)
	const op = "FlipInto"
	sameShape(op, dst, x)
	r := len(x.shape)
	if r == 0 { // one element along axis 0 (or -1), as in torch
		for i, a := range axes {
			if a != 0 && a != -1 {
				panic(shapeErr(op, "axis "+strconv.Itoa(a)+" out of range", x.shape))
			}
			if i > 0 {
				panic(shapeErr(op, "axis "+strconv.Itoa(a)+" repeated", x.shape))
			}
		}
		copy(dst.data, x.data)
		return
	}
	var fb, sb, cb [shpStack]int
	flip := shpInts(fb[:], r)
	clear(flip)
	for _, a := range axes {
		ax := shpAxis(op, a, r, x.shape)
		if flip[ax] != 0 {
			panic(shapeErr(op, "axis "+strconv.Itoa(a)+" repeated", x.shape))
		}
		flip[ax] = 1
	}
	if len(x.data) == 0 {
		return
	}
	st := shpStrides(shpInts(sb[:], r), x.shape)
	off := 0
	for a := range r {
		if flip[a] != 0 {
			off += (x.shape[a] - 1) * st[a]
			st[a] = -st[a]
		}
	}
	c := shpInts(cb[:], r)
	clear(c)
	for i := range dst.data {
		dst.data[i] = x.data[off]
		for a := r - 1; a >= 0; a-- {
			c[a]++
			off += st[a]
			if c[a] < x.shape[a] {
				break
			}
			off -= st[a] * x.shape[a]
			c[a] = 0
		}
	}
}

// RollInto sets dst to x with its elements shifted along axes by shifts,
// wrapping around (torch.roll): element c of x goes to c + shift modulo the
// axis' size. With no axes, x is rolled as if flattened (one shift, over
// all elements in row-major order). An axis may repeat; its shifts add up.
// Negative shifts roll the other way. It panics with a *ShapeError when
// shifts and axes differ in number (one shift without axes), for an axis
// out of range, or a dst of another shape.
func RollInto[T Float](dst, x *Tensor[T], shifts, axes []int) {
	noOverlap("RollInto", dst, x)
	rollInto(dst, x, shifts, axes, 1)
}

// rollInto is RollInto with every shift multiplied by sign (-1 is the
// adjoint, a roll back).
func rollInto[T Float](dst, x *Tensor[T], shifts, axes []int, sign int) {
	const op = "RollInto"
	sameShape(op, dst, x)
	n := len(x.data)
	if len(axes) == 0 {
		if len(shifts) != 1 {
			panic(shapeErr(op, fmt.Sprintf("%d shifts without axes, want 1", len(shifts)), x.shape))
		}
		if n == 0 {
			return
		}
		s := ((sign*shifts[0])%n + n) % n
		copy(dst.data[s:], x.data[:n-s])
		copy(dst.data[:s], x.data[n-s:])
		return
	}
	if len(shifts) != len(axes) {
		panic(shapeErr(op, fmt.Sprintf("%d shifts for %d axes", len(shifts), len(axes)), x.shape))
	}
	r := len(x.shape)
	var hb, sb, cb, kb [shpStack]int
	sh := shpInts(hb[:], r)
	clear(sh)
	for i, a := range axes {
		sh[shpAxis(op, a, r, x.shape)] += sign * shifts[i]
	}
	if n == 0 {
		return
	}
	st := shpStrides(shpInts(sb[:], r), x.shape)
	c, sc := shpInts(cb[:], r), shpInts(kb[:], r)
	off := 0
	for a := range r {
		d := x.shape[a]
		sc[a] = ((-sh[a])%d + d) % d // the source of coordinate 0
		off += sc[a] * st[a]
		c[a] = 0
	}
	for i := range dst.data {
		dst.data[i] = x.data[off]
		for a := r - 1; a >= 0; a-- {
			c[a]++
			sc[a]++
			off += st[a]
			if sc[a] == x.shape[a] {
				sc[a] = 0
				off -= st[a] * x.shape[a]
			}
			if c[a] < x.shape[a] {
				break
			}
			c[a] = 0
		}
	}
}

// RollBackInto is RollInto with the shifts negated: the adjoint of a roll,
// which undoes it.
func RollBackInto[T Float](dst, x *Tensor[T], shifts, axes []int) {
	noOverlap("RollBackInto", dst, x)
	rollInto(dst, x, shifts, axes, -1)
}

// TrilInto sets dst to x with the elements above the k-th diagonal of its
// last two axes set to 0 (torch.tril): element (i, j) of each matrix is
// kept when j - i ≤ k. k 0 is the main diagonal, k > 0 above it, k < 0
// below. dst may be x. It panics with a *ShapeError for x of fewer than two
// axes, a dst of another shape, or a dst that overlaps x without being it.
func TrilInto[T Float](dst, x *Tensor[T], k int) { triangleInto("TrilInto", dst, x, k, false) }

// TriuInto sets dst to x with the elements below the k-th diagonal of its
// last two axes set to 0 (torch.triu): element (i, j) is kept when
// j - i ≥ k. dst may be x. It panics as TrilInto does.
func TriuInto[T Float](dst, x *Tensor[T], k int) { triangleInto("TriuInto", dst, x, k, true) }

func triangleInto[T Float](op string, dst, x *Tensor[T], k int, upper bool) {
	sameShape(op, dst, x)
	sameOrApartInto(op, dst, x)
	r := len(x.shape)
	if r < 2 {
		panic(shapeErr(op, "needs at least two axes", x.shape))
	}
	rows, cols := x.shape[r-2], x.shape[r-1]
	xd, d := x.data, dst.data
	for base := 0; rows*cols > 0 && base < len(xd); base += rows * cols {
		for i := range rows {
			row := base + i*cols
			for j := range cols {
				keep := j-i <= k
				if upper {
					keep = j-i >= k
				}
				if keep {
					d[row+j] = xd[row+j]
				} else {
					d[row+j] = 0
				}
			}
		}
	}
}

// diagPlan is a diagonal of a tensor: the two axes (non-negative), its
// length, and the offset and step in the tensor of its first element and
// of one step along it.
type diagPlan struct {
	a1, a2, n, start, step int
}

// planDiagonal checks a Diagonal's arguments against shape and plans it.
func planDiagonal(op string, shape []int, offset, axis1, axis2 int) diagPlan {
	r := len(shape)
	a1, a2 := shpAxis(op, axis1, r, shape), shpAxis(op, axis2, r, shape)
	if a1 == a2 {
		panic(shapeErr(op, fmt.Sprintf("axes %d and %d are the same", axis1, axis2), shape))
	}
	var sb [shpStack]int
	st := shpStrides(shpInts(sb[:], r), shape)
	// The diagonal starts at row r0, column c0, each clamped to its axis so
	// that no offset overflows (−math.MinInt is math.MinInt).
	r0, c0 := 0, min(max(offset, 0), shape[a2])
	if offset < 0 {
		r0 = shape[a1]
		if offset > -shape[a1] {
			r0 = -offset
		}
	}
	n := max(0, min(shape[a1]-r0, shape[a2]-c0))
	return diagPlan{a1: a1, a2: a2, n: n, start: r0*st[a1] + c0*st[a2], step: st[a1] + st[a2]}
}

// AppendDiagonalShape appends to dst the shape of Diagonal(x, offset,
// axis1, axis2) for x of the given shape: shape without the two axes, then
// the diagonal's length (as torch.diagonal). It panics with a *ShapeError
// for an axis out of range or the two axes the same.
func AppendDiagonalShape(dst, shape []int, offset, axis1, axis2 int) []int {
	p := planDiagonal("Diagonal", shape, offset, axis1, axis2)
	for i, d := range shape {
		if i != p.a1 && i != p.a2 {
			dst = append(dst, d)
		}
	}
	return append(dst, p.n)
}

// DiagonalInto sets dst to the diagonal of x over axis1 and axis2
// (torch.diagonal): element i is x at position i along axis1 and i + offset
// along axis2 (offset > 0 above the main diagonal, < 0 below), for every
// position of the other axes; the diagonal is dst's last axis (see
// AppendDiagonalShape). It panics with a *ShapeError for bad axes or a dst
// of another shape.
func DiagonalInto[T Float](dst, x *Tensor[T], offset, axis1, axis2 int) {
	noOverlap("DiagonalInto", dst, x)
	diagonalMove("DiagonalInto", dst, x, offset, axis1, axis2, false)
}

// DiagonalAddInto adds src, of the shape of a diagonal of dst (see
// DiagonalInto), into that diagonal: the adjoint of DiagonalInto.
func DiagonalAddInto[T Float](dst, src *Tensor[T], offset, axis1, axis2 int) {
	noOverlap("DiagonalAddInto", dst, src)
	diagonalMove("DiagonalAddInto", src, dst, offset, axis1, axis2, true)
}

// diagonalMove copies the diagonal of x into d, or adds d into the
// diagonal of x when add.
func diagonalMove[T Float](op string, d, x *Tensor[T], offset, axis1, axis2 int, add bool) {
	p := planDiagonal(op, x.shape, offset, axis1, axis2)
	r := len(x.shape)
	var db, ob, sb, cb [shpStack]int
	want := AppendDiagonalShape(db[:0], x.shape, offset, axis1, axis2)
	if !d.HasShape(want...) {
		panic(shapeErr(op, "the diagonal's shape differs", x.shape, d.shape))
	}
	if len(d.data) == 0 {
		return
	}
	// The other axes, outermost first: sizes and strides in x.
	xs := shpStrides(shpInts(sb[:], r), x.shape)
	other, strides := ob[:0], cb[:0]
	for i, s := range x.shape {
		if i != p.a1 && i != p.a2 {
			other = append(other, s)
			strides = append(strides, xs[i])
		}
	}
	var ib [shpStack]int
	c := shpInts(ib[:], len(other))
	clear(c)
	base := p.start
	for o := 0; o < len(d.data); o += p.n {
		for i := range p.n {
			if add {
				x.data[base+i*p.step] += d.data[o+i]
			} else {
				d.data[o+i] = x.data[base+i*p.step]
			}
		}
		for a := len(other) - 1; a >= 0; a-- {
			c[a]++
			base += strides[a]
			if c[a] < other[a] {
				break
			}
			base -= strides[a] * other[a]
			c[a] = 0
		}
	}
}

// AppendRepeatShape appends to dst the shape of x tiled reps times
// (torch.Tensor.repeat): with x's shape padded with leading 1s to
// len(reps) axes, axis i has size shape[i]·reps[i]. It panics with a
// *ShapeError when reps has fewer entries than shape has axes or one is
// negative.
func AppendRepeatShape(dst, shape, reps []int) []int {
	pad := len(reps) - len(shape)
	if pad < 0 {
		panic(shapeErr("Repeat", fmt.Sprintf("%d repeats for %d axes: give one per axis at least", len(reps), len(shape)), shape))
	}
	for i, k := range reps {
		if k < 0 {
			panic(shapeErr("Repeat", fmt.Sprintf("negative repeat %d", k), shape))
		}
		d := 1
		if i >= pad {
			d = shape[i-pad]
		}
		if d != 0 && k > math.MaxInt/d {
			panic(shapeErr("Repeat", fmt.Sprintf("axis %d of size %d repeated %d times overflows int", i, d, k), shape))
		}
		dst = append(dst, d*k)
	}
	return dst
}

// RepeatInto sets dst to x tiled reps times along each axis (see
// AppendRepeatShape): dst[c] = x[c mod shape]. It panics with a
// *ShapeError for bad reps or a dst of another shape.
func RepeatInto[T Float](dst, x *Tensor[T], reps []int) {
	noOverlap("RepeatInto", dst, x)
	repeatMove("RepeatInto", dst, x, reps, false)
}

// RepeatAddInto adds every tile of src (of the shape of dst repeated reps
// times) into dst: the adjoint of RepeatInto, a sum over the tiles.
func RepeatAddInto[T Float](dst, src *Tensor[T], reps []int) {
	noOverlap("RepeatAddInto", dst, src)
	repeatMove("RepeatAddInto", src, dst, reps, true)
}

// repeatMove walks big (x tiled) in row-major order with the matching
// offset in x: it copies x into big, or adds big into x when add.
func repeatMove[T Float](op string, big, x *Tensor[T], reps []int, add bool) {
	r := len(reps)
	var wb, xb, sb, cb, kb [shpStack]int
	want := AppendRepeatShape(wb[:0], x.shape, reps)
	if !big.HasShape(want...) {
		panic(shapeErr(op, "the destination does not have the repeated shape", x.shape, big.shape))
	}
	if len(big.data) == 0 {
		return
	}
	xs := shpInts(xb[:], r) // x's shape padded to r axes
	pad := r - len(x.shape)
	for i := range xs {
		xs[i] = 1
		if i >= pad {
			xs[i] = x.shape[i-pad]
		}
	}
	st := shpStrides(shpInts(sb[:], r), xs)
	c, sc := shpInts(cb[:], r), shpInts(kb[:], r)
	clear(c)
	clear(sc)
	off := 0
	for i := range big.data {
		if add {
			x.data[off] += big.data[i]
		} else {
			big.data[i] = x.data[off]
		}
		for a := r - 1; a >= 0; a-- {
			c[a]++
			sc[a]++
			off += st[a]
			if sc[a] == xs[a] {
				sc[a] = 0
				off -= st[a] * xs[a]
			}
			if c[a] < want[a] {
				break
			}
			c[a] = 0
		}
	}
}

// AppendRepeatInterleaveShape appends to dst the shape of
// RepeatInterleave: shape with axis (negative counts from the end) of size
// Σ repeats, where repeats has one entry per element along axis, or a
// single one for all of them. It panics with a *ShapeError for an axis out
// of range, a negative repeat, or repeats of another length.
func AppendRepeatInterleaveShape(dst, shape, repeats []int, axis int) []int {
	ax, _, n, _ := alongAxis("RepeatInterleave", shape, axis)
	if len(repeats) != 1 && len(repeats) != n {
		panic(shapeErr("RepeatInterleave", fmt.Sprintf("%d repeats for %d elements along axis %d", len(repeats), n, axis), shape))
	}
	total := 0
	for i := range n {
		k := repeats[min(i, len(repeats)-1)]
		if k < 0 {
			panic(shapeErr("RepeatInterleave", fmt.Sprintf("negative repeat %d", k), shape))
		}
		if k > math.MaxInt-total {
			panic(shapeErr("RepeatInterleave", fmt.Sprintf("the repeats add up past the largest int (%d + %d)", total, k), shape))
		}
		total += k
	}
	if len(shape) == 0 {
		return append(dst, total)
	}
	dst = append(dst, shape...)
	dst[len(dst)-len(shape)+ax] = total
	return dst
}

// RepeatInterleaveInto sets dst to x with each element along axis repeated
// in place (torch.repeat_interleave): element i repeats[i] times, or
// repeats[0] times when repeats has one entry. A 0-d x is one element
// along axis 0. It panics with a *ShapeError for bad repeats or a dst of
// another shape (see AppendRepeatInterleaveShape).
func RepeatInterleaveInto[T Float](dst, x *Tensor[T], repeats []int, axis int) {
	noOverlap("RepeatInterleaveInto", dst, x)
	interleaveMove("RepeatInterleaveInto", dst, x, repeats, axis, false)
}

// RepeatInterleaveAddInto adds each group of src's repeated elements
// into the element of dst it repeats: the adjoint of RepeatInterleaveInto.
func RepeatInterleaveAddInto[T Float](dst, src *Tensor[T], repeats []int, axis int) {
	noOverlap("RepeatInterleaveAddInto", dst, src)
	interleaveMove("RepeatInterleaveAddInto", src, dst, repeats, axis, true)
}

func interleaveMove[T Float](op string, big, x *Tensor[T], repeats []int, axis int, add bool) {
	var wb [shpStack]int
	want := AppendRepeatInterleaveShape(wb[:0], x.shape, repeats, axis)
	if !big.HasShape(want...) && (len(x.shape) != 0 || len(big.shape) != 1 || big.shape[0] != want[0]) {
		panic(shapeErr(op, "the destination does not have the repeated shape", x.shape, big.shape))
	}
	if len(big.data) == 0 {
		return // nothing to write or add, however many (empty) repeats
	}
	_, outer, n, inner := alongAxis(op, x.shape, axis)
	m := 0
	for i := range n {
		m += repeats[min(i, len(repeats)-1)]
	}
	for o := range outer {
		j := 0
		for i := range n {
			xr := x.data[(o*n+i)*inner : (o*n+i+1)*inner]
			for range repeats[min(i, len(repeats)-1)] {
				br := big.data[(o*m+j)*inner : (o*m+j+1)*inner]
				if add {
					for k, v := range br {
						xr[k] += v
					}
				} else {
					copy(br, xr)
				}
				j++
			}
		}
	}
}
