package autograd

import "github.com/adjoint-go/adjoint/tensor"

// This file holds the elementwise arithmetic operations. Each one is its
// forward kernel next to its vector-Jacobian product. Binary operations
// broadcast (NumPy rules); their backward returns gradients of the broadcast
// shape and the engine sums them back to each input's shape.

// Add returns a + b.
//
//	d/da = g,  d/db = g
func Add[T Float](a, b *Var[T]) *Var[T] {
	checkOperands2("Add", a, b)
	defer relabel()
	out, vn := binaryValue(opAdd, a, b)
	return recordOpIn(vn, "Add", out, addOp[T]{}, a, b)
}

type addOp[T Float] struct{}

func (addOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] { return []*Var[T]{g, g} }

func (addOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	c.addGrad(0, g, 1)
	c.addGrad(1, g, 1)
}

// Sub returns a - b.
//
//	d/da = g,  d/db = -g
func Sub[T Float](a, b *Var[T]) *Var[T] {
	checkOperands2("Sub", a, b)
	defer relabel()
	out, vn := binaryValue(opSub, a, b)
	return recordOpIn(vn, "Sub", out, subOp[T]{}, a, b)
}

type subOp[T Float] struct{}

func (subOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	var gb *Var[T]
	if c.NeedsGrad(1) {
		gb = Neg(g)
	}
	return []*Var[T]{g, gb}
}

func (subOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	c.addGrad(0, g, 1)
	c.addGrad(1, g, -1)
}

// Mul returns the elementwise product a ∘ b.
//
//	d/da = g ∘ b,  d/db = g ∘ a
func Mul[T Float](a, b *Var[T]) *Var[T] {
	checkOperands2("Mul", a, b)
	defer relabel()
	out, vn := binaryValue(opMul, a, b)
	return recordOpIn(vn, "Mul", out, mulOp[T]{}, a, b)
}

type mulOp[T Float] struct{}

func (mulOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	var ga, gb *Var[T]
	if c.NeedsGrad(0) {
		ga = Mul(g, c.Input(1))
	}
	if c.NeedsGrad(1) {
		gb = Mul(g, c.Input(0))
	}
	return []*Var[T]{ga, gb}
}

func (mulOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	for j := range 2 {
		if !c.NeedsGrad(j) {
			continue
		}
		in, other := c.node().inputs[j].value, c.node().inputs[1-j].value
		if in.SameShapeAs(g) && other.SameShapeAs(g) {
			dst, beta := c.gradBuf(j)
			if beta == 0 {
				tensor.MulInto(dst, g, other)
			} else {
				tensor.MulAddInto(dst, g, other) // the product rounded, then added, as in backward
			}
			continue
		}
		t := c.scratch(g)
		tensor.MulInto(t, g, other)
		c.addGrad(j, t, 1)
	}
}

// Div returns the elementwise quotient a / b.
//
//	d/da = g / b,  d/db = -g ∘ a / b² = -g ∘ out / b
func Div[T Float](a, b *Var[T]) *Var[T] {
	checkOperands2("Div", a, b)
	const op = "Div"
	ar := arenaOf(a, b)
	out, vn := elemOut(op, ar, a.value, b.value)
	o, x, y := out.Data(), a.value.Data(), b.value.Data()
	elemRuns(out, a.value, b.value, func(off, n, oa, sa, ob, sb int) {
		if sa == 1 && sb == 1 {
			o, x, y := o[off:off+n], x[oa:oa+n], y[ob:ob+n]
			for k := range o {
				o[k] = x[k] / y[k]
			}
			return
		}
		for k := range n {
			o[off+k] = x[oa+k*sa] / y[ob+k*sb]
		}
	})
	return recordOpIn(vn, op, out, divOp[T]{}, a, b)
}

type divOp[T Float] struct{}

func (divOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	var ga, gb *Var[T]
	if c.NeedsGrad(0) {
		ga = Div(g, c.Input(1))
	}
	if c.NeedsGrad(1) {
		gb = Neg(Div(Mul(g, c.Output()), c.Input(1)))
	}
	return []*Var[T]{ga, gb}
}

// vjp is backward's arithmetic element by element: g/b for a, -(g·out)/b
// for b.
func (divOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	out := c.out.value
	y, gs, o := c.node().inputs[1].value.Data(), g.Data(), out.Data()
	elemGrad(c, 0, out, func(d []T, off, _, _, ob, sb int, add bool) {
		for k := range d {
			if v := gs[off+k] / y[ob+k*sb]; add {
				d[k] += v
			} else {
				d[k] = v
			}
		}
	})
	elemGrad(c, 1, out, func(d []T, off, _, _, ob, sb int, add bool) {
		for k := range d {
			if v := -(T(gs[off+k]*o[off+k]) / y[ob+k*sb]); add {
				d[k] += v
			} else {
				d[k] = v
			}
		}
	})
}

// binKind selects the kernel of binaryValue.
type binKind int

const (
	opAdd binKind = iota
	opSub
	opMul
)

// binaryValue computes a op b with broadcasting into a tensor of the inputs'
// arena, or without one into a new tensor that comes with the result's Var
// and node (see resultOf). Shapes where neither operand broadcasts to the
// other (both grow) take the allocating kernel, which also raises the
// shape error when they do not broadcast at all.
func binaryValue[T Float](op binKind, a, b *Var[T]) (*tensor.Tensor[T], *varNode[T]) {
	x, y := a.value, b.value
	var (
		dst *tensor.Tensor[T]
		vn  *varNode[T]
	)
	switch ar := arenaOf(a, b); {
	case y.BroadcastsTo(x):
		dst, vn = resultLike(ar, x)
	case x.BroadcastsTo(y):
		dst, vn = resultLike(ar, y)
	default:
		switch op {
		case opAdd:
			return tensor.Add(x, y), nil
		case opSub:
			return tensor.Sub(x, y), nil
		}
		return tensor.Mul(x, y), nil
	}
	switch op {
	case opAdd:
		tensor.AddInto(dst, x, y)
	case opSub:
		tensor.SubInto(dst, x, y)
	default:
		tensor.MulInto(dst, x, y)
	}
	return dst, vn
}
