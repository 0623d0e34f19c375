package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the index family: Gather, Scatter, ScatterAdd, IndexAdd,
// MaskedSelect, IndexArrays and Unfold (ScatterReduce is in
// index_reduce.go), PyTorch's ops that move elements by index.
//
// Indices are *tensor.Index and masks *tensor.Mask, never a Var of floats:
// an index is exact at any size (float32 stops counting at 2^24), it is
// never differentiated (a position has no gradient, and a type of its own
// cannot be passed where a differentiable value is expected), and it
// carries the shape that PyTorch's shape rules need (Gather's index has the
// rank of its input; IndexArrays broadcasts its arrays' shapes).
//
// Every op here is linear in its float inputs (ScatterReduce's weights
// aside), and is described by flat offsets, one per moved element, that
// package tensor builds into the Arena. Its derivative moves the output's
// gradient back along the same offsets, swapped: a gather's derivative is a
// scatter-add (duplicates add up), a scatter-add's a gather. That adjoint
// move is itself a recorded op (IndexMove) whose derivative is the forward
// move, so gradients of gradients work.

// idxMap says how one input of an index op reaches the output: out[to[p]]
// += alpha·w[p]·in[from[p]] over the pairs p (nil to or from: p itself; nil
// w: 1), or, with ident, out = in + (the other input's moves). With
// boxed, a nil from stands for a scatter's source offsets when the source
// has the index's shape: p itself, with the bits that explicit offsets
// give (the derivative adds into zeros, so that a -0 arrives as +0).
type idxMap[T Float] struct {
	to, from []int
	w        []T
	alpha    T
	ident    bool
	boxed    bool
}

// indexOp is the state of the index ops: one map per input. For Scatter,
// scatter is set and maps[1] holds all of its pairs, in index order, not
// only the winners: the derivative finds those as it runs (see
// scatterVJP), so that the forward pass keeps nothing of x's size.
type indexOp[T Float] struct {
	maps    [2]idxMap[T]
	scatter bool
}

func (*indexOp[T]) slot() stateSlot { return slotIndex }

// backward moves g back along each input's map, as a recorded IndexMove.
func (s *indexOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	maps := s.maps
	if s.scatter {
		maps = scatterWinners[T](c.node().inputs[0].value.Len(), s.maps[1].to, s.maps[1].from)
	}
	gs := make([]*Var[T], c.NumInputs())
	for j := range gs {
		if !c.NeedsGrad(j) {
			continue
		}
		m := maps[j]
		if m.ident {
			gs[j] = g
			continue
		}
		from := m.from
		if m.boxed && from == nil {
			from = make([]int, len(m.to))
			for p := range from {
				from[p] = p
			}
		}
		gs[j] = idxMove(g, c.node().inputs[j].value.Shape(), from, m.to, m.w, m.alpha)
	}
	return gs
}

// vjp moves g back into each input's gradient buffer (through a scratch
// tensor when the buffer already holds gradient, so that the sums have the
// bits of a recorded pass).
func (s *indexOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	if s.scatter {
		scatterVJP(c, g, s.maps[1].to, s.maps[1].from)
		return
	}
	for j := range c.NumInputs() {
		if !c.NeedsGrad(j) {
			continue
		}
		m := s.maps[j]
		if m.ident {
			c.addGrad(j, g, 1)
			continue
		}
		if m.to != nil && m.from == nil && m.w == nil && m.alpha == 1 {
			// A plain gather (ScatterAdd's source, IndexAdd's with alpha
			// 1): IndexMoveInto's loop without its checks, the offsets
			// being the op's own.
			gradInto(c, j, false, func(dst *tensor.Tensor[T], _ T) { idxGather(dst.Data(), g.Data(), m.to, m.boxed) })
			continue
		}
		gradInto(c, j, false, func(dst *tensor.Tensor[T], beta T) {
			tensor.IndexMoveInto(dst, g, m.from, m.to, m.w, m.alpha, beta)
		})
	}
}

// jvp of an index op is its move applied to the tangents, each along its
// input's map: res[to[p]] += alpha·w[p]·t[from[p]] (t itself for the
// input a scatter starts from), summed over the inputs with a tangent.
// For Gather, MaskedSelect, IndexArrays and Unfold that is t taken at the
// same offsets; for Scatter, tx where no element of src won and tsrc's
// winners elsewhere; for an IndexMove the same adjoint move of t.
func (s *indexOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	maps := s.maps
	if s.scatter {
		maps = scatterWinners[T](c.node().inputs[0].value.Len(), s.maps[1].to, s.maps[1].from)
	}
	res := tensor.Zeros[T](c.out.value.Shape()...)
	for j, t := range ts {
		if t == nil {
			continue
		}
		m := maps[j]
		if m.ident {
			res.AddInPlace(t)
			continue
		}
		tensor.IndexMoveInto(res, t, m.to, m.from, m.w, m.alpha, 1)
	}
	return res
}

