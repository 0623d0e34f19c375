package tensor

import (
	"fmt"
	"strings"
)

// This file holds the geometry of the index family (Gather, Scatter,
// ScatterAdd, ScatterReduce, IndexAdd, MaskedSelect, IndexArrays, Unfold):
// each of those ops moves elements between row-major tensors, and every one
// of them is described by flat offsets, one per moved element, that the
// builders below compute and check. One kernel, IndexMoveInto, then does the
// moving for the forward passes and, with its offsets swapped, for the
// derivatives.
//
// Indices are *Index, never a Tensor of floats: an index is exact at any
// size (a float32 stops counting at 2^24), is never differentiated (a mask
// or a position has no gradient, and a type of its own cannot be passed
// where a differentiable value is expected), and carries the shape that the
// ops' shape rules need (Gather's index must have the rank of its input).
//
// The builders write into a slice the caller gives (an autodiff engine's
// arena) and allocate nothing for tensors of up to shpStack axes. They panic
// with a *ShapeError naming the op, the index's position and its value for
// an index out of range.

// idxPos formats a position for an error message, as "[1 0 2]".
func idxPos(coord []int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, c := range coord {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprint(&b, c)
	}
	b.WriteByte(']')
	return b.String()
}

// idxCoord returns the coordinates of flat position p in shape.
func idxCoord(p int, shape []int) []int {
	c := make([]int, len(shape))
	for ax := len(shape) - 1; ax >= 0; ax-- {
		if shape[ax] > 0 {
			c[ax] = p % shape[ax]
			p /= shape[ax]
		}
	}
	return c
}

// idxFits reports whether dst has room for n offsets.
func idxFits(op string, dst []int, n int) []int {
	if cap(dst) < n {
		panic(shapeErr(op, fmt.Sprintf("offset buffer of capacity %d for %d offsets", cap(dst), n)))
	}
	return dst[:n]
}

// AxisOffsets returns, for each element of index in row-major order, the
// flat offset in a row-major tensor of shape of the element at the same
// coordinates except along axis, where the coordinate is the index's value:
// where torch.gather reads and torch.scatter writes. dst must have room for
// index.Len() offsets. The index must have the rank of shape and no larger a
// size than shape on any other axis (PyTorch's rule); negative axes count
// from the end. It panics with a *ShapeError otherwise, or for an index
// value outside [0, size of axis), naming its position and value.
func AxisOffsets(dst []int, shape []int, axis int, index *Index) []int {
	return axisOffsets("AxisOffsets", dst, shape, axis, index)
}

func axisOffsets(op string, dst []int, shape []int, axis int, index *Index) []int {
	r := len(shape)
	if index.Dims() != r {
		panic(shapeErr(op, fmt.Sprintf("index has %d axes, the input %d", index.Dims(), r), shape, index.shape))
	}
	ax := shpAxis(op, axis, r, shape)
	for d := range r {
		if d != ax && index.shape[d] > shape[d] {
			panic(shapeErr(op, fmt.Sprintf("index has size %d along axis %d, more than the input's %d", index.shape[d], d, shape[d]), shape, index.shape))
		}
	}
	dst = idxFits(op, dst, index.Len())
	if len(dst) == 0 {
		return dst
	}
	var cb, sb [shpStack]int
	coord, st := shpInts(cb[:], r), shpStrides(shpInts(sb[:], r), shape)
	clear(coord)
	n := shape[ax]
	// The index row by row (its last axis), where the offset grows by 1
	// per element, or is the value itself when the last axis is the
	// scattered one; the coordinates before the last advance per row.
	last := index.shape[r-1]
	sa := st[ax]
	base := 0 // offset of the row's first element with 0 along axis
	for p0 := 0; p0 < len(dst); p0 += last {
		row, out := index.data[p0:p0+last], dst[p0:p0+last]
		if ax == r-1 {
			for k, v := range row {
				if uint(v) >= uint(n) {
					axisOffsetsPanic(op, shape, axis, index, p0+k)
				}
				out[k] = base + v
			}
		} else {
			for k, v := range row {
				if uint(v) >= uint(n) {
					axisOffsetsPanic(op, shape, axis, index, p0+k)
				}
				out[k] = base + v*sa + k
			}
		}
		// Advance coord and base together, over the axes before the last.
		for d := r - 2; d >= 0; d-- {
			coord[d]++
			if d != ax {
				base += st[d]
			}
			if coord[d] < index.shape[d] {
				break
			}
			if d != ax {
				base -= st[d] * coord[d]
			}
			coord[d] = 0
		}
	}
	return dst
}

