package layers

import (
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// BatchNorm2d normalizes each channel of images [N, C, H, W] over the batch
// and the spatial axes, PyTorch's nn.BatchNorm2d: BatchNorm1d's computation
// (see it) with the statistics of each channel taken over N·H·W values. In
// training mode it uses the batch's mean and biased variance and updates
// running_mean and running_var (the latter with the unbiased variance) with
// Momentum; in evaluation mode it uses them and changes nothing. A new layer
// is training, with running_mean zeros and running_var ones.
//
// Its buffers are "running_mean" and "running_var", PyTorch's state_dict
// names, which model files save and load; PyTorch's third buffer,
// num_batches_tracked (an integer counter that only its momentum=None mode
// reads), is NumBatchesTracked here, and a PyTorch file's copy of it is
// skipped on load, as for BatchNorm1d.
//
// Forward is one fused operation, autograd.BatchNorm in training and
// autograd.BatchNormEval in evaluation; the statistics are locked, so
// Forward calls in either mode are race-free.
type BatchNorm2d[T Float] struct {
	Weight   *autograd.Var[T] // [C], initially ones; nil for affine=False
	Bias     *autograd.Var[T] // [C], initially zeros; nil for affine=False
	Eps      T                // added to the variance; 1e-5 by default
	Momentum T                // weight of the new batch in the running statistics; 0.1 by default

	bnState[T]
}

// NewBatchNorm2d returns a BatchNorm2d over num channels, in training mode,
// with Eps 1e-5, Momentum 0.1, Weight ones, Bias zeros, running mean zeros
// and running variance ones (PyTorch's defaults). It panics with a
// *tensor.ShapeError if num is not positive.
func NewBatchNorm2d[T Float](num int) *BatchNorm2d[T] {
	checkPositive("NewBatchNorm2d", "[num]", num)
	return &BatchNorm2d[T]{
		Weight:   autograd.Param(tensor.Ones[T](num)).SetName("weight"),
		Bias:     autograd.Param(tensor.Zeros[T](num)).SetName("bias"),
		Eps:      1e-5,
		Momentum: 0.1,
		bnState:  bnState[T]{run: newBNRunning[T](num)},
	}
}

// Forward normalizes x [N, C, H, W] and returns a result of x's shape. It
// panics with a *tensor.ShapeError naming the layer and both shapes when x
// is not 4-D with C channels, and, in training mode, when there is only
// one value per channel, as PyTorch does.
func (b *BatchNorm2d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	xv := x.Value() // x.Shape() would copy
	num := b.run.mean.Len()
	if xv.Dims() != 4 || xv.Dim(1) != num {
		shapePanic(layerOp("BatchNorm2d", b.Weight), fmt.Sprintf("input must be [N %d H W]", num), xv.Shape(), []int{num})
	}
	return b.run.forward("BatchNorm2d", x, b.Weight, b.Bias, b.Eps, b.Momentum, !b.eval.Load())
}

// Parameters returns the weight and the bias (those not nil).
func (b *BatchNorm2d[T]) Parameters() []*autograd.Var[T] { return b.AppendParameters(nil) }

// AppendParameters appends the parameters, in the order of Parameters, to
// dst and returns the extended slice; it allocates nothing when dst has
// room (see the package function AppendParameters).
func (b *BatchNorm2d[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	return appendWeightBias(dst, b.Weight, b.Bias)
}

// NamedParameters returns "weight" and "bias" (those not nil).
func (b *BatchNorm2d[T]) NamedParameters() []NamedParam[T] { return weightBias(b.Weight, b.Bias) }

// GroupNorm normalizes each sample over groups of channels, PyTorch's
// nn.GroupNorm(num_groups, num_channels): the C channels of x [N, C, ...]
// are split into NumGroups groups of consecutive channels, each group of
// each sample is normalized with its own mean and biased variance, and
// each channel is then scaled and shifted:
//
//	y = (x − μ) / √(σ² + Eps) · Weight + Bias
//
// One group normalizes each sample as a whole; C groups is instance
// normalization. Weight (ones) and Bias (zeros) are [C]; set both to nil
// for affine=False. It behaves the same in training and evaluation and
// keeps no statistics. Forward is one fused operation, autograd.GroupNorm.
type GroupNorm[T Float] struct {
	Weight *autograd.Var[T] // [C], initially ones; nil for affine=False
	Bias   *autograd.Var[T] // [C], initially zeros; nil for affine=False
	Eps    T                // added to the variance; 1e-5 by default

	groups, channels int
}

// NewGroupNorm returns a GroupNorm of groups groups over channels channels,
// with Eps 1e-5, Weight ones and Bias zeros (PyTorch's defaults). It panics
// with a *tensor.ShapeError if either is not positive or groups does not
// divide channels.
func NewGroupNorm[T Float](groups, channels int) *GroupNorm[T] {
	checkPositive("NewGroupNorm", "[groups channels]", groups, channels)
	if channels%groups != 0 {
		shapePanic("NewGroupNorm", fmt.Sprintf("%d groups do not divide %d channels", groups, channels), []int{groups, channels})
	}
	return &GroupNorm[T]{
		Weight:   autograd.Param(tensor.Ones[T](channels)).SetName("weight"),
		Bias:     autograd.Param(tensor.Zeros[T](channels)).SetName("bias"),
		Eps:      1e-5,
		groups:   groups,
		channels: channels,
	}
}

// NumGroups returns the number of groups.
func (g *GroupNorm[T]) NumGroups() int { return g.groups }

// NumChannels returns the number of channels C.
func (g *GroupNorm[T]) NumChannels() int { return g.channels }

// Forward normalizes x [N, C, ...] and returns a result of x's shape. It
// panics with a *tensor.ShapeError naming the layer and both shapes when x
// has fewer than 2 axes or not C channels.
func (g *GroupNorm[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	xv := x.Value() // x.Shape() would copy
	if xv.Dims() < 2 || xv.Dim(1) != g.channels {
		shapePanic(layerOp("GroupNorm", g.Weight), fmt.Sprintf("input must be [N %d ...]", g.channels), xv.Shape(), []int{g.channels})
	}
	return autograd.GroupNorm(x, g.groups, g.Weight, g.Bias, g.Eps)
}

// Parameters returns the weight and the bias (those not nil).
func (g *GroupNorm[T]) Parameters() []*autograd.Var[T] { return g.AppendParameters(nil) }

// AppendParameters appends the parameters, in the order of Parameters, to
// dst and returns the extended slice; it allocates nothing when dst has
// room (see the package function AppendParameters).
func (g *GroupNorm[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	return appendWeightBias(dst, g.Weight, g.Bias)
}

// NamedParameters returns "weight" and "bias" (those not nil).
func (g *GroupNorm[T]) NamedParameters() []NamedParam[T] { return weightBias(g.Weight, g.Bias) }

// RMSNorm scales each sample by the reciprocal root mean square over its
// last axes, PyTorch 2.x's nn.RMSNorm(normalized_shape): with ms the mean of
// x² over the normalized shape,
//
//	y = x / √(ms + Eps) · Weight
//
// No mean is subtracted and there is no bias. Weight (ones) has the
// normalized shape; set it to nil for elementwise_affine=False. Eps is, as
// PyTorch's eps=None, the machine epsilon of T: 2⁻²³ ≈ 1.19e-7 for float32,
// 2⁻⁵² ≈ 2.22e-16 for float64. It behaves the same in training and
// evaluation. Forward is one fused operation, autograd.RMSNorm.
type RMSNorm[T Float] struct {
	Weight *autograd.Var[T] // the normalized shape, or nil
	Eps    T                // added to the mean square; T's machine epsilon by default

	shape []int
}

// NewRMSNorm returns an RMSNorm over the trailing axes of the given shape,
// for example NewRMSNorm[T](512) for [batch, seq, 512] inputs, with Weight
// ones and Eps the machine epsilon of T. It panics with a
// *tensor.ShapeError if shape is empty or has a non-positive size.
func NewRMSNorm[T Float](shape ...int) *RMSNorm[T] {
	if len(shape) == 0 {
		shapePanic("NewRMSNorm", "the normalized shape must have at least one axis", shape)
	}
	checkPositive("NewRMSNorm", "", shape...)
	return &RMSNorm[T]{
		Weight: autograd.Param(tensor.Ones[T](shape...)).SetName("weight"),
		Eps:    machineEpsilon[T](),
		shape:  append([]int(nil), shape...),
	}
}

// machineEpsilon returns the distance from 1 to the next larger T,
// torch.finfo(dtype).eps.
func machineEpsilon[T Float]() T {
	if _, ok := any(T(0)).(float32); ok {
		return T(0x1p-23)
	}
	return T(0x1p-52)
}

// NormalizedShape returns the shape of the trailing axes that are
// normalized.
func (l *RMSNorm[T]) NormalizedShape() []int { return append([]int(nil), l.shape...) }

// Forward normalizes x, whose trailing axes must equal the normalized shape,
// and returns a result of x's shape. It panics with a *tensor.ShapeError
// naming the layer and both shapes otherwise.
func (l *RMSNorm[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	xv, k := x.Value(), len(l.shape)
	fits := xv.Dims() >= k
	for i := 0; fits && i < k; i++ {
		fits = xv.Dim(xv.Dims()-k+i) == l.shape[i]
	}
	if !fits {
		shapePanic(layerOp("RMSNorm", l.Weight), fmt.Sprintf("input must end in the normalized shape %v", l.shape), xv.Shape(), l.shape)
	}
	return autograd.RMSNorm(x, k, l.Weight, l.Eps)
}

// Parameters returns the weight (when not nil).
func (l *RMSNorm[T]) Parameters() []*autograd.Var[T] { return l.AppendParameters(nil) }

// AppendParameters appends the parameters, in the order of Parameters, to
// dst and returns the extended slice; it allocates nothing when dst has
// room (see the package function AppendParameters).
func (l *RMSNorm[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	return appendWeightBias(dst, l.Weight, nil)
}

// NamedParameters returns "weight" (when not nil).
func (l *RMSNorm[T]) NamedParameters() []NamedParam[T] { return weightBias(l.Weight, nil) }
