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
// The derivative is PyTorch's, but for two cases of amax and amin noted
// below. With r the result at the element a value is reduced into, and g
// the gradient there:
//
//	sum:       d/dx = g (0 where reached and not includeSelf), d/dsrc = g
//	mean:      g / count for every value reduced (x too when includeSelf);
//	           d/dx = g where nothing is reduced
//	prod:      g · (the product of the other values reduced into r), exact
//	           when a value is 0 (not r / value)
//	amax/amin: g / ties for each value equal to r, 0 for the others: the
//	           gradient is split evenly among ties, as torch does
//
// The two differences, both torch 1.13's slips: without includeSelf, torch
// still counts x's own value as a tie when it equals r, so the values
// reduced get less than g in all (here only the values reduced count); and
// a NaN result gives torch NaN gradients, where here the NaN values share g.
//
// The weights are piecewise constant for sum, mean, amax and amin, so the
// second derivative (Grad with CreateGraph) is exact for them. For prod the
// recorded derivative recomputes the exclusive products with differentiable
// ops (cumulative products of the values laid out one row per reached
// element), so that its second derivative is exact too, zeros included.
//
// It panics with a *tensor.ShapeError for an unknown reduction, or as
// Scatter does.
func ScatterReduce[T Float](x *Var[T], axis int, index *tensor.Index, src *Var[T], reduce string, includeSelf bool) *Var[T] {
	checkOperands2("ScatterReduce", x, src)
	defer relabel("ScatterReduce")
	tensor.ScatterReduceCheck("ScatterReduce", reduce)
	ar := arenaOf(x, src)
	xo, so := idxScatterOffsets("ScatterReduce", ar, x, axis, index, src, true)
	xv, sv := x.value, src.value
	work := ar.intsN(tensor.ScatterReduceWork(xv.Len(), len(xo)))
	out := ar.like(xv)
	tensor.ScatterReduceInto(out, xv, sv, xo, so, reduce, includeSelf, work)
	var d derivative[T]
	if needsGrad(x, src) {
		wx, wsrc := ar.like(xv).Data(), ar.tensor(len(xo)).Data()
		tensor.ScatterReduceWeights(wx, wsrc, xv, sv, out, xo, so, reduce, includeSelf, work)
		maps := [2]idxMap[T]{{w: wx, alpha: 1}, {to: xo, from: so, w: wsrc, alpha: 1}}
		if reduce == "prod" {
			s := newState[scatterProdOp[T]](ar)
			s.indexOp.maps = maps
			s.xo, s.so, s.includeSelf = xo, so, includeSelf
			d = s
		} else {
			s := newState[indexOp[T]](ar)
			s.maps = maps
			d = s
		}
	}
	return recordOp("ScatterReduce", out, d, x, src)
}

// scatterProdOp is ScatterReduce's state for "prod": the weights (the
// exclusive products, which its fused derivative uses as indexOp's) and
// the pairs, from which its recorded derivative recomputes the weights
// with differentiable ops.
type scatterProdOp[T Float] struct {
	indexOp[T]
	xo, so      []int
	includeSelf bool
}

func (*scatterProdOp[T]) slot() stateSlot { return slotScatterProd }

// backward lays the values reduced into each reached element of x out as a
// row of a [S, L] matrix (S rows, one per reached element; L the largest
// number of values in one; x's own value first when includeSelf, then the
// sources in index order; padded with 1), takes each value's exclusive
// product as the product of the exclusive cumulative products from the
// left and from the right of its row (as Prod's derivative does: no
// division, exact with zeros), and moves g times those products back to
// x and src. Every step is a recorded op, so the result is differentiable
// again: the second derivative sees the products' dependence on the
// inputs. It takes S·L memory, only when gradients of gradients are
// recorded.
func (s *scatterProdOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	x, src := c.Input(0), c.Input(1)
	nx, ns := x.value.Len(), len(s.xo)
	row := make([]int, nx) // the row of each element of x, -1 if not reached
	for i := range row {
		row[i] = -1
	}
	count := make([]int, 0, nx)
	for _, t := range s.xo {
		if row[t] < 0 {
			row[t] = len(count)
			k := 0
			if s.includeSelf {
				k = 1
			}
			count = append(count, k)
		}
		count[row[t]]++
	}
	rows, width := len(count), 0
	for _, k := range count {
		width = max(width, k)
	}
	if rows == 0 { // an empty index: the result is x
		return []*Var[T]{g, Const(tensor.Zeros[T](src.value.Shape()...))}
	}
	// Positions in the [S, L] layout: x's reached elements (when
	// includeSelf) in column 0, the sources after them in pair order.
	var xTo, xFrom []int
	fill := make([]int, rows)
	ones := tensor.Zeros[T](rows * width)
	od := ones.Data()
	for r, k := range count {
		for j := k; j < width; j++ {
			od[r*width+j] = 1
		}
	}
	reached := make([]int, 0, rows)
	for i, r := range row {
		if r < 0 {
			continue
		}
		reached = append(reached, i)
		if s.includeSelf {
			xTo, xFrom = append(xTo, r*width), append(xFrom, i)
			fill[r] = 1
		}
	}
	spos := make([]int, ns)
	for p, t := range s.xo {
		r := row[t]
		spos[p] = r*width + fill[r]
		fill[r]++
	}
	layout := Add(idxMove(src, []int{rows * width}, spos, s.so, nil, 1), Const(ones))
	if len(xTo) > 0 {
		layout = Add(layout, idxMove(Reshape(x, nx), []int{rows * width}, xTo, xFrom, nil, 1))
	}
	excl := Reshape(idxExclProd(Reshape(layout, rows, width)), rows*width)

	gs := make([]*Var[T], 2)
	if c.NeedsGrad(0) {
		// w = 1 where nothing is reduced, the exclusive product where x
		// is reduced too, 0 where it is replaced.
		keep := tensor.Ones[T](x.value.Shape()...)
		for _, i := range reached {
			keep.Data()[i] = 0
		}
		w := Const(keep)
		if len(xTo) > 0 {
			w = Add(w, idxMove(excl, x.value.Shape(), xFrom, xTo, nil, 1))
		}
		gs[0] = Mul(g, w)
	}
	if c.NeedsGrad(1) {
		gp := Mul(idxMove(Reshape(g, nx), []int{ns}, nil, s.xo, nil, 1), idxMove(excl, []int{ns}, nil, spos, nil, 1))
		gs[1] = idxMove(gp, src.value.Shape(), s.so, nil, nil, 1)
	}
	return gs
}

// idxExclProd returns, for each element of a [S, L] matrix, the product of
// the other elements of its row: the exclusive cumulative product from the
// left (Cumprod of [1 v_0 … v_{L-2}]) times that from the right.
func idxExclProd[T Float](v *Var[T]) *Var[T] {
	rows, n := v.value.Dim(0), v.value.Dim(1)
	one := Const(tensor.Ones[T](rows, 1))
	pre := Cumprod(Concat(1, one, Slice(v, shpAlong(1, 0, n-1)...)), 1)
	suf := Flip(Cumprod(Concat(1, one, Slice(Flip(v, 1), shpAlong(1, 0, n-1)...)), 1), 1)
	return Mul(pre, suf)
}
