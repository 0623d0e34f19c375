package layers

import (
	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds PyTorch's likelihood and margin loss modules that
// loss_torch.go does not: PoissonNLLLoss, GaussianNLLLoss, SoftMarginLoss,
// HingeEmbeddingLoss, MultiLabelSoftMarginLoss and MultiMarginLoss, each a
// value without parameters calling the autograd function of its name.

// PoissonNLLLoss is PyTorch's nn.PoissonNLLLoss: the negative
// log-likelihood of counts under a predicted Poisson rate, given as its
// log (the default) or, with RateInput, itself (torch's log_input=False),
// Full adding Stirling's term for log(target!). The zero value is
// PyTorch's default but for Eps, which only RateInput uses;
// NewPoissonNLLLoss sets it to torch's 1e-8.
type PoissonNLLLoss[T Float] struct {
	RateInput, Full bool
	Eps             T // added to the rate inside the log with RateInput
	Reduction       Reduction
}

// NewPoissonNLLLoss returns PoissonNLLLoss with PyTorch's defaults: the
// input is the log of the rate, no Stirling term, Eps 1e-8, the mean.
func NewPoissonNLLLoss[T Float]() PoissonNLLLoss[T] { return PoissonNLLLoss[T]{Eps: 1e-8} }

// Loss returns autograd.PoissonNLL of input and target.
func (l PoissonNLLLoss[T]) Loss(input, target *autograd.Var[T]) *autograd.Var[T] {
	return autograd.PoissonNLL(input, target, !l.RateInput, l.Full, l.Eps, l.Reduction)
}

// GaussianNLLLoss is PyTorch's nn.GaussianNLLLoss: the negative
// log-likelihood of targets under a predicted mean and variance, the
// variance clamped below at Eps (0, the zero value: not clamped).
// NewGaussianNLLLoss gives PyTorch's defaults (Eps 1e-6).
type GaussianNLLLoss[T Float] struct {
	Full      bool // add the constant ½·log 2π
	Eps       T
	Reduction Reduction
}

// NewGaussianNLLLoss returns GaussianNLLLoss with PyTorch's defaults: no
// constant term, Eps 1e-6, the mean.
func NewGaussianNLLLoss[T Float]() GaussianNLLLoss[T] { return GaussianNLLLoss[T]{Eps: 1e-6} }

// Loss returns autograd.GaussianNLL of the predicted mean input, target
// and the predicted variance, in PyTorch's order.
func (l GaussianNLLLoss[T]) Loss(input, target, variance *autograd.Var[T]) *autograd.Var[T] {
	return autograd.GaussianNLL(input, target, variance, l.Full, l.Eps, l.Reduction)
}

// SoftMarginLoss is PyTorch's nn.SoftMarginLoss: log(1 + exp(-y·x))
// elementwise, for targets y of ±1.
type SoftMarginLoss[T Float] struct{ Reduction Reduction }

// Loss returns autograd.SoftMargin of x and y.
func (l SoftMarginLoss[T]) Loss(x, y *autograd.Var[T]) *autograd.Var[T] {
	return autograd.SoftMargin(x, y, l.Reduction)
}

// HingeEmbeddingLoss is PyTorch's nn.HingeEmbeddingLoss: x where y = 1 and
// max(0, Margin - x) where y = -1, for x typically a distance.
// NewHingeEmbeddingLoss gives PyTorch's default margin, 1.
type HingeEmbeddingLoss[T Float] struct {
	Margin    T
	Reduction Reduction
}

// NewHingeEmbeddingLoss returns HingeEmbeddingLoss with PyTorch's
// defaults: Margin 1, the mean.
func NewHingeEmbeddingLoss[T Float]() HingeEmbeddingLoss[T] { return HingeEmbeddingLoss[T]{Margin: 1} }

// Loss returns autograd.HingeEmbedding of x and the labels y.
func (l HingeEmbeddingLoss[T]) Loss(x, y *autograd.Var[T]) *autograd.Var[T] {
	return autograd.HingeEmbedding(x, y, l.Margin, l.Reduction)
}

// MultiLabelSoftMarginLoss is PyTorch's nn.MultiLabelSoftMarginLoss: for
// logits [N C] and targets in [0, 1] of the same shape, each sample's
// mean over its classes of the binary cross-entropy with logits, with an
// optional weight per class (nil: none).
type MultiLabelSoftMarginLoss[T Float] struct {
	Weight    *tensor.Tensor[T] // [C], or nil
	Reduction Reduction
}

// Loss returns autograd.MultiLabelSoftMargin of x and y.
func (l MultiLabelSoftMarginLoss[T]) Loss(x, y *autograd.Var[T]) *autograd.Var[T] {
	return autograd.MultiLabelSoftMargin(x, y, l.Weight, l.Reduction)
}

// MultiMarginLoss is PyTorch's nn.MultiMarginLoss: the multi-class hinge
// loss of scores [N C] and one label per sample, each other class's
// max(0, Margin - x_y + x_i) to the power P (1 or 2; 0 means 1), weighted
// by the label's class Weight (nil: none). NewMultiMarginLoss gives
// PyTorch's defaults (P 1, Margin 1).
type MultiMarginLoss[T Float] struct {
	P         int
	Margin    T
	Weight    *tensor.Tensor[T] // [C], or nil
	Reduction Reduction
}

// NewMultiMarginLoss returns MultiMarginLoss with PyTorch's defaults: P 1,
// Margin 1, no weight, the mean.
func NewMultiMarginLoss[T Float]() MultiMarginLoss[T] { return MultiMarginLoss[T]{P: 1, Margin: 1} }

// Loss returns autograd.MultiMargin of the scores x and labels.
func (l MultiMarginLoss[T]) Loss(x *autograd.Var[T], labels []int) *autograd.Var[T] {
	p := l.P
	if p == 0 {
		p = 1
	}
	return autograd.MultiMargin(x, labels, p, l.Margin, l.Weight, l.Reduction)
}
