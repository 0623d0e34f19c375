package layers

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/autograd"
)

// Upsample resizes images as a layer, PyTorch's nn.Upsample: x [N, C, H,
// W] becomes [N, C, Size[0], Size[1]], or ⌊H·ScaleFactor[0]⌋ ×
// ⌊W·ScaleFactor[1]⌋, by nearest-neighbour or bilinear interpolation, with
// PyTorch's coordinate rules (see autograd.Interpolate). Exactly one of
// Size and ScaleFactor is set.
type Upsample[T Float] struct {
	Size         [2]int
	ScaleFactor  [2]float64
	Mode         autograd.InterpMode // "" means nearest, PyTorch's default
	AlignCorners bool                // bilinear only
}

// NewUpsample returns an Upsample by the factor scale in both axes with
// mode (nearest, or bilinear without align_corners, the two most common
// decoder layers). It panics with an *ArgError if scale is not positive.
func NewUpsample[T Float](scale float64, mode autograd.InterpMode) *Upsample[T] {
	if !(scale > 0) {
		argPanic("NewUpsample", "scale", scale, "must be positive")
	}
	return &Upsample[T]{ScaleFactor: [2]float64{scale, scale}, Mode: mode}
}

// Forward resizes x. It panics with a *tensor.ShapeError naming Upsample
// when x is not 4-D, its plane is empty or ScaleFactor makes it empty
// (⌊H·ScaleFactor[0]⌋ or ⌊W·ScaleFactor[1]⌋ is 0), and with an
// *autograd.UsageError for settings that fit no input (see
// autograd.Interpolate).
func (u *Upsample[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	if xv := x.Value(); xv.Dims() == 4 && u.Size == [2]int{} {
		for a := range 2 {
			// Interpolate's rule for the size, whose error (a
			// UsageError) would not say that the input is too small.
			sf, in := u.ScaleFactor[a], xv.Dim(2+a)
			if sf > 0 && !math.IsInf(sf, 0) && in > 0 && math.Floor(float64(in)*sf) < 1 {
				shapePanic("Upsample", fmt.Sprintf("input %dx%d scaled by %v gives an empty output", xv.Dim(2), xv.Dim(3), u.ScaleFactor), x.Shape())
			}
		}
	}
	defer relabel("Upsample", nil)
	return autograd.Interpolate(x, autograd.InterpolateOptions{
		Size: u.Size, ScaleFactor: u.ScaleFactor, Mode: u.Mode, AlignCorners: u.AlignCorners})
}

// Parameters returns nil: resizing has none.
func (*Upsample[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: resizing has none.
func (*Upsample[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: resizing has none.
func (*Upsample[T]) NamedParameters() []NamedParam[T] { return nil }
