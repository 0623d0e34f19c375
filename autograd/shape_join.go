package autograd

import (
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the shape ops that join tensors or cut one into pieces:
// Concat, Stack and Split. Each takes its results from the inputs' Arena
// and has a fused derivative that copies or adds each region of the
// gradient where it belongs, with no full-size temporary per input or
// piece.

// maxJoinStack is the number of inputs of Concat and Stack up to which
// they keep their bookkeeping off the heap.
const maxJoinStack = 8

// maxSplitGroup is the number of pieces of a Split up to which the pieces
// and their bookkeeping live in one state (from the Arena under one), so
// that cutting a sequence into its time steps allocates nothing.
const maxSplitGroup = 64

// shpValues returns the values of xs, in buf when they fit.
func shpValues[T Float](buf []*tensor.Tensor[T], xs []*Var[T]) []*tensor.Tensor[T] {
	vals := buf[:0]
	if len(xs) > len(buf) {
		vals = make([]*tensor.Tensor[T], 0, len(xs))
	}
	for _, x := range xs {
		vals = append(vals, x.value)
	}
	return vals
}

// Concat joins xs along an existing axis (negative counts from the end);
// their shapes must agree on every other axis. It panics with a
// *tensor.ShapeError when there are no inputs, the ranks or the other
// dimensions differ, or the axis is out of range.
//
//	d/dxs[i] = the slice of g along axis that xs[i] occupies
func Concat[T Float](axis int, xs ...*Var[T]) *Var[T] {
	checkOperands("Concat", xs...)
	defer relabel("Concat")
	var vb [maxJoinStack]*tensor.Tensor[T]
	vals := shpValues(vb[:], xs)
	if len(xs) == 0 {
		tensor.Concat(axis, vals...) // panics
	}
	first := vals[0]
	r := first.Dims()
	ax := axis
	if ax < 0 {
		ax += r
	}
	ok := ax >= 0 && ax < r
	var sb [maxStackDims]int
	shape := sb[:0]
	for i := 0; ok && i < r; i++ {
		shape = append(shape, first.Dim(i))
	}
	for _, v := range vals[1:] {
		ok = ok && v.Dims() == r
		for i := 0; ok && i < r; i++ {
			ok = i == ax || v.Dim(i) == first.Dim(i)
		}
		if ok = ok && v.Dim(ax) <= math.MaxInt-shape[ax]; ok {
			shape[ax] += v.Dim(ax)
		}
	}
	if !ok {
		tensor.Concat(axis, vals...) // panics, saying why
	}
	out, vn := resultOf(arenaOf(xs...), shape...)
	tensor.ConcatInto(out, ax, vals...)
	var d derivative[T]
	if needsGrad(xs...) {
		d = concatOp[T](ax) // an int below 256 in an interface: no allocation
	}
	return recordOpIn(vn, "Concat", out, d, xs...)
}

// concatOp is Concat's state: the axis (non-negative). It is an int value
// rather than a struct behind a pointer because Go stores an integer below
// 256 in an interface without allocating (a node's derivative is an
// interface).
type concatOp[T Float] int

func (s concatOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	gs := make([]*Var[T], c.NumInputs())
	at := 0
	for i, in := range c.node().inputs {
		n := in.value.Dim(int(s))
		if c.NeedsGrad(i) {
			gs[i] = Slice(g, shpAlong(int(s), at, at+n)...)
		}
		at += n
	}
	return gs
}

// vjp copies (or adds) each input's region of g into its gradient buffer.
func (s concatOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	at := 0
	for i, in := range c.node().inputs {
		if c.NeedsGrad(i) {
			dst, beta := c.gradBuf(i)
			tensor.NarrowInto(dst, g, int(s), at, beta)
		}
		at += in.value.Dim(int(s))
	}
}

// jvp of Concat is the inputs' tangents joined along the axis, zeros in
// the place of an input without one.
func (s concatOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	res := tensor.Zeros[T](c.out.value.Shape()...)
	at := 0
	for i, in := range c.node().inputs {
		if ts[i] != nil {
			tensor.NarrowScatterInto(res, ts[i], int(s), at, 0)
		}
		at += in.value.Dim(int(s))
	}
	return res
}

// Stack joins xs, which must all have one shape, along a new axis at
// position axis, which may be anything from -(rank+1) to rank (negative
// counts from the end of the result). It panics with a *tensor.ShapeError
// when there are no inputs, the shapes differ, or the axis is out of range.
//
//	d/dxs[i] = g at index i of the new axis
func Stack[T Float](axis int, xs ...*Var[T]) *Var[T] {
	checkOperands("Stack", xs...)
	defer relabel("Stack")
	var vb [maxJoinStack]*tensor.Tensor[T]
	vals := shpValues(vb[:], xs)
	if len(xs) == 0 {
		tensor.Stack(axis, vals...) // panics
	}
	first := vals[0]
	r := first.Dims()
	ax := axis
	if ax < 0 {
		ax += r + 1
	}
	ok := ax >= 0 && ax <= r
	for _, v := range vals[1:] {
		ok = ok && v.SameShapeAs(first)
	}
	if !ok {
		tensor.Stack(axis, vals...) // panics, saying why
	}
	var sb [maxStackDims]int
	shape := sb[:0]
	for i := range r {
		if i == ax {
			shape = append(shape, len(xs))
		}
		shape = append(shape, first.Dim(i))
	}
	if ax == r {
		shape = append(shape, len(xs))
	}
	ar := arenaOf(xs...)
	out := ar.tensor(shape...)
	tensor.StackInto(out, ax, vals...)
	var d derivative[T]
	if needsGrad(xs...) {
		s := newState[stackOp[T]](ar)
		s.axis = ax
		d = s
	}
	return recordOp("Stack", out, d, xs...)
}

// stackOp is Stack's state: the new axis (non-negative).
type stackOp[T Float] struct{ axis int }

func (*stackOp[T]) slot() stateSlot { return slotStack }

func (s *stackOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	gs := make([]*Var[T], c.NumInputs())
	for i, in := range c.node().inputs {
		if c.NeedsGrad(i) {
			gs[i] = Reshape(Slice(g, shpAlong(s.axis, i, i+1)...), in.value.Shape()...)
		}
	}
	return gs
}

// vjp copies (or adds) index i of the new axis of g into input i's
// gradient buffer.
func (s *stackOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	for i := range c.node().inputs {
		if c.NeedsGrad(i) {
			dst, beta := c.gradBuf(i)
			tensor.SelectInto(dst, g, s.axis, i, beta)
		}
	}
}

// jvp of Stack is the inputs' tangents stacked along the new axis, zeros
// in the place of an input without one.
func (s *stackOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	res := tensor.Zeros[T](c.out.value.Shape()...)
	var sb [maxStackDims + 1]int
	shape := dimsOf(sb[:0], res)
	shape[s.axis] = 1 // a tangent as a slice of the result: one index of the new axis
	for i, t := range ts {
		if t != nil {
			tensor.NarrowScatterInto(res, t.Reshape(shape...), s.axis, i, 0)
		}
	}
	return res
}

// Split cuts x along axis (negative counts from the end) into consecutive
// pieces of the given sizes, which must be non-negative and add up to the
// size of the axis. Each piece is a slice of x (recorded as "Split"), so
// gradients flow from every piece back into x; without an Arena a piece of
// consecutive elements of x (a split along the first axis of size > 1)
// shares x's memory, as Reshape's result does. It panics with a
// *tensor.ShapeError for an axis out of range or sizes that do not add up.
// Under an Arena the returned slice, like the pieces, belongs to the step.
//
//	d/dx = the pieces' gradients, each at its place along axis (zeros for a piece without one)
func Split[T Float](x *Var[T], axis int, sizes ...int) []*Var[T] {
	checkOperands1("Split", x)
	xv := x.value
	r := xv.Dims()
	ax := axis
	if ax < 0 {
		ax += r
	}
	if ax < 0 || ax >= r {
		panic(shapeErr("Split", fmt.Sprintf("axis %d out of range", axis), xv.Shape()))
	}
	total := 0
	for j, s := range sizes {
		if s < 0 {
			panic(shapeErr("Split", fmt.Sprintf("sizes[%d] = %d is negative", j, s), xv.Shape()))
		}
		total += s
	}
	if total != xv.Dim(ax) {
		panic(shapeErr("Split", fmt.Sprintf("sizes %v add up to %d, axis %d has size %d", slices.Clone(sizes), total, axis, xv.Dim(ax)), xv.Shape()))
	}
	ar := arenaOf(x)
	grad := needsGrad(x)
	var grp *splitGroup[T]
	var pieces []*Var[T]
	if (ar != nil || grad) && len(sizes) <= maxSplitGroup {
		grp = newState[splitGroup[T]](ar)
		pieces = grp.pieces[:len(sizes)]
	} else {
		pieces = make([]*Var[T], len(sizes))
	}
	var sb [maxStackDims]int
	shape := sb[:0]
	for i := range r {
		shape = append(shape, xv.Dim(i))
	}
	// Without an Arena, a piece of consecutive elements of x (every axis
	// before axis has size 1) shares x's memory, as Reshape's result does,
	// instead of being a copy.
	contiguous := ar == nil
	inner := 1
	for i := range r {
		switch {
		case i < ax:
			contiguous = contiguous && xv.Dim(i) == 1
		case i > ax:
			inner *= xv.Dim(i)
		}
	}
	at := 0
	for j, size := range sizes {
		shape[ax] = size
		// Without an Arena a piece's Var, node and state are one
		// allocation (splitPiece), together with its tensor's header
		// (and data, when small) for a copied piece.
		var (
			out *tensor.Tensor[T]
			pc  *splitPiece[T]
		)
		switch {
		case contiguous:
			out = tensor.MustNew(xv.Data()[at*inner:(at+size)*inner:(at+size)*inner], shape...)
			pc = new(splitPiece[T])
		case ar == nil:
			out, pc = tensor.ZerosWith[splitPiece[T], T](shape...)
			tensor.NarrowInto(out, xv, ax, at, 0)
		default:
			out = ar.tensor(shape...)
			tensor.NarrowInto(out, xv, ax, at, 0)
		}
		var (
			d  derivative[T]
			vn *varNode[T]
		)
		if pc != nil {
			vn = &pc.vn
		}
		if grad {
			var s *splitOp[T]
			if pc != nil {
				s = &pc.op
			} else {
				s = newState[splitOp[T]](ar)
			}
			s.grp, s.index, s.axis, s.start, s.size = grp, j, ax, at, size
			d = s
		}
		pieces[j] = recordOpIn(vn, "Split", out, d, x)
		at += size
	}
	return pieces
}

// splitGroup is what the pieces of one Split share: the slice of them that
// Split returns, and which regions of x's gradient buffer may hold a -0
// that a recorded pass would have turned into 0.
//
// A recorded pass adds each piece's gradient to x's as a full-size tensor,
// zero outside the piece; adding that 0 turns a -0 elsewhere into 0, and
// nothing else changes (once an element is not -0, sums never make it -0
// again). The fused derivative writes only the piece's region, so it must
// do the same to the -0s the recorded one would meet. When a piece finds
// x's gradient buffer fresh, it writes its region and clears the rest, so
// from then on a -0 can only be in a region a piece of the group wrote
// that way: buf is that buffer and raw those pieces. A piece that adds into
// buf later cleans the -0s of those regions only; one that adds into a
// buffer another op made cleans everything outside its region.
type splitGroup[T Float] struct {
	pieces [maxSplitGroup]*Var[T]
	buf    *tensor.Tensor[T]
	raw    uint64             // bit j: piece j's region of buf was written as is
	starts [maxSplitGroup]int // each piece's start along the axis, once it has written
	sizes  [maxSplitGroup]int
}

func (*splitGroup[T]) slot() stateSlot { return slotSplitGroup }

// splitOp is the state of one piece of a Split: its place along the axis,
// and its group (nil for more than maxSplitGroup pieces).
type splitOp[T Float] struct {
	grp                      *splitGroup[T]
	index, axis, start, size int
}

func (*splitOp[T]) slot() stateSlot { return slotSplit }

// splitPiece is a piece's Var, node and state, allocated together without
// an Arena.
type splitPiece[T Float] struct {
	vn varNode[T]
	op splitOp[T]
}

func (s *splitOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	return []*Var[T]{shpScatterSlice(g, c.node().inputs[0].value.Shape(), shpAlong(s.axis, s.start, s.start+s.size))}
}

// vjp writes (or adds) g into its region of x's gradient buffer, clearing
// the rest of a fresh buffer; see splitGroup for the -0s.
func (s *splitOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	xv := c.node().inputs[0].value
	dst, beta := c.gradBuf(0)
	outer, inner := 1, 1
	for i := range xv.Dims() {
		switch {
		case i < s.axis:
			outer *= xv.Dim(i)
		case i > s.axis:
			inner *= xv.Dim(i)
		}
	}
	row, lo, hi := xv.Dim(s.axis)*inner, s.start*inner, (s.start+s.size)*inner
	d := dst.Data()
	grp := s.grp
	if beta == 0 {
		for o := range outer {
			r := d[o*row : o*row+row]
			clear(r[:lo])
			clear(r[hi:])
		}
		tensor.NarrowScatterInto(dst, g, s.axis, s.start, 0)
		if grp != nil {
			grp.buf, grp.raw = dst, 1<<s.index
			grp.starts[s.index], grp.sizes[s.index] = s.start, s.size
		}
		return
	}
	if grp != nil && grp.buf == dst {
		for raw := grp.raw &^ (1 << s.index); raw != 0; raw &= raw - 1 {
			j := bits.TrailingZeros64(raw)
			a, b := grp.starts[j]*inner, (grp.starts[j]+grp.sizes[j])*inner
			for o := range outer {
				shpNoNegZero(d[o*row+a : o*row+b])
			}
		}
		grp.raw &= 1 << s.index
	} else {
		for o := range outer {
			r := d[o*row : o*row+row]
			shpNoNegZero(r[:lo])
			shpNoNegZero(r[hi:])
		}
	}
	tensor.NarrowScatterInto(dst, g, s.axis, s.start, 1)
}

// jvp of a piece of Split is the tangent's piece: the same size elements
// from the same start along the axis.
func (s *splitOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	res := tensor.Zeros[T](c.out.value.Shape()...)
	tensor.NarrowInto(res, ts[0], s.axis, s.start, 0)
	return res
}

// shpNoNegZero turns each -0 of d into 0 by adding 0, as the recorded
// pass does (without a branch per element).
func shpNoNegZero[T Float](d []T) {
	for i := range d {
		d[i] += 0
	}
}