// axisOffsetsPanic panics with the error of axisOffsets for the index
// value at flat position p, outside [0, size of axis).
func axisOffsetsPanic(op string, shape []int, axis int, index *Index, p int) {
	ax := shpAxis(op, axis, len(shape), shape)
	panic(shapeErr(op, fmt.Sprintf("index %d at position %s out of range [0, %d) along axis %d", index.data[p], idxPos(idxCoord(p, index.shape)), shape[ax], axis), shape, index.shape))
}

// BoxOffsets returns the flat offsets in a row-major tensor of shape of the
// elements of the box [0, box[d]) along every axis d, in the box's row-major
// order: where Scatter reads its source when the source is larger than the
// index. dst must have room for the box's elements. It panics with a
// *ShapeError when the box has another rank or does not fit in shape.
func BoxOffsets(dst []int, shape, box []int) []int {
	return boxOffsets("BoxOffsets", dst, shape, box)
}

func boxOffsets(op string, dst []int, shape, box []int) []int {
	n, ok := numElements(box)
	if !ok || len(box) != len(shape) {
		panic(shapeErr(op, "box and shape differ in rank", shape, box))
	}
	for d := range shape {
		if box[d] > shape[d] {
			panic(shapeErr(op, fmt.Sprintf("box has size %d along axis %d, more than %d", box[d], d, shape[d]), shape, box))
		}
	}
	dst = idxFits(op, dst, n)
	if n == 0 {
		return dst
	}
	r := len(shape)
	var cb, sb [shpStack]int
	coord, st := shpInts(cb[:], r), shpStrides(shpInts(sb[:], r), shape)
	clear(coord)
	off := 0
	for p := range dst {
		dst[p] = off
		for d := r - 1; d >= 0; d-- {
			coord[d]++
			off += st[d]
			if coord[d] < box[d] {
				break
			}
			off -= st[d] * coord[d]
			coord[d] = 0
		}
	}
	return dst
}

// idxBroadcast writes the shape that a and b broadcast to into out (of
// length max(len(a), len(b))) and reports whether they do.
func idxBroadcast(out, a, b []int) bool {
	n := len(out)
	for i := 1; i <= n; i++ {
		da, db := 1, 1
		if i <= len(a) {
			da = a[len(a)-i]
		}
		if i <= len(b) {
			db = b[len(b)-i]
		}
		switch {
		case da == db || db == 1:
			out[n-i] = da
		case da == 1:
			out[n-i] = db
		default:
			return false
		}
	}
	return true
}

// idxBroadcastStrides writes into st (of the rank of to) the strides, in
// elements of a row-major tensor of shape from, that walk from broadcast to
// shape to: 0 along new and repeated axes.
func idxBroadcastStrides(st, from, to []int) []int {
	off := len(to) - len(from)
	s := 1
	for i := len(to) - 1; i >= 0; i-- {
		j := i - off
		switch {
		case j < 0 || from[j] == 1:
			st[i] = 0
		default:
			st[i] = s
		}
		if j >= 0 {
			s *= from[j]
		}
	}
	return st
}

// MaskedCount returns the number of elements MaskedSelect selects from a
// tensor of shape with mask: the number of set flags of the mask broadcast
// with shape. It panics with a *ShapeError when they do not broadcast.
func MaskedCount(shape []int, mask *Mask) int {
	return maskedCount("MaskedCount", shape, mask)
}

func maskedCount(op string, shape []int, mask *Mask) int {
	r := max(len(shape), len(mask.shape))
	var bb [shpStack]int
	b := shpInts(bb[:], r)
	if !idxBroadcast(b, shape, mask.shape) {
		panic(shapeErr(op, "mask does not broadcast with the input", shape, mask.shape))
	}
	set := 0
	for _, f := range mask.data {
		if f {
			set++
		}
	}
	total, _ := numElements(b)
	if len(mask.data) == 0 {
		return 0
	}
	return set * (total / len(mask.data))
}

