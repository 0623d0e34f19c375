package autograd

import "github.com/adjoint-go/adjoint/tensor"

// ScatterReduce returns x with src's elements reduced into the positions
// index holds along axis, as torch.scatter_reduce(x, axis, index, src,
// reduce, include_self=includeSelf). reduce is "sum", "prod", "mean",
// "amax" or "amin": each element of x that index reaches becomes the
// reduction of the src elements scattered to it, and of its own value when
// includeSelf ("mean" divides by their number); the others keep x's value.
// The index rules are Scatter's. The result, the offsets and the
// derivative's weights come from the Arena of x (or src).
//
// The derivative is PyTorch's. With r the result at the element a value
// is reduced into, and g the gradient there:
//
//	sum:       d/dx = g (0 where reached and not includeSelf), d/dsrc = g
//	mean:      g / count for every value reduced (x too when includeSelf);
//	           d/dx = g where nothing is reduced
//	prod:      g · (the product of the other values reduced into r), exact
//	           when a value is 0 (not r / value)
//	amax/amin: g / ties for each value equal to r, 0 for the others: the
//	           gradient is split evenly among ties, as torch does (a NaN
//	           result sends it to the NaN values)
//
// The weights are piecewise constant for sum, mean, amax and amin, so the
// second derivative (Grad with CreateGraph) is exact for them. For prod the
// recorded derivative holds the weights as constants: its first derivative
// is exact, but a second derivative misses the weights' own dependence on
// the inputs (not implemented).
//
// It panics with a *tensor.ShapeError for an unknown reduction, or as
// Scatter does.
func ScatterReduce[T Float](x *Var[T], axis int, index *tensor.Index, src *Var[T], reduce string, includeSelf bool) *Var[T] {
	defer relabel("ScatterReduce")
	tensor.ScatterReduceCheck("ScatterReduce", reduce)
	ar := arenaOf(x, src)
	xo, so := idxScatterOffsets("ScatterReduce", ar, x, axis, index, src)
	xv, sv := x.value, src.value
	work := ar.intsN(tensor.ScatterReduceWork(xv.Len(), len(xo)))
	out := ar.like(xv)
	tensor.ScatterReduceInto(out, xv, sv, xo, so, reduce, includeSelf, work)
	var d derivative[T]
	if needsGrad(x, src) {
		wx, wsrc := ar.like(xv).Data(), ar.tensor(len(xo)).Data()
		tensor.ScatterReduceWeights(wx, wsrc, xv, sv, out, xo, so, reduce, includeSelf, work)
		s := newState[indexOp[T]](ar)
		s.maps[0] = idxMap[T]{w: wx, alpha: 1}
		s.maps[1] = idxMap[T]{to: xo, from: so, w: wsrc, alpha: 1}
		d = s
	}
	return recordOp("ScatterReduce", out, d, x, src)
}
