package layers

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// LayerNorm normalizes each sample over its last axes, PyTorch's
// nn.LayerNorm: with the mean μ and the biased variance σ² of x over the
// normalized shape,
//
//	y = (x − μ) / √(σ² + Eps) · Weight + Bias
//
// (σ² divided by n, not n − 1, and Eps inside the square root, as in
// PyTorch). Weight (initially ones) and Bias (initially zeros) have the
// normalized shape; set both to nil for elementwise_affine=False (or only
// Bias, for bias=False). It behaves the same in training and evaluation,
// and keeps no statistics. Forward is one fused operation,
// autograd.LayerNorm, whose result comes from the input's Arena.
type LayerNorm[T Float] struct {
	Weight *autograd.Var[T] // the normalized shape, or nil
	Bias   *autograd.Var[T] // the normalized shape, or nil
	Eps    T                // added to the variance; 1e-5 by default

	shape []int
}

// NewLayerNorm returns a LayerNorm over the trailing axes of the given
// shape, for example NewLayerNorm[T](512) for [batch, seq, 512] inputs, with
// Eps 1e-5, Weight ones and Bias zeros. It panics with a *tensor.ShapeError
// if shape is empty or has a non-positive size.
func NewLayerNorm[T Float](shape ...int) *LayerNorm[T] {
	if len(shape) == 0 {
		shapePanic("NewLayerNorm", "the normalized shape must have at least one axis", shape)
	}
	checkPositive("NewLayerNorm", "", shape...)
	return &LayerNorm[T]{
		Weight: autograd.Param(tensor.Ones[T](shape...)).SetName("weight"),
		Bias:   autograd.Param(tensor.Zeros[T](shape...)).SetName("bias"),
		Eps:    1e-5,
		shape:  append([]int(nil), shape...),
	}
}

// NormalizedShape returns the shape of the trailing axes that are
// normalized.
func (l *LayerNorm[T]) NormalizedShape() []int { return append([]int(nil), l.shape...) }

