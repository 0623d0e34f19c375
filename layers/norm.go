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

// affine returns y·weight + bias, either of which may be nil (left out).
func affine[T Float](y, weight, bias *autograd.Var[T]) *autograd.Var[T] {
	if weight != nil {
		y = autograd.Mul(y, weight)
	}
	if bias != nil {
		y = autograd.Add(y, bias)
	}
	return y
}

// Parameters returns the weight and the bias (those not nil).
func (l *LayerNorm[T]) Parameters() []*autograd.Var[T] { return paramsOf(l.NamedParameters()) }

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
// (the unbiased variance, n = N·L values per channel), as PyTorch does. In
// evaluation mode μ and σ² are the running statistics, and nothing changes.
// A new layer is training, with running_mean zeros and running_var ones;
// see SetTraining.
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

	eval atomic.Bool // the zero value is training mode

	mu          sync.Mutex
	runningMean *tensor.Tensor[T]
	runningVar  *tensor.Tensor[T]
	batches     int
}

// NewBatchNorm1d returns a BatchNorm1d over num features, in training mode,
// with Eps 1e-5, Momentum 0.1, Weight ones, Bias zeros, running mean zeros
// and running variance ones (PyTorch's defaults). It panics with a
// *tensor.ShapeError if num is not positive.
func NewBatchNorm1d[T Float](num int) *BatchNorm1d[T] {
	checkPositive("NewBatchNorm1d", "[num]", num)
	return &BatchNorm1d[T]{
		Weight:      autograd.Param(tensor.Ones[T](num)).SetName("weight"),
		Bias:        autograd.Param(tensor.Zeros[T](num)).SetName("bias"),
		Eps:         1e-5,
		Momentum:    0.1,
		runningMean: tensor.Zeros[T](num),
		runningVar:  tensor.Ones[T](num),
	}
}

// Forward normalizes x [N, C] or [N, C, L] and returns a result of x's
// shape. It panics with a *tensor.ShapeError naming the layer and both shapes
// when x is not 2-D or 3-D or does not have C channels, and, in training
// mode, when there is only one value per channel (whose variance is
// undefined), as PyTorch does.
func (b *BatchNorm1d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	xs := x.Shape()
	num := b.runningMean.Len()
	op := layerOp("BatchNorm1d", b.Weight)
	if (len(xs) != 2 && len(xs) != 3) || xs[1] != num {
		shapePanic(op, fmt.Sprintf("input must be [N %d] or [N %d L]", num, num), xs, []int{num})
	}
	// A per-channel [C] tensor broadcasts against [N, C] as it is, and
	// against [N, C, L] as [C, 1].
	perChannel := []int{num}
	axes := []int{0}
	n := xs[0]
	if len(xs) == 3 {
		perChannel, axes, n = []int{num, 1}, []int{0, 2}, xs[0]*xs[2]
	}
	weight, bias := b.Weight, b.Bias
	if len(xs) == 3 {
		if weight != nil {
			weight = autograd.Reshape(weight, perChannel...)
		}
		if bias != nil {
			bias = autograd.Reshape(bias, perChannel...)
		}
	}

	if b.eval.Load() {
		b.mu.Lock()
		mean := b.runningMean.Clone()
		std := tensor.Sqrt(tensor.Add(b.runningVar, tensor.Scalar(b.Eps)))
		b.mu.Unlock()
		y := autograd.Div(
			autograd.Sub(x, autograd.Const(mean.Reshape(perChannel...))),
			autograd.Const(std.Reshape(perChannel...)))
		return affine(y, weight, bias)
	}

	if n <= 1 {
		shapePanic(op, "training needs more than one value per channel", xs, []int{num})
	}
	mean := autograd.MeanKeepDims(x, axes...)
	d := autograd.Sub(x, mean)
	variance := autograd.MeanKeepDims(autograd.Square(d), axes...)
	y := autograd.Div(d, autograd.Sqrt(autograd.Add(variance, autograd.Const(tensor.Scalar(b.Eps)))))

	// The batch statistics have C elements in channel order either way.
	mu, v := mean.Value().Data(), variance.Value().Data()
	bessel := T(float64(n) / float64(n-1))
	b.mu.Lock()
	m := b.Momentum
	rm, rv := b.runningMean.Data(), b.runningVar.Data()
	for c := range rm {
		rm[c] = (1-m)*rm[c] + m*mu[c]
		rv[c] = (1-m)*rv[c] + m*v[c]*bessel
	}
	b.batches++
	b.mu.Unlock()
	return affine(y, weight, bias)
}

// RunningMean returns the running mean [C], the layer's live tensor: read it
// or write it (to load a model) only while no Forward runs in training mode.
func (b *BatchNorm1d[T]) RunningMean() *tensor.Tensor[T] { return b.runningMean }

// RunningVar returns the running (unbiased) variance [C], the layer's live
// tensor, under the same rule as RunningMean.
func (b *BatchNorm1d[T]) RunningVar() *tensor.Tensor[T] { return b.runningVar }

// NumBatchesTracked returns how many training Forward calls have updated the
// running statistics.
func (b *BatchNorm1d[T]) NumBatchesTracked() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.batches
}

// ResetRunningStats sets the running mean to zeros, the running variance to
// ones and the batch count to 0, as for a new layer.
func (b *BatchNorm1d[T]) ResetRunningStats() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.runningMean.Fill(0)
	b.runningVar.Fill(1)
	b.batches = 0
}

// SetTraining switches between training (on) and evaluation mode; it is
// safe to call while other goroutines run Forward.
func (b *BatchNorm1d[T]) SetTraining(on bool) { b.eval.Store(!on) }

// Training reports whether the layer is in training mode.
func (b *BatchNorm1d[T]) Training() bool { return !b.eval.Load() }

// Parameters returns the weight and the bias (those not nil).
func (b *BatchNorm1d[T]) Parameters() []*autograd.Var[T] { return paramsOf(b.NamedParameters()) }

// NamedParameters returns "weight" and "bias" (those not nil).
func (b *BatchNorm1d[T]) NamedParameters() []NamedParam[T] { return weightBias(b.Weight, b.Bias) }

// NamedBuffers returns "running_mean" and "running_var", the live tensors
// (see RunningMean).
func (b *BatchNorm1d[T]) NamedBuffers() []NamedBuffer[T] {
	return []NamedBuffer[T]{{"running_mean", b.runningMean}, {"running_var", b.runningVar}}
}
