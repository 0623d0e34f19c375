package autograd

import (
	"slices"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the reductions and their inverse, broadcasting. A sum's
// derivative broadcasts the gradient back over the reduced axes; a
// broadcast's derivative sums it back (SumTo, the "unbroadcast" the engine
// also uses for every binary operation).

// Sum returns the sum of x over the given axes, which are removed from the
// shape; with no axes it sums everything into a 0-d scalar. Negative axes
// count from the end.
//
//	d/dx = g broadcast back over the reduced axes
func Sum[T Float](x *Var[T], axes ...int) *Var[T] { return reduce("Sum", x, axes, false, false) }

// SumKeepDims is Sum that keeps each reduced axis with size 1.
func SumKeepDims[T Float](x *Var[T], axes ...int) *Var[T] {
	return reduce("SumKeepDims", x, axes, true, false)
}

// Mean returns the mean of x over the given axes (all when none are given),
// which are removed from the shape.
//
//	d/dx = g/n broadcast back over the reduced axes, n the number of elements averaged
func Mean[T Float](x *Var[T], axes ...int) *Var[T] { return reduce("Mean", x, axes, false, true) }

// MeanKeepDims is Mean that keeps each reduced axis with size 1.
func MeanKeepDims[T Float](x *Var[T], axes ...int) *Var[T] {
	return reduce("MeanKeepDims", x, axes, true, true)
}

// reduce is Sum, Mean and their keep-dims forms: one forward, one derivative.
// The sums are tensor.SumToInto's (the bits of tensor.SumKeepDims), and a
// mean divides them by the count afterwards, as tensor.MeanKeepDims does.
// The result, and its keep-dims form when the axes are removed, come from
// the input's Arena.
func reduce[T Float](op string, x *Var[T], axes []int, keep, mean bool) *Var[T] {
	defer relabel(op)
	if len(axes) == 0 && !keep {
		return reduceAll(op, x, mean)
	}
	xv := x.value
	m := redMaskOf(op, xv, axes)
	ar := arenaOf(x)
	kept, out := redKept(ar, xv, m, keep)
	tensor.SumToInto(kept, xv, 1, 0)
	if kd := kept.Data(); mean && len(kd) > 0 {
		count := T(xv.Len() / len(kd))
		for i := range kd {
			kd[i] /= count
		}
	}
	if !keep {
		copy(out.Data(), kept.Data())
	}
	var d derivative[T]
	if needsGrad(x) {
		s := newState[reduceOp[T]](ar)
		s.mask, s.mean = m, mean
		d = s
	}
	return recordOp(op, out, d, x)
}

// reduceOp is the state of Sum and Mean over given axes.
type reduceOp[T Float] struct {
	mask redMask
	mean bool
}

func (*reduceOp[T]) slot() stateSlot { return slotReduceAxes }

func (s *reduceOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	in := c.n.inputs[0].value
	gx := BroadcastTo(Reshape(g, redShape(nil, in, s.mask, true)...), in.Shape()...)
	if s.mean {
		gx = Scale(gx, 1/T(redCount(in, s.mask)))
	}
	return []*Var[T]{gx}
}

// vjp broadcasts g back over the reduced axes straight into the gradient
// buffer, scaled by 1/n for a mean (each element k·g, as Scale rounds it).
func (s *reduceOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	in := c.n.inputs[0].value
	dst, beta := c.gradBuf(0)
	k := T(1)
	if s.mean {
		k = 1 / T(redCount(in, s.mask))
	}
	d, gs, mean := dst.Data(), g.Data(), s.mean
	forRuns(in, s.mask, func(off, n, ko, kstep int) {
		dr := d[off : off+n]
		if kstep == 0 {
			v := gs[ko]
			if mean {
				v = k * v
			}
			if beta == 0 {
				for i := range dr {
					dr[i] = v
				}
				return
			}
			for i := range dr {
				dr[i] += v
			}
			return
		}
		gr := gs[ko : ko+n]
		switch {
		case beta == 0 && !mean:
			copy(dr, gr)
		case beta == 0:
			for i := range dr {
				dr[i] = k * gr[i]
			}
		case !mean:
			for i := range dr {
				dr[i] += gr[i]
			}
		default:
			for i := range dr {
				dr[i] += T(k * gr[i])
			}
		}
	})
}

// reduceAll is Sum or Mean over every element, into a 0-d result: the
// reduction that ends almost every loss, with a derivative that fills the
// gradient buffer directly. The numbers are those of tensor.Sum and
// tensor.Mean, and of the general derivative above.
func reduceAll[T Float](op string, x *Var[T], mean bool) *Var[T] {
	ar := arenaOf(x)
	out := ar.tensor()
	tensor.SumToInto(out, x.value, 1, 0)
	if mean {
		out.Data()[0] /= T(x.value.Len()) // 0/0 = NaN for an empty x, as tensor.Mean
	}
	var d derivative[T]
	if needsGrad(x) {
		s := newState[reduceAllOp[T]](ar)
		s.mean, s.k = mean, 1/T(x.value.Len())
		d = s
	}
	return recordOp(op, out, d, x)
}

// reduceAllOp is the state of Sum and Mean over everything: for a mean,
// the factor 1/n of its derivative.
type reduceAllOp[T Float] struct {
	k    T
	mean bool
}

func (*reduceAllOp[T]) slot() stateSlot { return slotReduce }

func (s *reduceAllOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	in := c.n.inputs[0].value
	gx := BroadcastTo(g, in.Shape()...)
	if s.mean {
		gx = Scale(gx, s.k)
	}
	return []*Var[T]{gx}
}

func (s *reduceAllOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	dst, beta := c.gradBuf(0)
	v := g.Data()[0]
	if s.mean {
		v = s.k * v
	}
	d := dst.Data()
	if beta == 0 {
		for i := range d {
			d[i] = v
		}
		return
	}
	for i := range d {
		d[i] += v
	}
}

// BroadcastTo expands x to shape under NumPy's rules.
//
//	d/dx = SumTo(g, x's shape)
func BroadcastTo[T Float](x *Var[T], shape ...int) *Var[T] {
	defer relabel()
	if !shpBroadcasts(x.value, shape) {
		tensor.BroadcastTo(x.value, slices.Clone(shape)...) // panics
	}
	return broadcastTo("BroadcastTo", x, shape)
}

// SumTo sums x down to shape, the inverse of broadcasting: every axis along
// which shape would broadcast to x's shape is summed. The engine applies it
// to the gradient of every broadcasting operation.
//
//	d/dx = BroadcastTo(g, x's shape)
func SumTo[T Float](x *Var[T], shape ...int) *Var[T] {
	defer relabel()
	xv := x.value
	ok := len(shape) <= xv.Dims()
	for i := 0; ok && i < len(shape); i++ {
		d := xv.Dim(i - len(shape))
		ok = shape[i] == d || shape[i] == 1
	}
	if !ok {
		tensor.SumTo(xv, slices.Clone(shape)...) // panics
	}
	out := arenaOf(x).tensor(shape...)
	tensor.SumToInto(out, xv, 1, 0)
	return recordOp("SumTo", out, sumToOp[T]{}, x)
}

// sumToOp is SumTo's derivative.
type sumToOp[T Float] struct{}

func (sumToOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	return []*Var[T]{BroadcastTo(g, c.n.inputs[0].value.Shape()...)}
}

// vjp broadcasts g straight into x's gradient buffer (or adds it).
func (sumToOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	dst, beta := c.gradBuf(0)
	tensor.BroadcastToInto(dst, g, beta)
}

// maxStackDims is the rank up to which the ops of this package build a
// shape on the stack (a larger one is allocated).
const maxStackDims = 8
