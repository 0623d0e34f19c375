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
// of Slice, like Python's start:stop:step. A negative Start or Stop counts
// from the end of the axis, and bounds past either end are clamped as Python
// clamps them (a slice past the end is shorter, never an error). A negative
// Step walks backwards, as Python's x[::-1]; Step 0 panics (it used to mean 1,
// which hid forgotten steps). Stop tensor.End runs through the last element
// the step reaches: Range{Start: 0, Stop: tensor.End, Step: 1} is the whole
// axis, Range{Start: -1, Stop: tensor.End, Step: -1} the axis reversed. See
// tensor.Range.
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
	checkOperands1("Permute", x)
	defer relabel("Permute")
	xv := x.value
	r := xv.Dims()
	var pb, sb [maxStackDims]int
	perm, shape := shpBuf(pb[:], r), shpBuf(sb[:], r)
	if !shpPermOf(perm, axes) {
		tensor.Permute(xv, slices.Clone(axes)...) // panics, saying why
	}
	for i, a := range perm {
		shape[i] = xv.Dim(a)
	}
	ar := arenaOf(x)
	out := ar.tensor(shape...)
	tensor.PermuteInto(out, xv, 0, perm...)
	var d derivative[T]
	if needsGrad(x) {
		s := newState[permuteOp[T]](ar)
		s.inv = shpBuf(s.buf[:], r)
		for i, a := range perm {
			s.inv[a] = i
		}
		d = s
	}
	return recordOp("Permute", out, d, x)
}

// shpBuf returns buf[:n] when it fits, else a new slice of n ints.
func shpBuf(buf []int, n int) []int {
	if n <= len(buf) {
		return buf[:n]
	}
	return make([]int, n)
}

// shpPermOf fills perm with axes made non-negative and reports whether they
// are a permutation of len(perm) axes.
func shpPermOf(perm, axes []int) bool {
	r := len(perm)
	if len(axes) != r {
		return false
	}
	for i, a := range axes {
		if a < 0 {
			a += r
		}
		if a < 0 || a >= r || slices.Contains(perm[:i], a) {
			return false
		}
		perm[i] = a
	}
	return true
}

// permuteOp is Permute's state: the inverse permutation, which is its
// derivative's.
type permuteOp[T Float] struct {
	inv []int
	buf [maxStackDims]int
}

func (*permuteOp[T]) slot() stateSlot { return slotPermute }

func (s *permuteOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	return []*Var[T]{Permute(g, s.inv...)}
}

// vjp permutes g back straight into x's gradient buffer (or adds it).
func (s *permuteOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	dst, beta := c.gradBuf(0)
	tensor.PermuteInto(dst, g, beta, s.inv...)
}

// jvp of Permute is the tangent permuted the same way.
func (s *permuteOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	var pb [maxStackDims]int
	perm := shpBuf(pb[:], len(s.inv))
	for a, i := range s.inv {
		perm[i] = a
	}
	res := tensor.Zeros[T](c.out.value.Shape()...)
	tensor.PermuteInto(res, ts[0], 0, perm...)
	return res
}

// Squeeze returns x without the given axes, which must have size 1 (negative
// axes count from the end); with no axes it removes every size-1 axis. It
// panics with a *tensor.ShapeError for an axis out of range, repeated or of
// another size.
//
//	d/dx = g reshaped to x's shape
func Squeeze[T Float](x *Var[T], axes ...int) *Var[T] {
	checkOperands1("Squeeze", x)
	defer relabel("Squeeze")
	xv := x.value
	r := xv.Dims()
	var db, sb [maxStackDims]int
	drop := shpBuf(db[:], r)
	clear(drop)
	ok := true
	for _, a := range axes {
		if a < 0 {
			a += r
		}
		ok = ok && a >= 0 && a < r && drop[a] == 0 && xv.Dim(a) == 1
		if ok {
			drop[a] = 1
		}
	}
	if !ok {
		tensor.Squeeze(xv, slices.Clone(axes)...) // panics, saying why
	}
	shape := sb[:0]
	for i := range r {
		if d := xv.Dim(i); !(drop[i] == 1 || len(axes) == 0 && d == 1) {
			shape = append(shape, d)
		}
	}
	return shpReshaped("Squeeze", x, shape)
}

