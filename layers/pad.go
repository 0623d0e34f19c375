package layers

import (
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
)

// Pad2D pads (or, with negative widths, crops) the last two axes of its
// input as a layer: PyTorch's nn.ZeroPad2d, nn.ConstantPad2d,
// nn.ReflectionPad2d, nn.ReplicationPad2d and the circular mode of F.pad
// are this type with a mode, made by the constructors of those names.
// Padding is PyTorch's tuple (left, right, top, bottom): columns before
// and after, then rows before and after. See autograd.PadWith for each
// mode's rule.
type Pad2D[T Float] struct {
	Padding [4]int // left, right, top, bottom
	Mode    autograd.PadMode
	Value   T // the border in constant mode
}

// NewZeroPad2D returns a Pad2D of zeros, PyTorch's nn.ZeroPad2d.
func NewZeroPad2D[T Float](left, right, top, bottom int) *Pad2D[T] {
	return &Pad2D[T]{Padding: [4]int{left, right, top, bottom}, Mode: autograd.PadConstant}
}

// NewConstantPad2D returns a Pad2D of value, PyTorch's nn.ConstantPad2d.
func NewConstantPad2D[T Float](left, right, top, bottom int, value T) *Pad2D[T] {
	return &Pad2D[T]{Padding: [4]int{left, right, top, bottom}, Mode: autograd.PadConstant, Value: value}
}

// NewReflectionPad2D returns a Pad2D that mirrors the input at its edges,
// PyTorch's nn.ReflectionPad2d.
func NewReflectionPad2D[T Float](left, right, top, bottom int) *Pad2D[T] {
	return &Pad2D[T]{Padding: [4]int{left, right, top, bottom}, Mode: autograd.PadReflect}
}

// NewReplicationPad2D returns a Pad2D that repeats the edge elements,
// PyTorch's nn.ReplicationPad2d.
func NewReplicationPad2D[T Float](left, right, top, bottom int) *Pad2D[T] {
	return &Pad2D[T]{Padding: [4]int{left, right, top, bottom}, Mode: autograd.PadReplicate}
}

// NewCircularPad2D returns a Pad2D that wraps the input around, PyTorch's
// F.pad(mode="circular") (nn.CircularPad2d in later versions).
func NewCircularPad2D[T Float](left, right, top, bottom int) *Pad2D[T] {
	return &Pad2D[T]{Padding: [4]int{left, right, top, bottom}, Mode: autograd.PadCircular}
}

