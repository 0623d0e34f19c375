package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds Scatter and ScatterAdd, and the fused derivative of
// Scatter: the index ops whose source lands at positions of x.

// idxScatterOffsets checks a scatter's operands and returns, from the
// Arena, where each element of index writes in x and reads in src. With
// dense false, so is nil when src has index's shape (the element of src
// at a pair is then the pair's own position, as IndexMoveInto reads a nil
// offset slice); with dense true it is always filled.
func idxScatterOffsets[T Float](op string, ar *Arena[T], x *Var[T], axis int, index *tensor.Index, src *Var[T], dense bool) (xo, so []int) {
	var xb, sb, ib [maxStackDims]int
	xo = tensor.AxisOffsets(ar.intsN(index.Len()), idxShape(xb[:0], x.value), axis, index)
	sshape, ishape := idxShape(sb[:0], src.value), idxIndexShape(ib[:0], index)
	if len(sshape) != len(ishape) {
		panic(shapeErr(op, fmt.Sprintf("index has %d axes, the source %d", len(ishape), len(sshape)), x.value.Shape(), index.Shape(), src.value.Shape()))
	}
	same := true
	for d, n := range ishape {
		if n > sshape[d] {
			panic(shapeErr(op, fmt.Sprintf("index has size %d along axis %d, more than the source's %d", n, d, sshape[d]), x.value.Shape(), index.Shape(), src.value.Shape()))
		}
		same = same && n == sshape[d]
	}
	if same && !dense {
		return xo, nil
	}
	return xo, tensor.BoxOffsets(ar.intsN(index.Len()), sshape, ishape)
}

// ScatterAdd returns x with src's elements added at the positions index
// holds along axis, as torch.scatter_add: for a 3-D x and axis 1,
// result[i][index[i][j][k]][k] += src[i][j][k] for every element of index,
// repeated indices adding up. src may be larger than index (only the part
// index covers is read). The result comes from the Arena of x (or src).
//
//	d/dx   = g
//	d/dsrc = g gathered at the scattered positions (torch.gather), 0
//	         where index does not reach
//
// It panics with a *tensor.ShapeError as Gather does, or when src has
// another rank than index or is smaller.
func ScatterAdd[T Float](x *Var[T], axis int, index *tensor.Index, src *Var[T]) *Var[T] {
	checkOperands2("ScatterAdd", x, src)
	defer relabel("ScatterAdd")
	ar := arenaOf(x, src)
	xo, so := idxScatterOffsets("ScatterAdd", ar, x, axis, index, src, false)
	out := ar.like(x.value)
	out.CopyFrom(x.value)
	od, sd := out.Data(), src.value.Data()
	if so == nil {
		for p, i := range xo {
			od[i] += sd[p]
		}
	} else {
		for p, i := range xo {
			od[i] += sd[so[p]]
		}
	}
	var d derivative[T]
	if needsGrad(x, src) {
		s := newState[indexOp[T]](ar)
		s.maps[0] = idxMap[T]{ident: true}
		s.maps[1] = idxMap[T]{to: xo, from: so, alpha: 1, boxed: true}
		d = s
	}
	return recordOp("ScatterAdd", out, d, x, src)
}

// Scatter returns x with src's elements written at the positions index
// holds along axis, as torch.scatter(x, axis, index, src): for a 3-D x and
// axis 1, result[i][index[i][j][k]][k] = src[i][j][k]. When an index
// repeats, the last write in index's row-major order wins: deterministic,
// where PyTorch leaves the winner undefined. The result comes from the
// Arena of x (or src).
//
//	d/dx   = g, with 0 at every written position
//	d/dsrc = g at the position each element of src won, 0 for an element
//	         overwritten by a later duplicate or not reached by index
//
// (PyTorch's derivative gives an overwritten duplicate the gradient too; it
// is the derivative of no choice of winner.) It panics as ScatterAdd does.
func Scatter[T Float](x *Var[T], axis int, index *tensor.Index, src *Var[T]) *Var[T] {
	checkOperands2("Scatter", x, src)
	defer relabel("Scatter")
	ar := arenaOf(x, src)
	xo, so := idxScatterOffsets("Scatter", ar, x, axis, index, src, false)
	out := ar.like(x.value)
	out.CopyFrom(x.value)
	od, sd := out.Data(), src.value.Data()
	if so == nil {
		for p, i := range xo {
			od[i] = sd[p]
		}
	} else {
		for p, i := range xo {
			od[i] = sd[so[p]]
		}
	}
	var d derivative[T]
	if needsGrad(x, src) {
		s := newState[indexOp[T]](ar)
		s.maps[1] = idxMap[T]{to: xo, from: so, alpha: 1}
		s.scatter = true
		d = s
	}
	return recordOp("Scatter", out, d, x, src)
}

