package tensor

import "fmt"

// This file holds the index family's kernels on plain tensors: the one
// moving kernel, IndexMoveInto, and Gather, Scatter, ScatterAdd,
// MaskedSelect, IndexArrays and Unfold built on it and on the offsets of
// index_offsets.go. See that file for why indices are *Index.

// IndexMoveInto sets dst = beta·dst + M(src), where M(src) is zero but for
// dst[to[p]] += alpha·w[p]·src[from[p]] over the pairs p in order: a
// gather, a scatter-add or a weighted mix of both, given as flat offsets.
// A nil to or from stands for p itself, a nil w for weights of 1; a pair
// whose weight is 0 moves nothing (not even a NaN: its derivative is
// exactly 0). The number of pairs is the length of to, else of from, else of
// w, else of src. beta must be 0 (dst's old contents are ignored) or 1. It
// panics with a *ShapeError when an offset lies outside its tensor or the
// lengths disagree.
func IndexMoveInto[T Float](dst, src *Tensor[T], to, from []int, w []T, alpha, beta T) {
	noOverlap("IndexMoveInto", dst, src)
	const op = "IndexMoveInto"
	n := len(src.data)
	switch {
	case to != nil:
		n = len(to)
	case from != nil:
		n = len(from)
	case w != nil:
		n = len(w)
	}
	bad := from != nil && len(from) != n || w != nil && len(w) != n ||
		to == nil && n > len(dst.data) || from == nil && n > len(src.data) || beta != 0 && beta != 1
	for p := 0; !bad && p < n; p++ {
		bad = to != nil && uint(to[p]) >= uint(len(dst.data)) || from != nil && uint(from[p]) >= uint(len(src.data))
	}
	if bad {
		panic(shapeErr(op, fmt.Sprintf("%d pairs (to %d, from %d, weights %d) or beta %v do not fit", n, len(to), len(from), len(w), beta), dst.shape, src.shape))
	}
	d, s := dst.data, src.data
	if beta == 0 && to == nil { // each of dst's first n elements is written once
		clear(d[n:])
		for p := range n {
			j := p
			if from != nil {
				j = from[p]
			}
			switch {
			case w == nil && alpha == 1:
				d[p] = s[j]
			case w != nil && w[p] == 0:
				d[p] = 0
			case w != nil:
				d[p] = alpha * w[p] * s[j]
			default:
				d[p] = alpha * s[j]
			}
		}
		return
	}
	if beta == 0 {
		clear(d)
	}
	for p := range n {
		i, j, c := p, p, alpha
		if to != nil {
			i = to[p]
		}
		if from != nil {
			j = from[p]
		}
		if w != nil {
			if w[p] == 0 {
				continue
			}
			c *= w[p]
		}
		if c == 1 {
			d[i] += s[j]
		} else {
			d[i] += c * s[j]
		}
	}
}

// Gather returns the elements of x along axis at the positions index holds,
// as torch.gather: the result has index's shape, and for a 3-D x and axis 1
// result[i][j][k] = x[i][index[i][j][k]][k]. index must have x's rank and no
// larger a size than x on the other axes; negative axes count from the end.
// It panics with a *ShapeError otherwise, or for an index outside [0, size
// of axis), naming its position and value.
func Gather[T Float](x *Tensor[T], axis int, index *Index) *Tensor[T] {
	off := axisOffsets("Gather", make([]int, index.Len()), x.shape, axis, index)
	out := Zeros[T](index.shape...)
	IndexMoveInto(out, x, nil, off, nil, 1, 0)
	return out
}

// scatterOffsets checks Scatter's operands and returns where each element
// of index writes in x and reads in src.
func scatterOffsets[T Float](op string, x *Tensor[T], axis int, index *Index, src *Tensor[T]) (xo, so []int) {
	xo = axisOffsets(op, make([]int, index.Len()), x.shape, axis, index)
	if len(src.shape) != len(index.shape) {
		panic(shapeErr(op, "index and source differ in rank", x.shape, index.shape, src.shape))
	}
	for d, n := range index.shape {
		if n > src.shape[d] {
			panic(shapeErr(op, fmt.Sprintf("index has size %d along axis %d, more than the source's %d", n, d, src.shape[d]), x.shape, index.shape, src.shape))
		}
	}
	return xo, boxOffsets(op, make([]int, index.Len()), src.shape, index.shape)
}