// Forward normalizes x, whose trailing axes must equal the normalized shape,
// and returns a result of x's shape. It panics with a *tensor.ShapeError
// naming the layer and both shapes otherwise.
func (l *LayerNorm[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	xv, k := x.Value(), len(l.shape)
	fits := xv.Dims() >= k
	for i := 0; fits && i < k; i++ {
		fits = xv.Dim(xv.Dims()-k+i) == l.shape[i]
	}
	if !fits {
		shapePanic(layerOp("LayerNorm", l.Weight), fmt.Sprintf("input must end in the normalized shape %v", l.shape), xv.Shape(), l.shape)
	}
	return autograd.LayerNorm(x, l.Weight, l.Bias, k, l.Eps)
}

// Parameters returns the weight and the bias (those not nil).
func (l *LayerNorm[T]) Parameters() []*autograd.Var[T] { return l.AppendParameters(nil) }

// AppendParameters appends the parameters, in the order of Parameters, to
// dst and returns the extended slice; it allocates nothing when dst has
// room (see the package function AppendParameters).
func (l *LayerNorm[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	return appendWeightBias(dst, l.Weight, l.Bias)
}

// NamedParameters returns "weight" and "bias" (those not nil).
func (l *LayerNorm[T]) NamedParameters() []NamedParam[T] { return weightBias(l.Weight, l.Bias) }

// BatchNorm1d normalizes each feature (channel) over the batch, PyTorch's
// nn.BatchNorm1d, for inputs [N, C] or [N, C, L]:
//
//	y = (x − μ) / √(σ² + Eps) · Weight + Bias
//
// In training mode μ and σ² are the mean and the biased variance of the
// batch (over N, and L), and every Forward updates the running statistics
//
//	running_mean ← (1 − Momentum)·running_mean + Momentum·μ
//	running_var  ← (1 − Momentum)·running_var  + Momentum·σ²·n/(n−1)
//
// (the unbiased variance, n = N·L values per channel), as PyTorch does; an
// empty batch gives an empty result and leaves them as they are. In
// evaluation mode μ and σ² are the running statistics, and nothing changes.
// A new layer is training, with running_mean zeros and running_var ones;
// see SetTraining. Forward is one fused operation, autograd.BatchNorm in
// training and autograd.BatchNormEval in evaluation.
//
// The running statistics are buffers, not parameters: NamedBuffers lists
// them as "running_mean" and "running_var", PyTorch's names, so that model
// files save and load them. (PyTorch's num_batches_tracked, which only
// matters for its momentum=None mode, is not a buffer here:
// NumBatchesTracked reports it.)
//
// The statistics are locked, so Forward calls in either mode are race-free;
// concurrent evaluation of a shared model is the intended use.
type BatchNorm1d[T Float] struct {
	Weight   *autograd.Var[T] // [C], initially ones; nil for affine=False
	Bias     *autograd.Var[T] // [C], initially zeros; nil for affine=False
	Eps      T                // added to the variance; 1e-5 by default
	Momentum T                // weight of the new batch in the running statistics; 0.1 by default

	bnState[T]
}

// NewBatchNorm1d returns a BatchNorm1d over num features, in training mode,
// with Eps 1e-5, Momentum 0.1, Weight ones, Bias zeros, running mean zeros
// and running variance ones (PyTorch's defaults). It panics with a
// *tensor.ShapeError if num is not positive.
func NewBatchNorm1d[T Float](num int) *BatchNorm1d[T] {
	checkPositive("NewBatchNorm1d", "[num]", num)
	return &BatchNorm1d[T]{
		Weight:   autograd.Param(tensor.Ones[T](num)).SetName("weight"),
		Bias:     autograd.Param(tensor.Zeros[T](num)).SetName("bias"),
		Eps:      1e-5,
		Momentum: 0.1,
		bnState:  bnState[T]{run: newBNRunning[T](num)},
	}
}

// Forward normalizes x [N, C] or [N, C, L] and returns a result of x's
// shape. It panics with a *tensor.ShapeError naming the layer and both shapes
// when x is not 2-D or 3-D or does not have C channels, and, in training
// mode, when there is only one value per channel (whose variance is
// undefined), as PyTorch does.
func (b *BatchNorm1d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	xv := x.Value() // x.Shape() would copy
	num := b.run.mean.Len()
	if (xv.Dims() != 2 && xv.Dims() != 3) || xv.Dim(1) != num {
		shapePanic(layerOp("BatchNorm1d", b.Weight), fmt.Sprintf("input must be [N %d] or [N %d L]", num, num), xv.Shape(), []int{num})
	}
	return b.run.forward("BatchNorm1d", x, b.Weight, b.Bias, b.Eps, b.Momentum, !b.eval.Load())
}

// Parameters returns the weight and the bias (those not nil).
func (b *BatchNorm1d[T]) Parameters() []*autograd.Var[T] { return b.AppendParameters(nil) }

// AppendParameters appends the parameters, in the order of Parameters, to
// dst and returns the extended slice; it allocates nothing when dst has
// room (see the package function AppendParameters).
func (b *BatchNorm1d[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	return appendWeightBias(dst, b.Weight, b.Bias)
}

// NamedParameters returns "weight" and "bias" (those not nil).
func (b *BatchNorm1d[T]) NamedParameters() []NamedParam[T] { return weightBias(b.Weight, b.Bias) }

// bnState is what BatchNorm1d and BatchNorm2d keep besides their
// parameters: the mode and the running statistics, with the methods that
// read and set them, which the layers share by embedding it.
type bnState[T Float] struct {
	eval atomic.Bool // the zero value is training mode
	run  bnRunning[T]
}

// RunningMean returns the running mean [C], the layer's live tensor: read it
// or write it (to load a model) only while no Forward runs in training mode.
func (b *bnState[T]) RunningMean() *tensor.Tensor[T] { return b.run.mean }

// RunningVar returns the running (unbiased) variance [C], the layer's live
// tensor, under the same rule as RunningMean.
func (b *bnState[T]) RunningVar() *tensor.Tensor[T] { return b.run.variance }

// NumBatchesTracked returns how many training Forward calls have updated the
// running statistics (PyTorch's num_batches_tracked).
func (b *bnState[T]) NumBatchesTracked() int { return b.run.tracked() }

// ResetRunningStats sets the running mean to zeros, the running variance to
// ones and the batch count to 0, as for a new layer.
func (b *bnState[T]) ResetRunningStats() { b.run.reset() }

// SetTraining switches between training (on) and evaluation mode; it is
// safe to call while other goroutines run Forward.
func (b *bnState[T]) SetTraining(on bool) { b.eval.Store(!on) }

// Training reports whether the layer is in training mode.
func (b *bnState[T]) Training() bool { return !b.eval.Load() }

// NamedBuffers returns "running_mean" and "running_var", the live tensors
// (see RunningMean).
func (b *bnState[T]) NamedBuffers() []NamedBuffer[T] { return b.run.buffers() }

// bnRunning is a BatchNorm layer's running statistics and its count of
// training steps, behind a lock.
type bnRunning[T Float] struct {
	mu             sync.Mutex
	mean, variance *tensor.Tensor[T]
	batches        int
}

// newBNRunning returns the statistics of a new layer of num channels: mean
// zeros, variance ones.
func newBNRunning[T Float](num int) bnRunning[T] {
	return bnRunning[T]{mean: tensor.Zeros[T](num), variance: tensor.Ones[T](num)}
}

// forward is a BatchNorm layer's Forward on an input whose shape the layer
// (kind, for messages) has checked: in training, autograd.BatchNorm and an
// update of the running statistics with the batch mean and unbiased
// variance; in evaluation, autograd.BatchNormEval with the running
// statistics. It names the layer (a string concatenation) and copies x's
// shape only to panic, so that a warm step under an Arena allocates
// nothing.
func (r *bnRunning[T]) forward(kind string, x, weight, bias *autograd.Var[T], eps, momentum T, training bool) *autograd.Var[T] {
	if !training {
		r.mu.Lock()
		defer r.mu.Unlock()
		return autograd.BatchNormEval(x, r.mean, r.variance, weight, bias, eps)
	}
	xv := x.Value()
	if c := xv.Dim(1); c > 0 && xv.Len()/c == 1 {
		shapePanic(layerOp(kind, weight), "training needs more than one value per channel", xv.Shape(), []int{c})
	}
	y, mean, variance := autograd.BatchNorm(x, weight, bias, eps)
	mu, v := mean.Data(), variance.Data()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches++ // PyTorch counts an empty batch, and leaves the statistics
	if xv.Len() == 0 {
		return y
	}
	m := momentum
	rm, rv := r.mean.Data(), r.variance.Data()
	// Each product rounded to T, so that no architecture fuses one into a
	// multiply-add and the statistics keep their bits everywhere.
	for c := range rm {
		rm[c] = T((1-m)*rm[c]) + T(m*mu[c])
		rv[c] = T((1-m)*rv[c]) + T(m*v[c])
	}
	return y
}

// tracked returns the number of training steps.
func (r *bnRunning[T]) tracked() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.batches
}

// reset sets the statistics to a new layer's and the count to 0.
func (r *bnRunning[T]) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mean.Fill(0)
	r.variance.Fill(1)
	r.batches = 0
}

// buffers returns "running_mean" and "running_var", the live tensors.
func (r *bnRunning[T]) buffers() []NamedBuffer[T] {
	return []NamedBuffer[T]{{"running_mean", r.mean}, {"running_var", r.variance}}
}
