package layers

import (
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// ArgError reports an argument that a layer cannot use although its shape is
// fine: a hyperparameter out of range at construction (a dropout probability
// of 1.5, a negative epsilon, a duplicate child name) or an id that is not a
// valid row of an embedding table. Like a *tensor.ShapeError it is a
// programmer error, so layers panic with it; match it with errors.As.
type ArgError struct {
	Op     string // the constructor or layer, for example "NewDropout" or "Embedding (weight)"
	Arg    string // the argument, for example "p" or "ids[3]"
	Value  any    // the offending value
	Reason string // what is wrong with it, for example "must be in [0, 1)"
}

// Error describes the problem in one line, for example
// "layers: NewDropout: p = 1.5: must be in [0, 1)".
func (e *ArgError) Error() string {
	return fmt.Sprintf("layers: %s: %s = %v: %s", e.Op, e.Arg, e.Value, e.Reason)
}

// argPanic panics with an *ArgError.
func argPanic(op, arg string, value any, reason string) {
	panic(&ArgError{Op: op, Arg: arg, Value: value, Reason: reason})
}

// checkInput panics with an *ArgError naming op, a layer's Forward, when
// its input x is nil, rather than letting the layer dereference it.
func checkInput[T Float](op string, x *autograd.Var[T]) {
	if x == nil {
		argPanic(op, "x", nil, "must not be nil")
	}
}

// shapePanic panics with a *tensor.ShapeError of this package, copying the
// shapes so that the error never aliases a tensor's shape.
func shapePanic(op, reason string, shapes ...[]int) {
	cp := make([][]int, len(shapes))
	for i, s := range shapes {
		cp[i] = append([]int{}, s...)
	}
	panic(&tensor.ShapeError{Pkg: "layers", Op: op, Reason: reason, Shapes: cp})
}

// relabel, deferred by a layer's method, turns a *tensor.ShapeError that
// an operation of another package raised (autograd's, which names that
// operation) into one of this package naming op, the layer, with the same
// reason and shapes, and other (a setting of the layer, such as its
// padding; nil: none) as the last shape. Any other panic goes on
// unchanged, a *tensor.ShapeError of this package (a child layer's)
// included. It must be deferred directly, for recover to see the panic.
func relabel(op string, other []int) {
	if r := recover(); r != nil {
		repanic(r, op, other)
	}
}

// relabelPool is relabel for a pooling layer named by kind and kernel
// (poolLayerOp, built only when there is a panic), with the kernel as the
// last shape.
func relabelPool(kind string, kernel [2]int) {
	if r := recover(); r != nil {
		repanic(r, poolLayerOp(kind, kernel), kernel[:])
	}
}

// relabelLayer is relabel for a layer with parameters, named by
// layerOp(kind, w) (built only when there is a panic), with w's shape as
// the last shape when withShape is set.
func relabelLayer[T Float](kind string, w *autograd.Var[T], withShape bool) {
	if r := recover(); r != nil {
		var other []int
		if withShape {
			other = w.Shape()
		}
		repanic(r, layerOp(kind, w), other)
	}
}

// repanic panics with r, relabelled as relabel says.
func repanic(r any, op string, other []int) {
	if e, ok := r.(*tensor.ShapeError); ok && e.Pkg != "layers" {
		shapes := e.Shapes
		if other != nil {
			shapes = append(shapes[:len(shapes):len(shapes)], other)
		}
		shapePanic(op, e.Reason, shapes...)
	}
	panic(r)
}

// layerOp names a layer in an error message: its kind and, when the
// parameter p has a name, that name, for example "Conv2D (3.weight)". The
// containers name each parameter with its hierarchical name, so the message
// says which layer of a network rejected its input.
func layerOp[T Float](kind string, p *autograd.Var[T]) string {
	if p == nil || p.Name() == "" {
		return kind
	}
	return kind + " (" + p.Name() + ")"
}

// checkPositive panics with a *tensor.ShapeError naming op when a size is not
// positive; names labels the sizes in the message, for example "[in out]"
// (or is empty).
func checkPositive(op, names string, sizes ...int) {
	for _, s := range sizes {
		if s <= 0 {
			if names != "" {
				names += " "
			}
			shapePanic(op, "sizes "+names+"must be positive", sizes)
		}
	}
}
