package autograd

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// LayerNorm normalizes x over its last normalizedDims axes, as PyTorch's
// torch.nn.functional.layer_norm with normalized_shape the shape of those
// axes: with μ and σ² the mean and the biased variance (divided by n, not
// n - 1) of each of those slices of n elements,
//
//	y = (x - μ) / √(σ² + eps) ∘ weight + bias
//
// eps is added inside the square root, as in PyTorch (1e-5 is its default).
// weight and bias have the shape of the normalized axes; either may be nil
// (PyTorch's elementwise_affine=False, or bias=False). The forward pass
// makes two float64 passes over each slice for its statistics and one for
// the result, from the Arena when x has one. The statistics are rounded to
// T before x - μ is taken (so that the fused and the recorded derivative
// agree bit for bit): a slice whose mean is large against its spread loses
// digits there, as in PyTorch, whose float32 statistics lose more (float32
// values 1e4 + {0, 1, 2, 3}·1e-3 normalize to [-0.58 -0.29 0 0.29] for
// the exact [-0.44 -0.15 0.15 0.44]; torch gives [-0.61 -0.32 -0.02 0.27]).
// GroupNorm and BatchNorm round theirs likewise.
//
// The derivative, with r = 1/√(σ² + eps), x̂ = (x - μ)·r, ĝ = g ∘ weight and
// means over each slice:
//
//	d/dx = r ∘ ((ĝ - mean(ĝ)) - x̂ ∘ mean(ĝ ∘ x̂))
//	d/dweight = Σ over the slices of g ∘ x̂,  d/dbias = Σ over the slices of g
//
// It is recorded (Grad with CreateGraph) as that composition of
// MeanKeepDims, Sqrt, Div and the arithmetic ops, recomputing μ and r from
// x, so that gradients of gradients are exact; an ordinary backward pass
// does the same arithmetic on plain tensors in a few sweeps (the bits are
// the same either way), with its scratch space from the Arena.
//
// It panics with a *tensor.ShapeError when normalizedDims is not between 1
// and x's rank, or weight or bias does not have the normalized shape.
func LayerNorm[T Float](x, weight, bias *Var[T], normalizedDims int, eps T) *Var[T] {
	checkOperands1("LayerNorm", x)
	const op = "LayerNorm"
	xv := x.value
	r := xv.Dims()
	if normalizedDims < 1 || normalizedDims > r {
		panic(shapeErr(op, fmt.Sprintf("normalizedDims %d is not between 1 and the rank %d", normalizedDims, r), xv.Shape()))
	}
	n := 1
	for i := r - normalizedDims; i < r; i++ {
		n *= xv.Dim(i)
	}
	var buf [3]*Var[T]
	inputs := append(buf[:0], x)
	for _, p := range [2]*Var[T]{weight, bias} {
		if p == nil {
			continue
		}
		if !lnAffineFits(p.value, xv, normalizedDims) {
			panic(shapeErr(op, "weight and bias must have the normalized shape (the last normalizedDims axes of x)", xv.Shape(), p.value.Shape()))
		}
		inputs = append(inputs, p)
	}
	ar := arenaOf(inputs...)
	out := ar.like(xv)
	rows := lnRows(xv, normalizedDims)
	var w, b []T
	if weight != nil {
		w = weight.value.Data()
	}
	if bias != nil {
		b = bias.value.Data()
	}
	xd, yd := xv.Data(), out.Data()
	if w != nil && b != nil {
		// The common case in one call: lnStats and lnRow's arithmetic, fused.
		tensor.LayerNormRows(yd, xd[:rows*n], w, b, n, eps)
		rows = 0
	}
	for i := range rows {
		row, y := xd[i*n:(i+1)*n], yd[i*n:(i+1)*n]
		m, rs := lnStats(row, eps)
		lnRow(y, row, w, b, m, rs)
	}
	var d derivative[T]
	if needsGrad(inputs...) {
		s := newState[layerNormOp[T]](ar)
		s.dims, s.eps, s.weight, s.bias = normalizedDims, eps, weight != nil, bias != nil
		d = s
	}
	return recordOp(op, out, d, inputs...)
}