// Unsqueeze returns x with a new axis of size 1 at position axis, which may
// be anything from -(rank+1) to rank: rank (or -1) appends an axis, and a
// negative axis counts from the end of the result.
//
//	d/dx = g reshaped to x's shape
func Unsqueeze[T Float](x *Var[T], axis int) *Var[T] {
	checkOperands1("Unsqueeze", x)
	defer relabel("Unsqueeze")
	xv := x.value
	r := xv.Dims()
	ax := axis
	if ax < 0 {
		ax += r + 1
	}
	if ax < 0 || ax > r {
		tensor.Unsqueeze(xv, axis) // panics
	}
	var sb [maxStackDims]int
	shape := sb[:0]
	for i := range r {
		if i == ax {
			shape = append(shape, 1)
		}
		shape = append(shape, xv.Dim(i))
	}
	if ax == r {
		shape = append(shape, 1)
	}
	return shpReshaped("Unsqueeze", x, shape)
}

// Expand is torch's name for BroadcastTo: it returns x expanded to shape
// under NumPy's rules (new leading axes, size-1 axes repeated). As in torch,
// a size of -1 keeps the size of the matching axis of x; it is not allowed
// for a new leading axis. Unlike torch, the result is a new tensor, not a
// view.
//
//	d/dx = SumTo(g, x's shape)
func Expand[T Float](x *Var[T], shape ...int) *Var[T] {
	checkOperands1("Expand", x)
	defer relabel("Expand")
	xv := x.value
	var tb [maxStackDims]int
	target := append(tb[:0], shape...)
	off := len(target) - xv.Dims()
	for i, d := range target {
		if d != -1 {
			continue
		}
		if i < off {
			panic(shapeErr("Expand", fmt.Sprintf("size -1 given for new leading axis %d", i), xv.Shape(), slices.Clone(shape)))
		}
		target[i] = xv.Dim(i - off)
	}
	if !shpBroadcasts(xv, target) {
		panic(shapeErr("Expand", "source does not broadcast to the target shape", xv.Shape(), slices.Clone(shape)))
	}
	return broadcastTo("Expand", x, target)
}

// shpBroadcasts reports whether x broadcasts to shape under NumPy's rules.
func shpBroadcasts[T Float](x *tensor.Tensor[T], shape []int) bool {
	off := len(shape) - x.Dims()
	if off < 0 {
		return false
	}
	for i, d := range shape {
		if d < 0 || i >= off && x.Dim(i-off) != 1 && x.Dim(i-off) != d {
			return false
		}
	}
	return true
}

// broadcastTo records x expanded to the (valid) shape as the operation op:
// BroadcastTo and Expand.
func broadcastTo[T Float](op string, x *Var[T], shape []int) *Var[T] {
	out := arenaOf(x).tensor(shape...)
	tensor.BroadcastToInto(out, x.value, 0)
	return recordOp(op, out, broadcastOp[T]{}, x)
}

// broadcastOp is the derivative of BroadcastTo and Expand.
type broadcastOp[T Float] struct{}

func (broadcastOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	return []*Var[T]{SumTo(g, c.node().inputs[0].value.Shape()...)}
}

// vjp sums g down into x's gradient buffer (or adds the sums to it).
func (broadcastOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	dst, beta := c.gradBuf(0)
	tensor.SumToInto(dst, g, 1, beta)
}

// Select returns the slice of x at index along axis, with that axis
// removed: PyTorch's x.select(axis, index), x[:, i] for axis 1 and
// x[..., -1] for axis -1 and index -1 (the last position of a sequence, say).
// A negative axis or index counts from the end. It is a Slice followed by a
// Squeeze (from x's Arena, so a warm step allocates nothing):
//
//	d/dx = g scattered into zeros of x's shape at the slice
//
// It panics with a *tensor.ShapeError naming Select for an axis or an
// index out of range (a 0-d x has no axis).
func Select[T Float](x *Var[T], axis, index int) *Var[T] {
	checkOperands1("Select", x)
	const op = "Select"
	r := x.value.Dims()
	ax := axis
	if ax < 0 {
		ax += r
	}
	if ax < 0 || ax >= r {
		panic(shapeErr(op, fmt.Sprintf("axis %d out of range", axis), x.value.Shape()))
	}
	n := x.value.Dim(ax)
	i := index
	if i < 0 {
		i += n
	}
	if i < 0 || i >= n {
		panic(shapeErr(op, fmt.Sprintf("index %d out of range for axis %d of size %d", index, axis, n), x.value.Shape()))
	}
	var buf [maxStackDims]Range
	rs := buf[:0]
	for range ax {
		rs = append(rs, Range{Start: 0, Stop: tensor.End, Step: 1})
	}
	rs = append(rs, Range{Start: i, Stop: i + 1, Step: 1})
	return Squeeze(Slice(x, rs...), ax)
}

