package autograd

import (
	"github.com/adjoint-go/adjoint/tensor"
)

// Lerp returns the linear interpolation a + w·(b - a) elementwise, over
// the shape a, b and the weight w broadcast to (torch.lerp(a, b, w) with a
// tensor weight). As PyTorch does, it computes b - (b - a)·(1 - w) where
// |w| ≥ 1/2, so that w = 1 gives b exactly.
//
//	d/da = g·(1 - w),  d/db = g·w,  d/dw = g·(b - a)
//
// (each summed back over the axes its input was broadcast along).
func Lerp[T Float](a, b, w *Var[T]) *Var[T] {
	checkOperands3("Lerp", a, b, w)
	const op = "Lerp"
	ar := arenaOf(a, b, w)
	var buf [maxStackDims]int
	out, vn := resultOf(ar, bcastShape(op, buf[:0], a.value, b.value, w.value)...)
	var r tensor.BroadcastWalk
	r.Reset(op, out, a.value, b.value, w.value)
	o, x, y, z := out.Data(), a.value.Data(), b.value.Data(), w.value.Data()
	r.Each(func(off, n int, p, s [3]int) {
		for k := range n {
			o[off+k] = lerp(x[p[0]+k*s[0]], y[p[1]+k*s[1]], z[p[2]+k*s[2]])
		}
	})
	return recordOpIn(vn, op, out, lerpOp[T]{}, a, b, w)
}

// lerp is Lerp's kernel (torch's: exact at both ends).
func lerp[T Float](a, b, w T) T {
	if w < 0.5 && w > -0.5 {
		return a + w*(b-a)
	}
	return b - (b-a)*(1-w)
}

type lerpOp[T Float] struct{}

func (lerpOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	a, b, w := c.Input(0), c.Input(1), c.Input(2)
	var ga, gb, gw *Var[T]
	if c.NeedsGrad(0) {
		ga = Mul(g, Sub(Scalar(T(1)), w))
	}
	if c.NeedsGrad(1) {
		gb = Mul(g, w)
	}
	if c.NeedsGrad(2) {
		gw = Mul(g, Sub(b, a))
	}
	return []*Var[T]{ga, gb, gw}
}

// vjp is backward's products element by element.
func (lerpOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	out := c.out.value
	x, y, z, gs := c.node().inputs[0].value.Data(), c.node().inputs[1].value.Data(), c.node().inputs[2].value.Data(), g.Data()
	for j := range 3 {
		elemGrad3(c, j, out, func(d []T, off int, p, s [3]int, add bool) {
			for k := range d {
				f := lerpPartial(j, x[p[0]+k*s[0]], y[p[1]+k*s[1]], z[p[2]+k*s[2]])
				if v := T(gs[off+k] * f); add {
					d[k] += v
				} else {
					d[k] = v
				}
			}
		})
	}
}

// lerpPartial is the partial derivative of Lerp(a, b, w) = a + w·(b - a)
// with respect to input j: 1 - w, w or b - a.
func lerpPartial[T Float](j int, a, b, w T) T {
	switch j {
	case 0:
		return 1 - w
	case 1:
		return w
	}
	return b - a
}

// jvp of Lerp is (1 - w) ∘ ta + w ∘ tb + (b - a) ∘ tw elementwise, each
// tangent read where its input broadcasts.
func (lerpOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	out := c.out.value
	in := c.node().inputs
	res := tensor.Zeros[T](out.Shape()...)
	r, x, y, z := res.Data(), in[0].value.Data(), in[1].value.Data(), in[2].value.Data()
	var walk tensor.BroadcastWalk
	walk.Reset(c.node().op, out, in[0].value, in[1].value, in[2].value)
	for j, t := range ts {
		if t == nil {
			continue
		}
		td := t.Data()
		walk.Each(func(off, n int, p, s [3]int) {
			for k := range n {
				f := lerpPartial(j, x[p[0]+k*s[0]], y[p[1]+k*s[1]], z[p[2]+k*s[2]])
				r[off+k] += T(f * td[p[j]+k*s[j]])
			}
		})
	}
	return res
}
