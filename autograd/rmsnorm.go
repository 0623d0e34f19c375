package autograd

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// RMSNorm scales x by the reciprocal root mean square of each slice over
// its last normalizedDims axes, PyTorch 2.x's torch.nn.functional.rms_norm
// (nn.RMSNorm): with ms the mean of x² over each slice of n elements,
//
//	y = x / √(ms + eps) ∘ weight
//
// No mean is subtracted and there is no bias. weight has the shape of the
// normalized axes, or is nil (elementwise_affine=False). PyTorch's default
// eps (None) is the machine epsilon of the element type,
// torch.finfo(dtype).eps: 2⁻²³ ≈ 1.19e-7 for float32 and 2⁻⁵² ≈ 2.22e-16 for
// float64 (layers.NewRMSNorm uses it); pass it explicitly here. The mean of
// squares is accumulated in float64; the result comes from x's Arena when it
// has one.
//
// The derivative, with r = 1/√(ms + eps), x̂ = x·r, ĝ = g ∘ weight and means
// over each slice:
//
//	d/dx = r ∘ (ĝ - x̂ ∘ mean(ĝ ∘ x̂)),  d/dweight = Σ over the slices of g ∘ x̂
//
// recorded (Grad with CreateGraph) as that composition of MeanKeepDims,
// Sqrt and the arithmetic ops; an ordinary backward pass does the same
// arithmetic on plain tensors (the same bits), its scratch space from the
// Arena.
//
// It panics with a *tensor.ShapeError when normalizedDims is not between 1
// and x's rank, or weight does not have the normalized shape.
func RMSNorm[T Float](x *Var[T], normalizedDims int, weight *Var[T], eps T) *Var[T] {
	checkOperands1("RMSNorm", x)
	const op = "RMSNorm"
	xv := x.value
	r := xv.Dims()
	if normalizedDims < 1 || normalizedDims > r {
		panic(shapeErr(op, fmt.Sprintf("normalizedDims %d is not between 1 and the rank %d", normalizedDims, r), xv.Shape()))
	}
	var buf [2]*Var[T]
	inputs := append(buf[:0], x)
	if weight != nil {
		if !lnAffineFits(weight.value, xv, normalizedDims) {
			panic(shapeErr(op, "weight must have the normalized shape (the last normalizedDims axes of x)", xv.Shape(), weight.value.Shape()))
		}
		inputs = append(inputs, weight)
	}
	ar := arenaOf(inputs...)
	out := ar.like(xv)
	rows := lnRows(xv, normalizedDims)
	n := 1
	if rows > 0 {
		n = xv.Len() / rows
	}
	var w []T
	if weight != nil {
		w = weight.value.Data()
	}
	xd, yd := xv.Data(), out.Data()
	for i := range rows {
		x, y := xd[i*n:][:n], yd[i*n:][:n]
		q := tensor.SliceSqDevF64(x, 0) // Σ x², in float64, vectorized (x − 0 is x)
		rs := 1 / math.Sqrt(q/float64(n)+float64(eps))
		if w != nil {
			w := w[:len(y)]
			for j, v := range x {
				y[j] = T(float64(v)*rs) * w[j]
			}
		} else {
			for j, v := range x {
				y[j] = T(float64(v) * rs)
			}
		}
	}
	var d derivative[T]
	if needsGrad(inputs...) {
		s := newState[rmsNormOp[T]](ar)
		s.dims, s.eps, s.weight = normalizedDims, eps, weight != nil
		d = s
	}
	return recordOp(op, out, d, inputs...)
}

// rmsNormOp is RMSNorm's state (weight is input 1 when present).
type rmsNormOp[T Float] struct {
	dims   int
	eps    T
	weight bool
}

func (*rmsNormOp[T]) slot() stateSlot { return slotRMSNorm }