// lnAffineFits reports whether p has the shape of the last dims axes of x.
func lnAffineFits[T Float](p, x *tensor.Tensor[T], dims int) bool {
	if p.Dims() != dims {
		return false
	}
	for i := range dims {
		if p.Dim(i) != x.Dim(x.Dims()-dims+i) {
			return false
		}
	}
	return true
}

// lnRows returns the number of slices LayerNorm normalizes: the product of
// x's axes before the last dims.
func lnRows[T Float](x *tensor.Tensor[T], dims int) int {
	rows := 1
	for i := range x.Dims() - dims {
		rows *= x.Dim(i)
	}
	return rows
}

// lnStats returns the mean of row and 1/√(σ² + eps), σ² its biased
// variance, both computed in float64 (two passes: the sum, then the sum of
// squared deviations from the mean, each with sixteen interleaved
// accumulators in vector registers, tensor.SliceSumF64 and
// tensor.SliceSqDevF64) and rounded to T. An empty row has mean NaN, as
// 0/0.
func lnStats[T Float](row []T, eps T) (mean, rstd T) {
	m := tensor.SliceSumF64(row) / float64(len(row))
	q := tensor.SliceSqDevF64(row, m)
	return T(m), T(1 / math.Sqrt(q/float64(len(row))+float64(eps)))
}

// lnHat is x̂ = (x - μ)·r, in float64, from the rounded statistics.
func lnHat[T Float](v, mean, rstd T) float64 {
	return (float64(v) - float64(mean)) * float64(rstd)
}

// lnRow writes y = x̂ ∘ w + b for one slice (w, b nil when absent).
func lnRow[T Float](y, x, w, b []T, mean, rstd T) {
	x = x[:len(y)]
	switch {
	case w != nil && b != nil:
		tensor.SliceNormAffine(y, x, w, b, mean, rstd) // vectorized, the bits of lnHat's
	case w != nil:
		w = w[:len(y)]
		for j, v := range x {
			y[j] = T(lnHat(v, mean, rstd)) * w[j]
		}
	case b != nil:
		b = b[:len(y)]
		for j, v := range x {
			y[j] = T(lnHat(v, mean, rstd)) + b[j]
		}
	default:
		for j, v := range x {
			y[j] = T(lnHat(v, mean, rstd))
		}
	}
}

// layerNormOp is LayerNorm's state: its parameters and which optional
// inputs it has (weight is input 1 when present, bias the next).
type layerNormOp[T Float] struct {
	dims         int
	eps          T
	weight, bias bool
}

func (*layerNormOp[T]) slot() stateSlot { return slotLayerNorm }

// inputs returns the input numbers of weight and bias, -1 when absent.
func (s *layerNormOp[T]) inputs() (w, b int) {
	w, b = -1, -1
	next := 1
	if s.weight {
		w, next = next, next+1
	}
	if s.bias {
		b = next
	}
	return w, b
}

// backward is the derivative as a composition of differentiable ops, which
// recompute the statistics from x: with d = x - mean(x),
// r = 1/√(mean(d²) + eps), x̂ = d·r and ĝ = g ∘ weight,
//
//	d/dx = r ∘ ((ĝ - mean(ĝ)) - x̂ ∘ mean(ĝ ∘ x̂)),  d/dweight = g ∘ x̂,  d/dbias = g
//
// (the engine sums the last two over the slices).
func (s *layerNormOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	x := c.Input(0)
	r := x.value.Dims()
	axes := make([]int, s.dims)
	for i := range axes {
		axes[i] = r - s.dims + i
	}
	d := Sub(x, MeanKeepDims(x, axes...))
	rstd := Div(Scalar(T(1)), Sqrt(Add(MeanKeepDims(Square(d), axes...), Scalar(s.eps))))
	xh := Mul(d, rstd)
	wi, bi := s.inputs()
	gy := g
	if wi > 0 {
		gy = Mul(g, c.Input(wi))
	}
	gs := make([]*Var[T], c.NumInputs())
	if c.NeedsGrad(0) {
		inner := Sub(Sub(gy, MeanKeepDims(gy, axes...)), Mul(xh, MeanKeepDims(Mul(gy, xh), axes...)))
		gs[0] = Mul(rstd, inner)
	}
	if wi > 0 && c.NeedsGrad(wi) {
		gs[wi] = Mul(g, xh)
	}
	if bi > 0 && c.NeedsGrad(bi) {
		gs[bi] = g
	}
	return gs
}

