package autograd

import "github.com/adjoint-go/adjoint/tensor"

// ShareValue makes t the tensor v holds, in place of its own: from then on
// v reads and (through an optimizer) updates t's memory. It is for replicas
// of one model that should share one copy of the weights, such as the
// workers of a data-parallel trainer (package layers/parallel): each
// replica keeps parameters of its own, so that their gradients stay
// separate, but every replica reads the same numbers, and an optimizer
// step on one replica's parameters is seen by all. Nothing may write t
// while another goroutine runs a Forward or Backward that reads it.
//
// v must be a leaf that requires a gradient (a parameter), or ShareValue
// panics with a *UsageError; t must have v's shape, or it panics with a
// *tensor.ShapeError. v's gradient, if any, is kept.
func (v *Var[T]) ShareValue(t *tensor.Tensor[T]) {
	if v.node != nil || !v.requiresGrad {
		panic(usage("ShareValue", "only a parameter (a leaf that requires a gradient) can share another's value"))
	}
	if t == nil || !t.SameShapeAs(v.value) {
		var got []int
		if t != nil {
			got = t.Shape()
		}
		panic(shapeErr("ShareValue", "the shared value must have the Var's shape", v.value.Shape(), got))
	}
	v.value = t
}
