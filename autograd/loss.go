package autograd

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the loss functions. Each takes an optional Reduction
// (ReduceMean when none is given, as in PyTorch). The elementwise losses
// (MSE, L1, Huber, BCE, BCEWithLogits) require prediction and target of the
// same shape: silently broadcasting an [n 1] prediction against an [n]
// target is a classic bug, so they panic instead. CrossEntropy and NLL take
// integer class labels.

// Reduction says how a loss combines its per-element (or per-sample) values.
type Reduction int

const (
	// ReduceMean averages the losses: over all elements for the elementwise
	// losses, over the batch for CrossEntropy and NLL. It is the zero value
	// and the default, as in PyTorch.
	ReduceMean Reduction = iota
	// ReduceSum adds the losses up.
	ReduceSum
	// ReduceNone returns the losses unreduced: one per element (of the
	// prediction's shape) for the elementwise losses, one per sample ([N],
	// or 0-d for a single [C] sample) for CrossEntropy and NLL.
	ReduceNone
)

// String returns the constant's name, for example "ReduceSum".
func (r Reduction) String() string {
	switch r {
	case ReduceMean:
		return "ReduceMean"
	case ReduceSum:
		return "ReduceSum"
	case ReduceNone:
		return "ReduceNone"
	}
	return "Reduction(" + strconv.Itoa(int(r)) + ")"
}

// MSE returns the squared error (pred - target)², averaged by default (the
// mean squared error, PyTorch's default), summed with ReduceSum, or
// per-element with ReduceNone. It is built from Sub, Square and Mean (or
// Sum), whose derivatives give, for the mean over n elements,
//
//	d/dpred = 2(pred - target)/n,  d/dtarget = -2(pred - target)/n
//
// It panics with a *tensor.ShapeError when the shapes differ or more than one
// reduction is given.
func MSE[T Float](pred, target *Var[T], reduction ...Reduction) *Var[T] {
	const op = "MSE"
	redCheckPair(op, "prediction", pred, target)
	r := redReduction(op, reduction)
	return redReduce(Square(Sub(pred, target)), r)
}

// L1 returns the absolute error |pred - target|, averaged by default, summed
// with ReduceSum, or per-element with ReduceNone. It is built as
// d ∘ sign(d), d = pred - target, with sign(d) a constant, so
//
//	d/dpred = g ∘ sign(pred - target),  d/dtarget = -g ∘ sign(pred - target)
//
// with the subgradient 0 where pred = target (sign(0) = 0, as in PyTorch).
// It panics like MSE.
func L1[T Float](pred, target *Var[T], reduction ...Reduction) *Var[T] {
	const op = "L1"
	redCheckPair(op, "prediction", pred, target)
	r := redReduction(op, reduction)
	d := Sub(pred, target)
	return redReduce(Mul(d, Const(tensor.Map(d.value, redSign[T]))), r)
}

// Huber returns PyTorch's HuberLoss of d = pred - target elementwise,
//
//	½ d²                 where |d| < delta
//	delta (|d| - ½ delta) elsewhere
//
// averaged by default, summed with ReduceSum, or per-element with
// ReduceNone: quadratic near 0, linear (robust to outliers) beyond delta.
//
//	d/dpred = g ∘ clamp(d, -delta, delta),  d/dtarget = -d/dpred
//
// The loss is smooth at |d| = delta; its second derivative, 1 inside and 0
// outside, takes the value 1 there. delta must be positive: it panics with a
// *tensor.ShapeError otherwise, and like MSE.
func Huber[T Float](pred, target *Var[T], delta T, reduction ...Reduction) *Var[T] {
	const op = "Huber"
	redCheckPair(op, "prediction", pred, target)
	r := redReduction(op, reduction)
	if !(delta > 0) {
		panic(shapeErr(op, fmt.Sprintf("delta must be positive, got %v", delta)))
	}
	value := tensor.Zip(pred.value, target.value, func(p, t T) T {
		z := math.Abs(float64(p - t))
		if z < float64(delta) {
			return T(0.5 * z * z)
		}
		return T(float64(delta) * (z - 0.5*float64(delta)))
	})
	l := record(op, value, func(c *Context[T], g *Var[T]) []*Var[T] {
		d := Sub(c.Input(0), c.Input(1))
		// clamp(d, ±delta) is d where |d| ≤ delta and the constant
		// delta·sign(d) elsewhere, selected with Where so that it is
		// differentiable in d and an infinite d (from ±Inf operands, or
		// from finite ones whose difference overflows) gives ±delta, not
		// Inf·0 = NaN. A NaN d stays NaN.
		inside := make([]bool, d.value.Len())
		for i, v := range d.value.Data() {
			inside[i] = math.Abs(float64(v)) <= float64(delta)
		}
		outside := tensor.Map(d.value, func(v T) T { return delta * redSign(v) })
		gp := Mul(g, Where(inside, d, Const(outside)))
		var gt *Var[T]
		if c.NeedsGrad(1) {
			gt = Neg(gp)
		}
		return []*Var[T]{gp, gt}
	}, pred, target)
	return redReduce(l, r)
}

