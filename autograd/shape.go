package autograd

import (
	"fmt"
	"slices"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the operations that rearrange elements without arithmetic:
// permuting axes, adding and removing size-1 axes, expanding, slicing,
// padding, joining, splitting and selecting by index. All of them are linear,
// so none has a kink, and each derivative is the adjoint rearrangement: a
// slice's is a scatter into zeros, a gather's a scatter-add, and back. The
// adjoints are themselves recorded operations whose derivative is the
// forward one, so gradients of gradients work.

// Range selects the elements Start, Start+Step, ... before Stop along one axis
// of Slice, like Python's start:stop:step. Step 0 means 1 and a negative Step
// panics; a negative Start or Stop counts from the end of the axis, and bounds
// past either end are clamped as Python clamps them (a slice past the end is
// shorter, never an error). Stop tensor.End runs to the end of the axis;
// Range{Stop: tensor.End} is the whole axis, and the zero Range selects
// nothing.
type Range = tensor.Range

// shpAlong returns ranges that select [start, stop) along axis and every
// element of the axes before it.
func shpAlong(axis, start, stop int) []Range {
	rs := make([]Range, axis+1)
	for i := range axis {
		rs[i] = Range{Start: 0, Stop: tensor.End, Step: 1}
	}
	rs[axis] = Range{Start: start, Stop: stop, Step: 1}
	return rs
}

// Permute returns x with its axes reordered: axis i of the result is axis
// axes[i] of x (negative axes count from the end), as torch.permute. Axes
// must be a permutation of x's axes.
//
//	d/dx = Permute(g, inverse of axes)
func Permute[T Float](x *Var[T], axes ...int) *Var[T] {
	defer relabel("Permute")
	out := tensor.Permute(x.value, axes...)
	inv := make([]int, len(axes))
	for i, a := range axes {
		if a < 0 {
			a += len(axes)
		}
		inv[a] = i
	}
	return record("Permute", out, func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Permute(g, inv...)}
	}, x)
}

// Squeeze returns x without the given axes, which must have size 1 (negative
// axes count from the end); with no axes it removes every size-1 axis. It
// panics with a *tensor.ShapeError for an axis out of range, repeated or of
// another size.
//
//	d/dx = g reshaped to x's shape
func Squeeze[T Float](x *Var[T], axes ...int) *Var[T] {
	defer relabel("Squeeze")
	in := x.value.Shape()
	return record("Squeeze", tensor.Squeeze(x.value, axes...), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Reshape(g, in...)}
	}, x)
}

// Unsqueeze returns x with a new axis of size 1 at position axis, which may
// be anything from -(rank+1) to rank: rank (or -1) appends an axis, and a
// negative axis counts from the end of the result.
//
//	d/dx = g reshaped to x's shape
func Unsqueeze[T Float](x *Var[T], axis int) *Var[T] {
	defer relabel("Unsqueeze")
	in := x.value.Shape()
	return record("Unsqueeze", tensor.Unsqueeze(x.value, axis), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Reshape(g, in...)}
	}, x)
}

// Expand is torch's name for BroadcastTo: it returns x expanded to shape
// under NumPy's rules (new leading axes, size-1 axes repeated). As in torch,
// a size of -1 keeps the size of the matching axis of x; it is not allowed
// for a new leading axis. Unlike torch, the result is a new tensor, not a
// view.
//
//	d/dx = SumTo(g, x's shape)
func Expand[T Float](x *Var[T], shape ...int) *Var[T] {
	defer relabel("Expand")
	in := x.value.Shape()
	target := slices.Clone(shape)
	off := len(target) - len(in)
	for i, d := range target {
		if d != -1 {
			continue
		}
		if i < off {
			panic(shapeErr("Expand", fmt.Sprintf("size -1 given for new leading axis %d", i), in, shape))
		}
		target[i] = in[i-off]
	}
	if bs, ok := tensor.BroadcastShapes(in, target); !ok || !tensor.SameShape(bs, target) {
		panic(shapeErr("Expand", "source does not broadcast to the target shape", in, shape))
	}
	return record("Expand", tensor.BroadcastTo(x.value, target...), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{SumTo(g, in...)}
	}, x)
}

// Slice returns the elements of x that ranges select, one Range per leading
// axis; axes without a Range are taken whole. Steps must be positive;
// negative Start and Stop count from the end and out-of-range bounds clamp,
// as in Python (see Range). It panics with a *tensor.ShapeError for more
// ranges than axes or a negative step.
//
//	d/dx = g scattered into zeros of x's shape at the selected positions
func Slice[T Float](x *Var[T], ranges ...Range) *Var[T] {
	return shpSlice("Slice", x, slices.Clone(ranges))
}

