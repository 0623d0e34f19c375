package layers

import "github.com/adjoint-go/adjoint/autograd"

// Flatten keeps the batch axis and merges all the others, PyTorch's
// nn.Flatten(): [N, C, H, W] becomes [N, C·H·W], the bridge from
// convolution and pooling layers to Linear ones. Elements keep their
// row-major order, so the result matches PyTorch's element for element.
type Flatten[T Float] struct{}

// Forward returns x reshaped to [N, product of the other axes] ([N, 1] for
// a 1-D x). It panics with a *tensor.ShapeError naming Flatten for a
// 0-dimensional x, which has no batch axis.
func (Flatten[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	xv := x.Value()
	if xv.Dims() == 0 {
		shapePanic("Flatten", "input must have a batch axis", x.Shape())
	}
	n := 1
	for i := 1; i < xv.Dims(); i++ {
		n *= xv.Dim(i)
	}
	return autograd.Reshape(x, xv.Dim(0), n)
}

// Parameters returns nil: Flatten has none.
func (Flatten[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: Flatten has none.
func (Flatten[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: Flatten has none.
func (Flatten[T]) NamedParameters() []NamedParam[T] { return nil }

// Permute reorders the axes of its input, as a layer: axis i of the result
// is axis Axes[i] of x (negative axes count from the end), autograd.Permute.
// It is the step a Sequential needs between an Embedding's [N, L, E] and a
// Conv1D's [N, C, L]: Permute[T]{Axes: []int{0, 2, 1}} (torchvision's
// ops.Permute; in PyTorch's own modules, x.permute in forward).
type Permute[T Float] struct {
	Axes []int
}

// Forward returns x with its axes reordered. It panics with a
// *tensor.ShapeError when Axes is not a permutation of x's axes.
func (p Permute[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Permute(x, p.Axes...)
}

// Parameters returns nil: Permute has none.
func (Permute[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: Permute has none.
func (Permute[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: Permute has none.
func (Permute[T]) NamedParameters() []NamedParam[T] { return nil }
