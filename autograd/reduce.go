package autograd

import "github.com/adjoint-go/adjoint/tensor"

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
func reduce[T Float](op string, x *Var[T], axes []int, keep, mean bool) *Var[T] {
	defer relabel(op)
	if len(axes) == 0 && !keep {
		return reduceAll(op, x, mean)
	}
	var kept *tensor.Tensor[T]
	if mean {
		kept = tensor.MeanKeepDims(x.value, axes...)
	} else {
		kept = tensor.SumKeepDims(x.value, axes...)
	}
	keptShape, inShape := kept.Shape(), x.value.Shape()
	out := kept
	if !keep {
		out = kept.Reshape(squeeze(inShape, keptShape, axes)...)
	}
	return record(op, out, func(c *Context[T], g *Var[T]) []*Var[T] {
		gx := BroadcastTo(Reshape(g, keptShape...), inShape...)
		if mean {
			n := 1
			for i, d := range inShape {
				if keptShape[i] == 1 {
					n *= d
				}
			}
			gx = Scale(gx, 1/T(n))
		}
		return []*Var[T]{gx}
	}, x)
}

// reduceAll is Sum or Mean over every element, into a 0-d result: the
// reduction that ends almost every loss, with a derivative that fills the
// gradient buffer directly. The numbers are those of tensor.Sum and
// tensor.Mean, and of the general derivative above.
func reduceAll[T Float](op string, x *Var[T], mean bool) *Var[T] {
	out := arenaOf(x).tensor()
	tensor.SumToInto(out, x.value, 1, 0)
	k := T(1)
	if mean {
		k = 1 / T(x.value.Len())
		out.Data()[0] /= T(x.value.Len()) // 0/0 = NaN for an empty x, as tensor.Mean
	}
	v := recordOp(op, out, reduceAllOp[T]{}, x)
	if v.node != nil {
		v.node.k = k
		if mean {
			v.node.flags = 1
		}
	}
	return v
}

type reduceAllOp[T Float] struct{}

func (reduceAllOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	in := c.n.inputs[0].value
	gx := BroadcastTo(g, in.Shape()...)
	if c.n.flags == 1 {
		gx = Scale(gx, c.n.k)
	}
	return []*Var[T]{gx}
}

func (reduceAllOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	dst, beta := c.gradBuf(0)
	v := g.Data()[0]
	if c.n.flags == 1 {
		v = c.n.k * v
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

// squeeze returns the shape of a reduction without keep-dims: the input
// shape without the reduced axes (all of them when axes is empty). The axes
// were already validated by the tensor kernel.
func squeeze(in, kept []int, axes []int) []int {
	if len(axes) == 0 {
		return []int{}
	}
	drop := make([]bool, len(in))
	for _, a := range axes {
		if a < 0 {
			a += len(in)
		}
		drop[a] = true
	}
	out := make([]int, 0, len(in))
	for i, d := range kept {
		if !drop[i] {
			out = append(out, d)
		}
	}
	return out
}

// BroadcastTo expands x to shape under NumPy's rules.
//
//	d/dx = SumTo(g, x's shape)
func BroadcastTo[T Float](x *Var[T], shape ...int) *Var[T] {
	defer relabel()
	in := x.value.Shape()
	return record("BroadcastTo", tensor.BroadcastTo(x.value, shape...), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{SumTo(g, in...)}
	}, x)
}

// SumTo sums x down to shape, the inverse of broadcasting: every axis along
// which shape would broadcast to x's shape is summed. The engine applies it
// to the gradient of every broadcasting operation.
//
//	d/dx = BroadcastTo(g, x's shape)
func SumTo[T Float](x *Var[T], shape ...int) *Var[T] {
	defer relabel()
	in := x.value.Shape()
	return record("SumTo", tensor.SumTo(x.value, shape...), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{BroadcastTo(g, in...)}
	}, x)
}

// maxStackDims is the rank up to which the ops of this package build a
// shape on the stack (a larger one is allocated).
const maxStackDims = 8

// arenaLike returns a tensor of x's shape with arbitrary contents from ar
// (allocated when ar is nil), building the shape on the stack rather than
// copying it with Shape.
func arenaLike[T Float](ar *Arena[T], x *tensor.Tensor[T]) *tensor.Tensor[T] {
	var buf [maxStackDims]int
	s := buf[:0]
	for i := range x.Dims() {
		s = append(s, x.Dim(i))
	}
	return ar.tensor(s...)
}
