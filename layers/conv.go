package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Conv2DOptions sets a convolution's stride, padding and dilation (index 0
// the height axis, 1 the width axis) and its channel groups; the zero value
// is stride 1, no padding, no dilation, one group. It is autograd's type.
type Conv2DOptions = autograd.Conv2DOptions

// Conv2D is the 2-D convolution layer over NCHW batches, PyTorch's
// nn.Conv2d: out[n, o] = bias[o] + Σ_c weight[o, c] ⋆ x[n, c] (a
// cross-correlation), the sum over the input channels of o's group.
// Weight has shape [out, in/groups, kh, kw] and Bias [out], PyTorch's
// layout and names, so weights move between the two unchanged. Set Bias to
// nil for a convolution without bias (bias=False). Options.Groups = in
// makes it depthwise (MobileNet's 3×3 layers).
type Conv2D[T Float] struct {
	Weight  *autograd.Var[T] // [out, in/groups, kh, kw]
	Bias    *autograd.Var[T] // [out], or nil
	Options Conv2DOptions    // stride, padding, dilation, groups
	// PaddingMode fills the border Options.Padding adds, as PyTorch's
	// padding_mode: "" (or autograd.PadConstant) with zeros, PyTorch's
	// 'zeros'; autograd.PadReflect, PadReplicate or PadCircular pad x with
	// autograd.PadWith before a convolution without padding.
	PaddingMode autograd.PadMode
}

// NewConv2D returns a Conv2D layer from in to out channels with a kernel of
// kernel[0] rows and kernel[1] columns, in opts.Groups groups (0 means 1).
// With a nil init, the weight and the bias are drawn from rng as PyTorch
// draws them, from U(-1/√fanIn, 1/√fanIn) with fanIn = (in/groups)·kh·kw
// (UniformFanIn, PyTorch's kaiming-uniform with a = √5); otherwise the
// weight is drawn by init with that fanIn and fanOut = out·kh·kw, and the
// bias is zero. The weight is drawn before the bias.
//
// It panics with a *tensor.ShapeError if a size is not positive and with an
// *ArgError if an option is negative or the groups do not divide in and
// out.
func NewConv2D[T Float](rng *rand.Rand, in, out int, kernel [2]int, opts Conv2DOptions, init Initializer[T]) *Conv2D[T] {
	checkPositive("NewConv2D", "[in out kh kw]", in, out, kernel[0], kernel[1])
	for _, o := range []struct {
		name string
		v    [2]int
	}{{"Stride", opts.Stride}, {"Padding", opts.Padding}, {"Dilation", opts.Dilation}} {
		if o.v[0] < 0 || o.v[1] < 0 {
			argPanic("NewConv2D", "opts."+o.name, o.v, "must not be negative")
		}
	}
	g := checkGroups("NewConv2D", opts.Groups, in, out)
	fanIn, fanOut := in/g*kernel[0]*kernel[1], out*kernel[0]*kernel[1]
	c := &Conv2D[T]{Options: opts}
	if init == nil {
		c.Weight = autograd.Param(UniformFanIn[T](rng, fanIn, fanOut, out, in/g, kernel[0], kernel[1]))
		c.Bias = autograd.Param(UniformFanIn[T](rng, fanIn, fanOut, out))
	} else {
		c.Weight = autograd.Param(init(rng, fanIn, fanOut, out, in/g, kernel[0], kernel[1]))
		c.Bias = autograd.Param(tensor.Zeros[T](out))
	}
	c.Weight.SetName("weight")
	c.Bias.SetName("bias")
	return c
}

