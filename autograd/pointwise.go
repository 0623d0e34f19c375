package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file is the engine of the pointwise (unary elementwise) operations.
// Each one is declared once, as an entry of the table in pointwise_ops.go
// that holds all of its math; the loops that make a result, write a fresh
// gradient or accumulate into one are here, shared by every entry.

// pointwiseDef declares a unary elementwise operation y = f(x; p), where p
// holds up to two scalar parameters (Scale's factor, Clamp's bounds) that
// the entry names.
type pointwiseDef[T Float] struct {
	meta OpInfo

	// f sets y = f(x; p) elementwise; y and x have the same shape and y is
	// not x.
	f func(y, x *tensor.Tensor[T], p [2]T)

	// df sets dx = g·f'(x; p) elementwise, given y = f(x; p) and the
	// gradient g of y; all four have the same shape. It overwrites every
	// element of dx. This is the derivative an ordinary backward pass runs.
	df func(dx, x, y, g *tensor.Tensor[T], p [2]T)

	// back returns g·f'(x; p) written with this package's operations (x is
	// c.Input(0), y is c.Output()): the same derivative as df, in the form
	// that can itself be differentiated (Grad with CreateGraph) and that
	// anomaly detection checks step by step.
	back func(c *Context[T], g *Var[T], p [2]T) *Var[T]

	// fd, when set, sets y = f(x; p) and s = f'(x; p) in one sweep, for
	// an entry whose derivative costs nearly nothing more alongside f
	// (GELU): a forward pass that records a node calls it instead of f and
	// saves s (see pointwiseSaved), so that the backward pass is g·s, with
	// the bits of df(dx, x, y, g, p).
	fd func(y, s, x *tensor.Tensor[T], p [2]T)
}

// pointwise applies the table's op k to x with parameters p. The result
// comes from x's Arena when it has one.
func pointwise[T Float](k pointwiseKind, x *Var[T], p ...T) *Var[T] {
	d := pointwiseOf[T](k)
	checkOperands1(d.meta.Name, x)
	var ps [2]T
	copy(ps[:], p)
	ar := arenaOf(x)
	if d.fd != nil && needsGrad(x) {
		return pointwiseSave(d, ar, ar.like(x.value), x, ps)
	}
	out, vn := resultLike(ar, x.value)
	d.f(out, x.value, ps)
	v := recordOpIn(vn, d.meta.Name, out, derivative[T](d), x)
	if v.node != nil {
		v.node.scalars = ps
	}
	return v
}

// pointwiseOf returns the table entry of op k for element type T. The two
// tables are built once, when the package is initialized (in init, since
// the entries' recorded derivatives call the ops that read the tables), and
// only read after that.
func pointwiseOf[T Float](k pointwiseKind) *pointwiseDef[T] {
	var z T
	if _, ok := any(z).(float32); ok {
		return any(&pointwise32[k]).(*pointwiseDef[T])
	}
	if _, ok := any(z).(float64); ok {
		return any(&pointwise64[k]).(*pointwiseDef[T])
	}
	panic(usage(pointwise64[k].meta.Name, fmt.Sprintf("element type %T is neither float32 nor float64", z)))
}

var (
	pointwise32 [numPointwise]pointwiseDef[float32]
	pointwise64 [numPointwise]pointwiseDef[float64]
)

func init() {
	pointwise32 = pointwiseTable[float32]()
	pointwise64 = pointwiseTable[float64]()
}

func (d *pointwiseDef[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	return []*Var[T]{d.back(c, g, c.node().scalars)}
}

// vjp writes the derivative in place of g when the pass can hand g's
// buffer on (see reuseGrad), else straight into the input's gradient buffer
// when it is fresh; otherwise it computes it into a scratch tensor and adds
// that, so that accumulating has the bits of adding the recorded form's
// result.
func (d *pointwiseDef[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	x, y := c.node().inputs[0].value, c.out.value
	if dst, ok := c.reuseGrad(0, g); ok {
		d.df(dst, x, y, g, c.node().scalars)
		return
	}
	dst, beta := c.gradBuf(0)
	if beta == 0 {
		d.df(dst, x, y, g, c.node().scalars)
		return
	}
	t := c.scratch(x)
	d.df(t, x, y, g, c.node().scalars)
	dst.AddInPlace(t)
}

// each2 returns the data of two tensors of one shape, as slices of one
// length, for an entry's elementwise loop.
func each2[T Float](a, b *tensor.Tensor[T]) ([]T, []T) {
	s := a.Data()
	return s, b.Data()[:len(s)]
}

// each4 is each2 for a derivative's dx, x, y and g.
func each4[T Float](dx, x, y, g *tensor.Tensor[T]) (d, xs, ys, gs []T) {
	d = dx.Data()
	n := len(d)
	return d, x.Data()[:n], y.Data()[:n], g.Data()[:n]
}