// redBCEEps is PyTorch's lower bound on p(1 - p) in BCE's derivative.
const redBCEEps = 1e-12

// BCE returns the binary cross-entropy of probabilities prob against
// targets in [0, 1], elementwise
//
//	-(t·log(p) + (1 - t)·log(1 - p))
//
// averaged by default, summed with ReduceSum, or per-element with
// ReduceNone. As in PyTorch, each log is clamped to ≥ -100, so that p = 0 or
// p = 1 gives a finite loss (at most 100 per element) instead of Inf;
// probabilities outside [0, 1] give NaN. For probabilities that come from a
// sigmoid, BCEWithLogits is more accurate. The derivatives are PyTorch's:
//
//	d/dprob   = g ∘ (p - t) / max(p(1 - p), 1e-12)
//	d/dtarget = g ∘ (log(1 - p) - log(p))
//
// (the first is finite at p = 0 and 1; the second, like PyTorch's, is not
// clamped and is infinite there). It panics like MSE.
func BCE[T Float](prob, target *Var[T], reduction ...Reduction) *Var[T] {
	const op = "BCE"
	redCheckPair(op, "probability", prob, target)
	r := redReduction(op, reduction)
	value := tensor.Zip(prob.value, target.value, func(p, t T) T {
		lp := max(math.Log(float64(p)), -100)
		lq := max(math.Log1p(-float64(p)), -100)
		return T((float64(t)-1)*lq - float64(t)*lp)
	})
	l := record(op, value, func(c *Context[T], g *Var[T]) []*Var[T] {
		p, t := c.Input(0), c.Input(1)
		one := Scalar(T(1))
		var gp, gt *Var[T]
		if c.NeedsGrad(0) {
			gp = Div(Mul(g, Sub(p, t)), redClampBelow(Mul(p, Sub(one, p)), T(redBCEEps)))
		}
		if c.NeedsGrad(1) {
			gt = Mul(g, Sub(Log(Sub(one, p)), Log(p)))
		}
		return []*Var[T]{gp, gt}
	}, prob, target)
	return redReduce(l, r)
}

// BCEWithLogits returns the binary cross-entropy of sigmoid(x) against
// targets t, for logits x, elementwise, computed stably as
//
//	max(x, 0) - x·t + log(1 + exp(-|x|))
//
// which never overflows and is exact for large |x| (0 for x = 1000, t = 1;
// 1000 for x = -1000, t = 1), where BCE(Sigmoid(x), t) would saturate. An
// infinite logit gives the loss's limit: +Inf when it is confidently wrong
// (x = +Inf with t < 1, x = -Inf with t > 0) and 0 when it is confidently
// right (x = +Inf with t = 1, x = -Inf with t = 0), where PyTorch gives NaN
// for some of these. It is averaged by default, summed with ReduceSum, or
// per-element with ReduceNone.
//
//	d/dx = g ∘ (σ(x) - t),  d/dt = -g ∘ x
//
// It panics like MSE.
func BCEWithLogits[T Float](logits, target *Var[T], reduction ...Reduction) *Var[T] {
	const op = "BCEWithLogits"
	redCheckPair(op, "logits", logits, target)
	r := redReduction(op, reduction)
	value := tensor.Zip(logits.value, target.value, func(x, t T) T {
		// max(x, 0) - x·t is (1 - t)·x for x > 0 and -t·x otherwise; a
		// factor that is exactly 0 contributes 0 even when x is infinite.
		xf, tf := float64(x), float64(t)
		var l float64
		switch {
		case xf > 0 && tf != 1:
			l = (1 - tf) * xf
		case xf <= 0 && tf != 0:
			l = -tf * xf
		}
		return T(l + math.Log1p(math.Exp(-math.Abs(xf))))
	})
	l := record(op, value, func(c *Context[T], g *Var[T]) []*Var[T] {
		x, t := c.Input(0), c.Input(1)
		var gx, gt *Var[T]
		if c.NeedsGrad(0) {
			gx = Mul(g, Sub(Sigmoid(x), t))
		}
		if c.NeedsGrad(1) {
			gt = Neg(Mul(g, x))
		}
		return []*Var[T]{gx, gt}
	}, logits, target)
	return redReduce(l, r)
}