// vjp is backward's arithmetic on plain tensors, op for op, one slice at
// a time (each mean is tensor.SumRow divided by the count, the bits of
// MeanKeepDims), so that both give the same bits: three scratches of one
// slice, and one of x's size when weight needs its gradient, from the
// Arena.
// Each sweep is one of tensor's slice kernels (SliceMul, SliceSubScalar...),
// vectorized with the bits of the tensor ops, and the sums run through
// SumRow's vectorized leaf. When x and the weight both need their
// gradients (a transformer's LayerNorm), tensor.LayerNormGradRowsSum does
// it all in fused kernels and sums the weight's and the bias's gradients
// a chunk of at most 64 rows at a time, down the engine's tree of rows
// (the same bits), so that its scratch is a chunk's instead of x's size.
func (s *layerNormOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	xv := c.node().inputs[0].value
	wi, bi := s.inputs()
	var w []T
	if wi > 0 {
		w = c.node().inputs[wi].value.Data()
	}
	rows, n := lnRows(xv, s.dims), 1
	for i := xv.Dims() - s.dims; i < xv.Dims(); i++ {
		n *= xv.Dim(i)
	}
	needX, needW := c.NeedsGrad(0), wi > 0 && c.NeedsGrad(wi)
	if needX && needW && rows > 0 && n > 1 {
		// The common case (a transformer's LayerNorm): the rows' fused
		// sweeps, and the weight's and the bias's gradients summed a
		// chunk of rows at a time while in cache: the bits of the sweeps
		// below and of the engine's SumTo of g ∘ x̂ and of g.
		dd, ud, gyd, out, _, _, beta := normVJPBuffers(c, xv, n, true, false, true)
		ws := c.scratch(c.node().inputs[wi].value)
		var bs *tensor.Tensor[T] // the bias's gradient, summed with the weight's
		var bsd []T
		if bi > 0 && c.NeedsGrad(bi) {
			bs = c.scratch(c.node().inputs[bi].value)
			bsd = bs.Data()
		}
		scratch := c.p.arena.tensor(tensor.LayerNormGradRowsSumLen(rows, n)).Data()
		tensor.LayerNormGradRowsSum(out, ws.Data(), bsd, dd, ud, gyd, xv.Data()[:rows*n], g.Data(), w, scratch, n, s.eps, beta != 0)
		c.addGrad(wi, ws, 1)
		if bs != nil {
			c.addGrad(bi, bs, 1)
		}
		return
	}
	dd, ud, gyd, out, wg, wt, beta := normVJPBuffers(c, xv, n, needX, needW, w != nil)
	xd, gd := xv.Data(), g.Data()
	count := T(n)
	if needX && needW && gyd != nil {
		// The common case (a transformer's LayerNorm) in three fused sweeps
		// per row, with the bits of the sweeps below.
		tensor.LayerNormGradRows(out, wg, dd, ud, gyd, xd[:rows*n], gd, w, n, s.eps, beta != 0)
		rows = 0
	}
	for i := range rows {
		// Every slice resliced to len(x), so that the loops' indexing needs
		// no bounds checks.
		x := xd[i*n : (i+1)*n]
		gr, dd, ud := gd[i*n:][:len(x)], dd[:len(x)], ud[:len(x)]
		gy := gr // gy = g ∘ weight (g itself without a weight)
		mu := tensor.SumRow(x) / count
		tensor.SliceSubScalar(dd, x, mu) // d = x − μ
		tensor.SliceMul(ud, dd, dd)
		if gyd != nil {
			gyd := gyd[:len(x)]
			tensor.SliceMul(gyd, gr, w) // rounded as Mul rounds it
			gy = gyd
		}
		r := 1 / T(math.Sqrt(float64(tensor.SumRow(ud)/count+s.eps)))
		// dd becomes x̂ = T(d·r), the product every later sweep rounds.
		tensor.SliceMulScalar(dd, dd, r)
		if needX {
			tensor.SliceMul(ud, gy, dd) // ĝ ∘ x̂
		}
		if needW {
			tensor.SliceMul(wg[i*n:][:len(x)], gr, dd) // g ∘ x̂
		}
		if !needX {
			continue
		}
		m1, m2 := tensor.SumRow(gy)/count, tensor.SumRow(ud)/count
		// o = r·((ĝ − m1) − x̂·m2), each operation rounded as the ops do.
		tensor.SliceSubScalar(ud, gy, m1)
		tensor.SliceMulScalar(dd, dd, m2)
		tensor.SliceSub(ud, ud, dd)
		o := out[i*n:][:len(x)]
		if beta == 0 {
			tensor.SliceScalarMul(o, r, ud)
			continue
		}
		tensor.SliceScalarMul(ud, r, ud)
		tensor.SliceAdd(o, o, ud)
	}
	if needW {
		c.addGrad(wi, wt, 1)
	}
	if bi > 0 && c.NeedsGrad(bi) {
		c.addGrad(bi, g, 1)
	}
}