// idxMove records the move out[to[p]] += alpha·w[p]·v[from[p]] into zeros
// of shape: the derivative of the index ops. It is linear in v, and its
// own derivative is the move back:
//
//	d/dv = IndexMove(gg, v's shape, from, to, w, alpha)
func idxMove[T Float](v *Var[T], shape []int, to, from []int, w []T, alpha T) *Var[T] {
	ar := arenaOf(v)
	out := ar.tensor(shape...)
	tensor.IndexMoveInto(out, v.value, to, from, w, alpha, 0)
	var d derivative[T]
	if needsGrad(v) {
		s := newState[indexOp[T]](ar)
		s.maps[0] = idxMap[T]{to: to, from: from, w: w, alpha: alpha}
		d = s
	}
	return recordOp("IndexMove", out, d, v)
}

// idxShape appends t's shape to buf without allocating (Shape copies).
func idxShape[T Float](buf []int, t *tensor.Tensor[T]) []int {
	for i := range t.Dims() {
		buf = append(buf, t.Dim(i))
	}
	return buf
}

// idxIndexShape appends an index array's shape to buf.
func idxIndexShape(buf []int, x *tensor.Index) []int {
	for i := range x.Dims() {
		buf = append(buf, x.Dim(i))
	}
	return buf
}

// idxTake records out[p] = x[off[p]] as the operation op: Gather,
// MaskedSelect, IndexArrays and Unfold, whose derivative adds g[p] into
// x's gradient at off[p] (a scatter-add: elements taken twice get both
// gradients).
func idxTake[T Float](op string, ar *Arena[T], x *Var[T], shape, off []int) *Var[T] {
	out := ar.tensor(shape...)
	tensor.IndexMoveInto(out, x.value, nil, off, nil, 1, 0)
	var d derivative[T]
	if needsGrad(x) {
		s := newState[indexOp[T]](ar)
		s.maps[0] = idxMap[T]{from: off, alpha: 1}
		d = s
	}
	return recordOp(op, out, d, x)
}

// Gather returns the elements of x along axis at the positions index
// holds, as torch.gather: the result has index's shape, and for a 3-D x and
// axis 1, result[i][j][k] = x[i][index[i][j][k]][k]. index must have x's
// rank and no larger a size than x on the other axes; negative axes count
// from the end. The result and the offsets its derivative keeps come from
// x's Arena.
//
//	d/dx = g added into zeros of x's shape at the gathered positions
//	       (torch.scatter_add: a position gathered twice gets both gradients)
//
// It panics with a *tensor.ShapeError for mismatched ranks or sizes, or an
// index outside [0, size of axis), naming its position and value.
func Gather[T Float](x *Var[T], axis int, index *tensor.Index) *Var[T] {
	checkOperands1("Gather", x)
	defer relabel("Gather")
	ar := arenaOf(x)
	var xb, ib [maxStackDims]int
	off := tensor.AxisOffsets(ar.intsN(index.Len()), idxShape(xb[:0], x.value), axis, index)
	return idxTake("Gather", ar, x, idxIndexShape(ib[:0], index), off)
}

// IndexAdd returns x with alpha times the slices of src along axis added at
// the positions index lists, as torch.index_add(x, axis, index, src,
// alpha=alpha): for axis 0, result[index[j]] += alpha·src[j]. index is a
// []int or a 1-D *tensor.Index, with one entry per slice of src along axis;
// src has x's shape otherwise. Repeated indices add up. The result comes
// from the Arena of x (or src).
//
//	d/dx   = g
//	d/dsrc = alpha · g's slices at index along axis (torch.index_select)
//
// It panics with a *tensor.ShapeError for an axis out of range, shapes
// that do not fit, a *tensor.Index that is not 1-D, or an index outside
// [0, size of axis), naming its position and value.
func IndexAdd[T Float, I []int | *tensor.Index](x *Var[T], axis int, index I, src *Var[T], alpha T) *Var[T] {
	checkOperands2("IndexAdd", x, src)
	defer relabel("IndexAdd")
	var idx []int
	switch v := any(index).(type) {
	case []int:
		idx = v
	case *tensor.Index:
		if v.Dims() != 1 {
			panic(shapeErr("IndexAdd", fmt.Sprintf("index must be 1-D, has %d axes", v.Dims()), x.value.Shape(), v.Shape(), src.value.Shape()))
		}
		idx = v.Data()
	}
	xv, sv := x.value, src.value
	r := xv.Dims()
	ax := axis
	if ax < 0 {
		ax += r
	}
	if ax < 0 || ax >= r {
		panic(shapeErr("IndexAdd", fmt.Sprintf("axis %d out of range", axis), xv.Shape(), sv.Shape()))
	}
	ok := sv.Dims() == r
	for d := 0; ok && d < r; d++ {
		ok = d == ax && sv.Dim(d) == len(idx) || d != ax && sv.Dim(d) == xv.Dim(d)
	}
	if !ok {
		panic(shapeErr("IndexAdd", fmt.Sprintf("source must have the input's shape with %d (the number of indices) along axis %d", len(idx), axis), xv.Shape(), sv.Shape()))
	}
	n := xv.Dim(ax)
	for j, v := range idx {
		if v < 0 || v >= n {
			panic(shapeErr("IndexAdd", fmt.Sprintf("index %d at position [%d] out of range [0, %d) along axis %d", v, j, n, axis), xv.Shape(), sv.Shape()))
		}
	}
	ar := arenaOf(x, src)
	xo := ar.intsN(sv.Len())
	inner := 1
	for d := ax + 1; d < r; d++ {
		inner *= xv.Dim(d)
	}
	for p := range xo {
		i, j, o := p%inner, p/inner%len(idx), p/inner/len(idx)
		xo[p] = (o*n+idx[j])*inner + i
	}
	out := ar.like(xv)
	out.CopyFrom(xv)
	tensor.IndexMoveInto(out, sv, xo, nil, nil, alpha, 1)
	var d derivative[T]
	if needsGrad(x, src) {
		s := newState[indexOp[T]](ar)
		s.maps[0] = idxMap[T]{ident: true}
		s.maps[1] = idxMap[T]{to: xo, alpha: alpha}
		d = s
	}
	return recordOp("IndexAdd", out, d, x, src)
}

