package autograd

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// GroupNorm normalizes x [N, C, ...] over groups of channels, PyTorch's
// torch.nn.functional.group_norm(x, groups, weight, bias, eps): the C
// channels are split into groups consecutive groups of C/groups, and each
// sample's group (its C/groups channels and all their spatial positions,
// m values) is normalized with its own mean μ and biased variance σ², then
// scaled and shifted per channel:
//
//	y = (x - μ) / √(σ² + eps) ∘ weight + bias
//
// groups = 1 normalizes each sample as a whole (LayerNorm over [C, ...]
// with per-channel affine parameters); groups = C normalizes each channel of
// each sample (InstanceNorm). weight and bias are [C], either may be nil.
// The statistics are computed in float64, as LayerNorm's; the result comes
// from x's Arena when it has one.
//
// The derivative is LayerNorm's over each group, with r = 1/√(σ² + eps),
// x̂ = (x - μ)·r, ĝ = g ∘ weight and means over each group's m values:
//
//	d/dx = r ∘ ((ĝ - mean(ĝ)) - x̂ ∘ mean(ĝ ∘ x̂))
//	d/dweight = Σ over N and the spatial axes of g ∘ x̂,  d/dbias = Σ of g
//
// recorded (Grad with CreateGraph) as that composition of Reshape,
// MeanKeepDims, Sum, Sqrt and the arithmetic ops; an ordinary backward
// pass does the same arithmetic on plain tensors (the same bits), its
// scratch space from the Arena.
//
// It panics with a *tensor.ShapeError when x has fewer than 2 axes, groups
// does not divide C (or is not positive), or weight or bias is not [C].
func GroupNorm[T Float](x *Var[T], groups int, weight, bias *Var[T], eps T) *Var[T] {
	checkOperands1("GroupNorm", x)
	const op = "GroupNorm"
	xv := x.value
	n, ch, sp := bnLayout(op, xv)
	if groups < 1 || ch%groups != 0 {
		panic(shapeErr(op, fmt.Sprintf("groups %d does not divide the %d channels", groups, ch), xv.Shape()))
	}
	var buf [3]*Var[T]
	inputs := bnInputs(op, buf[:0], x, weight, bias, ch)
	ar := arenaOf(inputs...)
	out := ar.like(xv)
	w, b := weight.bnParams(), bias.bnParams()
	xd, yd := xv.Data(), out.Data()
	cg := ch / groups
	m := cg * sp
	for row := range n * groups {
		xs, ys := xd[row*m:][:m], yd[row*m:][:m]
		mean, rstd := lnStats(xs, eps)
		c0 := (row % groups) * cg
		for k := range cg {
			wk, bk := bnAt(w, c0+k), bnAt(b, c0+k)
			for j, v := range xs[k*sp : (k+1)*sp] {
				h := T(lnHat(v, mean, rstd))
				if wk != nil {
					h = T(h * *wk)
				}
				if bk != nil {
					h += *bk
				}
				ys[k*sp+j] = h
			}
		}
	}
	var d derivative[T]
	if needsGrad(inputs...) {
		s := newState[groupNormOp[T]](ar)
		s.groups, s.eps, s.weight, s.bias = groups, eps, weight != nil, bias != nil
		d = s
	}
	return recordOp(op, out, d, inputs...)
}

// groupNormOp is GroupNorm's state.
type groupNormOp[T Float] struct {
	groups       int
	eps          T
	weight, bias bool
}

func (*groupNormOp[T]) slot() stateSlot { return slotGroupNorm }

// backward is the derivative as a composition of differentiable ops, on x
// reshaped to [N, groups, m], recomputing the statistics.
func (s *groupNormOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	x := c.Input(0)
	xs := x.value.Shape()
	n := xs[0]
	m := xs[1] / s.groups // elements per group, from the shape: n may be 0
	for _, d := range xs[2:] {
		m *= d
	}
	axes := bnAxes(len(xs))
	kept := bnKept(xs, nil)
	xr := Reshape(x, n, s.groups, m)
	d := Sub(xr, MeanKeepDims(xr, 2))
	rstd := Div(Scalar(T(1)), Sqrt(Add(MeanKeepDims(Square(d), 2), Scalar(s.eps))))
	xhr := Mul(d, rstd)
	wi, bi := affineIndex(s.weight, s.bias)
	gy := g
	if wi > 0 {
		gy = Mul(g, Reshape(c.Input(wi), kept[1:]...))
	}
	gs := make([]*Var[T], c.NumInputs())
	if c.NeedsGrad(0) {
		gyr := Reshape(gy, n, s.groups, m)
		inner := Sub(Sub(gyr, MeanKeepDims(gyr, 2)), Mul(xhr, MeanKeepDims(Mul(gyr, xhr), 2)))
		gs[0] = Reshape(Mul(rstd, inner), xs...)
	}
	if wi > 0 && c.NeedsGrad(wi) {
		gs[wi] = Sum(Mul(g, Reshape(xhr, xs...)), axes...)
	}
	if bi > 0 && c.NeedsGrad(bi) {
		gs[bi] = Sum(g, axes...)
	}
	return gs
}