// Forward convolves x [N, in, H, W] into [N, out, OH, OW], with
// OH = ⌊(H + 2·ph − dh·(kh−1) − 1) / sh⌋ + 1 and likewise OW. It panics
// with a *tensor.ShapeError naming the layer and both shapes when x is not
// 4-D, has the wrong number of channels, or is smaller than the (dilated)
// kernel after padding, or when the padding does not suit PaddingMode (a
// reflected width must be less than H and W, a circular one at most them;
// see autograd.PadWith), and with an *autograd.UsageError for a
// PaddingMode it does not know.
func (c *Conv2D[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	xv, wv := x.Value(), c.Weight.Value()
	if xv.Dims() != 4 || wv.Dims() != 4 || xv.Dim(1) != wv.Dim(1)*max(c.Options.Groups, 1) ||
		!windowFits(xv, [2]int{wv.Dim(2), wv.Dim(3)}, c.Options.Padding, c.Options.Dilation) {
		c.checkInput(x) // panics, unless autograd.Conv2D is the one to complain
	}
	opts := c.Options
	if m := c.PaddingMode; m != "" && m != autograd.PadConstant && opts.Padding != [2]int{} {
		defer relabelLayer("Conv2D", c.Weight, true)
		p := opts.Padding
		x = autograd.PadWith(x, [][2]int{{}, {}, {p[0], p[0]}, {p[1], p[1]}}, m, 0)
		opts.Padding = [2]int{}
	}
	return autograd.Conv2D(x, c.Weight, c.Bias, opts)
}

// checkInput panics with the error that says why x does not fit the layer.
func (c *Conv2D[T]) checkInput(x *autograd.Var[T]) {
	xs, ws := x.Shape(), c.Weight.Shape()
	op := layerOp("Conv2D", c.Weight)
	in := ws[1] * max(c.Options.Groups, 1)
	if len(xs) != 4 {
		shapePanic(op, fmt.Sprintf("input must be 4-D [N %d H W]", in), xs, ws)
	}
	if xs[1] != in {
		shapePanic(op, fmt.Sprintf("input has %d channels, weight wants %d", xs[1], in), xs, ws)
	}
	checkWindow(op, xs, ws, [2]int{ws[2], ws[3]}, c.Options.Padding, c.Options.Dilation)
}

// checkGroups returns the number of groups (0 means 1), panicking with an
// *ArgError naming op when it is negative or does not divide in and out.
func checkGroups(op string, groups, in, out int) int {
	g := max(groups, 1)
	if groups < 0 || in%g != 0 || out%g != 0 {
		argPanic(op, "opts.Groups", groups, fmt.Sprintf("must be non-negative and divide in (%d) and out (%d)", in, out))
	}
	return g
}

// windowFits reports whether the padded height and width of the NCHW
// tensor x are at least the dilated kernel's (checkWindow's test, without
// building its error).
func windowFits[T Float](x *tensor.Tensor[T], kernel, padding, dilation [2]int) bool {
	for a := range 2 {
		if x.Dim(2+a)+2*padding[a] < max(dilation[a], 1)*(kernel[a]-1)+1 {
			return false
		}
	}
	return true
}

// checkWindow panics with a *tensor.ShapeError naming op when the padded
// height or width of the NCHW shape xs is smaller than the dilated kernel;
// other is the second shape to report (a weight, or the kernel).
func checkWindow(op string, xs, other []int, kernel, padding, dilation [2]int) {
	for a := range 2 {
		d := max(dilation[a], 1)
		span := d*(kernel[a]-1) + 1
		if xs[2+a]+2*padding[a] < span {
			shapePanic(op, fmt.Sprintf("input %dx%d with padding %v is smaller than the kernel %v (dilation %v)",
				xs[2], xs[3], padding, kernel, [2]int{max(dilation[0], 1), max(dilation[1], 1)}), xs, other)
		}
	}
}

// Parameters returns the weight and the bias (if any).
func (c *Conv2D[T]) Parameters() []*autograd.Var[T] { return c.AppendParameters(nil) }

// AppendParameters appends the parameters, in the order of Parameters, to
// dst and returns the extended slice; it allocates nothing when dst has
// room (see the package function AppendParameters).
func (c *Conv2D[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	return appendWeightBias(dst, c.Weight, c.Bias)
}

// NamedParameters returns "weight" and "bias" (the latter only when Bias is
// not nil).
func (c *Conv2D[T]) NamedParameters() []NamedParam[T] { return weightBias(c.Weight, c.Bias) }
