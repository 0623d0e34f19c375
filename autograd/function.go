package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

// Function is a differentiable operation defined by the user, in the spirit
// of torch.autograd.Function: a forward computation on tensors and its
// vector-Jacobian product. Applied to Vars, it records a node exactly like a
// built-in operation, so Backward, Grad, WriteDOT and the gradcheck package
// treat it the same way.
//
// Backward receives a Context, from which it reads the inputs and the
// output, and the gradient g of the output; it returns one gradient per
// input (nil for an input that needs none, see Context.NeedsGrad). A
// gradient may have the broadcast shape of a broadcasting operation: the
// engine sums it back to the input's shape. Written with this package's
// operations, Backward is itself differentiable, and gradients of gradients
// (Grad with CreateGraph) work; written with raw tensor kernels (wrapped in
// Const), it is correct for first derivatives only.
type Function[T Float] struct {
	// Name labels the operation in graph drawings and error messages.
	Name string
	// Forward computes the result from the inputs' values. It must not
	// modify its inputs.
	Forward func(inputs ...*tensor.Tensor[T]) *tensor.Tensor[T]
	// Backward returns the gradient for each input, given the gradient g of
	// the result.
	Backward func(c *Context[T], g *Var[T]) []*Var[T]
}

// Apply runs the function on inputs and, when one of them requires a
// gradient, records it in the graph. It panics when Forward or Backward is
// missing or Forward returns nil.
func (f *Function[T]) Apply(inputs ...*Var[T]) *Var[T] {
	if f.Forward == nil || f.Backward == nil {
		panic(usage(fmt.Sprintf("Function %q", f.Name), "Forward and Backward must both be set"))
	}
	vals := make([]*tensor.Tensor[T], len(inputs))
	for i, in := range inputs {
		vals[i] = in.value
	}
	out := f.Forward(vals...)
	if out == nil {
		panic(usage(fmt.Sprintf("Function %q", f.Name), "Forward returned nil"))
	}
	return record(f.Name, out, f.Backward, inputs...)
}