// Scatter returns a copy of x with src's elements written at the positions
// index holds along axis, as torch.scatter: for a 3-D x and axis 1,
// result[i][index[i][j][k]][k] = src[i][j][k] for every element of index.
// src may be larger than index (only the part index covers is read). When an
// index repeats, the last write in index's row-major order wins
// (deterministic; PyTorch leaves it undefined). It panics with a
// *ShapeError as Gather does, or when src is smaller than index.
func Scatter[T Float](x *Tensor[T], axis int, index *Index, src *Tensor[T]) *Tensor[T] {
	xo, so := scatterOffsets("Scatter", x, axis, index, src)
	out := x.Clone()
	for p, i := range xo {
		out.data[i] = src.data[so[p]]
	}
	return out
}

// ScatterAdd returns x with src's elements added at the positions index
// holds along axis, as torch.scatter_add: repeated indices add up, in
// index's row-major order. It panics as Scatter does.
func ScatterAdd[T Float](x *Tensor[T], axis int, index *Index, src *Tensor[T]) *Tensor[T] {
	xo, so := scatterOffsets("ScatterAdd", x, axis, index, src)
	out := x.Clone()
	IndexMoveInto(out, src, xo, so, nil, 1, 1)
	return out
}

// MaskedSelect returns the elements of x where mask is set, as a 1-D tensor,
// as torch.masked_select: mask and x broadcast together, and the elements
// come in the row-major order of their broadcast shape. It panics with a
// *ShapeError when they do not broadcast.
func MaskedSelect[T Float](x *Tensor[T], mask *Mask) *Tensor[T] {
	n := maskedCount("MaskedSelect", x.shape, mask)
	off := maskedOffsets("MaskedSelect", make([]int, n), x.shape, mask)
	out := Zeros[T](n)
	IndexMoveInto(out, x, nil, off, nil, 1, 0)
	return out
}

// IndexArrays returns x[idx[0], idx[1], ...], NumPy's and PyTorch's advanced
// indexing of the leading len(idx) axes by index arrays: the arrays
// broadcast together to a shape B, and the result has shape B followed by
// x's remaining axes, with result[b..., rest...] = x[idx[0][b], ...,
// idx[k-1][b], rest...]. Negative indices count from the end. It panics
// with a *ShapeError for no arrays, more arrays than axes, arrays that do
// not broadcast, or an index out of range, naming the array, position and
// value.
func IndexArrays[T Float](x *Tensor[T], idx ...*Index) *Tensor[T] {
	shape := indexArraysShape("IndexArrays", nil, x.shape, idx)
	out := Zeros[T](shape...)
	off := indexArraysOffsets("IndexArrays", make([]int, len(out.data)), x.shape, idx)
	IndexMoveInto(out, x, nil, off, nil, 1, 0)
	return out
}

// Unfold returns the windows of size elements, step apart, along axis of x,
// as torch.Tensor.unfold: the axis's size becomes the number of windows,
// (n-size)/step + 1 (a remainder too short for a window is dropped), and
// the windows' elements lie along a new last axis. It panics with a
// *ShapeError for an axis out of range, a size outside [0, n] or a step
// below 1.
func Unfold[T Float](x *Tensor[T], axis, size, step int) *Tensor[T] {
	shape := unfoldShape("Unfold", nil, x.shape, axis, size, step)
	out := Zeros[T](shape...)
	off := unfoldOffsets("Unfold", make([]int, len(out.data)), x.shape, axis, size, step)
	IndexMoveInto(out, x, nil, off, nil, 1, 0)
	return out
}
