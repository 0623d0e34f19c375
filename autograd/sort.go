package autograd

import (
	"strconv"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the operations that select elements by their order along
// an axis: Sort, Argsort, TopK, Cummax and Cummin. Each finds positions
// (a *tensor.Index, never differentiated) and gathers the values at them;
// the gradient of the values scatters g back to the positions they came
// from (adding where a position is taken more than once, as in Cummax), so
// it is the subgradient that routes everything to the selected element,
// as PyTorch's.
//
// Under an Arena the indices, like the values, live in the arena's memory
// and are reused after its next Reset.

// gatherAlong records the values of x at idx along axis (idx in the layout
// of out, filled by the caller), as op name, and returns them with the
// indices as an Index of out's shape.
func gatherAlong[T Float](name string, ar *Arena[T], x *Var[T], out *tensor.Tensor[T], idx []int, axis int) (*Var[T], *tensor.Index) {
	tensor.GatherAlongInto(out, x.value, idx, axis)
	var d derivative[T]
	var index *tensor.Index
	if needsGrad(x) {
		s := newState[reorderOp[T]](ar)
		s.kind, s.name, s.axis, s.ints = reoGather, name, axis, idx
		s.index.SetIndex(idx, dimsOf(s.shape[:0], out)...)
		index, d = &s.index, s
	} else {
		var buf [maxStackDims]int
		index = tensor.MustIndex(idx, dimsOf(buf[:0], out)...)
	}
	return recordOp(name, out, d, x), index
}

// sortPositions returns the positions that sort x along axis (see Sort),
// in x's layout, from the arena.
func sortPositions[T Float](ar *Arena[T], xv *tensor.Tensor[T], axis int, descending bool) []int {
	var sb [maxStackDims]int
	_, n, _ := tensor.AlongAxis(dimsOf(sb[:0], xv), axis)
	idx := ar.intsN(xv.Len())
	tensor.ArgsortInto(idx, xv, axis, descending, ar.intsN(2*n))
	return idx
}

// Sort returns x sorted along axis (negative counts from the end),
// ascending or descending, and the position along axis each value comes
// from, as torch.sort(x, axis, descending, stable=True). The sort is
// stable: equal elements keep their order, so that among ties the lower
// position comes first in both directions. NaN sorts as larger than every
// number (last ascending, first descending), as in PyTorch. It panics with
// a *tensor.ShapeError for an axis out of range.
//
//	d/dx = g scattered back: dx[..., idx[..., i, ...], ...] = g[..., i, ...]
func Sort[T Float](x *Var[T], axis int, descending bool) (*Var[T], *tensor.Index) {
	checkOperands1("Sort", x)
	defer relabel("Sort")
	ar := arenaOf(x)
	idx := sortPositions(ar, x.value, axis, descending)
	return gatherAlong("Sort", ar, x, ar.like(x.value), idx, axis)
}

// Argsort returns the positions that sort x along axis, as torch.argsort
// with stable=True: the indices of Sort (stable, NaN as the largest). It
// is not differentiable and records nothing. Under an Arena the indices
// live in the arena's memory, as Sort's do. It panics with a
// *tensor.ShapeError for an axis out of range.
func Argsort[T Float](x *Var[T], axis int, descending bool) *tensor.Index {
	checkOperands1("Argsort", x)
	defer relabel("Argsort")
	x.checkLive("Argsort")
	return argsortIndex(arenaOf(x), x.value, axis, descending)
}

// TopK returns the k largest elements of x along axis (the k smallest when
// largest is false) and their positions along it, as torch.topk(x, k,
// axis, largest, sorted=True): the values are in sorted order (largest
// first, or smallest first), and among equal values the lower position
// comes first (torch leaves that order unspecified). The result has x's
// shape with k along axis. NaN counts as the largest. It panics with a
// *tensor.ShapeError for an axis out of range or k outside [0, size].
//
//	d/dx = g scattered back to the positions of the selected elements, 0 elsewhere
func TopK[T Float](x *Var[T], k, axis int, largest bool) (*Var[T], *tensor.Index) {
	checkOperands1("TopK", x)
	defer relabel("TopK")
	xv := x.value
	var sb [maxStackDims]int
	shape := dimsOf(sb[:0], xv)
	outer, n, inner := tensor.AlongAxis(shape, axis)
	if k < 0 || k > n {
		panic(shapeErr("TopK", "k "+strconv.Itoa(k)+" outside [0, "+strconv.Itoa(n)+"]", xv.Shape()))
	}
	ar := arenaOf(x)
	idx := ar.intsN(outer * k * inner)
	if 4*k <= n {
		// A few of many (a vocabulary's top k): select, sort only those.
		tensor.ArgTopKInto(idx, xv, k, axis, largest, ar.intsN(k))
	} else {
		all := sortPositions(ar, xv, axis, largest)
		for o := range outer {
			copy(idx[o*k*inner:(o+1)*k*inner], all[o*n*inner:(o*n+k)*inner])
		}
	}
	if len(shape) > 0 {
		shape[normAxis(axis, len(shape))] = k
	} else if k == 0 {
		panic(shapeErr("TopK", "k 0 of a 0-d tensor", xv.Shape()))
	}
	return gatherAlong("TopK", ar, x, ar.tensor(shape...), idx, axis)
}

// Cummax returns the running maximum of x along axis (negative counts from
// the end) and the position along axis of the element each value is, as
// torch.cummax: y[..., i, ...] = max_{j≤i} x[..., j, ...]. Among equal
// values the LAST position so far is the one reported (PyTorch's choice);
// a NaN is the maximum from where it occurs. It panics with a
// *tensor.ShapeError for an axis out of range.
//
//	d/dx = g routed to the reported positions: dx[j] = Σ_{i: idx[i] = j} g[i]
//
// (the whole gradient of each running maximum goes to its one index, as in
// PyTorch; ties are not split).
func Cummax[T Float](x *Var[T], axis int) (*Var[T], *tensor.Index) {
	checkOperands1("Cummax", x)
	defer relabel("Cummax")
	return cumExtremum("Cummax", x, axis, true)
}

// Cummin is Cummax for the running minimum (ties to the last position,
// as torch.cummin).
//
//	d/dx = g routed to the reported positions: dx[j] = Σ_{i: idx[i] = j} g[i]
func Cummin[T Float](x *Var[T], axis int) (*Var[T], *tensor.Index) {
	checkOperands1("Cummin", x)
	defer relabel("Cummin")
	return cumExtremum("Cummin", x, axis, false)
}

func cumExtremum[T Float](name string, x *Var[T], axis int, max bool) (*Var[T], *tensor.Index) {
	ar := arenaOf(x)
	out := ar.like(x.value)
	idx := ar.intsN(x.value.Len())
	tensor.CumExtremumInto(out, idx, x.value, axis, max)
	return gatherAlong(name, ar, x, out, idx, axis)
}