// CrossEntropy returns the cross-entropy of logits against integer class
// labels: for sample n, -log Softmax(logits[n])[labels[n]]. logits is [N C]
// (a batch of N samples over C classes, with one label per sample) or [C]
// (one sample, one label). With ReduceMean (the default) the losses are
// averaged over the batch, with ReduceSum summed, and ReduceNone returns
// them per sample ([N], or 0-d for a [C] input). It is NLL(LogSoftmax(logits,
// -1), labels), so it is finite for logits of any size, and
//
//	d/dlogits[n] = g_n ∘ (Softmax(logits[n]) - onehot(labels[n]))
//
// (divided by N for the mean). It panics with a *tensor.ShapeError when
// logits is not [N C] or [C], when the number of labels differs from N, or
// when a label is outside [0, C) (naming its index and value).
//
// It is one fused operation: the forward pass computes the softmax and the
// losses in one sweep (tensor.SoftmaxCrossEntropy) and keeps the softmax, so
// the backward pass is a single subtraction and scaling.
func CrossEntropy[T Float](logits *Var[T], labels []int, reduction ...Reduction) *Var[T] {
	const op = "CrossEntropy"
	r := redReduction(op, reduction)
	x := logits.value
	if !ceLabelsOK(x, labels) {
		redCheckLabels(op, "logits", x.Shape(), labels)
	}
	ar := arenaOf(logits)
	probs := ar.like(x)
	n := len(labels)
	var losses, out *tensor.Tensor[T]
	switch {
	case r == ReduceNone && x.Dims() == 1:
		out = ar.tensor()
		losses = out
	case r == ReduceNone:
		out = ar.tensor(n)
		losses = out
	default:
		losses, out = ar.tensor(n), ar.tensor()
	}
	tensor.SoftmaxCrossEntropy(probs, x, labels, losses.Data())
	if r != ReduceNone {
		tensor.SumToInto(out, losses, 1, 0) // the bits of tensor.Sum and Mean
		if r == ReduceMean {
			out.Data()[0] /= T(n)
		}
	}
	v := recordOp(op, out, crossEntropyOp[T]{}, logits)
	if v.node != nil {
		v.node.ints = ar.ints(labels)
		v.node.flags = int(r)
		v.node.saved = probs
	}
	return v
}

// ceLabelsOK is the quick, allocation-free form of redCheckLabels for the
// usual [N C] batch: true when the shapes fit and every label is in range.
func ceLabelsOK[T Float](x *tensor.Tensor[T], labels []int) bool {
	if x.Dims() != 2 || x.Dim(0) != len(labels) {
		return false
	}
	for _, y := range labels {
		if y < 0 || y >= x.Dim(1) {
			return false
		}
	}
	return true
}

type crossEntropyOp[T Float] struct{}

// backward is g_n ∘ (Softmax(logits[n]) − onehot(labels[n])), with g_n = g/N
// for the mean, written with differentiable operations.
func (crossEntropyOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	x, labels := c.Input(0), c.n.ints
	oneHot := tensor.Zeros[T](x.value.Shape()...)
	classes := x.value.Dim(-1)
	for n, y := range labels {
		oneHot.Data()[n*classes+y] = 1
	}
	coef := g
	switch Reduction(c.n.flags) {
	case ReduceMean:
		coef = Scale(g, 1/T(len(labels)))
	case ReduceNone:
		if x.value.Dims() == 2 {
			coef = Reshape(g, len(labels), 1)
		}
	}
	return []*Var[T]{Mul(coef, Sub(Softmax(x, -1), Const(oneHot)))}
}

// vjp is backward's arithmetic on the saved softmax, in one sweep.
func (crossEntropyOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	labels, p := c.n.ints, c.n.saved.Data()
	dst, beta := c.gradBuf(0)
	if len(labels) == 0 {
		return // an empty batch: the gradient is empty too
	}
	d := dst.Data()[:len(p)]
	classes := len(p) / len(labels)
	r, gs := Reduction(c.n.flags), g.Data()
	for n, y := range labels {
		var coef T
		switch r {
		case ReduceMean:
			coef = 1 / T(len(labels)) * gs[0]
		case ReduceSum:
			coef = gs[0]
		default:
			coef = gs[n]
		}
		row, out := p[n*classes:(n+1)*classes], d[n*classes:(n+1)*classes]
		for k, pk := range row {
			var oh T
			if k == y {
				oh = 1
			}
			if beta == 0 {
				out[k] = coef * (pk - oh)
			} else {
				out[k] += T(coef * (pk - oh))
			}
		}
	}
}

