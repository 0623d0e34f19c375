package autograd

import "github.com/adjoint-go/adjoint/tensor"

// This file holds the operation behind the pooling, resampling and padding
// ops of pool_with.go, pool_adaptive.go, interp.go and pad_mode.go. Each of
// those is, over the last two axes, either a separable linear map (average
// pooling, interpolation, padding: tensor.Resample2DInto with a pair of
// tensor.AxisTaps) or a choice of one element per output (max pooling, and
// unpooling, by plane indices). So one state type, resampleOp, holds the
// derivatives of all of them, and the derivative of each kind is another
// kind, run by the same kernels, so that the recorded and the fused
// backward give the same bits:
//
//	rsLinear (out = M·x + fill)      d/dx: rsLinearAdj (Mᵀ·g)       and back
//	rsMax (out = x at idx)           d/dx: rsScatterAdd (g added at idx)
//	rsScatterAdd                     d/dg: rsGather (gg read at idx)   and back
//	rsScatter (out at idx = x)       d/dx: rsGather

// The operations a resampleOp describes.
const (
	rsLinear     = iota // tensor.Resample2DInto
	rsLinearAdj         // tensor.Resample2DAdjointInto
	rsMax               // tensor.WindowMax2DInto
	rsScatterAdd        // tensor.ScatterAddPlanesInto
	rsGather            // tensor.GatherPlanesInto
	rsScatter           // tensor.ScatterPlanesInto
)

// resampleOp is the state of a resampling operation: which kind, its taps
// (linear kinds) or plane indices (the others), and, for an op that
// returns its indices, the Index that shares them.
type resampleOp[T Float] struct {
	kind       int
	rows, cols tensor.AxisTaps[T]
	idx        []int
	index      tensor.Index
	shape      [4]int // the index's shape, which index shares
}

func (*resampleOp[T]) slot() stateSlot { return slotResample }

// rsAdjoint returns the kind whose result is the derivative of kind.
func rsAdjoint(kind int) int {
	switch kind {
	case rsLinear:
		return rsLinearAdj
	case rsLinearAdj:
		return rsLinear
	case rsMax, rsGather:
		return rsScatterAdd
	}
	return rsGather // rsScatterAdd, rsScatter
}

// rsName returns the recorded name of a derivative of kind.
func rsName(kind int) string {
	switch kind {
	case rsLinear:
		return "Resample2D"
	case rsLinearAdj:
		return "Resample2DAdjoint"
	case rsScatterAdd:
		return "ScatterAddPlanes"
	}
	return "GatherPlanes"
}

// rsApply computes kind (not rsMax) of in into dst, as beta·dst + the
// result for the kinds that add (beta 0 or 1; the others overwrite dst).
func rsApply[T Float](s *resampleOp[T], kind int, dst, in *tensor.Tensor[T], beta T) {
	switch kind {
	case rsLinear:
		tensor.Resample2DInto(dst, in, s.rows, s.cols, 0)
	case rsLinearAdj:
		tensor.Resample2DAdjointInto(dst, in, s.rows, s.cols, beta)
	case rsScatterAdd:
		tensor.ScatterAddPlanesInto(dst, in, s.idx, beta)
	case rsScatter:
		tensor.ScatterPlanesInto(dst, in, s.idx)
	default:
		tensor.GatherPlanesInto(dst, in, s.idx)
	}
}

// rsState returns a state of kind with s's taps and indices, from ar.
func rsState[T Float](ar *Arena[T], kind int, rows, cols tensor.AxisTaps[T], idx []int) *resampleOp[T] {
	s := newState[resampleOp[T]](ar)
	s.kind, s.rows, s.cols, s.idx = kind, rows, cols, idx
	return s
}

// rsLinearOp records out = M·x + fill (M the separable map of rows and
// cols) under the name op, computing it into out.
func rsLinearOp[T Float](op string, x *Var[T], out *tensor.Tensor[T], rows, cols tensor.AxisTaps[T], fill T) *Var[T] {
	tensor.Resample2DInto(out, x.value, rows, cols, fill)
	var d derivative[T]
	if x.requiresGrad {
		d = rsState(arenaOf(x), rsLinear, rows, cols, nil)
	}
	return recordOp(op, out, d, x)
}

// rsMaxOp records the maxima of x over the windows of rows and cols under
// the name op, and returns them with their indices (flat positions in each
// H×W plane), which share the memory of the op's state.
func rsMaxOp[T Float](op string, x *Var[T], rows, cols tensor.AxisTaps[T]) (*Var[T], *tensor.Index) {
	ar := arenaOf(x)
	xv := x.value
	r := xv.Dims()
	s := rsState(ar, rsMax, rows, cols, nil)
	shapeOf(xv, s.shape[:0]) // rank 3 or 4: fits
	s.shape[r-2], s.shape[r-1] = rows.Out(), cols.Out()
	out := ar.tensor(s.shape[:r]...)
	s.idx = ar.intsN(out.Len())
	tensor.WindowMax2DInto(out, s.idx, xv, rows, cols)
	s.index.SetIndex(s.idx, s.shape[:r]...)
	var d derivative[T]
	if x.requiresGrad {
		d = s
	}
	return recordOp(op, out, d, x), &s.index
}

// shapeOf appends x's dimensions to dst without allocating.
func shapeOf[T Float](x *tensor.Tensor[T], dst []int) []int {
	for i := range x.Dims() {
		dst = append(dst, x.Dim(i))
	}
	return dst
}

// rsRecord applies kind to g as a recorded operation whose result has the
// shape of like.
func rsRecord[T Float](s *resampleOp[T], kind int, g *Var[T], like *tensor.Tensor[T]) *Var[T] {
	ar := arenaOf(g)
	out := ar.like(like)
	rsApply(s, kind, out, g.value, 0)
	var d derivative[T]
	if g.requiresGrad {
		d = rsState(ar, kind, s.rows, s.cols, s.idx)
	}
	return recordOp(rsName(kind), out, d, g)
}

func (s *resampleOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	return []*Var[T]{rsRecord(s, rsAdjoint(s.kind), g, c.node().inputs[0].value)}
}

// vjp runs the adjoint kind into the input's gradient buffer; a buffer that
// already holds gradient gets a fresh result added (gradInto), so that the
// bits are those of the recorded form.
func (s *resampleOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	adj := rsAdjoint(s.kind)
	gradInto(c, 0, false, func(dst *tensor.Tensor[T], beta T) {
		rsApply(s, adj, dst, g, beta)
	})
}

// jvp of a resampling operation, linear in its input once the indices are
// fixed, is the same map on the tangent: M·t for the linear kinds (the
// fill is constant), t read at the maxima the forward pass chose (first
// at ties, 0 for an empty window) for max pooling, and the scatter, the
// scatter-add or the gather by the same indices for the others.
// MaxUnpool2D's tangent is thus written where its result is, the last of
// repeated indices winning as in its forward pass.
func (s *resampleOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	kind := s.kind
	if kind == rsMax {
		kind = rsGather
	}
	res := tensor.Zeros[T](c.out.value.Shape()...)
	rsApply(s, kind, res, ts[0], 0)
	return res
}
