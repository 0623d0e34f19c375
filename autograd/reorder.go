package autograd

import (
	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the linear operations of the cumulative family that move
// or add up elements along axes: Cumsum, Flip, Roll, Tril, Triu, Diagonal,
// Repeat and RepeatInterleave (and, in sort.go, the gathers of Sort, TopK,
// Cummax and Cummin). Each is a pair of tensor kernels, the move and its
// adjoint, and one state type serves them all: the derivative of a move is
// its adjoint applied to g, recorded as an op whose own derivative is the
// move again, so gradients of every order work and the fused and recorded
// derivatives run the same kernel (bit for bit). None has a kink.

// reorderKind names the move of a reorderOp.
type reorderKind uint8

const (
	reoCumsum reorderKind = iota
	reoGather             // out = x gathered along axis at ints (Sort, TopK, Cummax, Cummin)
	reoFlip
	reoRoll
	reoTril
	reoTriu
	reoDiagonal
	reoRepeat
	reoInterleave
)

// reorderOp is the state of a linear move: its kind and arguments, and
// whether this node applies the move's adjoint. For Sort, TopK, Cummax and
// Cummin it also holds the Index returned to the caller, whose shape lives
// in shape.
type reorderOp[T Float] struct {
	kind        reorderKind
	adj         bool
	name        string // the forward op's name
	axis, k, a2 int
	ints, ints2 []int // axes, shifts, reps, repeats or gather indices
	index       tensor.Index
	shape       [maxStackDims]int
}

func (*reorderOp[T]) slot() stateSlot { return slotReorder }

// apply writes the move (the adjoint when adj) of src into dst, every
// element of it.
func (s *reorderOp[T]) apply(dst, src *tensor.Tensor[T], adj bool) {
	switch s.kind {
	case reoCumsum:
		tensor.CumsumInto(dst, src, s.axis, adj)
	case reoGather:
		if !adj {
			tensor.GatherAlongInto(dst, src, s.ints, s.axis)
			return
		}
		dst.Fill(0)
		tensor.ScatterAddAlongInto(dst, src, s.ints, s.axis)
	case reoFlip:
		tensor.FlipInto(dst, src, s.ints...)
	case reoRoll:
		if adj {
			tensor.RollBackInto(dst, src, s.ints, s.ints2)
		} else {
			tensor.RollInto(dst, src, s.ints, s.ints2)
		}
	case reoTril:
		tensor.TrilInto(dst, src, s.k)
	case reoTriu:
		tensor.TriuInto(dst, src, s.k)
	case reoDiagonal:
		if !adj {
			tensor.DiagonalInto(dst, src, s.k, s.axis, s.a2)
			return
		}
		dst.Fill(0)
		tensor.DiagonalAddInto(dst, src, s.k, s.axis, s.a2)
	case reoRepeat:
		if !adj {
			tensor.RepeatInto(dst, src, s.ints)
			return
		}
		dst.Fill(0)
		tensor.RepeatAddInto(dst, src, s.ints)
	case reoInterleave:
		if !adj {
			tensor.RepeatInterleaveInto(dst, src, s.ints, s.axis)
			return
		}
		dst.Fill(0)
		tensor.RepeatInterleaveAddInto(dst, src, s.ints, s.axis)
	}
}

// opName is the name of the node that applies the move (the adjoint when
// adj): the op's own name, or it followed by "Backward".
func (s *reorderOp[T]) opName(adj bool) string {
	if !adj {
		return s.name
	}
	switch s.kind {
	case reoFlip, reoTril, reoTriu:
		return s.name // self-adjoint
	}
	return s.name + "Backward"
}

// backward applies the adjoint to g as a recorded op of the same kind,
// whose derivative is the move again.
func (s *reorderOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	ar := arenaOf(g)
	out := ar.like(c.node().inputs[0].value)
	s.apply(out, g.value, !s.adj)
	var d derivative[T]
	if needsGrad(g) {
		t := newState[reorderOp[T]](ar)
		*t = *s
		t.adj, t.index = !s.adj, tensor.Index{}
		d = t
	}
	return []*Var[T]{recordOp(s.opName(!s.adj), out, d, g)}
}

// vjp applies the adjoint to g straight into the input's gradient buffer
// (through a scratch tensor when the buffer already holds a gradient).
func (s *reorderOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	gradInto(c, 0, false, func(dst *tensor.Tensor[T], _ T) { s.apply(dst, g, !s.adj) })
}

// jvp of a move is the same move of the tangent (its adjoint for a node
// that applies the adjoint): the cumulative sum, flip, roll, triangle,
// diagonal or repetition of t, or t gathered at the positions Sort, TopK,
// Cummax or Cummin chose.
func (s *reorderOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	res := tensor.Zeros[T](c.out.value.Shape()...)
	s.apply(res, ts[0], s.adj)
	return res
}

// reorder records the move described by the template s (its kind, name and
// scalar arguments) and ints and ints2 from x into out, which the caller
// has filled. The slices are copied into the arena, never kept (they are
// apart from s because escape analysis does not tell struct fields apart:
// a variadic argument stays on the caller's stack).
func reorder[T Float](ar *Arena[T], x *Var[T], out *tensor.Tensor[T], s reorderOp[T], ints, ints2 []int) *Var[T] {
	var d derivative[T]
	if needsGrad(x) {
		t := newState[reorderOp[T]](ar)
		t.kind, t.name, t.axis, t.k, t.a2 = s.kind, s.name, s.axis, s.k, s.a2
		if ints != nil {
			t.ints = append(ar.intsN(len(ints))[:0], ints...)
		}
		if ints2 != nil {
			t.ints2 = append(ar.intsN(len(ints2))[:0], ints2...)
		}
		d = t
	}
	return recordOp(s.name, out, d, x)
}

// dimsOf appends x's shape to buf (a stack buffer for up to maxStackDims
// axes), without the copy of Shape.
func dimsOf[T Float](buf []int, x *tensor.Tensor[T]) []int {
	for i := range x.Dims() {
		buf = append(buf, x.Dim(i))
	}
	return buf
}

// Cumsum returns the cumulative sum of x along axis (negative counts from
// the end), as torch.cumsum: y[..., i, ...] = Σ_{j≤i} x[..., j, ...]. The
// running sums are kept in float64. It panics with a *tensor.ShapeError for
// an axis out of range.
//
//	d/dx = the reversed cumulative sum of g: dx[..., j, ...] = Σ_{i≥j} g[..., i, ...]
func Cumsum[T Float](x *Var[T], axis int) *Var[T] {
	checkOperands1("Cumsum", x)
	defer relabel("Cumsum")
	ar := arenaOf(x)
	out := ar.like(x.value)
	tensor.CumsumInto(out, x.value, axis, false)
	return reorder(ar, x, out, reorderOp[T]{kind: reoCumsum, name: "Cumsum", axis: axis}, nil, nil)
}

// Flip returns x with the order of its elements along each of axes
// reversed (torch.flip; negative axes count from the end; none leaves x as
// it is, and so does axis 0 or -1 of a 0-d x). It panics with a *tensor.ShapeError for an axis out of range or
// repeated.
//
//	d/dx = Flip(g, axes...)
func Flip[T Float](x *Var[T], axes ...int) *Var[T] {
	checkOperands1("Flip", x)
	defer relabel("Flip")
	ar := arenaOf(x)
	out := ar.like(x.value)
	tensor.FlipInto(out, x.value, axes...)
	return reorder(ar, x, out, reorderOp[T]{kind: reoFlip, name: "Flip"}, axes, nil)
}

// Roll returns x with its elements shifted along axes by shifts, wrapping
// around, as torch.roll: the element at position c along an axis moves to
// (c + shift) mod size. With no axes x is rolled as if flattened, by the one
// shift given. An axis may repeat (its shifts add up); shifts may be
// negative or larger than the axis. It panics with a *tensor.ShapeError
// when shifts and axes differ in number (or there is not exactly one shift
// without axes) or for an axis out of range.
//
//	d/dx = Roll(g, -shifts, axes)
func Roll[T Float](x *Var[T], shifts, axes []int) *Var[T] {
	checkOperands1("Roll", x)
	defer relabel("Roll")
	ar := arenaOf(x)
	out := ar.like(x.value)
	tensor.RollInto(out, x.value, shifts, axes)
	return reorder(ar, x, out, reorderOp[T]{kind: reoRoll, name: "Roll"}, shifts, axes)
}

// Tril returns x with every element above the k-th diagonal of its last two
// axes set to 0 (torch.tril; batched over the leading axes): element (i, j)
// of each matrix is kept when j - i ≤ k. k 0 is the main diagonal, k > 0
// above it, k < 0 below. It panics with a *tensor.ShapeError for x of fewer
// than two axes.
//
//	d/dx = Tril(g, k)
func Tril[T Float](x *Var[T], k int) *Var[T] {
	checkOperands1("Tril", x)
	defer relabel("Tril")
	ar := arenaOf(x)
	out := ar.like(x.value)
	tensor.TrilInto(out, x.value, k)
	return reorder(ar, x, out, reorderOp[T]{kind: reoTril, name: "Tril", k: k}, nil, nil)
}

// Triu returns x with every element below the k-th diagonal of its last two
// axes set to 0 (torch.triu): element (i, j) is kept when j - i ≥ k. It
// panics as Tril does.
//
//	d/dx = Triu(g, k)
func Triu[T Float](x *Var[T], k int) *Var[T] {
	checkOperands1("Triu", x)
	defer relabel("Triu")
	ar := arenaOf(x)
	out := ar.like(x.value)
	tensor.TriuInto(out, x.value, k)
	return reorder(ar, x, out, reorderOp[T]{kind: reoTriu, name: "Triu", k: k}, nil, nil)
}

// Diagonal returns the diagonal of x over axis1 and axis2, as
// torch.diagonal: element i is x at position i along axis1 and i + offset
// along axis2 (offset > 0 above the main diagonal, < 0 below), for every
// position of the other axes. The result has x's other axes in order, then
// the diagonal as its LAST axis (of length min(size1, size2 - offset) for
// offset ≥ 0, possibly 0). It panics with a *tensor.ShapeError for an
// axis out of range or the two axes the same.
//
//	d/dx = zeros of x's shape with g written on that diagonal
func Diagonal[T Float](x *Var[T], offset, axis1, axis2 int) *Var[T] {
	checkOperands1("Diagonal", x)
	defer relabel("Diagonal")
	ar := arenaOf(x)
	var sb, db [maxStackDims]int
	out := ar.tensor(tensor.AppendDiagonalShape(db[:0], dimsOf(sb[:0], x.value), offset, axis1, axis2)...)
	tensor.DiagonalInto(out, x.value, offset, axis1, axis2)
	return reorder(ar, x, out, reorderOp[T]{kind: reoDiagonal, name: "Diagonal", k: offset, axis: axis1, a2: axis2}, nil, nil)
}

// Repeat returns x tiled reps times along each axis, as
// torch.Tensor.repeat: with reps of length r ≥ x's number of axes, x's shape
// is first padded with leading 1s to r axes, and axis i of the result has
// size shape[i]·reps[i]; result[c] = x[c mod shape]. It panics with a
// *tensor.ShapeError for fewer reps than axes or a negative one.
//
//	d/dx = the sum of g's tiles: Σ over the tiles t of g[t·shape + c]
func Repeat[T Float](x *Var[T], reps ...int) *Var[T] {
	checkOperands1("Repeat", x)
	defer relabel("Repeat")
	ar := arenaOf(x)
	var sb, db [maxStackDims]int
	out := ar.tensor(tensor.AppendRepeatShape(db[:0], dimsOf(sb[:0], x.value), reps)...)
	tensor.RepeatInto(out, x.value, reps)
	return reorder(ar, x, out, reorderOp[T]{kind: reoRepeat, name: "Repeat"}, reps, nil)
}

// RepeatInterleave returns x with each element along axis (negative counts
// from the end) repeated repeats times in place, as
// torch.repeat_interleave(x, repeats, dim): [a b] becomes [a a b b] for
// repeats 2. It panics with a *tensor.ShapeError for an axis out of range or
// a negative repeats.
//
//	d/dx = g with each group of repeated elements summed
func RepeatInterleave[T Float](x *Var[T], repeats, axis int) *Var[T] {
	checkOperands1("RepeatInterleave", x)
	defer relabel("RepeatInterleave")
	rs := [1]int{repeats}
	return repeatInterleave(x, rs[:], axis)
}

// RepeatInterleaveEach is RepeatInterleave with a count per element:
// element i along axis is repeated repeats[i] times (0 drops it), as
// torch.repeat_interleave with a tensor of repeats. It panics with a
// *tensor.ShapeError when repeats does not have one entry per element along
// axis or one is negative.
//
//	d/dx = g with each group of repeated elements summed (0 for a dropped one)
func RepeatInterleaveEach[T Float](x *Var[T], repeats []int, axis int) *Var[T] {
	checkOperands1("RepeatInterleaveEach", x)
	defer relabel("RepeatInterleaveEach")
	return repeatInterleave(x, repeats, axis)
}

func repeatInterleave[T Float](x *Var[T], repeats []int, axis int) *Var[T] {
	ar := arenaOf(x)
	var sb, db [maxStackDims]int
	out := ar.tensor(tensor.AppendRepeatInterleaveShape(db[:0], dimsOf(sb[:0], x.value), repeats, axis)...)
	tensor.RepeatInterleaveInto(out, x.value, repeats, axis)
	return reorder(ar, x, out, reorderOp[T]{kind: reoInterleave, name: "RepeatInterleave", axis: axis}, repeats, nil)
}