// scatterVJP is Scatter's fused derivative, for the pairs (xo[p], so[p])
// in index order (so nil: p): x's gradient is g with 0 at every written
// position, src's is g at the position each element won. It walks the
// pairs backwards over a copy of g (x's gradient buffer itself, when that
// is fresh), taking g[xo[p]] for the element of src and zeroing it: the
// last writer of a position, met first, takes g, and every earlier one
// finds the 0. So it needs no table of winners, and a duplicate costs
// nothing more than another pair.
func scatterVJP[T Float](c *Context[T], g *tensor.Tensor[T], xo, so []int) {
	needX, needS := c.NeedsGrad(0), c.NeedsGrad(1)
	gd := g.Data()
	var dx, t *tensor.Tensor[T]
	var bx T
	if needX {
		dx, bx = c.gradBuf(0)
		t = dx
		if bx != 0 {
			t = c.scratch(dx)
		}
		t.CopyFrom(g)
	} else {
		// Only the written positions are read: copy g there alone.
		t = c.scratch(g)
		td := t.Data()
		for _, i := range xo {
			td[i] = gd[i]
		}
	}
	td := t.Data()
	if needS {
		gradInto(c, 1, false, func(dst *tensor.Tensor[T], _ T) {
			d := dst.Data()
			if so != nil {
				clear(d) // the elements of src that index does not reach
			}
			var zero T // 0 + g: a winner gets what adding g to zeros gives (+0 for -0)
			for p := len(xo) - 1; p >= 0; p-- {
				i, j := xo[p], p
				if so != nil {
					j = so[p]
				}
				d[j] = zero + td[i]
				td[i] = 0
			}
		})
	} else {
		for _, i := range xo {
			td[i] = 0
		}
	}
	if needX && bx != 0 {
		tensor.SumToInto(dx, t, 1, 1)
	}
}

// scatterWinners returns Scatter's derivative as the maps of the other
// index ops, for its recorded derivative and its forward mode: for x
// (of nx elements), weights of 1 where no pair writes and 0 where one
// does; for src, the pairs that win, the last to write each position.
func scatterWinners[T Float](nx int, xo, so []int) [2]idxMap[T] {
	keep := make([]T, nx)
	for i := range keep {
		keep[i] = 1
	}
	last := make([]int, nx)
	nw := 0
	for p, i := range xo {
		if keep[i] != 0 {
			nw++
		}
		keep[i] = 0
		last[i] = p
	}
	wto, wfrom := make([]int, 0, nw), make([]int, 0, nw)
	for p, i := range xo {
		if last[i] == p {
			j := p
			if so != nil {
				j = so[p]
			}
			wto, wfrom = append(wto, i), append(wfrom, j)
		}
	}
	return [2]idxMap[T]{{w: keep, alpha: 1}, {to: wto, from: wfrom, alpha: 1}}
}

// idxGather sets d[p] = s[off[p]] for the offsets and clears the rest of
// d: IndexMoveInto's gather (a nil to, weights of 1) without its checks,
// for offsets an index op built and checked itself. With boxed it sets
// d[p] = 0 + s[off[p]], the bits of IndexMoveInto's scatter-add into zeros
// (see idxMap).
func idxGather[T Float](d, s []T, off []int, boxed bool) {
	if boxed {
		var zero T
		for p, i := range off {
			d[p] = zero + s[i]
		}
	} else {
		for p, i := range off {
			d[p] = s[i]
		}
	}
	clear(d[len(off):])
}
