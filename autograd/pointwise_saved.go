package autograd

import "github.com/adjoint-go/adjoint/tensor"

// pointwiseSaved is the state of a pointwise op whose forward pass saved
// its derivative f'(x) (an entry with fd): the backward pass multiplies
// the gradient by it instead of evaluating f' again. The recorded
// derivative (gradients of gradients, anomaly detection) is the entry's
// own, which does not use the saved tensor.
type pointwiseSaved[T Float] struct {
	def    *pointwiseDef[T]
	saved  *tensor.Tensor[T] // f'(x), of x's shape
	pooled bool              // saved came from the plain scratch stash
}

func (*pointwiseSaved[T]) slot() stateSlot { return slotPointwise }

// pointwiseSave runs entry d's fused forward pass fd on x into out (from
// ar) and a tensor for f'(x) (from ar, or the plain scratch stash), and
// records the result with the saved derivative.
func pointwiseSave[T Float](d *pointwiseDef[T], ar *Arena[T], out *tensor.Tensor[T], x *Var[T], ps [2]T) *Var[T] {
	st := newState[pointwiseSaved[T]](ar)
	var s *tensor.Tensor[T]
	if ar != nil {
		s = ar.like(x.value)
	} else {
		s, st.pooled = scratchTensor(ar, x.value.Shape()...)
	}
	d.fd(out, s, x.value, ps)
	st.def, st.saved = d, s
	v := recordOp(d.meta.Name, out, derivative[T](st), x)
	v.node.scalars = ps
	return v
}

func (s *pointwiseSaved[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	return s.def.backward(c, g)
}

// vjp is the entry's vjp (pointwiseDef.vjp) with g·f'(x) as the product of
// g and the saved derivative.
func (s *pointwiseSaved[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	if dst, ok := c.reuseGrad(0, g); ok {
		tensor.MulInto(dst, g, s.saved)
		return
	}
	dst, beta := c.gradBuf(0)
	if beta == 0 {
		tensor.MulInto(dst, g, s.saved)
		return
	}
	t := c.scratch(s.saved)
	tensor.MulInto(t, g, s.saved)
	dst.AddInPlace(t)
}

// jvp is the entry's forward-mode rule: f'(x)·t, the saved derivative
// times the tangent.
func (s *pointwiseSaved[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	out := tensor.Zeros[T](s.saved.Shape()...)
	tensor.MulInto(out, ts[0], s.saved)
	return out
}

// releaseScratch hands a pooled saved derivative back (see scratch.go).
func (s *pointwiseSaved[T]) releaseScratch() {
	if s.pooled {
		stashScratch(s.saved)
	}
	s.saved, s.pooled = nil, false
}
