package tensor

import (
	"fmt"
	"math"
	"strconv"
)

// This file holds the kernels that move elements without arithmetic (apart
// from the scatter-add that undoes a gather): permuting axes, inserting and
// removing size-1 axes, strided slicing and its inverse, constant padding,
// concatenation, stacking and selecting by integer index. Each returns a new
// tensor, except Squeeze and Unsqueeze, which are views like Reshape.

// Range selects the elements Start, Start+Step, Start+2·Step, ... before Stop
// along one axis, like Python's start:stop:step. A negative Start or Stop
// counts from the end of the axis (-1 is the last element), and after that
// both are clamped as Python clamps them, so a slice past either end is
// shorter (or empty), never an error.
//
// A negative Step walks backwards, as Python's x[::-1]: it selects Start,
// Start+Step, ... down to (not including) Stop, with Start clamped to the
// last element. Step 0 is an error, as in Python: it used to mean 1, which
// hid the bug of a Range whose Step was forgotten.
//
// Stop has no "omitted" value: use End to run through the last element the
// step reaches, which is the end of the axis for a positive Step and its
// beginning for a negative one. The zero Range is an error (Step 0):
//
//	Range{Start: 1, Stop: End, Step: 2}   // Python's 1::2
//	Range{Start: -3, Stop: End, Step: 1}  // Python's -3:
//	Range{Start: 0, Stop: End, Step: 1}   // Python's :, the whole axis
//	Range{Start: -1, Stop: End, Step: -1} // Python's ::-1, the axis reversed
//	Range{Start: 4, Stop: 1, Step: -1}    // Python's 4:1:-1, elements 4, 3, 2
type Range struct{ Start, Stop, Step int }

// End, as a Range's Stop, selects through the last element that the step
// reaches: the end of the axis for a positive step, its first element for a
// negative one. As a Start with a negative step it is clamped, as any Start
// past the end, to the last element.
const End = math.MaxInt

// resolve returns the first index, the number of elements and the step
// (negative for a backward walk) that r selects along an axis of size n, with
// Python's rules for slice indices. It panics with a *ShapeError naming op,
// the axis and shape when the step is 0. An empty selection starts at 0.
func (r Range) resolve(op string, axis int, shape []int) (start, count, step int) {
	n := shape[axis]
	step = r.Step
	if step == 0 {
		panic(shapeErr(op, fmt.Sprintf("step 0 of axis %d: a slice needs a nonzero step", axis), shape))
	}
	// lo and hi bound the clamped indices: [0, n] forwards, [-1, n-1]
	// backwards (where -1 is "before the first element").
	lo, hi := 0, n
	if step < 0 {
		lo, hi = -1, n-1
	}
	clamp := func(i int) int {
		if i < 0 {
			i += n
			if i < 0 {
				return lo
			}
		}
		return min(i, hi)
	}
	start = clamp(r.Start)
	stop := hi
	if step < 0 {
		stop = lo
	}
	if r.Stop != End {
		stop = clamp(r.Stop)
	}
	switch { // ceil((stop - start)/step), in a form that cannot overflow
	case step > 0 && stop > start:
		count = (stop-start-1)/step + 1
	case step < 0 && start > stop:
		count = int(uint(start-stop-1)/-uint(step)) + 1
	}
	if count == 0 {
		start = 0
	}
	return start, count, step
}

// shpBox is a strided box of elements inside a row-major tensor: a starting
// offset and, per axis, the number of elements and the step in index units.
type shpBox struct {
	off    int
	counts []int
	steps  []int // per-axis stride in elements of the enclosing tensor
}