// shpSlice is Slice recorded under the name op (Split's pieces are slices).
func shpSlice[T Float](op string, x *Var[T], rs []Range) *Var[T] {
	defer relabel(op)
	in := x.value.Shape()
	return record(op, tensor.Slice(x.value, rs...), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{shpScatterSlice(g, in, rs)}
	}, x)
}

// shpScatterSlice writes g into zeros of shape at the positions ranges
// select: the derivative of Slice, and a linear operation whose own
// derivative is Slice.
//
//	d/dg = Slice(gg, ranges...)
func shpScatterSlice[T Float](g *Var[T], shape []int, rs []Range) *Var[T] {
	defer relabel("ScatterSlice")
	return record("ScatterSlice", tensor.ScatterSlice(g.value, shape, rs...), func(c *Context[T], gg *Var[T]) []*Var[T] {
		return []*Var[T]{Slice(gg, rs...)}
	}, g)
}

// Pad returns x with widths[i][0] copies of value before it and widths[i][1]
// after it along each axis i (constant padding); widths needs exactly one
// pair per axis. It panics with a *tensor.ShapeError for the wrong number of
// pairs or a negative width. The padding is a constant: no gradient flows to
// value.
//
//	d/dx = Slice(g, [widths[i][0], widths[i][0]+size of axis i) per axis)
func Pad[T Float](x *Var[T], widths [][2]int, value T) *Var[T] {
	defer relabel("Pad")
	out := tensor.Pad(x.value, widths, value)
	in := x.value.Shape()
	rs := make([]Range, len(in))
	for ax, w := range widths {
		rs[ax] = Range{Start: w[0], Stop: w[0] + in[ax], Step: 1}
	}
	return record("Pad", out, func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Slice(g, rs...)}
	}, x)
}

// Concat joins xs along an existing axis (negative counts from the end);
// their shapes must agree on every other axis. It panics with a
// *tensor.ShapeError when there are no inputs, the ranks or the other
// dimensions differ, or the axis is out of range.
//
//	d/dxs[i] = the slice of g along axis that xs[i] occupies
func Concat[T Float](axis int, xs ...*Var[T]) *Var[T] {
	defer relabel("Concat")
	xs = slices.Clone(xs)
	vals := make([]*tensor.Tensor[T], len(xs))
	for i, x := range xs {
		vals[i] = x.value
	}
	out := tensor.Concat(axis, vals...)
	ax := axis
	if ax < 0 {
		ax += out.Dims()
	}
	starts := make([]int, len(xs)+1)
	for i, v := range vals {
		starts[i+1] = starts[i] + v.Shape()[ax]
	}
	return record("Concat", out, func(c *Context[T], g *Var[T]) []*Var[T] {
		gs := make([]*Var[T], len(xs))
		for i := range xs {
			if c.NeedsGrad(i) {
				gs[i] = Slice(g, shpAlong(ax, starts[i], starts[i+1])...)
			}
		}
		return gs
	}, xs...)
}

// Stack joins xs, which must all have one shape, along a new axis at
// position axis, which may be anything from -(rank+1) to rank (negative
// counts from the end of the result). It panics with a *tensor.ShapeError
// when there are no inputs, the shapes differ, or the axis is out of range.
//
//	d/dxs[i] = g at index i of the new axis
func Stack[T Float](axis int, xs ...*Var[T]) *Var[T] {
	defer relabel("Stack")
	xs = slices.Clone(xs)
	vals := make([]*tensor.Tensor[T], len(xs))
	for i, x := range xs {
		vals[i] = x.value
	}
	out := tensor.Stack(axis, vals...)
	ax := axis
	if ax < 0 {
		ax += out.Dims()
	}
	in := vals[0].Shape()
	return record("Stack", out, func(c *Context[T], g *Var[T]) []*Var[T] {
		gs := make([]*Var[T], len(xs))
		for i := range xs {
			if c.NeedsGrad(i) {
				gs[i] = Reshape(Slice(g, shpAlong(ax, i, i+1)...), in...)
			}
		}
		return gs
	}, xs...)
}