// Slice returns the elements of x that ranges select, one Range per leading
// axis; axes without a Range are taken whole. As in Python (see Range),
// negative Start and Stop count from the end, out-of-range bounds clamp, and
// a negative step walks backwards (x[::-1]; PyTorch's slicing has no negative
// steps, torch.flip does that). It panics with a *tensor.ShapeError for more
// ranges than axes or a step of 0.
//
//	d/dx = g scattered into zeros of x's shape at the selected positions
func Slice[T Float](x *Var[T], ranges ...Range) *Var[T] {
	checkOperands1("Slice", x)
	defer relabel("Slice")
	xv := x.value
	var sb [maxStackDims]int
	shape := tensor.AppendSliceShape(sb[:0], xv, ranges...)
	ar := arenaOf(x)
	out := ar.tensor(shape...)
	tensor.SliceInto(out, xv, 0, ranges...)
	var d derivative[T]
	if needsGrad(x) {
		s := newState[sliceOp[T]](ar)
		s.rs = shpRanges(s.buf[:], ranges)
		d = s
	}
	return recordOp("Slice", out, d, x)
}

// shpRanges returns a copy of rs in buf when it fits, else a new one.
func shpRanges(buf, rs []Range) []Range {
	if len(rs) <= len(buf) {
		return append(buf[:0], rs...)
	}
	return slices.Clone(rs)
}

// sliceOp is Slice's state: its ranges.
type sliceOp[T Float] struct {
	rs  []Range
	buf [maxStackDims]Range
}

func (*sliceOp[T]) slot() stateSlot { return slotSlice }

func (s *sliceOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	return []*Var[T]{shpScatterSlice(g, c.node().inputs[0].value.Shape(), s.rs)}
}

// vjp writes g at its place in a fresh gradient buffer cleared elsewhere;
// a buffer that holds gradient already gets those zeros added too, through
// a scratch tensor, as a recorded pass adds them (adding 0 turns a -0 into
// 0).
func (s *sliceOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	gradInto(c, 0, false, func(dst *tensor.Tensor[T], _ T) {
		dst.Fill(0)
		tensor.ScatterSliceInto(dst, g, 0, s.rs...)
	})
}

// jvp of Slice is the tangent sliced by the same ranges.
func (s *sliceOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	res := tensor.Zeros[T](c.out.value.Shape()...)
	tensor.SliceInto(res, ts[0], 0, s.rs...)
	return res
}

// shpScatterSlice writes g into zeros of shape at the positions ranges
// select: the derivative of Slice, and a linear operation whose own
// derivative is Slice. It is Pad's move with any ranges, so Pad's state
// serves it.
//
//	d/dg = Slice(gg, ranges...)
func shpScatterSlice[T Float](g *Var[T], shape []int, rs []Range) *Var[T] {
	defer relabel("ScatterSlice")
	out := tensor.ScatterSlice(g.value, shape, rs...)
	var d derivative[T]
	if needsGrad(g) {
		s := newState[padOp[T]](arenaOf(g))
		s.rs = shpRanges(s.buf[:], rs)
		d = s
	}
	return recordOp("ScatterSlice", out, d, g)
}

