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
// (PyTorch's elementwise_affine=False, or bias=False). The statistics are
// accumulated in float64 and kept, rounded to T, for the derivative (μ and
// the reciprocal r = 1/√(σ² + eps), one of each per slice, in the Arena when
// x has one); the normalized x̂ = (x - μ)·r is computed from them in the
// forward and the backward pass alike.
//
// The derivative, with ĝ = g ∘ weight and means over each slice:
//
//	d/dx = r ∘ (ĝ - mean(ĝ) - x̂ ∘ mean(ĝ ∘ x̂))
//	d/dweight = Σ over the slices of g ∘ x̂,  d/dbias = Σ over the slices of g
//
// The backward pass computes it in one sweep per slice (sums in float64).
// Recorded (Grad with CreateGraph) it is built from MeanKeepDims, Square,
// Pow and the arithmetic ops, which recompute the statistics from x, so
// that gradients of gradients are exact; the two agree to a few ulps.
//
// It panics with a *tensor.ShapeError when normalizedDims is not between 1
// and x's rank, or weight or bias does not have the normalized shape.
func LayerNorm[T Float](x, weight, bias *Var[T], normalizedDims int, eps T) *Var[T] {
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
	out := arenaLike(ar, xv)
	rows := lnRows(xv, normalizedDims)
	var s *layerNormOp[T]
	var mean, rstd []T
	if needsGrad(inputs...) {
		s = newState[layerNormOp[T]](ar)
		s.dims, s.eps, s.weight, s.bias = normalizedDims, eps, weight != nil, bias != nil
		s.mean, s.rstd = ar.tensor(rows), ar.tensor(rows)
		mean, rstd = s.mean.Data(), s.rstd.Data()
	}
	var w, b []T
	if weight != nil {
		w = weight.value.Data()
	}
	if bias != nil {
		b = bias.value.Data()
	}
	xd, yd := xv.Data(), out.Data()
	for i := range rows {
		row, y := xd[i*n:(i+1)*n], yd[i*n:(i+1)*n]
		m, rs := lnStats(row, eps)
		if mean != nil {
			mean[i], rstd[i] = m, rs
		}
		lnRow(y, row, w, b, m, rs)
	}
	var d derivative[T]
	if s != nil {
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
// variance, both computed in float64 (two passes) and rounded to T. An
// empty row has mean NaN, as 0/0.
func lnStats[T Float](row []T, eps T) (mean, rstd T) {
	var s float64
	for _, v := range row {
		s += float64(v)
	}
	m := s / float64(len(row))
	var q float64
	for _, v := range row {
		d := float64(v) - m
		q += d * d
	}
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
		w, b = w[:len(y)], b[:len(y)]
		for j, v := range x {
			y[j] = T(T(lnHat(v, mean, rstd))*w[j]) + b[j]
		}
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

// layerNormOp is LayerNorm's state: its parameters, which optional inputs
// it has (weight is input 1 when present, bias the next), and the
// statistics of each slice.
type layerNormOp[T Float] struct {
	dims         int
	eps          T
	weight, bias bool
	mean, rstd   *tensor.Tensor[T] // [rows]
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

func (s *layerNormOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	x := c.Input(0)
	r := x.value.Dims()
	axes := make([]int, s.dims)
	for i := range axes {
		axes[i] = r - s.dims + i
	}
	d := Sub(x, MeanKeepDims(x, axes...))
	rstd := Pow(Add(MeanKeepDims(Square(d), axes...), Scalar(s.eps)), -0.5)
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
		gs[wi] = Mul(g, xh) // the engine sums it over the slices
	}
	if bi > 0 && c.NeedsGrad(bi) {
		gs[bi] = g
	}
	return gs
}

// vjp computes the three gradients from the saved statistics: d/dx in one
// sweep per slice with float64 sums, d/dweight and d/dbias as sums over the
// slices (pairwise, by SumToInto) of g ∘ x̂ (built in an arena scratch) and
// of g.
func (s *layerNormOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	xv := c.n.inputs[0].value
	wi, bi := s.inputs()
	var w []T
	if wi > 0 {
		w = c.n.inputs[wi].value.Data()
	}
	rows := s.mean.Len()
	n := 0
	if rows > 0 {
		n = xv.Len() / rows
	}
	mean, rstd, xd, gd := s.mean.Data(), s.rstd.Data(), xv.Data(), g.Data()
	if c.NeedsGrad(0) {
		dst, beta := c.gradBuf(0)
		dd := dst.Data()
		for i := range rows {
			lnRowGrad(dd[i*n:(i+1)*n], xd[i*n:(i+1)*n], gd[i*n:(i+1)*n], w, mean[i], rstd[i], beta)
		}
	}
	if wi > 0 && c.NeedsGrad(wi) {
		t := arenaLike(c.p.arena, xv)
		td := t.Data()
		for i := range rows {
			x, gr, tr := xd[i*n:(i+1)*n], gd[i*n:(i+1)*n], td[i*n:(i+1)*n]
			for j, v := range x {
				tr[j] = gr[j] * T(lnHat(v, mean[i], rstd[i]))
			}
		}
		dst, beta := c.gradBuf(wi)
		tensor.SumToInto(dst, t, 1, beta)
	}
	if bi > 0 && c.NeedsGrad(bi) {
		dst, beta := c.gradBuf(bi)
		tensor.SumToInto(dst, g, 1, beta)
	}
}

// lnRowGrad sets (beta 0) or adds to (beta 1) d the gradient of one slice:
// r ∘ (ĝ - mean(ĝ) - x̂ ∘ mean(ĝ ∘ x̂)), ĝ = g ∘ w (w nil: ĝ = g).
func lnRowGrad[T Float](d, x, g, w []T, mean, rstd T, beta T) {
	x, g = x[:len(d)], g[:len(d)]
	var s1, s2 float64
	for j, v := range x {
		gy := float64(g[j])
		if w != nil {
			gy *= float64(w[j])
		}
		s1 += gy
		s2 += gy * lnHat(v, mean, rstd)
	}
	nf := float64(len(d))
	m1, m2, r := s1/nf, s2/nf, float64(rstd)
	for j, v := range x {
		gy := float64(g[j])
		if w != nil {
			gy *= float64(w[j])
		}
		dx := T(r * (gy - m1 - lnHat(v, mean, rstd)*m2))
		if beta == 0 {
			d[j] = dx
		} else {
			d[j] += dx
		}
	}
}