// NLL returns the negative log-likelihood of integer class labels under
// log-probabilities (for example the output of LogSoftmax): for sample n,
// -logProbs[n][labels[n]]. Shapes, labels and reductions are those of
// CrossEntropy.
//
//	d/dlogProbs[n] = -g_n at labels[n], 0 elsewhere
//
// NLL is linear, so its second derivative is 0. It panics like
// CrossEntropy.
func NLL[T Float](logProbs *Var[T], labels []int, reduction ...Reduction) *Var[T] {
	const op = "NLL"
	r := redReduction(op, reduction)
	redCheckLabels(op, "log-probabilities", logProbs.value.Shape(), labels)
	return redReduce(redNLL(logProbs, labels), r)
}

// redNLL picks -lp[n, labels[n]] for every sample of a validated [N C] or
// [C] input, recording the op "NLL". Its backward scatters -g into a zero
// tensor of lp's shape, so -Inf log-probabilities of other classes never
// meet a 0 (no Inf·0 = NaN).
func redNLL[T Float](lp *Var[T], labels []int) *Var[T] {
	shape := lp.value.Shape()
	classes := shape[len(shape)-1]
	data := lp.value.Data()
	vals := make([]T, len(labels))
	for n, y := range labels {
		vals[n] = -data[n*classes+y]
	}
	outShape := []int{len(labels)}
	if len(shape) == 1 {
		outShape = []int{}
	}
	labels = slices.Clone(labels)
	return record("NLL", tensor.MustNew(vals, outShape...), func(c *Context[T], g *Var[T]) []*Var[T] {
		oneHot := tensor.Zeros[T](shape...)
		d := oneHot.Data()
		for n, y := range labels {
			d[n*classes+y] = -1
		}
		if len(shape) == 2 {
			g = Reshape(g, len(labels), 1)
		}
		return []*Var[T]{Mul(g, Const(oneHot))}
	}, lp)
}

// redCheckLabels validates an [N C] or [C] input and its class labels.
func redCheckLabels(op, what string, shape []int, labels []int) {
	switch len(shape) {
	case 1:
		if len(labels) != 1 {
			panic(shapeErr(op, fmt.Sprintf("%d labels for one sample (%s of shape [C]), want 1", len(labels), what), shape))
		}
	case 2:
		if len(labels) != shape[0] {
			panic(shapeErr(op, fmt.Sprintf("%d labels for a batch of %d", len(labels), shape[0]), shape))
		}
	default:
		panic(shapeErr(op, what+" must be [N C] or [C]", shape))
	}
	classes := shape[len(shape)-1]
	for i, y := range labels {
		if y < 0 || y >= classes {
			panic(shapeErr(op, fmt.Sprintf("labels[%d] = %d is out of range for C = %d classes", i, y, classes), shape))
		}
	}
}

// redCheckPair panics when an elementwise loss's operands differ in shape.
func redCheckPair[T Float](op, what string, pred, target *Var[T]) {
	if !pred.value.SameShapeAs(target.value) {
		panic(shapeErr(op, what+" and target shapes differ", pred.value.Shape(), target.value.Shape()))
	}
}

// redReduction returns the reduction a loss was called with (ReduceMean
// when none), panicking when more than one or an unknown one is given.
func redReduction(op string, r []Reduction) Reduction {
	switch {
	case len(r) == 0:
		return ReduceMean
	case len(r) > 1:
		panic(shapeErr(op, fmt.Sprintf("%d reduction arguments %v, want at most one", len(r), r)))
	case r[0] < ReduceMean || r[0] > ReduceNone:
		panic(shapeErr(op, "unknown reduction "+r[0].String()))
	}
	return r[0]
}

// redReduce applies a validated reduction to per-element losses.
func redReduce[T Float](l *Var[T], r Reduction) *Var[T] {
	switch r {
	case ReduceSum:
		return Sum(l)
	case ReduceNone:
		return l
	}
	return Mean(l)
}

// redSign returns 1, -1 or 0 (NaN for NaN): the subgradient of |v| that
// picks 0 at 0.
func redSign[T Float](v T) T {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return v
}

// redClampBelow returns max(x, lo) as a differentiable expression: x where
// x ≥ lo (or NaN, which it keeps), the constant lo elsewhere.
func redClampBelow[T Float](x *Var[T], lo T) *Var[T] {
	keep := tensor.Map(x.value, func(v T) T {
		if v < lo {
			return 0
		}
		return 1
	})
	fill := tensor.Map(keep, func(k T) T { return (1 - k) * lo })
	return Add(Mul(x, Const(keep)), Const(fill))
}