// Pad returns x with widths[i][0] copies of value before it and widths[i][1]
// after it along each axis i (constant padding); widths needs exactly one
// pair per axis. A negative width crops: it removes that many elements from
// that side, as PyTorch's F.pad(x, pad, value=value) does (which lists the
// pairs from the last axis). It panics with a *tensor.ShapeError for the
// wrong number of pairs or an axis cropped to a negative length. The
// padding is a constant: no gradient flows to value.
//
//	d/dx = Pad(g, the negated widths, 0): g cropped to x's positions (Slice) where x was padded, padded with 0 where it was cropped
func Pad[T Float](x *Var[T], widths [][2]int, value T) *Var[T] {
	checkOperands1("Pad", x)
	defer relabel("Pad")
	xv := x.value
	r := xv.Dims()
	ok := len(widths) == r
	crop := false
	var sb [maxStackDims]int
	shape := sb[:0]
	for ax := 0; ok && ax < r; ax++ {
		w := widths[ax]
		crop = crop || w[0] < 0 || w[1] < 0
		shape = append(shape, xv.Dim(ax)+w[0]+w[1])
	}
	if ok && crop {
		return padMap("Pad", x, widths, PadConstant, value)
	}
	if !ok {
		tensor.Pad(xv, widths, value) // panics, saying why
	}
	ar := arenaOf(x)
	out := ar.tensor(shape...)
	tensor.PadInto(out, xv, widths, value)
	var d derivative[T]
	if needsGrad(x) {
		s := newState[padOp[T]](ar)
		s.rs = s.buf[:0]
		if r > len(s.buf) {
			s.rs = make([]Range, 0, r)
		}
		for ax, w := range widths {
			s.rs = append(s.rs, Range{Start: w[0], Stop: w[0] + xv.Dim(ax), Step: 1})
		}
		d = s
	}
	return recordOp("Pad", out, d, x)
}

// padOp is the state of Pad and of ScatterSlice (Slice's derivative): the
// ranges that select the input within the result.
type padOp[T Float] struct {
	rs  []Range
	buf [maxStackDims]Range
}

func (*padOp[T]) slot() stateSlot { return slotPad }

func (s *padOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	return []*Var[T]{Slice(g, s.rs...)}
}

// vjp copies (or adds) the part of g over x into x's gradient buffer.
func (s *padOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	dst, beta := c.gradBuf(0)
	tensor.SliceInto(dst, g, beta, s.rs...)
}

// jvp of Pad and ScatterSlice is the tangent written at the same
// positions into zeros (Pad's value is a constant).
func (s *padOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	res := tensor.Zeros[T](c.out.value.Shape()...)
	tensor.ScatterSliceInto(res, ts[0], 0, s.rs...)
	return res
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
	checkOperands1("IndexSelect", x)
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

// indexSelectOp is the state of IndexSelect (adj false) and of its
// derivative, the index-add (adj true), each the derivative of the other:
// the axis (non-negative) and a copy of the indices.
type indexSelectOp[T Float] struct {
	axis int
	idx  []int
	adj  bool
}

func (*indexSelectOp[T]) slot() stateSlot { return slotIndexSelect }

func (s *indexSelectOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	if s.adj {
		return []*Var[T]{IndexSelect(g, s.axis, s.idx)}
	}
	return []*Var[T]{shpIndexAdd(g, s.axis, s.idx, c.node().inputs[0].value.Dim(s.axis))}
}

// vjp adds g's slices into x's gradient buffer in place, clearing a fresh
// one first; a buffer that already holds gradient gets them added through a
// scratch tensor when an index repeats, so that the sums have the bits of a
// recorded pass. The index-add's selects g's slices.
func (s *indexSelectOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	if s.adj {
		gradInto(c, 0, false, func(dst *tensor.Tensor[T], _ T) { tensor.IndexSelectInto(dst, g, s.axis, s.idx) })
		return
	}
	gradInto(c, 0, !shpRepeats(s.idx), func(dst *tensor.Tensor[T], beta T) {
		if beta == 0 {
			dst.Fill(0)
		}
		tensor.IndexAddInto(dst, g, s.axis, s.idx)
	})
}

// jvp of IndexSelect is the tangent's slices at the same indices along
// the same axis; of the index-add, the tangent's slices added at them into
// zeros.
func (s *indexSelectOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	res := tensor.Zeros[T](c.out.value.Shape()...)
	if s.adj {
		tensor.IndexAddInto(res, ts[0], s.axis, s.idx)
	} else {
		tensor.IndexSelectInto(res, ts[0], s.axis, s.idx)
	}
	return res
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
	out := tensor.IndexAdd(g.value, axis, idx, n)
	var d derivative[T]
	if needsGrad(g) {
		s := newState[indexSelectOp[T]](arenaOf(g))
		s.axis, s.idx, s.adj = axis, idx, true
		d = s
	}
	return recordOp("IndexAdd", out, d, g)
}