// MaskedOffsets returns the flat offsets in a row-major tensor of shape of
// the elements that MaskedSelect takes, in the row-major order of the shape
// that shape and the mask broadcast to: an element of the tensor that the
// broadcast repeats appears once per set flag over it. dst must have room for
// MaskedCount(shape, mask) offsets. It panics with a *ShapeError when the
// shapes do not broadcast.
func MaskedOffsets(dst []int, shape []int, mask *Mask) []int {
	return maskedOffsets("MaskedOffsets", dst, shape, mask)
}

func maskedOffsets(op string, dst []int, shape []int, mask *Mask) []int {
	dst = idxFits(op, dst, maskedCount(op, shape, mask))
	if len(dst) == 0 {
		return dst
	}
	r := max(len(shape), len(mask.shape))
	var bb, cb, xb, mb [shpStack]int
	b, coord := shpInts(bb[:], r), shpInts(cb[:], r)
	idxBroadcast(b, shape, mask.shape)
	xs, ms := idxBroadcastStrides(shpInts(xb[:], r), shape, b), idxBroadcastStrides(shpInts(mb[:], r), mask.shape, b)
	clear(coord)
	k, xo, mo := 0, 0, 0
	for {
		if mask.data[mo] {
			dst[k] = xo
			k++
		}
		d := r - 1
		for ; d >= 0; d-- {
			coord[d]++
			xo += xs[d]
			mo += ms[d]
			if coord[d] < b[d] {
				break
			}
			xo -= xs[d] * coord[d]
			mo -= ms[d] * coord[d]
			coord[d] = 0
		}
		if d < 0 {
			return dst
		}
	}
}

// IndexArraysShape appends to dst the shape of IndexArrays: the shape the
// index arrays broadcast to, followed by the axes of shape after the
// len(idx) leading ones that the arrays index. It panics with a *ShapeError
// when there are no arrays or more of them than axes, or when they do not
// broadcast.
func IndexArraysShape(dst []int, shape []int, idx ...*Index) []int {
	return indexArraysShape("IndexArraysShape", dst, shape, idx)
}

func indexArraysShape(op string, dst []int, shape []int, idx []*Index) []int {
	if len(idx) == 0 || len(idx) > len(shape) {
		panic(shapeErr(op, fmt.Sprintf("%d index arrays for %d axes", len(idx), len(shape)), shape))
	}
	r := 0
	for _, ix := range idx {
		r = max(r, ix.Dims())
	}
	start := len(dst)
	for range r {
		dst = append(dst, 1)
	}
	b := dst[start:]
	for k, ix := range idx {
		if !idxBroadcast(b, b, ix.shape) {
			panic(shapeErr(op, fmt.Sprintf("index array %d of shape %v does not broadcast with the ones before it", k, ix.shape), shape))
		}
	}
	return append(dst, shape[len(idx):]...)
}

// IndexArraysOffsets returns the flat offsets in a row-major tensor of shape
// of the elements of IndexArrays(x, idx...), in the result's row-major
// order: result[b..., rest...] is x[idx[0][b], ..., idx[k-1][b], rest...]
// with the arrays broadcast together (NumPy's and PyTorch's rule for
// consecutive leading advanced indices). An index may be negative and then
// counts from the end of its axis, as in PyTorch. dst must have room for
// the result's elements. It panics with a *ShapeError as IndexArraysShape
// does, or for an index out of range, naming the array, the position and
// the value.
func IndexArraysOffsets(dst []int, shape []int, idx ...*Index) []int {
	return indexArraysOffsets("IndexArraysOffsets", dst, shape, idx)
}