// vjp is backward's arithmetic on plain tensors, op for op, one group at a
// time (each group's mean is tensor.SumRow divided by the count, the bits
// of MeanKeepDims over the last axis; the per-channel sums are
// tensor.SumToInto's, as Sum's), so that both give the same bits.
func (s *groupNormOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	xv := c.node().inputs[0].value
	ar := c.p.arena
	n, ch, sp := bnLayout("GroupNorm", xv)
	cg := ch / s.groups
	m := cg * sp
	wi, bi := affineIndex(s.weight, s.bias)
	var w []T
	if wi > 0 {
		w = c.node().inputs[wi].value.Data()
	}
	needX, needW := c.NeedsGrad(0), wi > 0 && c.NeedsGrad(wi)
	var kbuf [8]int
	var xbuf [8]int
	xs := xbuf[:0]
	for i := range xv.Dims() {
		xs = append(xs, xv.Dim(i))
	}
	kept := bnKept(xs, kbuf[:0])
	dd, ud, gyd, out, wg, wt, beta := normVJPBuffers(c, xv, m, needX, needW, w != nil)
	xd, gd := xv.Data(), g.Data()
	count := T(m)
	for row := range n * s.groups {
		x := xd[row*m:][:m]
		gr, dd, ud := gd[row*m:][:len(x)], dd[:len(x)], ud[:len(x)]
		gy := gr
		mu := tensor.SumRow(x) / count
		for j, v := range x {
			dd[j] = v - mu
			ud[j] = dd[j] * dd[j]
		}
		if gyd != nil {
			gyd := gyd[:len(x)]
			c0 := (row % s.groups) * cg
			for j, v := range gr {
				gyd[j] = v * w[c0+j/sp]
			}
			gy = gyd
		}
		r := 1 / T(math.Sqrt(float64(tensor.SumRow(ud)/count+s.eps)))
		for j := range dd {
			dd[j] = T(dd[j] * r) // x̂
		}
		if needW {
			u := wg[row*m:][:len(x)]
			for j, v := range gr {
				u[j] = v * dd[j]
			}
		}
		if !needX {
			continue
		}
		gy = gy[:len(x)]
		for j, v := range gy {
			ud[j] = v * dd[j]
		}
		m1, m2 := tensor.SumRow(gy)/count, tensor.SumRow(ud)/count
		o := out[row*m:][:len(x)]
		for j, v := range gy {
			bnStore(o, j, T(r*(T(v-m1)-T(dd[j]*m2))), beta)
		}
	}
	if needW || bi > 0 && c.NeedsGrad(bi) {
		red := ar.tensor(kept...)
		if needW {
			tensor.SumToInto(red, wt, 1, 0)
			bnAddGrad(c, wi, red.Data())
		}
		if bi > 0 && c.NeedsGrad(bi) {
			tensor.SumToInto(red, g, 1, 0)
			bnAddGrad(c, bi, red.Data())
		}
	}
}

// jvp of GroupNorm is LayerNorm's rule over each sample's group (t the
// tangents of x, weight and bias; r, x̂ and the means per group, weight
// and bias per channel):
//
//	dy = r ∘ ((tx - mean(tx)) - x̂ ∘ mean(x̂ ∘ tx)) ∘ weight + x̂ ∘ tweight + tbias
//
// with the statistics of the forward pass.
func (s *groupNormOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	xv := c.node().inputs[0].value
	res := tensor.Zeros[T](xv.Shape()...)
	n, ch, sp := bnLayout("GroupNorm", xv)
	tx, aff := normTangents(c, ts, s.weight, s.bias)
	xd, rd := xv.Data(), res.Data()
	cg := ch / s.groups
	m := cg * sp
	h := make([]T, m) // x̂ of one group
	for row := range n * s.groups {
		x, y := xd[row*m:][:m], rd[row*m:][:m]
		mean, rstd := lnStats(x, s.eps)
		for j, v := range x {
			h[j] = T(lnHat(v, mean, rstd))
		}
		normSliceJVP(y, h, part(tx, row*m, m), rstd, true, aff.channels((row%s.groups)*cg, cg), sp)
	}
	return res
}