// Split cuts x along axis (negative counts from the end) into consecutive
// pieces of the given sizes, which must be non-negative and add up to the
// size of the axis. Each piece is a slice of x (recorded as "Split"), so
// gradients flow from every piece back into x. It panics with a
// *tensor.ShapeError for an axis out of range or sizes that do not add up.
//
//	d/dx = the pieces' gradients, each at its place along axis (zeros for a piece without one)
func Split[T Float](x *Var[T], axis int, sizes ...int) []*Var[T] {
	in := x.value.Shape()
	ax := axis
	if ax < 0 {
		ax += len(in)
	}
	if ax < 0 || ax >= len(in) {
		panic(shapeErr("Split", fmt.Sprintf("axis %d out of range", axis), in))
	}
	total := 0
	for j, s := range sizes {
		if s < 0 {
			panic(shapeErr("Split", fmt.Sprintf("sizes[%d] = %d is negative", j, s), in))
		}
		total += s
	}
	if total != in[ax] {
		panic(shapeErr("Split", fmt.Sprintf("sizes %v add up to %d, axis %d has size %d", sizes, total, axis, in[ax]), in))
	}
	pieces := make([]*Var[T], len(sizes))
	at := 0
	for j, s := range sizes {
		pieces[j] = shpSlice("Split", x, shpAlong(ax, at, at+s))
		at += s
	}
	return pieces
}

// IndexSelect returns the slices of x at the given indices along axis
// (negative counts from the end), in order, repetitions allowed; the result
// has len(indices) along axis. With axis 0 it is the embedding lookup:
// IndexSelect(weights, 0, ids) has one row of weights per id. It panics with
// a *tensor.ShapeError for an axis out of range or an index that is negative
// or not below the size of the axis, naming its position and value.
//
//	d/dx = g's slices added at their indices into zeros of x's shape (an index-add:
//	       the gradients of a repeated index are summed)
func IndexSelect[T Float](x *Var[T], axis int, indices []int) *Var[T] {
	defer relabel("IndexSelect")
	xv := x.value
	ax := axis
	if ax < 0 {
		ax += xv.Dims()
	}
	ok := ax >= 0 && ax < xv.Dims()
	for i := 0; ok && i < len(indices); i++ {
		ok = indices[i] >= 0 && indices[i] < xv.Dim(ax)
	}
	if !ok {
		tensor.IndexSelect(xv, axis, slices.Clone(indices)) // panics, saying why
	}
	ar := arenaOf(x)
	var buf [8]int
	shape := buf[:0]
	for i := range xv.Dims() {
		shape = append(shape, xv.Dim(i))
	}
	shape[ax] = len(indices)
	out := ar.tensor(shape...)
	tensor.IndexSelectInto(out, xv, ax, indices)
	var d derivative[T]
	if x.requiresGrad {
		s := newState[indexSelectOp[T]](ar)
		s.axis, s.idx = ax, ar.ints(indices)
		d = s
	}
	return recordOp("IndexSelect", out, d, x)
}

// indexSelectOp is IndexSelect's state: the axis (non-negative) and a copy
// of the indices.
type indexSelectOp[T Float] struct {
	axis int
	idx  []int
}

func (*indexSelectOp[T]) slot() stateSlot { return slotIndexSelect }

func (s *indexSelectOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	return []*Var[T]{shpIndexAdd(g, s.axis, s.idx, c.n.inputs[0].value.Dim(s.axis))}
}

// vjp adds g's slices into x's gradient buffer in place, clearing a fresh
// one first; a buffer that already holds gradient gets them added through a
// scratch tensor when an index repeats, so that the sums have the bits of a
// recorded pass.
func (s *indexSelectOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	gradInto(c, 0, !shpRepeats(s.idx), func(dst *tensor.Tensor[T], beta T) {
		if beta == 0 {
			dst.Fill(0)
		}
		tensor.IndexAddInto(dst, g, s.axis, s.idx)
	})
}

// shpRepeats reports whether an index occurs twice in idx.
func shpRepeats(idx []int) bool {
	for i, a := range idx {
		for _, b := range idx[:i] {
			if a == b {
				return true
			}
		}
		if i > 64 {
			return true // assume so rather than spend quadratic time
		}
	}
	return false
}

// shpIndexAdd adds g's slices along axis at idx into zeros with size n along
// axis: the derivative of IndexSelect, and a linear operation whose own
// derivative is IndexSelect.
//
//	d/dg = IndexSelect(gg, axis, idx)
func shpIndexAdd[T Float](g *Var[T], axis int, idx []int, n int) *Var[T] {
	defer relabel("IndexAdd")
	return record("IndexAdd", tensor.IndexAdd(g.value, axis, idx, n), func(c *Context[T], gg *Var[T]) []*Var[T] {
		return []*Var[T]{IndexSelect(gg, axis, idx)}
	}, g)
}
