package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// ConvTranspose2DOptions sets a transposed convolution's stride, padding,
// output padding, dilation and groups; the zero value is stride 1, no
// padding, no dilation, one group. It is autograd's type.
type ConvTranspose2DOptions = autograd.ConvTranspose2DOptions

// ConvTranspose2D is the transposed 2-D convolution layer over NCHW
// batches, PyTorch's nn.ConvTranspose2d (the upsampling layer of decoders
// and U-Nets): the adjoint of a Conv2D from out to in channels, each input
// element scattering its filters into the output (see
// autograd.ConvTranspose2D). Weight has shape [in, out/groups, kh, kw] and
// Bias [out], PyTorch's layout and names. Set Bias to nil for none.
type ConvTranspose2D[T Float] struct {
	Weight  *autograd.Var[T]       // [in, out/groups, kh, kw]
	Bias    *autograd.Var[T]       // [out], or nil
	Options ConvTranspose2DOptions // stride, padding, output padding, dilation, groups
}

// NewConvTranspose2D returns a ConvTranspose2D layer from in to out
// channels with a kernel of kernel[0] rows and kernel[1] columns, in
// opts.Groups groups (0 means 1). With a nil init, the weight and the bias
// are drawn from rng as PyTorch draws them, from U(-1/√fanIn, 1/√fanIn)
// with PyTorch's fanIn for this layout, the weight's axis 1 times the
// kernel: (out/groups)·kh·kw; otherwise the weight is drawn by init with
// that fanIn and fanOut = in·kh·kw, and the bias is zero. The weight is
// drawn before the bias.
//
// It panics with a *tensor.ShapeError if a size is not positive and with an
// *ArgError if an option is negative, an output padding is not smaller
// than its stride or its dilation, or the groups do not divide in and out.
func NewConvTranspose2D[T Float](rng *rand.Rand, in, out int, kernel [2]int, opts ConvTranspose2DOptions, init Initializer[T]) *ConvTranspose2D[T] {
	const op = "NewConvTranspose2D"
	checkPositive(op, "[in out kh kw]", in, out, kernel[0], kernel[1])
	for _, o := range []struct {
		name string
		v    [2]int
	}{{"Stride", opts.Stride}, {"Padding", opts.Padding}, {"OutputPadding", opts.OutputPadding}, {"Dilation", opts.Dilation}} {
		if o.v[0] < 0 || o.v[1] < 0 {
			argPanic(op, "opts."+o.name, o.v, "must not be negative")
		}
	}
	for a := range 2 {
		if p := opts.OutputPadding[a]; p >= max(opts.Stride[a], 1) && p >= max(opts.Dilation[a], 1) {
			argPanic(op, "opts.OutputPadding", opts.OutputPadding, "must be smaller than the stride or the dilation")
		}
	}
	g := checkGroups(op, opts.Groups, in, out)
	fanIn, fanOut := out/g*kernel[0]*kernel[1], in*kernel[0]*kernel[1]
	c := &ConvTranspose2D[T]{Options: opts}
	if init == nil {
		c.Weight = autograd.Param(UniformFanIn[T](rng, fanIn, fanOut, in, out/g, kernel[0], kernel[1]))
		c.Bias = autograd.Param(UniformFanIn[T](rng, fanIn, fanOut, out))
	} else {
		c.Weight = autograd.Param(init(rng, fanIn, fanOut, in, out/g, kernel[0], kernel[1]))
		c.Bias = autograd.Param(tensor.Zeros[T](out))
	}
	c.Weight.SetName("weight")
	c.Bias.SetName("bias")
	return c
}

// Forward maps x [N, in, H, W] to [N, out, OH, OW] with
// OH = (H−1)·sh − 2·ph + dh·(kh−1) + oph + 1 and likewise OW (PyTorch's
// rule). It panics with a *tensor.ShapeError naming the layer and both
// shapes when x is not 4-D, has the wrong number of channels, or would
// give an empty output (see autograd.ConvTranspose2D).
func (c *ConvTranspose2D[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	xv, wv := x.Value(), c.Weight.Value()
	if xv.Dims() != 4 || xv.Dim(1) != wv.Dim(0) {
		op := layerOp("ConvTranspose2D", c.Weight)
		xs, ws := x.Shape(), c.Weight.Shape()
		if len(xs) != 4 {
			shapePanic(op, fmt.Sprintf("input must be 4-D [N %d H W]", ws[0]), xs, ws)
		}
		shapePanic(op, fmt.Sprintf("input has %d channels, weight wants %d", xs[1], ws[0]), xs, ws)
	}
	defer relabelLayer("ConvTranspose2D", c.Weight, false) // the op's errors show both shapes
	return autograd.ConvTranspose2D(x, c.Weight, c.Bias, c.Options)
}

// Parameters returns the weight and the bias (if any).
func (c *ConvTranspose2D[T]) Parameters() []*autograd.Var[T] { return c.AppendParameters(nil) }

// AppendParameters appends the parameters, in the order of Parameters, to
// dst and returns the extended slice; it allocates nothing when dst has
// room (see the package function AppendParameters).
func (c *ConvTranspose2D[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	return appendWeightBias(dst, c.Weight, c.Bias)
}

// NamedParameters returns "weight" and "bias" (the latter only when Bias is
// not nil).
func (c *ConvTranspose2D[T]) NamedParameters() []NamedParam[T] { return weightBias(c.Weight, c.Bias) }