// normVJPBuffers returns the buffers of a normalization's fused backward
// (LayerNorm, RMSNorm, GroupNorm) over slices of n elements of x: two
// per-slice scratches d and u from the context's Arena; gy, a third, when
// x needs its gradient and there is a weight; x's gradient buffer out and
// its beta (see Context.gradBuf) when x needs its gradient; and, when the
// weight needs its gradient, wt, a scratch of x's size for its per-element
// terms, with wg its data (Context.scratch: recycled by the pass without an
// Arena). They are taken in this order, the same in every caller, so that
// the Arena hands out the same memory.
func normVJPBuffers[T Float](c *Context[T], x *tensor.Tensor[T], n int, needX, needW, weighted bool) (d, u, gy, out, wg []T, wt *tensor.Tensor[T], beta T) {
	ar := c.p.arena
	d, u = ar.tensor(n).Data(), ar.tensor(n).Data()
	if needX && weighted {
		gy = ar.tensor(n).Data()
	}
	if needX {
		var dst *tensor.Tensor[T]
		dst, beta = c.gradBuf(0)
		out = dst.Data()
	}
	if needW {
		// The pass's scratch: the Arena's, or without one a buffer the pass
		// recycles once the derivative is done with it (addGrad reduces it
		// into the weight's gradient, or keeps it as that, then lent).
		wt = c.scratch(x)
		wg = wt.Data()
	}
	return d, u, gy, out, wg, wt, beta
}

