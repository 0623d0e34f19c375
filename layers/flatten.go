package layers

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/autograd"
)

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
// *tensor.ShapeError naming Permute when Axes is not a permutation of x's
// axes.
func (p Permute[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	defer relabel("Permute", nil)
	return autograd.Permute(x, p.Axes...)
}

// Parameters returns nil: Permute has none.
func (Permute[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: Permute has none.
func (Permute[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: Permute has none.
func (Permute[T]) NamedParameters() []NamedParam[T] { return nil }

// Unflatten splits one axis of its input into several, PyTorch's
// nn.Unflatten(dim, unflattened_size): an [N, C·H·W] batch with Axis 1 and
// Shape [C, H, W] becomes [N, C, H, W]. One entry of Shape may be -1, for
// the size the others leave; a negative Axis counts from the end.
type Unflatten[T Float] struct {
	Axis  int
	Shape []int
}

// Forward returns x with Axis replaced by Shape's axes (a view of the same
// elements, in row-major order). It panics with a *tensor.ShapeError naming
// Unflatten when Axis is out of range, Shape is empty or its product
// overflows, or Shape does not multiply to that axis' size.
func (u Unflatten[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	xv := x.Value()
	r := xv.Dims()
	ax := u.Axis
	if ax < 0 {
		ax += r
	}
	if ax < 0 || ax >= r {
		shapePanic("Unflatten", fmt.Sprintf("axis %d out of range", u.Axis), x.Shape())
	}
	if len(u.Shape) == 0 {
		shapePanic("Unflatten", "the shape must not be empty", x.Shape())
	}
	n, known, free := xv.Dim(ax), 1, -1
	for i, d := range u.Shape {
		switch {
		case d == -1 && free < 0:
			free = i
		case d < 0:
			shapePanic("Unflatten", fmt.Sprintf("shape %v: sizes must be non-negative, with at most one -1", u.Shape), x.Shape())
		case d > 0 && known > math.MaxInt/d:
			shapePanic("Unflatten", fmt.Sprintf("shape %v: its product overflows int", u.Shape), x.Shape())
		default:
			known *= d
		}
	}
	if free < 0 && known != n || free >= 0 && (known == 0 || n%known != 0) {
		shapePanic("Unflatten", fmt.Sprintf("shape %v does not hold the %d elements of axis %d", u.Shape, n, u.Axis), x.Shape())
	}
	var sb [8]int
	shape := sb[:0]
	for i := range ax {
		shape = append(shape, xv.Dim(i))
	}
	shape = append(shape, u.Shape...)
	if free >= 0 {
		shape[ax+free] = n / known
	}
	for i := ax + 1; i < r; i++ {
		shape = append(shape, xv.Dim(i))
	}
	return autograd.Reshape(x, shape...)
}

// Parameters returns nil: Unflatten has none.
func (Unflatten[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: Unflatten has none.
func (Unflatten[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: Unflatten has none.
func (Unflatten[T]) NamedParameters() []NamedParam[T] { return nil }

// Identity returns its input, PyTorch's nn.Identity: the placeholder for
// an optional block (a projection that is off, a normalisation left out)
// that keeps a container's layout and names the same.
type Identity[T Float] struct{}

// Forward returns x itself.
func (Identity[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return x }

// Parameters returns nil: Identity has none.
func (Identity[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: Identity has none.
func (Identity[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: Identity has none.
func (Identity[T]) NamedParameters() []NamedParam[T] { return nil }