func indexArraysOffsets(op string, dst []int, shape []int, idx []*Index) []int {
	var ob [2 * shpStack]int
	out := indexArraysShape(op, ob[:0], shape, idx)
	n, _ := numElements(out)
	dst = idxFits(op, dst, n)
	if n == 0 {
		return dst
	}
	k := len(idx)
	br := len(out) - (len(shape) - k) // rank of the broadcast index shape
	b := out[:br]
	inner, _ := numElements(shape[k:])
	var stb [shpStack]int
	st := shpStrides(shpInts(stb[:], len(shape)), shape)
	var cb [shpStack]int
	coord := shpInts(cb[:], br)
	clear(coord)
	// One index-array stride vector per array, on the stack for few arrays.
	var ib [4 * shpStack]int
	var ist []int
	if k*br <= len(ib) {
		ist = ib[:k*br]
	} else {
		ist = make([]int, k*br)
	}
	for j, ix := range idx {
		idxBroadcastStrides(ist[j*br:(j+1)*br], ix.shape, b)
	}
	var pb [shpStack]int
	pos := shpInts(pb[:], k) // flat position in each array
	clear(pos)
	for q := 0; ; q++ {
		base := 0
		for j, ix := range idx {
			v := ix.data[pos[j]]
			if v < -shape[j] || v >= shape[j] {
				panic(shapeErr(op, fmt.Sprintf("index %d of array %d at position %s out of range [%d, %d) for axis %d", v, j, idxPos(idxCoord(pos[j], ix.shape)), -shape[j], shape[j], j), shape, ix.shape))
			}
			if v < 0 {
				v += shape[j]
			}
			base += v * st[j]
		}
		for t := range inner {
			dst[q*inner+t] = base + t
		}
		d := br - 1
		for ; d >= 0; d-- {
			coord[d]++
			for j := range idx {
				pos[j] += ist[j*br+d]
			}
			if coord[d] < b[d] {
				break
			}
			for j := range idx {
				pos[j] -= ist[j*br+d] * coord[d]
			}
			coord[d] = 0
		}
		if d < 0 {
			return dst
		}
	}
}

// UnfoldShape appends to dst the shape of Unfold(x, axis, size, step) for
// x of shape: shape with the axis's size replaced by the number of windows,
// (n-size)/step + 1, and a last axis of size. It panics with a *ShapeError
// for an axis out of range, a size outside [0, n] or a step below 1.
func UnfoldShape(dst []int, shape []int, axis, size, step int) []int {
	return unfoldShape("UnfoldShape", dst, shape, axis, size, step)
}

func unfoldShape(op string, dst []int, shape []int, axis, size, step int) []int {
	r := len(shape)
	ax := 0
	if r > 0 {
		ax = shpAxis(op, axis, r, shape)
	} else if axis != 0 && axis != -1 {
		panic(shapeErr(op, fmt.Sprintf("axis %d out of range", axis), shape))
	}
	n := 1
	if r > 0 {
		n = shape[ax]
	}
	if size < 0 || size > n {
		panic(shapeErr(op, fmt.Sprintf("window size %d outside [0, %d] along axis %d", size, n, axis), shape))
	}
	if step < 1 {
		panic(shapeErr(op, fmt.Sprintf("step %d must be positive", step), shape))
	}
	dst = append(dst, shape...)
	if r > 0 {
		dst[len(dst)-r+ax] = (n-size)/step + 1
	}
	return append(dst, size)
}

// UnfoldOffsets returns the flat offsets in a row-major tensor of shape of
// the elements of Unfold(x, axis, size, step), in the result's row-major
// order: result[..., w, ..., s] is x[..., w·step + s, ...]. dst must have
// room for the result's elements. It panics as UnfoldShape does.
func UnfoldOffsets(dst []int, shape []int, axis, size, step int) []int {
	return unfoldOffsets("UnfoldOffsets", dst, shape, axis, size, step)
}

func unfoldOffsets(op string, dst []int, shape []int, axis, size, step int) []int {
	var ob [shpStack + 1]int
	out := unfoldShape(op, ob[:0], shape, axis, size, step)
	n, _ := numElements(out)
	dst = idxFits(op, dst, n)
	if n == 0 || len(shape) == 0 {
		for i := range dst {
			dst[i] = 0
		}
		return dst
	}
	ax := shpAxis(op, axis, len(shape), shape)
	outer, inner := shpSplitAt(shape, ax)
	nw, len0 := out[ax], shape[ax]
	q := 0
	for o := range outer {
		for w := range nw {
			for i := range inner {
				for s := range size {
					dst[q] = (o*len0+w*step+s)*inner + i
					q++
				}
			}
		}
	}
	return dst
}
