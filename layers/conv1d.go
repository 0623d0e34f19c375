package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Conv1DOptions sets a 1-D convolution's stride, padding, dilation and
// channel groups; the zero value is stride 1, no padding, no dilation, one
// group. It is autograd's type.
type Conv1DOptions = autograd.Conv1DOptions

// Conv1D is the 1-D convolution layer over NCL batches (sequences of
// feature vectors, channels first), PyTorch's nn.Conv1d: out[n, o] =
// bias[o] + Σ_c weight[o, c] ⋆ x[n, c] over the input channels of o's
// group. Weight has shape [out, in/groups, k] and Bias [out], PyTorch's
// layout and names. Set Bias to nil for a convolution without bias.
type Conv1D[T Float] struct {
	Weight  *autograd.Var[T] // [out, in/groups, k]
	Bias    *autograd.Var[T] // [out], or nil
	Options Conv1DOptions    // stride, padding, dilation, groups
	// PaddingMode fills the border Options.Padding adds, as Conv2D's.
	PaddingMode autograd.PadMode
}

// NewConv1D returns a Conv1D layer from in to out channels with a kernel of
// length kernel, in opts.Groups groups (0 means 1). With a nil init, the
// weight and the bias are drawn from rng as PyTorch draws them, from
// U(-1/√fanIn, 1/√fanIn) with fanIn = (in/groups)·k (UniformFanIn, its
// kaiming-uniform with a = √5); otherwise the weight is drawn by init with
// that fanIn and fanOut = out·k, and the bias is zero. The weight is drawn
// before the bias.
//
// It panics with a *tensor.ShapeError if a size is not positive and with an
// *ArgError if an option is negative or the groups do not divide in and
// out.
func NewConv1D[T Float](rng *rand.Rand, in, out, kernel int, opts Conv1DOptions, init Initializer[T]) *Conv1D[T] {
	const op = "NewConv1D"
	checkPositive(op, "[in out k]", in, out, kernel)
	for _, o := range []struct {
		name string
		v    int
	}{{"Stride", opts.Stride}, {"Padding", opts.Padding}, {"Dilation", opts.Dilation}} {
		if o.v < 0 {
			argPanic(op, "opts."+o.name, o.v, "must not be negative")
		}
	}
	g := checkGroups(op, opts.Groups, in, out)
	fanIn, fanOut := in/g*kernel, out*kernel
	c := &Conv1D[T]{Options: opts}
	if init == nil {
		c.Weight = autograd.Param(UniformFanIn[T](rng, fanIn, fanOut, out, in/g, kernel))
		c.Bias = autograd.Param(UniformFanIn[T](rng, fanIn, fanOut, out))
	} else {
		c.Weight = autograd.Param(init(rng, fanIn, fanOut, out, in/g, kernel))
		c.Bias = autograd.Param(tensor.Zeros[T](out))
	}
	c.Weight.SetName("weight")
	c.Bias.SetName("bias")
	return c
}

// Forward convolves x [N, in, L] into [N, out, OL], with
// OL = ⌊(L + 2·p − d·(k−1) − 1) / s⌋ + 1. It panics with a
// *tensor.ShapeError naming the layer and both shapes when x is not 3-D,
// has the wrong number of channels, or is shorter than the (dilated)
// kernel after padding, or when the padding does not suit PaddingMode (a
// reflected width must be less than L, a circular one at most L; see
// autograd.PadWith), and with an *autograd.UsageError for a PaddingMode it
// does not know.
func (c *Conv1D[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	xs, ws := x.Value(), c.Weight.Value()
	in := ws.Dim(1) * max(c.Options.Groups, 1)
	o := c.Options
	if xs.Dims() != 3 || xs.Dim(1) != in || xs.Dim(2)+2*o.Padding < max(o.Dilation, 1)*(ws.Dim(2)-1)+1 {
		op := layerOp("Conv1D", c.Weight)
		xsh, wsh := x.Shape(), c.Weight.Shape()
		switch {
		case len(xsh) != 3:
			shapePanic(op, fmt.Sprintf("input must be 3-D [N %d L]", in), xsh, wsh)
		case xsh[1] != in:
			shapePanic(op, fmt.Sprintf("input has %d channels, weight wants %d", xsh[1], in), xsh, wsh)
		default:
			shapePanic(op, fmt.Sprintf("input length %d with padding %d is shorter than the kernel %d (dilation %d)",
				xsh[2], o.Padding, wsh[2], max(o.Dilation, 1)), xsh, wsh)
		}
	}
	if m := c.PaddingMode; m != "" && m != autograd.PadConstant && o.Padding != 0 {
		defer relabelLayer("Conv1D", c.Weight, true)
		x = autograd.PadWith(x, [][2]int{{}, {}, {o.Padding, o.Padding}}, m, 0)
		o.Padding = 0
	}
	return autograd.Conv1D(x, c.Weight, c.Bias, o)
}

// Parameters returns the weight and the bias (if any).
func (c *Conv1D[T]) Parameters() []*autograd.Var[T] { return c.AppendParameters(nil) }

// AppendParameters appends the parameters, in the order of Parameters, to
// dst and returns the extended slice; it allocates nothing when dst has
// room (see the package function AppendParameters).
func (c *Conv1D[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	return appendWeightBias(dst, c.Weight, c.Bias)
}

// NamedParameters returns "weight" and "bias" (the latter only when Bias is
// not nil).
func (c *Conv1D[T]) NamedParameters() []NamedParam[T] { return weightBias(c.Weight, c.Bias) }
