package autograd

import (
	"errors"

	"github.com/adjoint-go/adjoint/tensor"
)

// ErrGraphReleased is wrapped by the panic of a Backward or Grad that reaches
// a node whose saved state an earlier pass released. Pass RetainGraph to the
// earlier call to differentiate the same graph more than once.
var ErrGraphReleased = errors.New("graph already released by an earlier backward pass (use RetainGraph to backward twice)")

// backwardFn is an operation's vector-Jacobian product: given the gradient g
// of the result, it returns the gradient for each input (nil for inputs that
// need none). It is written with this package's operations, so the engine can
// record it when gradients of gradients are wanted.
type backwardFn[T Float] func(c *Context[T], g *Var[T]) []*Var[T]

// node records how a Var was produced.
type node[T Float] struct {
	op       string
	inputs   []*Var[T]
	backward backwardFn[T]
	released bool
}

// Context is what a backward function sees: the inputs and the output of its
// operation. While the engine records the backward pass (Grad with
// CreateGraph) they are the original, differentiable Vars, so a backward
// written with this package's operations is itself differentiable; otherwise
// they are constants, so that an ordinary backward pass builds no graph.
type Context[T Float] struct {
	n      *node[T]
	out    *Var[T]
	create bool
}

// Input returns the i-th input of the operation.
func (c *Context[T]) Input(i int) *Var[T] {
	if c.create {
		return c.n.inputs[i]
	}
	return Const(c.n.inputs[i].value)
}

// Output returns the operation's result, for derivatives that reuse it
// (Sigmoid's O(1-O), Exp's e^x).
func (c *Context[T]) Output() *Var[T] {
	if c.create {
		return c.out
	}
	return Const(c.out.value)
}

// NeedsGrad reports whether the i-th input wants a gradient, so that a
// backward function can skip work (a matmul) nobody will use.
func (c *Context[T]) NeedsGrad(i int) bool { return c.n.inputs[i].requiresGrad }

// NumInputs returns the number of inputs of the operation.
func (c *Context[T]) NumInputs() int { return len(c.n.inputs) }

// record wraps an operation's result. When no input requires a gradient the
// result is a plain constant and nothing is recorded, so inference pays
// nothing for autodiff. Inputs under anomaly detection pass it on.
func record[T Float](op string, value *tensor.Tensor[T], back backwardFn[T], inputs ...*Var[T]) *Var[T] {
	v := &Var[T]{value: value}
	anomaly := false
	for _, in := range inputs {
		v.requiresGrad = v.requiresGrad || in.requiresGrad
		anomaly = anomaly || in.anomaly != nil
	}
	if v.requiresGrad {
		v.node = &node[T]{op: op, inputs: inputs, backward: back}
	}
	if anomaly {
		traceForward(v, op, inputs)
	}
	return v
}

// relabel turns a *tensor.ShapeError raised by a kernel into one of this
// package, so that the panic names the autograd operation the user called;
// op, when given, replaces the kernel's operation name. It must be deferred
// directly by the operation.
func relabel(op ...string) {
	r := recover()
	if r == nil {
		return
	}
	if e, ok := r.(*tensor.ShapeError); ok && e.Pkg != "autograd" {
		cp := *e
		cp.Pkg = "autograd"
		if len(op) > 0 {
			cp.Op = op[0]
		}
		panic(&cp)
	}
	panic(r)
}

// shapeErr builds a *tensor.ShapeError of this package.
func shapeErr(op, reason string, shapes ...[]int) *tensor.ShapeError {
	return &tensor.ShapeError{Pkg: "autograd", Op: op, Reason: reason, Shapes: shapes}
}