// MaskedSelect returns the elements of x where mask is set, as a 1-D Var,
// as torch.masked_select: mask and x broadcast together (NumPy's rules),
// and the elements come in the row-major order of the broadcast shape. The
// result comes from x's Arena.
//
//	d/dx = g scattered back to the selected positions, 0 elsewhere; an
//	       element of x that the broadcast repeats gets the sum
//
// It panics with a *tensor.ShapeError when mask does not broadcast with x.
func MaskedSelect[T Float](x *Var[T], mask *tensor.Mask) *Var[T] {
	checkOperands1("MaskedSelect", x)
	defer relabel("MaskedSelect")
	ar := arenaOf(x)
	var xb [maxStackDims]int
	shape := idxShape(xb[:0], x.value)
	n := tensor.MaskedCount(shape, mask)
	off := tensor.MaskedOffsets(ar.intsN(n), shape, mask)
	var ob [1]int
	ob[0] = n
	return idxTake("MaskedSelect", ar, x, ob[:], off)
}

// IndexArrays returns x[idx[0], idx[1], ...]: NumPy's and PyTorch's
// advanced indexing of x's leading len(idx) axes by integer arrays. The
// arrays broadcast together to a shape B, and the result has shape B
// followed by x's remaining axes: result[b..., rest...] = x[idx[0][b], ...,
// idx[k-1][b], rest...]. A negative index counts from the end of its axis.
// With one array it is torch.index_select along axis 0 generalized to an
// index array of any shape. The result comes from x's Arena.
//
//	d/dx = g added back at the selected positions (an accumulate-scatter,
//	       index_put with accumulate=True: duplicates add up)
//
// It panics with a *tensor.ShapeError for no arrays, more arrays than
// axes, arrays that do not broadcast, or an index out of range, naming the
// array, the position and the value.
func IndexArrays[T Float](x *Var[T], idx ...*tensor.Index) *Var[T] {
	checkOperands1("IndexArrays", x)
	defer relabel("IndexArrays")
	ar := arenaOf(x)
	var xb [maxStackDims]int
	var ob [2 * maxStackDims]int
	shape := idxShape(xb[:0], x.value)
	out := tensor.IndexArraysShape(ob[:0], shape, idx...)
	n := 1
	for _, d := range out {
		n *= d
	}
	off := tensor.IndexArraysOffsets(ar.intsN(n), shape, idx...)
	return idxTake("IndexArrays", ar, x, out, off)
}

// Unfold returns the windows of size elements, step apart, along axis of x,
// as torch.Tensor.unfold(axis, size, step): the axis's size becomes the
// number of windows, (n-size)/step + 1 (a remainder too short for a window
// is dropped), and each window's elements lie along a new last axis. The
// result comes from x's Arena.
//
//	d/dx = the windows of g added back where they came from (overlapping
//	       windows sum, elements in no window get 0)
//
// It panics with a *tensor.ShapeError for an axis out of range, a size
// outside [0, n] or a step below 1.
func Unfold[T Float](x *Var[T], axis, size, step int) *Var[T] {
	checkOperands1("Unfold", x)
	defer relabel("Unfold")
	ar := arenaOf(x)
	var xb [maxStackDims]int
	var ob [maxStackDims + 1]int
	shape := idxShape(xb[:0], x.value)
	out := tensor.UnfoldShape(ob[:0], shape, axis, size, step)
	n := 1
	for _, d := range out {
		n *= d
	}
	off := tensor.UnfoldOffsets(ar.intsN(n), shape, axis, size, step)
	return idxTake("Unfold", ar, x, out, off)
}