// Forward pads x (of rank 2 or more) to [..., top + H + bottom, left + W +
// right]. It panics with a *tensor.ShapeError naming the layer (with x's
// shape and Padding) when x has fewer than two axes or a width does not
// suit the mode (a reflected width must be less than the axis length, a
// circular one at most it, a replicated axis must not be empty, a crop
// must leave a length of at least 0; see autograd.PadWith), and with an
// *autograd.UsageError for an unknown mode.
func (p *Pad2D[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return padLast("Pad2D", x, p.Mode, p.Value, p.Padding[:], [2]int{p.Padding[2], p.Padding[3]}, [2]int{p.Padding[0], p.Padding[1]})
}

// padLast pads the last len(pairs) axes of x by pairs (in axis order) in
// mode, as layer op, whose PyTorch-order padding tuple is padding (for the
// errors, which name op: autograd.PadWith's are relabelled).
func padLast[T Float](op string, x *autograd.Var[T], mode autograd.PadMode, value T, padding []int, pairs ...[2]int) *autograd.Var[T] {
	r, k := x.Value().Dims(), len(pairs)
	if r < k {
		shapePanic(op, fmt.Sprintf("input must have at least %d axes", k), x.Shape(), padding)
	}
	defer relabel(op, padding)
	var buf [8][2]int
	widths := buf[:0]
	if r > len(buf) {
		widths = make([][2]int, 0, r)
	}
	for range r - k {
		widths = append(widths, [2]int{})
	}
	widths = append(widths, pairs...)
	return autograd.PadWith(x, widths, mode, value)
}

// Parameters returns nil: padding has none.
func (*Pad2D[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: padding has none.
func (*Pad2D[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: padding has none.
func (*Pad2D[T]) NamedParameters() []NamedParam[T] { return nil }

// Pad1D pads (or, with negative widths, crops) the last axis of its input
// as a layer: PyTorch's nn.ConstantPad1d, nn.ReflectionPad1d,
// nn.ReplicationPad1d and nn.CircularPad1d (and nn.ZeroPad1d) are this
// type with a mode, made by the constructors of those names. Padding is
// PyTorch's tuple (left, right). See autograd.PadWith for each mode's rule.
type Pad1D[T Float] struct {
	Padding [2]int // left, right
	Mode    autograd.PadMode
	Value   T // the border in constant mode
}

// NewZeroPad1D returns a Pad1D of zeros, PyTorch's nn.ZeroPad1d.
func NewZeroPad1D[T Float](left, right int) *Pad1D[T] {
	return &Pad1D[T]{Padding: [2]int{left, right}, Mode: autograd.PadConstant}
}

// NewConstantPad1D returns a Pad1D of value, PyTorch's nn.ConstantPad1d.
func NewConstantPad1D[T Float](left, right int, value T) *Pad1D[T] {
	return &Pad1D[T]{Padding: [2]int{left, right}, Mode: autograd.PadConstant, Value: value}
}

// NewReflectionPad1D returns a Pad1D that mirrors the input at its edges,
// PyTorch's nn.ReflectionPad1d.
func NewReflectionPad1D[T Float](left, right int) *Pad1D[T] {
	return &Pad1D[T]{Padding: [2]int{left, right}, Mode: autograd.PadReflect}
}

// NewReplicationPad1D returns a Pad1D that repeats the edge elements,
// PyTorch's nn.ReplicationPad1d.
func NewReplicationPad1D[T Float](left, right int) *Pad1D[T] {
	return &Pad1D[T]{Padding: [2]int{left, right}, Mode: autograd.PadReplicate}
}

// NewCircularPad1D returns a Pad1D that wraps the input around, PyTorch's
// nn.CircularPad1d.
func NewCircularPad1D[T Float](left, right int) *Pad1D[T] {
	return &Pad1D[T]{Padding: [2]int{left, right}, Mode: autograd.PadCircular}
}

// Forward pads x (of rank 1 or more) to [..., left + W + right]. It panics
// as Pad2D's does.
func (p *Pad1D[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return padLast("Pad1D", x, p.Mode, p.Value, p.Padding[:], p.Padding)
}

// Parameters returns nil: padding has none.
func (*Pad1D[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: padding has none.
func (*Pad1D[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: padding has none.
func (*Pad1D[T]) NamedParameters() []NamedParam[T] { return nil }

// Pad3D pads (or, with negative widths, crops) the last three axes of its
// input as a layer: PyTorch's nn.ZeroPad3d, nn.ConstantPad3d,
// nn.ReflectionPad3d, nn.ReplicationPad3d and nn.CircularPad3d are this
// type with a mode, made by the constructors of those names. Padding is
// PyTorch's tuple (left, right, top, bottom, front, back): the last axis's
// widths first. See autograd.PadWith for each mode's rule.
type Pad3D[T Float] struct {
	Padding [6]int // left, right, top, bottom, front, back
	Mode    autograd.PadMode
	Value   T // the border in constant mode
}

// NewZeroPad3D returns a Pad3D of zeros, PyTorch's nn.ZeroPad3d.
func NewZeroPad3D[T Float](padding [6]int) *Pad3D[T] {
	return &Pad3D[T]{Padding: padding, Mode: autograd.PadConstant}
}

// NewConstantPad3D returns a Pad3D of value, PyTorch's nn.ConstantPad3d.
func NewConstantPad3D[T Float](padding [6]int, value T) *Pad3D[T] {
	return &Pad3D[T]{Padding: padding, Mode: autograd.PadConstant, Value: value}
}

// NewReflectionPad3D returns a Pad3D that mirrors the input at its edges,
// PyTorch's nn.ReflectionPad3d.
func NewReflectionPad3D[T Float](padding [6]int) *Pad3D[T] {
	return &Pad3D[T]{Padding: padding, Mode: autograd.PadReflect}
}

// NewReplicationPad3D returns a Pad3D that repeats the edge elements,
// PyTorch's nn.ReplicationPad3d.
func NewReplicationPad3D[T Float](padding [6]int) *Pad3D[T] {
	return &Pad3D[T]{Padding: padding, Mode: autograd.PadReplicate}
}

// NewCircularPad3D returns a Pad3D that wraps the input around, PyTorch's
// nn.CircularPad3d.
func NewCircularPad3D[T Float](padding [6]int) *Pad3D[T] {
	return &Pad3D[T]{Padding: padding, Mode: autograd.PadCircular}
}

// Forward pads x (of rank 3 or more) to [..., front + D + back, top + H +
// bottom, left + W + right]. It panics as Pad2D's does.
func (p *Pad3D[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	q := p.Padding
	return padLast("Pad3D", x, p.Mode, p.Value, p.Padding[:], [2]int{q[4], q[5]}, [2]int{q[2], q[3]}, [2]int{q[0], q[1]})
}

// Parameters returns nil: padding has none.
func (*Pad3D[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: padding has none.
func (*Pad3D[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: padding has none.
func (*Pad3D[T]) NamedParameters() []NamedParam[T] { return nil }
