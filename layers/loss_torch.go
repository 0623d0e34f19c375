package layers

import (
	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds PyTorch's loss modules beyond MSELoss, with its names and
// options. Each is a value without parameters whose Loss method calls the
// autograd function of the same loss (whose documentation gives the
// formula, the derivative and PyTorch's conventions). Where PyTorch's
// default differs from Go's zero value (a margin of 1, a beta of 1), a
// New function returns the module with PyTorch's defaults.

// CrossEntropyLoss is PyTorch's nn.CrossEntropyLoss: the cross-entropy of
// logits [N C] (or [C], or [N C d1 … dk] as autograd.CrossEntropy takes)
// against class labels (Loss) or class probabilities (LossSoft), with
// optional class weights, an ignored label and label smoothing. The zero value is PyTorch's default except that no label is
// ignored unless IgnoreIndex is set (new(-100) gives PyTorch's).
type CrossEntropyLoss[T Float] struct {
	Weight         *tensor.Tensor[T] // [C] class weights, or nil
	IgnoreIndex    *int              // a label whose samples count for nothing, or nil
	LabelSmoothing T                 // in [0, 1]
	Reduction      Reduction
}

func (l CrossEntropyLoss[T]) options() autograd.CrossEntropyOptions[T] {
	return autograd.CrossEntropyOptions[T]{Weight: l.Weight, IgnoreIndex: l.IgnoreIndex, LabelSmoothing: l.LabelSmoothing, Reduction: l.Reduction}
}

// Loss returns autograd.CrossEntropyWith of logits and labels.
func (l CrossEntropyLoss[T]) Loss(logits *autograd.Var[T], labels []int) *autograd.Var[T] {
	return autograd.CrossEntropyWith(logits, labels, l.options())
}

// LossSoft returns autograd.CrossEntropySoft of logits and probability
// targets of the same shape (IgnoreIndex must be nil).
func (l CrossEntropyLoss[T]) LossSoft(logits, probs *autograd.Var[T]) *autograd.Var[T] {
	return autograd.CrossEntropySoft(logits, probs, l.options())
}

// NLLLoss is PyTorch's nn.NLLLoss: the negative log-likelihood of class
// labels under log-probabilities [N C] (or [C], or [N C d1 … dk]), with
// optional class weights and an ignored label (nil: none).
type NLLLoss[T Float] struct {
	Weight      *tensor.Tensor[T]
	IgnoreIndex *int
	Reduction   Reduction
}

// Loss returns autograd.NLLWith of logProbs and labels.
func (l NLLLoss[T]) Loss(logProbs *autograd.Var[T], labels []int) *autograd.Var[T] {
	return autograd.NLLWith(logProbs, labels, autograd.NLLOptions[T]{Weight: l.Weight, IgnoreIndex: l.IgnoreIndex, Reduction: l.Reduction})
}

// BCEWithLogitsLoss is PyTorch's nn.BCEWithLogitsLoss: binary cross-entropy
// of logits against targets of the same shape, with an optional weight per
// element and PosWeight, the weight of the positive class (a [C] tensor
// broadcast over the last axis, for example #negatives/#positives).
type BCEWithLogitsLoss[T Float] struct {
	Weight    *tensor.Tensor[T]
	PosWeight *tensor.Tensor[T]
	Reduction Reduction
}

// Loss returns autograd.BCEWithLogitsWith of logits and target.
func (l BCEWithLogitsLoss[T]) Loss(logits, target *autograd.Var[T]) *autograd.Var[T] {
	return autograd.BCEWithLogitsWith(logits, target, autograd.BCEWithLogitsOptions[T]{Weight: l.Weight, PosWeight: l.PosWeight, Reduction: l.Reduction})
}

// KLDivLoss is PyTorch's nn.KLDivLoss: the Kullback-Leibler divergence of
// a target distribution from input log-probabilities. Reduction BatchMean
// gives the divergence averaged over the batch; Mean (the default, as in
// PyTorch) averages over every element.
type KLDivLoss[T Float] struct {
	Reduction Reduction
	LogTarget bool // the target is given as log-probabilities
}

// Loss returns autograd.KLDiv of input and target.
func (l KLDivLoss[T]) Loss(input, target *autograd.Var[T]) *autograd.Var[T] {
	return autograd.KLDiv(input, target, l.LogTarget, l.Reduction)
}

// SmoothL1Loss is PyTorch's nn.SmoothL1Loss: quadratic below Beta, linear
// above (L1 for Beta 0, the zero value). NewSmoothL1Loss gives PyTorch's
// default Beta of 1.
type SmoothL1Loss[T Float] struct {
	Beta      T
	Reduction Reduction
}

// NewSmoothL1Loss returns SmoothL1Loss with PyTorch's default, Beta 1.
func NewSmoothL1Loss[T Float]() SmoothL1Loss[T] { return SmoothL1Loss[T]{Beta: 1} }

// Loss returns autograd.SmoothL1 of pred and target.
func (l SmoothL1Loss[T]) Loss(pred, target *autograd.Var[T]) *autograd.Var[T] {
	return autograd.SmoothL1(pred, target, l.Beta, l.Reduction)
}

// MarginRankingLoss is PyTorch's nn.MarginRankingLoss: max(0, -y·(x1 -
// x2) + Margin) elementwise, y = 1 when x1 should rank higher and -1 when
// x2 should. PyTorch's default margin is 0, the zero value.
type MarginRankingLoss[T Float] struct {
	Margin    T
	Reduction Reduction
}

// Loss returns autograd.MarginRanking of x1, x2 and y.
func (l MarginRankingLoss[T]) Loss(x1, x2, y *autograd.Var[T]) *autograd.Var[T] {
	return autograd.MarginRanking(x1, x2, y, l.Margin, l.Reduction)
}

// CosineEmbeddingLoss is PyTorch's nn.CosineEmbeddingLoss: for rows of a
// and b with labels y (1: similar, -1: dissimilar), 1 - cos or max(0, cos -
// Margin). PyTorch's default margin is 0, the zero value.
type CosineEmbeddingLoss[T Float] struct {
	Margin    T
	Reduction Reduction
}

// Loss returns autograd.CosineEmbedding of a, b and y.
func (l CosineEmbeddingLoss[T]) Loss(a, b *autograd.Var[T], y []int) *autograd.Var[T] {
	return autograd.CosineEmbedding(a, b, y, l.Margin, l.Reduction)
}

// TripletMarginLoss is PyTorch's nn.TripletMarginLoss: max(d(anchor,
// positive) - d(anchor, negative) + Margin, 0) per row, d the P-norm
// distance with Eps added to the difference, Swap using the distance swap.
// NewTripletMarginLoss gives PyTorch's defaults (margin 1, p 2, eps 1e-6).
type TripletMarginLoss[T Float] struct {
	Margin, P, Eps T
	Swap           bool
	Reduction      Reduction
}

// NewTripletMarginLoss returns TripletMarginLoss with PyTorch's defaults:
// Margin 1, P 2, Eps 1e-6, no swap, the mean.
func NewTripletMarginLoss[T Float]() TripletMarginLoss[T] {
	return TripletMarginLoss[T]{Margin: 1, P: 2, Eps: 1e-6}
}

// Loss returns autograd.TripletMargin of the three embeddings.
func (l TripletMarginLoss[T]) Loss(anchor, positive, negative *autograd.Var[T]) *autograd.Var[T] {
	return autograd.TripletMargin(anchor, positive, negative, l.Margin, l.P, l.Eps, l.Swap, l.Reduction)
}

// CosineSimilarity is PyTorch's nn.CosineSimilarity: the cosine similarity
// of two inputs along Dim (which is removed), each vector divided by
// max(its norm, Eps). It takes two inputs, so it is not a Module.
// NewCosineSimilarity gives PyTorch's defaults (Dim 1, Eps 1e-8).
type CosineSimilarity[T Float] struct {
	Dim int
	Eps T
}

// NewCosineSimilarity returns CosineSimilarity with PyTorch's defaults:
// Dim 1, Eps 1e-8.
func NewCosineSimilarity[T Float]() CosineSimilarity[T] {
	return CosineSimilarity[T]{Dim: 1, Eps: 1e-8}
}

// Forward returns autograd.CosineSimilarity of x1 and x2.
func (c CosineSimilarity[T]) Forward(x1, x2 *autograd.Var[T]) *autograd.Var[T] {
	return autograd.CosineSimilarity(x1, x2, c.Dim, c.Eps)
}