// jvp of LayerNorm is, over each slice, with r, x̂ and means as in
// LayerNorm (t the tangents of x, weight and bias):
//
//	dx̂ = r ∘ ((tx - mean(tx)) - x̂ ∘ mean(x̂ ∘ tx))
//	dy = dx̂ ∘ weight + x̂ ∘ tweight + tbias
//
// (the Jacobian of x̂ is symmetric: dx̂ is its derivative's formula with
// tx as ĝ). The statistics are the forward pass's.
func (s *layerNormOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	xv := c.node().inputs[0].value
	res := tensor.Zeros[T](xv.Shape()...)
	rows, n := lnRows(xv, s.dims), 1
	for i := xv.Dims() - s.dims; i < xv.Dims(); i++ {
		n *= xv.Dim(i)
	}
	tx, aff := normTangents(c, ts, s.weight, s.bias)
	xd, rd := xv.Data(), res.Data()
	h := make([]T, n) // x̂ of one slice
	for i := range rows {
		x, y := xd[i*n:(i+1)*n], rd[i*n:(i+1)*n]
		mean, rstd := lnStats(x, s.eps)
		for j, v := range x {
			h[j] = T(lnHat(v, mean, rstd))
		}
		normSliceJVP(y, h, part(tx, i*n, n), rstd, true, aff, 1)
	}
	return res
}

// normAffine holds what a normalization's forward rule reads of its affine
// inputs, one element per channel (for LayerNorm and RMSNorm, per
// normalized element): the weight w and the tangents tw and tb of the
// weight and the bias, each nil when absent (a tangent also when zero).
type normAffine[T Float] struct{ w, tw, tb []T }

// channels returns a's channels k0 to k0+n-1.
func (a normAffine[T]) channels(k0, n int) normAffine[T] {
	return normAffine[T]{part(a.w, k0, n), part(a.tw, k0, n), part(a.tb, k0, n)}
}

// part returns s[i:i+n], or nil when s is nil.
func part[T any](s []T, i, n int) []T {
	if s == nil {
		return nil
	}
	return s[i : i+n]
}

// normTangents returns the data of x's tangent (input 0; nil when zero)
// and the affine part a normalization's forward rule reads, the weight and
// the bias, when the op has them, being the inputs after x
// (affineIndex).
func normTangents[T Float](c *Context[T], ts []*tensor.Tensor[T], weight, bias bool) (tx []T, a normAffine[T]) {
	data := func(t *tensor.Tensor[T]) []T {
		if t == nil {
			return nil
		}
		return t.Data()
	}
	wi, bi := affineIndex(weight, bias)
	if wi > 0 {
		a.w, a.tw = c.node().inputs[wi].value.Data(), data(ts[wi])
	}
	if bi > 0 {
		a.tb = data(ts[bi])
	}
	return data(ts[0]), a
}

// normSliceJVP sets y to the tangent of a normalization's output along one
// slice that shares its statistics, given the slice's x̂ (h), its r, and
// its input's tangent tx (nil when zero):
//
//	dy = r ∘ ((tx - mean(tx)) - x̂ ∘ mean(x̂ ∘ tx)) ∘ w + x̂ ∘ tw + tb
//
// without the term mean(tx) when centered is false (RMSNorm). The affine
// part is per channel, a channel being per consecutive elements of the
// slice: element j takes w[j/per], tw[j/per] and tb[j/per] (LayerNorm and
// RMSNorm: per 1; GroupNorm: per the spatial size; BatchNorm, whose slice
// is one channel: per its length). It is the rule of LayerNorm, RMSNorm,
// GroupNorm and BatchNorm in training.
func normSliceJVP[T Float](y, h, tx []T, r T, centered bool, a normAffine[T], per int) {
	var m1, m2 T
	if tx != nil {
		tx = tx[:len(h)]
		for j, v := range tx {
			if centered {
				m1 += v
			}
			m2 += T(h[j] * v) // T(): no fused multiply-add
		}
		count := T(len(h))
		m1, m2 = m1/count, m2/count
	}
	k, left := 0, per // element j's channel, and how many elements of it are left
	for j, hj := range h {
		if left == 0 {
			k, left = k+1, per
		}
		left--
		var d T
		if tx != nil {
			d = T(r * (T(tx[j]-m1) - T(hj*m2))) // T(): no fused multiply-add
			if a.w != nil {
				d = T(d * a.w[k])
			}
		}
		if a.tw != nil {
			d += T(hj * a.tw[k])
		}
		if a.tb != nil {
			d += a.tb[k]
		}
		y[j] = d
	}
}