// backward is the derivative as a composition of differentiable ops,
// recomputing r from x.
func (s *rmsNormOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	x := c.Input(0)
	r := x.value.Dims()
	axes := make([]int, s.dims)
	for i := range axes {
		axes[i] = r - s.dims + i
	}
	rstd := Div(Scalar(T(1)), Sqrt(Add(MeanKeepDims(Square(x), axes...), Scalar(s.eps))))
	xh := Mul(x, rstd)
	gy := g
	if s.weight {
		gy = Mul(g, c.Input(1))
	}
	gs := make([]*Var[T], c.NumInputs())
	if c.NeedsGrad(0) {
		gs[0] = Mul(rstd, Sub(gy, Mul(xh, MeanKeepDims(Mul(gy, xh), axes...))))
	}
	if s.weight && c.NeedsGrad(1) {
		gs[1] = Mul(g, xh)
	}
	return gs
}

// vjp is backward's arithmetic on plain tensors, op for op, one slice at a
// time (each mean is tensor.SumRow divided by the count, the bits of
// MeanKeepDims), so that both give the same bits: two scratches of one
// slice, one more with a weight, and one of x's size when weight needs its
// gradient, from the Arena.
// Each sweep is one of tensor's slice kernels (SliceMul, SliceSubScalar...),
// vectorized with the bits of the tensor ops, and the sums run through
// SumRow's vectorized leaf.
func (s *rmsNormOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	xv := c.node().inputs[0].value
	rows := lnRows(xv, s.dims)
	if rows == 0 {
		c.zeroGrads() // the weight's gradient is zeros of its shape
		return
	}
	n := xv.Len() / rows
	var w []T
	if s.weight {
		w = c.node().inputs[1].value.Data()
	}
	needX, needW := c.NeedsGrad(0), s.weight && c.NeedsGrad(1)
	hd, ud, gyd, out, wg, wt, beta := normVJPBuffers(c, xv, n, needX, needW, w != nil)
	xd, gd := xv.Data(), g.Data()
	count := T(n)
	for i := range rows {
		x := xd[i*n:][:n]
		gr, hd, ud := gd[i*n:][:len(x)], hd[:len(x)], ud[:len(x)]
		tensor.SliceMul(ud, x, x)
		r := 1 / T(math.Sqrt(float64(tensor.SumRow(ud)/count+s.eps)))
		tensor.SliceMulScalar(hd, x, r) // x̂
		if needW {
			tensor.SliceMul(wg[i*n:][:len(x)], gr, hd)
		}
		if !needX {
			continue
		}
		gy := gr
		if gyd != nil {
			gyd := gyd[:len(x)]
			tensor.SliceMul(gyd, gr, w)
			gy = gyd
		}
		tensor.SliceMul(ud, gy, hd)
		m2 := tensor.SumRow(ud) / count
		// o = r·(ĝ − x̂·m2), each operation rounded as the ops do.
		tensor.SliceMulScalar(ud, hd, m2)
		tensor.SliceSub(ud, gy, ud)
		o := out[i*n:][:len(x)]
		if beta == 0 {
			tensor.SliceScalarMul(o, r, ud)
			continue
		}
		tensor.SliceScalarMul(ud, r, ud)
		tensor.SliceAdd(o, o, ud)
	}
	if needW {
		c.addGrad(1, wt, 1)
	}
}

// jvp of RMSNorm is, over each slice, with r, x̂ and means as in RMSNorm
// (t the tangents of x and weight):
//
//	dy = r ∘ (tx - x̂ ∘ mean(x̂ ∘ tx)) ∘ weight + x̂ ∘ tweight
//
// The statistics are the forward pass's.
func (s *rmsNormOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	xv := c.node().inputs[0].value
	res := tensor.Zeros[T](xv.Shape()...)
	rows := lnRows(xv, s.dims)
	if rows == 0 || xv.Len() == 0 {
		return res
	}
	n := xv.Len() / rows
	tx, aff := normTangents(c, ts, s.weight, false)
	xd, rd := xv.Data(), res.Data()
	h := make([]T, n) // x̂ of one slice
	for i := range rows {
		x, y := xd[i*n:][:n], rd[i*n:][:n]
		q := tensor.SliceSqDevF64(x, 0)
		rs := 1 / math.Sqrt(q/float64(n)+float64(s.eps))
		for j, v := range x {
			h[j] = T(float64(v) * rs)
		}
		normSliceJVP(y, h, part(tx, i*n, n), T(rs), false, aff, 1)
	}
	return res
}