// shpRowMajor returns the row-major strides of shape.
func shpRowMajor(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

// shpSliceBox resolves ranges (one per leading axis, the rest whole) against
// shape and returns the box they select. It panics naming op when there are
// more ranges than axes or a step is 0.
func shpSliceBox(op string, shape []int, ranges []Range) shpBox {
	if len(ranges) > len(shape) {
		panic(shapeErr(op, fmt.Sprintf("%d ranges for %d axes", len(ranges), len(shape)), shape))
	}
	st := shpRowMajor(shape)
	b := shpBox{counts: append([]int{}, shape...), steps: st}
	for ax, r := range ranges {
		start, count, step := r.resolve(op, ax, shape)
		b.off += start * st[ax]
		b.counts[ax] = count
		b.steps[ax] = step * st[ax]
	}
	return b
}

// shpCopyBox copies between a contiguous tensor data of shape b.counts and
// the box b of big: gather (contig = big[box]) or, with scatter, big[box] =
// contig. Each element of the box is visited once.
func shpCopyBox[T Float](contig, big []T, b shpBox, scatter bool) {
	if len(b.counts) == 0 {
		if scatter {
			big[b.off] = contig[0]
		} else {
			contig[0] = big[b.off]
		}
		return
	}
	last := len(b.counts) - 1
	inner := b.steps[last]
	forRows(b.counts, [][]int{shpRowMajor(b.counts), b.steps}, func(offs []int, n int) {
		c := contig[offs[0] : offs[0]+n]
		o := b.off + offs[1]
		switch {
		case inner == 1 && scatter:
			copy(big[o:o+n], c)
		case inner == 1:
			copy(c, big[o:o+n])
		case scatter:
			for i, v := range c {
				big[o+i*inner] = v
			}
		default:
			for i := range c {
				c[i] = big[o+i*inner]
			}
		}
	})
}

// Slice returns the elements of t that ranges select, one Range per leading
// axis; axes without a Range are taken whole. See Range for the Python-like
// rules (negative indices count from the end, out-of-range bounds clamp, a
// negative step walks backwards). The result is a new tensor. It panics with
// a *ShapeError when there are more ranges than axes or a step is 0.
func Slice[T Float](t *Tensor[T], ranges ...Range) *Tensor[T] {
	b := shpSliceBox("Slice", t.shape, ranges)
	out := Zeros[T](b.counts...)
	if len(out.data) > 0 {
		shpCopyBox(out.data, t.data, b, false)
	}
	return out
}

// ScatterSlice is the inverse of Slice: it returns a zero tensor of the given
// shape with src written at the positions that Slice(·, ranges...) would
// read. It is the derivative of Slice. It panics with a *ShapeError when src
// does not have the shape of that slice.
func ScatterSlice[T Float](src *Tensor[T], shape []int, ranges ...Range) *Tensor[T] {
	if _, ok := numElements(shape); !ok {
		panic(shapeErr("ScatterSlice", "negative dimension or too many elements", src.shape, shape))
	}
	b := shpSliceBox("ScatterSlice", shape, ranges)
	if !SameShape(b.counts, src.shape) {
		panic(shapeErr("ScatterSlice", fmt.Sprintf("source does not have the slice's shape %v", b.counts), src.shape, shape))
	}
	out := Zeros[T](shape...)
	if len(src.data) > 0 {
		shpCopyBox(src.data, out.data, b, true)
	}
	return out
}

// Pad returns t with widths[i][0] elements of value before and widths[i][1]
// after it along each axis i; widths needs one pair per axis. It panics with a
// *ShapeError when the number of pairs differs from the rank or a width is
// negative.
func Pad[T Float](t *Tensor[T], widths [][2]int, value T) *Tensor[T] {
	if len(widths) != len(t.shape) {
		panic(shapeErr("Pad", fmt.Sprintf("%d width pairs for %d axes", len(widths), len(t.shape)), t.shape))
	}
	shape := make([]int, len(t.shape))
	ranges := make([]Range, len(t.shape))
	for ax, w := range widths {
		if w[0] < 0 || w[1] < 0 {
			panic(shapeErr("Pad", fmt.Sprintf("negative width %v for axis %d", w, ax), t.shape))
		}
		if w[0] > math.MaxInt-t.shape[ax] || w[1] > math.MaxInt-t.shape[ax]-w[0] {
			panic(shapeErr("Pad", "padded shape is too large", t.shape))
		}
		shape[ax] = t.shape[ax] + w[0] + w[1]
		ranges[ax] = Range{Start: w[0], Stop: w[0] + t.shape[ax], Step: 1}
	}
	if _, ok := numElements(shape); !ok {
		panic(shapeErr("Pad", "padded shape is too large", t.shape, shape))
	}
	out := Full(value, shape...)
	if len(t.data) > 0 {
		shpCopyBox(t.data, out.data, shpSliceBox("Pad", shape, ranges), true)
	}
	return out
}

// shpAxis normalizes an axis (negative counts from the end) of a tensor of
// the given rank, panicking with a *ShapeError naming op and shape when it
// is out of range.
func shpAxis(op string, axis, rank int, shape []int) int {
	ax := axis
	if ax < 0 {
		ax += rank
	}
	if ax < 0 || ax >= rank {
		panic(shapeErr(op, "axis "+strconv.Itoa(axis)+" out of range", shape))
	}
	return ax
}

// Permute returns t with its axes reordered: axis i of the result is axis
// axes[i] of t (negative axes count from the end), as in torch.permute and
// NumPy's transpose. The result is a new tensor. It panics with a
// *ShapeError when axes is not a permutation of t's axes.
func Permute[T Float](t *Tensor[T], axes ...int) *Tensor[T] {
	perm := shpPermuteAxes("Permute", t.shape, axes)
	r := len(t.shape)
	shape := make([]int, r)
	src := shpRowMajor(t.shape)
	steps := make([]int, r)
	for i, a := range perm {
		shape[i] = t.shape[a]
		steps[i] = src[a]
	}
	out := Zeros[T](shape...)
	if len(out.data) > 0 {
		shpCopyBox(out.data, t.data, shpBox{counts: shape, steps: steps}, false)
	}
	return out
}

// shpPermuteAxes validates axes as a permutation of the axes of shape (negative
// axes count from the end) and returns it with every axis non-negative. It
// panics with a *ShapeError naming op otherwise.
func shpPermuteAxes(op string, shape, axes []int) []int {
	r := len(shape)
	if len(axes) != r {
		panic(shapeErr(op, fmt.Sprintf("axes %v are not a permutation of %d axes", axes, r), shape))
	}
	perm := make([]int, r)
	seen := make([]bool, r)
	for i, a := range axes {
		ax := a
		if ax < 0 {
			ax += r
		}
		if ax < 0 || ax >= r {
			panic(shapeErr(op, fmt.Sprintf("axis %d out of range", a), shape))
		}
		if seen[ax] {
			panic(shapeErr(op, fmt.Sprintf("axis %d repeated", a), shape))
		}
		seen[ax] = true
		perm[i] = ax
	}
	return perm
}

// Squeeze returns a view of t without the given axes, which must have size 1
// (negative axes count from the end); with no axes it drops every size-1
// axis. It panics with a *ShapeError for an axis out of range, repeated, or
// of a size other than 1.
func Squeeze[T Float](t *Tensor[T], axes ...int) *Tensor[T] {
	return t.Reshape(shpSqueezeShape("Squeeze", t.shape, axes)...)
}

// shpSqueezeShape returns shape without the given size-1 axes (every size-1 axis
// when none are given), panicking with a *ShapeError naming op for an axis
// out of range, repeated, or not of size 1.
func shpSqueezeShape(op string, shape, axes []int) []int {
	drop := make([]bool, len(shape))
	if len(axes) == 0 {
		for i, d := range shape {
			drop[i] = d == 1
		}
	} else {
		drop = normalizeAxes(op, shape, axes)
		for i, a := range axes {
			if ax := shpAxis(op, a, len(shape), shape); shape[ax] != 1 {
				panic(shapeErr(op, fmt.Sprintf("axis %d has size %d, not 1", axes[i], shape[ax]), shape))
			}
		}
	}
	out := make([]int, 0, len(shape))
	for i, d := range shape {
		if !drop[i] {
			out = append(out, d)
		}
	}
	return out
}

// Unsqueeze returns a view of t with a new axis of size 1 at position axis,
// which ranges over [-(rank+1), rank]; a negative axis counts from the end of
// the result (-1 appends). It panics with a *ShapeError for an axis out of
// range.
func Unsqueeze[T Float](t *Tensor[T], axis int) *Tensor[T] {
	return t.Reshape(shpUnsqueezeShape("Unsqueeze", t.shape, axis)...)
}

// shpUnsqueezeShape returns shape with a size-1 axis inserted at axis (see
// Unsqueeze), panicking with a *ShapeError naming op when it is out of range.
func shpUnsqueezeShape(op string, shape []int, axis int) []int {
	ax := shpAxis(op, axis, len(shape)+1, shape)
	out := make([]int, 0, len(shape)+1)
	out = append(out, shape[:ax]...)
	out = append(out, 1)
	return append(out, shape[ax:]...)
}

// Concat joins tensors along an existing axis (negative counts from the
// end). Their shapes must agree on every other axis. It panics with a
// *ShapeError when there are no tensors, the ranks or the other dimensions
// differ, the axis is out of range, or the joined length would overflow an
// int (tensors with a zero-size axis can be that long).
func Concat[T Float](axis int, ts ...*Tensor[T]) *Tensor[T] {
	return shpConcat("Concat", axis, ts)
}

// shpConcatAxis validates the shapes of a concatenation along axis and returns
// the axis made non-negative; the error names op.
func shpConcatAxis(op string, axis int, shapes [][]int) int {
	if len(shapes) == 0 {
		panic(shapeErr(op, "no tensors to join"))
	}
	first := shapes[0]
	for _, s := range shapes[1:] {
		if len(s) != len(first) {
			panic(shapeErr(op, "ranks differ", shapes...))
		}
	}
	ax := shpAxis(op, axis, len(first), first)
	for _, s := range shapes[1:] {
		for i := range s {
			if i != ax && s[i] != first[i] {
				panic(shapeErr(op, fmt.Sprintf("shapes differ outside axis %d", axis), shapes...))
			}
		}
	}
	n := 0
	for _, s := range shapes {
		if s[ax] > math.MaxInt-n {
			panic(shapeErr(op, fmt.Sprintf("the lengths along axis %d add up past the largest int", axis), shapes...))
		}
		n += s[ax]
	}
	return ax
}

func shpConcat[T Float](op string, axis int, ts []*Tensor[T]) *Tensor[T] {
	shapes := make([][]int, len(ts))
	for i, t := range ts {
		shapes[i] = t.shape
	}
	ax := shpConcatAxis(op, axis, shapes)
	shape := append([]int{}, ts[0].shape...)
	shape[ax] = 0
	for _, t := range ts {
		shape[ax] += t.shape[ax]
	}
	out := Zeros[T](shape...)
	if len(out.data) == 0 {
		return out
	}
	outer := 1
	for _, d := range shape[:ax] {
		outer *= d
	}
	row := len(out.data) / outer // elements of one outer index in the result
	at := 0
	for _, t := range ts {
		blk := len(t.data) / outer
		for o := 0; o < outer; o++ {
			copy(out.data[o*row+at:o*row+at+blk], t.data[o*blk:o*blk+blk])
		}
		at += blk
	}
	return out
}

// Stack joins tensors of one shape along a new axis at position axis, which
// ranges over [-(rank+1), rank] (negative counts from the end of the
// result). It panics with a *ShapeError when there are no tensors, their
// shapes differ, or the axis is out of range.
func Stack[T Float](axis int, ts ...*Tensor[T]) *Tensor[T] {
	shapes := make([][]int, len(ts))
	for i, t := range ts {
		shapes[i] = t.shape
	}
	expanded := shpStackShape("Stack", axis, shapes)
	views := make([]*Tensor[T], len(ts))
	for i, t := range ts {
		views[i] = &Tensor[T]{data: t.data, shape: expanded}
	}
	return shpConcat("Stack", axis, views)
}

// shpStackShape validates the shapes of a Stack along axis and returns the
// shape each input takes with the new size-1 axis inserted; the error names
// op.
func shpStackShape(op string, axis int, shapes [][]int) []int {
	if len(shapes) == 0 {
		panic(shapeErr(op, "no tensors to join"))
	}
	for _, s := range shapes[1:] {
		if !SameShape(s, shapes[0]) {
			panic(shapeErr(op, "shapes differ", shapes...))
		}
	}
	return shpUnsqueezeShape(op, shapes[0], axis)
}

// IndexSelect returns the slices of t at the given indices along axis
// (negative counts from the end), in order and with repetition allowed: the
// embedding lookup IndexSelect(weights, 0, ids) gives one row per id. The
// result has len(indices) along axis. It panics with a *ShapeError for an
// axis out of range or an index outside [0, size of the axis), naming its
// position and value.
func IndexSelect[T Float](t *Tensor[T], axis int, indices []int) *Tensor[T] {
	ax := shpIndexCheck("IndexSelect", t.shape, axis, indices, t.shape)
	shape := append([]int{}, t.shape...)
	shape[ax] = len(indices)
	out := Zeros[T](shape...)
	if len(out.data) == 0 {
		return out
	}
	outer, inner := shpSplitAt(t.shape, ax)
	n := t.shape[ax]
	for o := 0; o < outer; o++ {
		for j, idx := range indices {
			dst := (o*len(indices) + j) * inner
			src := (o*n + idx) * inner
			copy(out.data[dst:dst+inner], t.data[src:src+inner])
		}
	}
	return out
}

// IndexAdd is the adjoint of IndexSelect: it returns a zero tensor shaped
// like src but with size along axis, into which each slice j of src along
// axis is added at position indices[j]. Repeated indices accumulate (the
// gradient of an embedding whose id occurs twice is the sum of both). It
// panics with a *ShapeError when len(indices) differs from src's size along
// axis, or for an axis or index out of range.
func IndexAdd[T Float](src *Tensor[T], axis int, indices []int, size int) *Tensor[T] {
	ax := shpAxis("IndexAdd", axis, len(src.shape), src.shape)
	if len(indices) != src.shape[ax] {
		panic(shapeErr("IndexAdd", fmt.Sprintf("%d indices for axis %d of size %d", len(indices), axis, src.shape[ax]), src.shape))
	}
	shape := append([]int{}, src.shape...)
	shape[ax] = size
	if _, ok := numElements(shape); !ok {
		panic(shapeErr("IndexAdd", fmt.Sprintf("invalid size %d for axis %d", size, axis), src.shape))
	}
	shpIndexCheck("IndexAdd", shape, ax, indices, src.shape)
	out := Zeros[T](shape...)
	if len(src.data) == 0 {
		return out
	}
	outer, inner := shpSplitAt(shape, ax)
	for o := 0; o < outer; o++ {
		for j, idx := range indices {
			s := (o*len(indices) + j) * inner
			d := (o*size + idx) * inner
			addTo(out.data[d:d+inner], src.data[s:s+inner])
		}
	}
	return out
}

// shpIndexCheck normalizes axis against shape and checks every index against
// the size of that axis; errors name op and report errShape.
func shpIndexCheck(op string, shape []int, axis int, indices []int, errShape []int) int {
	ax := shpAxis(op, axis, len(shape), errShape)
	n := shape[ax]
	for j, idx := range indices {
		if idx < 0 || idx >= n {
			panic(shapeErr(op, fmt.Sprintf("indices[%d] = %d out of range [0, %d) for axis %d", j, idx, n, axis), errShape))
		}
	}
	return ax
}

// shpSplitAt returns the number of elements before axis (the product of the
// leading dimensions) and after it (the product of the trailing ones).
func shpSplitAt(shape []int, axis int) (outer, inner int) {
	outer, inner = 1, 1
	for _, d := range shape[:axis] {
		outer *= d
	}
	for _, d := range shape[axis+1:] {
		inner *= d
	}
	return outer, inner
}
