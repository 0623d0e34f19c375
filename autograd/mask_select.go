package autograd

import (
	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the ops that select with a mask: Where and MaskedFill.
// The mask broadcasts with the tensors (NumPy's rules, as in torch.where
// and torch.masked_fill) and is copied into the op's state as 1s and 0s,
// so that changing the mask afterwards does not change the gradient.
// Gradients and tangents are selected by those constants (a branch or an
// element that is not selected gets +0, whatever arrives there), so the
// second derivative is 0.

// Where returns a where mask is true and b elsewhere, elementwise over the
// shape that mask, a and b broadcast to (torch.where(mask, a, b)).
//
//	d/da = g where mask, 0 elsewhere;  d/db = g where !mask, 0 elsewhere
//
// (each summed back over the axes its input was broadcast along). The
// gradients are selected, as PyTorch's where(condition, grad, 0): where a
// branch is not selected its gradient is +0 even for an infinite or NaN g.
// That zero still reaches the branch's own derivative, so if that is
// infinite there (Log at 0, say), 0·Inf gives NaN, as in PyTorch; mask the
// branch's input instead of its output to avoid that.
//
// It panics with a *tensor.ShapeError when mask, a and b do not broadcast,
// and with a *UsageError for a nil mask.
func Where[T Float](mask *tensor.Mask, a, b *Var[T]) *Var[T] {
	checkOperands2("Where", a, b)
	const op = "Where"
	if mask == nil {
		panic(usage(op, "nil mask"))
	}
	ar := arenaOf(a, b)
	var buf [maxStackDims]int
	out := ar.tensor(bcastShape(op, buf[:0], mask, a.value, b.value)...)
	var w tensor.BroadcastWalk
	w.Reset(op, out, mask, a.value, b.value)
	o, md, x, y := out.Data(), mask.Data(), a.value.Data(), b.value.Data()
	w.Each(func(off, n int, p, s [3]int) {
		for k := range n {
			if md[p[0]+k*s[0]] {
				o[off+k] = x[p[1]+k*s[1]]
			} else {
				o[off+k] = y[p[2]+k*s[2]]
			}
		}
	})
	var d derivative[T]
	if needsGrad(a, b) {
		st := newState[whereOp[T]](ar)
		st.keep = ar.like(out)
		maskOnes(st.keep, &w, md, false)
		d = st
	}
	return recordOp(op, out, d, a, b)
}

// maskOnes sets dst, of the result shape of w, to the mask md broadcast
// (operand 0 of w) as 1s and 0s: 1 where the flag is true, or where it is
// false when invert.
func maskOnes[T Float](dst *tensor.Tensor[T], w *tensor.BroadcastWalk, md []bool, invert bool) {
	kd := dst.Data()
	w.Each(func(off, n int, p, s [3]int) {
		for k := range n {
			kd[off+k] = 0
			if md[p[0]+k*s[0]] != invert {
				kd[off+k] = 1
			}
		}
	})
}

// whereFlags is Where for a mask given as one flag per element of the
// shape a and b broadcast to, in row-major order: for the derivatives of
// this package that build their masks element by element.
func whereFlags[T Float](flags []bool, a, b *Var[T]) *Var[T] {
	shape, ok := tensor.BroadcastShapes(a.value.Shape(), b.value.Shape())
	if !ok {
		panic(shapeErr("Where", "shapes do not broadcast", a.value.Shape(), b.value.Shape()))
	}
	return Where(tensor.MustMask(flags, shape...), a, b)
}

// selGrad is the gradient g passed where flags (one per element of g, in
// row-major order) hold and +0 elsewhere, whatever g is there: how the ops
// whose derivative is 0 on a region by construction (ReLU, Clamp, the flat
// sides of Hardtanh, Hardsigmoid and Hardswish, the operand of Maximum or
// Minimum that loses, the branch of Where and the elements of MaskedFill
// that are not selected) block it, as PyTorch's and JAX's selects do, so
// that an infinite or NaN g there gives 0 rather than 0·Inf = NaN. It is a
// Where, so that gradients of gradients go through it too; selGradElem is
// its element for the fused derivatives.
func selGrad[T Float](flags []bool, g *Var[T]) *Var[T] {
	return whereFlags(flags, g, Scalar(T(0)))
}

// selGradElem is an element of selGrad: v (g, or g times the slope where
// the op has one) where pass, +0 elsewhere whatever v is.
func selGradElem[T Float](pass bool, v T) T {
	if !pass {
		return 0
	}
	return v
}

// whereOp is Where's state: its mask as 1s and 0s, of the result's shape.
type whereOp[T Float] struct{ keep *tensor.Tensor[T] }

func (*whereOp[T]) slot() stateSlot { return slotWhere }

func (s *whereOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	var ga, gb *Var[T]
	if c.NeedsGrad(0) {
		ga = selGrad(elemFlags(s.keep, func(k T) bool { return k != 0 }), g)
	}
	if c.NeedsGrad(1) {
		gb = selGrad(elemFlags(s.keep, func(k T) bool { return k == 0 }), g)
	}
	return []*Var[T]{ga, gb}
}

// vjp is backward's selection element by element: g where the mask k
// holds for a, where it does not for b, +0 elsewhere.
func (s *whereOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	kd, gs := s.keep.Data(), g.Data()
	for j := range 2 {
		elemGrad(c, j, c.out.value, func(d []T, off, _, _, _, _ int, add bool) {
			for k := range d {
				if v := selGradElem((kd[off+k] != 0) == (j == 0), gs[off+k]); add {
					d[k] += v
				} else {
					d[k] = v
				}
			}
		})
	}
}

// jvp of Where is ta where mask, tb elsewhere, each tangent read where its
// input broadcasts, with its bits (−0 included); the branch not selected
// gives nothing, even an infinite or NaN tangent (a select, as the
// gradients and PyTorch's forward mode).
func (s *whereOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	out := c.out.value
	res := tensor.Zeros[T](out.Shape()...)
	r, kd := res.Data(), s.keep.Data()
	for j, t := range ts {
		if t == nil {
			continue
		}
		td := t.Data()
		elemRuns(out, c.node().inputs[0].value, c.node().inputs[1].value, func(off, n, oa, sa, ob, sb int) {
			ot, st := oa, sa // the tangent is read where its input is
			if j == 1 {
				ot, st = ob, sb
			}
			for k := range n {
				if (kd[off+k] != 0) == (j == 0) {
					r[off+k] = td[ot+k*st]
				}
			}
		})
	}
	return res
}

// MaskedFill returns x with value wherever mask is true
// (torch.masked_fill(x, mask, value)). mask broadcasts to x's shape, which
// is the result's.
//
//	d/dx = g where !mask, 0 where mask
//
// The gradient is selected, as PyTorch's grad.masked_fill(mask, 0): +0 at
// the filled elements even for an infinite or NaN g, as for Where. The
// second derivative is 0.
//
// It panics with a *tensor.ShapeError when mask does not broadcast to x's
// shape, and with a *UsageError for a nil mask.
func MaskedFill[T Float](x *Var[T], mask *tensor.Mask, value T) *Var[T] {
	checkOperands1("MaskedFill", x)
	const op = "MaskedFill"
	if mask == nil {
		panic(usage(op, "nil mask"))
	}
	ar := arenaOf(x)
	var buf [maxStackDims]int
	if !x.value.HasShape(bcastShape(op, buf[:0], x.value, mask)...) {
		panic(shapeErr(op, "mask does not broadcast to the input's shape", x.value.Shape(), mask.Shape()))
	}
	out := ar.like(x.value)
	var w tensor.BroadcastWalk
	w.Reset(op, out, mask)
	o, md, xs := out.Data(), mask.Data(), x.value.Data()
	w.Each(func(off, n int, p, s [3]int) {
		for k := range n {
			if md[p[0]+k*s[0]] {
				o[off+k] = value
			} else {
				o[off+k] = xs[off+k]
			}
		}
	})
	var d derivative[T]
	if needsGrad(x) {
		st := newState[maskedFillOp[T]](ar)
		st.keep = ar.like(out)
		maskOnes(st.keep, &w, md, true)
		d = st
	}
	return recordOp(op, out, d, x)
}

// maskedFillOp is MaskedFill's state: 1 where x is kept, 0 where filled.
type maskedFillOp[T Float] struct{ keep *tensor.Tensor[T] }

func (*maskedFillOp[T]) slot() stateSlot { return slotMaskedFill }

func (s *maskedFillOp[T]) backward(_ *Context[T], g *Var[T]) []*Var[T] {
	return []*Var[T]{selGrad(elemFlags(s.keep, func(k T) bool { return k != 0 }), g)}
}

// vjp is backward's selection element by element, into x's gradient
// buffer.
func (s *maskedFillOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	dst, beta := c.gradBuf(0)
	d, kd, gs := dst.Data(), s.keep.Data(), g.Data()
	for i := range d {
		if v := selGradElem(kd[i] != 0, gs[i]); beta != 0 {
			d[i] += v
		} else {
			d[i] = v
		}
	}
}

// jvp of MaskedFill is t where x is kept and +0 where filled, even for an
// infinite or NaN tangent there (a select, as the gradient).
func (s *maskedFillOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	res := tensor.Zeros[T](c.out.value.Shape()...)
	r, kd, td := res.Data(), s.keep.Data(), ts[0].Data()
	for i := range r {
		r[i] = selGradElem(kd[i] != 0, td[i])
	}
	return res
}
