package layers

import "github.com/adjoint-go/adjoint/autograd"

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
// right]. It panics with a *tensor.ShapeError when x has fewer than two
// axes or a width does not suit the mode, and with an
// *autograd.UsageError for an unknown mode.
func (p *Pad2D[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	r := x.Value().Dims()
	var buf [8][2]int
	widths := buf[:0]
	if r > len(buf) {
		widths = make([][2]int, 0, r)
	}
	for range max(r-2, 0) {
		widths = append(widths, [2]int{})
	}
	if r < 2 {
		shapePanic("Pad2D", "input must have at least 2 axes [... H W]", x.Shape())
	}
	widths = append(widths, [2]int{p.Padding[2], p.Padding[3]}, [2]int{p.Padding[0], p.Padding[1]})
	return autograd.PadWith(x, widths, p.Mode, p.Value)
}

// Parameters returns nil: padding has none.
func (*Pad2D[T]) Parameters() []*autograd.Var[T] { return nil }

// NamedParameters returns nil: padding has none.
func (*Pad2D[T]) NamedParameters() []NamedParam[T] { return nil }
