package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file is the engine of the binary table: elementwise operations of
// two inputs that broadcast (NumPy's rules), each declared once as an
// entry of the table in binary_ops.go that holds all of its math. The
// loops that make a result and write or accumulate a gradient, a run of
// the broadcast at a time, are here (on elementwise.go's elemOut, elemRuns
// and elemGrad), shared by every entry.

// binaryDef declares z = f(x, y) elementwise with broadcasting.
type binaryDef[T Float] struct {
	meta OpInfo

	// ref computes the op on one pair of float64 values: the reference
	// the tests compare the kernel with on a grid of edge values.
	ref func(x, y float64) float64

	// f computes one element of the result.
	f func(x, y T) T

	// da and db are the fused derivative, one element at a time: the
	// gradient of x and of y given x, y, the result o and the gradient g
	// of o. This is what an ordinary backward pass runs.
	da, db func(x, y, o, g T) T

	// back returns the gradients of x and y written with this package's
	// operations (of the broadcast shape: the engine sums them back), the
	// same derivative as da and db in the form that can itself be
	// differentiated. x is c.Input(0), y is c.Input(1).
	back func(c *Context[T], g *Var[T]) (ga, gb *Var[T])
}

// binary applies the table's op k to a and b. The result comes from their
// Arena when they have one.
func binary[T Float](k binaryKind, a, b *Var[T]) *Var[T] {
	d := binaryOf[T](k)
	checkOperands2(d.meta.Name, a, b)
	out, vn := elemOut(d.meta.Name, arenaOf(a, b), a.value, b.value)
	o, x, y, f := out.Data(), a.value.Data(), b.value.Data(), d.f
	elemRuns(out, a.value, b.value, func(off, n, oa, sa, ob, sb int) {
		for k := range n {
			o[off+k] = f(x[oa+k*sa], y[ob+k*sb])
		}
	})
	return recordOpIn(vn, d.meta.Name, out, derivative[T](d), a, b)
}

// binaryOf returns the table entry of op k for element type T. The two
// tables are built once, in init (the entries' recorded derivatives call
// ops), and only read after that.
func binaryOf[T Float](k binaryKind) *binaryDef[T] {
	var z T
	if _, ok := any(z).(float32); ok {
		return any(&binary32[k]).(*binaryDef[T])
	}
	if _, ok := any(z).(float64); ok {
		return any(&binary64[k]).(*binaryDef[T])
	}
	panic(usage(binary64[k].meta.Name, fmt.Sprintf("element type %T is neither float32 nor float64", z)))
}

var (
	binary32 [numBinary]binaryDef[float32]
	binary64 [numBinary]binaryDef[float64]
)

func init() {
	binary32 = binaryTable[float32]()
	binary64 = binaryTable[float64]()
}

func (d *binaryDef[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	ga, gb := d.back(c, g)
	if !c.NeedsGrad(0) {
		ga = nil
	}
	if !c.NeedsGrad(1) {
		gb = nil
	}
	return []*Var[T]{ga, gb}
}

// vjp applies da and db element by element, into each input's gradient
// buffer (or a scratch the engine sums back, for an input that was
// broadcast).
func (d *binaryDef[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	out := c.out.value
	x, y, o, gs := c.node().inputs[0].value.Data(), c.node().inputs[1].value.Data(), out.Data(), g.Data()
	for j, df := range [2]func(x, y, o, g T) T{d.da, d.db} {
		elemGrad(c, j, out, func(dst []T, off, oa, sa, ob, sb int, add bool) {
			for k := range dst {
				v := df(x[oa+k*sa], y[ob+k*sb], o[off+k], gs[off+k])
				if add {
					dst[k] += v
				} else {
					dst[k] = v
				}
			}
		})
	}
}

// binaryTableOps returns the binary table's entries as OpInfo, for the
// binary family's part of Ops.
func binaryTableOps() []OpInfo {
	ops := make([]OpInfo, 0, numBinary)
	for k := range binaryKind(numBinary) {
		m := binary64[k].meta
		m.Kinks = append([]float64(nil), m.Kinks...)
		ops = append(ops, entry(m,
			func(xs ...*Var[float64]) *Var[float64] { return binary(k, xs[0], xs[1]) },
			func(xs ...*Var[float32]) *Var[float32] { return binary(k, xs[0], xs[1]) }))
	}
	return ops
}

// binaryMeta is the metadata of a table entry: checked at a [2 1 3] and a
// [4 1] that broadcast to [2 4 3], with inputs from domain.
func binaryMeta(name, torch string, domain [2]float64) OpInfo {
	return OpInfo{Name: name, Family: FamilyBinary, Arity: 2, Shapes: [][]int{{2, 1, 3}, {4, 1}}, Domain: domain, Smooth: true, Torch: torch}
}

// zerosLike returns a constant 0 of x's shape, for an input whose
// derivative is 0 everywhere.
func zerosLike[T Float](x *Var[T]) *Var[T] { return Const(tensor.Zeros[T](x.value.Shape()...)) }
