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
	// ReduceBatchMean divides the sum by the size of the first axis (the
	// batch): KLDiv's "batchmean", the only loss that takes it.
	ReduceBatchMean
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
	case ReduceBatchMean:
		return "ReduceBatchMean"
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
	checkOperands2("MSE", pred, target)
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
	checkOperands2("L1", pred, target)
	const op = "L1"
	redCheckPair(op, "prediction", pred, target)
	r := redReduction(op, reduction)
	d := Sub(pred, target)
	ar := arenaOf(pred, target)
	sign := ar.like(d.value)
	sd := sign.Data()
	for i, v := range d.value.Data() {
		sd[i] = redSign(v)
	}
	return redReduce(Mul(d, arenaConst(ar, sign)), r)
}

// arenaConst returns a constant leaf holding t, of ar when it is not nil
// (so that it allocates nothing in a steady step).
func arenaConst[T Float](ar *Arena[T], t *tensor.Tensor[T]) *Var[T] {
	if ar == nil {
		return Const(t)
	}
	return ar.Const(t)
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
	checkOperands2("Huber", pred, target)
	const op = "Huber"
	redCheckPair(op, "prediction", pred, target)
	r := redReduction(op, reduction)
	if !(delta > 0) {
		panic(shapeErr(op, fmt.Sprintf("delta must be positive, got %v", delta)))
	}
	ar := arenaOf(pred, target)
	value := ar.like(pred.value)
	vd, td := value.Data(), target.value.Data()
	for i, p := range pred.value.Data() {
		z := math.Abs(float64(p - td[i]))
		if z < float64(delta) {
			vd[i] = T(0.5 * z * z)
		} else {
			vd[i] = T(float64(delta) * (z - 0.5*float64(delta)))
		}
	}
	var d derivative[T]
	if needsGrad(pred, target) {
		s := newState[huberOp[T]](ar)
		s.delta = delta
		d = s
	}
	return redReduce(recordOp(op, value, d, pred, target), r)
}

// huberOp is Huber's state: delta.
type huberOp[T Float] struct{ delta T }

func (*huberOp[T]) slot() stateSlot { return slotLoss }

func (s *huberOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	delta := s.delta
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
	gp := Mul(g, whereFlags(inside, d, Const(outside)))
	var gt *Var[T]
	if c.NeedsGrad(1) {
		gt = Neg(gp)
	}
	return []*Var[T]{gp, gt}
}

// vjp is backward's arithmetic element by element: g ∘ clamp(d, ±delta)
// for the prediction, its negation for the target.
func (s *huberOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	p, t, gs := c.node().inputs[0].value.Data(), c.node().inputs[1].value.Data(), g.Data()
	delta := s.delta
	grad := func(i int) T {
		d := p[i] - t[i]
		w := d
		if !(math.Abs(float64(d)) <= float64(delta)) {
			w = delta * redSign(d)
		}
		return T(gs[i] * w) // T(): no fused multiply-add where it is added
	}
	lossGrads(c, len(gs), grad)
}

// lossGrads writes (or adds) the gradients of an elementwise loss whose
// prediction gradient at element i is grad(i) and whose target gradient is
// its negation (Neg of it, in the recorded derivative).
func lossGrads[T Float](c *Context[T], n int, grad func(i int) T) {
	if c.NeedsGrad(0) {
		dst, beta := c.gradBuf(0)
		d := dst.Data()[:n]
		for i := range d {
			if beta == 0 {
				d[i] = grad(i)
			} else {
				d[i] += grad(i)
			}
		}
	}
	if c.NeedsGrad(1) {
		dst, beta := c.gradBuf(1)
		d := dst.Data()[:n]
		for i := range d {
			if beta == 0 {
				d[i] = -grad(i)
			} else {
				d[i] += -grad(i)
			}
		}
	}
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
	checkOperands2("BCE", prob, target)
	const op = "BCE"
	redCheckPair(op, "probability", prob, target)
	r := redReduction(op, reduction)
	ar := arenaOf(prob, target)
	value := ar.like(prob.value)
	vd, td := value.Data(), target.value.Data()
	for i, p := range prob.value.Data() {
		lp := max(math.Log(float64(p)), -100)
		lq := max(math.Log1p(-float64(p)), -100)
		vd[i] = T((float64(td[i])-1)*lq - float64(td[i])*lp)
	}
	var d derivative[T]
	if needsGrad(prob, target) {
		d = newState[bceOp[T]](ar)
	}
	return redReduce(recordOp(op, value, d, prob, target), r)
}

// bceOp is BCE's derivative (a state without fields, for its slot).
type bceOp[T Float] struct{}

func (*bceOp[T]) slot() stateSlot { return slotLoss }

func (*bceOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
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
}

// vjp is backward's arithmetic element by element; the logarithms of the
// target's gradient run the Log op's kernel on arena scratches.
func (*bceOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	pv := c.node().inputs[0].value
	p, t, gs := pv.Data(), c.node().inputs[1].value.Data(), g.Data()
	if c.NeedsGrad(0) {
		dst, beta := c.gradBuf(0)
		d := dst.Data()
		lo := T(redBCEEps)
		for i := range d {
			x := p[i] * (1 - p[i])
			if x < lo {
				x = lo // max(x, lo), a select as in the jvp and PyTorch
			}
			v := T(T(gs[i]*(p[i]-t[i])) / x)
			if beta == 0 {
				d[i] = v
			} else {
				d[i] += v
			}
		}
	}
	if c.NeedsGrad(1) {
		lq, lp := c.p.arena.like(pv), c.p.arena.like(pv)
		q := lq.Data()
		for i, v := range p {
			q[i] = 1 - v
		}
		tensor.LogInto(lq, lq)
		tensor.LogInto(lp, pv)
		dst, beta := c.gradBuf(1)
		d, lpd := dst.Data(), lp.Data()
		for i := range d {
			v := T(gs[i] * (q[i] - lpd[i]))
			if beta == 0 {
				d[i] = v
			} else {
				d[i] += v
			}
		}
	}
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
	checkOperands2("BCEWithLogits", logits, target)
	const op = "BCEWithLogits"
	redCheckPair(op, "logits", logits, target)
	r := redReduction(op, reduction)
	ar := arenaOf(logits, target)
	value := ar.like(logits.value)
	vd, td := value.Data(), target.value.Data()
	for i, x := range logits.value.Data() {
		// max(x, 0) - x·t is (1 - t)·x for x > 0 and -t·x otherwise; a
		// factor that is exactly 0 contributes 0 even when x is infinite.
		xf, tf := float64(x), float64(td[i])
		var l float64
		switch {
		case xf > 0 && tf != 1:
			l = (1 - tf) * xf
		case xf <= 0 && tf != 0:
			l = -tf * xf
		}
		vd[i] = T(l + math.Log1p(math.Exp(-math.Abs(xf))))
	}
	var d derivative[T]
	if needsGrad(logits, target) {
		d = newState[bceLogitsOp[T]](ar)
	}
	return redReduce(recordOp(op, value, d, logits, target), r)
}

// bceLogitsOp is BCEWithLogits's derivative (a state without fields, for
// its slot).
type bceLogitsOp[T Float] struct{}

func (*bceLogitsOp[T]) slot() stateSlot { return slotLoss }

func (*bceLogitsOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	x, t := c.Input(0), c.Input(1)
	var gx, gt *Var[T]
	if c.NeedsGrad(0) {
		gx = Mul(g, Sub(Sigmoid(x), t))
	}
	if c.NeedsGrad(1) {
		gt = Neg(Mul(g, x))
	}
	return []*Var[T]{gx, gt}
}

// vjp is backward's arithmetic element by element, σ(x) by the Sigmoid
// op's kernel into the gradient's buffer (or a scratch).
func (*bceLogitsOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	xv := c.node().inputs[0].value
	x, t, gs := xv.Data(), c.node().inputs[1].value.Data(), g.Data()
	if c.NeedsGrad(0) {
		dst, beta := c.gradBuf(0)
		sg := dst
		if beta != 0 {
			sg = c.p.arena.like(xv)
		}
		tensor.SigmoidInto(sg, xv)
		d, sd := dst.Data(), sg.Data()
		for i := range d {
			v := T(gs[i] * (sd[i] - t[i]))
			if beta == 0 {
				d[i] = v
			} else {
				d[i] += v
			}
		}
	}
	if c.NeedsGrad(1) {
		dst, beta := c.gradBuf(1)
		d := dst.Data()
		for i := range d {
			v := -T(gs[i] * x[i])
			if beta == 0 {
				d[i] = v
			} else {
				d[i] += v
			}
		}
	}
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
// (divided by N for the mean). logits may also be [N C d1 … dk], PyTorch's
// K-dimensional case (a class per pixel, or per token of [N C L]), with one
// label per position of [N d1 … dk] in row-major order: each position is a
// sample, the mean is over all N·d1⋯dk of them, and ReduceNone returns
// [N d1 … dk] (the class axis is moved last and the rest flattened, from
// the Arena; the other class-index losses take this shape too). It panics
// with a *tensor.ShapeError when logits is 0-d, when the number of labels
// differs from the number of samples, or when a label is outside [0, C)
// (naming its index and value).
//
// It is one fused operation: the forward pass computes the softmax and the
// losses in one sweep (tensor.SoftmaxCrossEntropy) and keeps the softmax, so
// the backward pass is a single subtraction and scaling.
func CrossEntropy[T Float](logits *Var[T], labels []int, reduction ...Reduction) *Var[T] {
	checkOperands1("CrossEntropy", logits)
	const op = "CrossEntropy"
	r := redReduction(op, reduction)
	if rows, ok := lossPositions(logits); ok {
		lossCheckPositions(op, "logits", logits, labels, nil)
		return lossUnrows(CrossEntropy(rows, labels, r), logits, r)
	}
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
	var d derivative[T]
	if needsGrad(logits) {
		s := newState[crossEntropyOp[T]](ar)
		s.labels, s.r, s.probs = ar.ints(labels), r, probs
		d = s
	}
	return recordOp(op, out, d, logits)
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

// crossEntropyOp is CrossEntropy's state: the labels, the reduction and
// the softmax of the forward pass.
type crossEntropyOp[T Float] struct {
	labels []int
	r      Reduction
	probs  *tensor.Tensor[T]
}

func (*crossEntropyOp[T]) slot() stateSlot { return slotCrossEntropy }

// backward is g_n ∘ (Softmax(logits[n]) − onehot(labels[n])), with g_n = g/N
// for the mean, written with differentiable operations.
func (s *crossEntropyOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	x, labels := c.Input(0), s.labels
	oneHot := tensor.Zeros[T](x.value.Shape()...)
	classes := x.value.Dim(-1)
	for n, y := range labels {
		oneHot.Data()[n*classes+y] = 1
	}
	coef := g
	switch s.r {
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
func (s *crossEntropyOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	labels, p := s.labels, s.probs.Data()
	dst, beta := c.gradBuf(0)
	if len(labels) == 0 {
		return // an empty batch: the gradient is empty too
	}
	d := dst.Data()[:len(p)]
	classes := len(p) / len(labels)
	r, gs := s.r, g.Data()
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
// The gradient at the other classes is selected away, as PyTorch's
// nll_loss_backward writes only the labels' elements: +0 even for an
// infinite or NaN g_n. NLL is linear, so its second derivative is 0. It
// panics like CrossEntropy.
func NLL[T Float](logProbs *Var[T], labels []int, reduction ...Reduction) *Var[T] {
	checkOperands1("NLL", logProbs)
	const op = "NLL"
	r := redReduction(op, reduction)
	if rows, ok := lossPositions(logProbs); ok {
		lossCheckPositions(op, "log-probabilities", logProbs, labels, nil)
		return lossUnrows(NLL(rows, labels, r), logProbs, r)
	}
	if !ceLabelsOK(logProbs.value, labels) {
		redCheckLabels(op, "log-probabilities", logProbs.value.Shape(), labels)
	}
	return redReduce(redNLL(logProbs, labels), r)
}

// redNLL picks -lp[n, labels[n]] for every sample of a validated [N C] or
// [C] input, recording the op "NLL", into a result from lp's Arena. Its
// derivative is -g at the labels and +0 selected elsewhere, so neither
// -Inf log-probabilities of other classes nor an infinite g meets a 0 (no
// Inf·0 = NaN).
func redNLL[T Float](lp *Var[T], labels []int) *Var[T] {
	x := lp.value
	classes := x.Dim(-1)
	ar := arenaOf(lp)
	var out *tensor.Tensor[T]
	if x.Dims() == 1 {
		out = ar.tensor()
	} else {
		out = ar.tensor(len(labels))
	}
	data, od := x.Data(), out.Data()
	for n, y := range labels {
		od[n] = -data[n*classes+y]
	}
	var d derivative[T]
	if needsGrad(lp) {
		s := newState[nllOp[T]](ar)
		s.labels = ar.ints(labels)
		d = s
	}
	return recordOp("NLL", out, d, lp)
}

// nllOp is NLL's state: the labels.
type nllOp[T Float] struct{ labels []int }

func (*nllOp[T]) slot() stateSlot { return slotNLL }

func (s *nllOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	x := c.node().inputs[0].value
	shape, classes := x.Shape(), x.Dim(-1)
	oneHot := tensor.Zeros[T](shape...)
	d := oneHot.Data()
	for n, y := range s.labels {
		d[n*classes+y] = -1
	}
	if len(shape) == 2 {
		g = Reshape(g, len(s.labels), 1)
	}
	return []*Var[T]{selGrad(nllFlags(s.labels, len(d)), Mul(g, Const(oneHot)))}
}

// nllFlags returns, for an [N C] (or [C]) input of n elements, the flags
// of the labels' elements: true at (i, labels[i]) for every sample i not
// ignored (labels[i] ≥ 0), false elsewhere.
func nllFlags(labels []int, n int) []bool {
	flags := make([]bool, n)
	if len(labels) == 0 {
		return flags
	}
	classes := n / len(labels)
	for i, y := range labels {
		if y >= 0 {
			flags[i*classes+y] = true
		}
	}
	return flags
}

// vjp is backward's g_n · onehot element by element: -g_n at the label,
// +0 selected elsewhere, without the one-hot tensor.
func (s *nllOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	dst, beta := c.gradBuf(0)
	d, gs := dst.Data(), g.Data()
	if len(s.labels) == 0 {
		return
	}
	classes := len(d) / len(s.labels)
	for n, y := range s.labels {
		row := d[n*classes : (n+1)*classes]
		for k := range row {
			var m T // not the constant -1: gs[n]·-1 would compile to a negation, flipping a NaN's sign
			if k == y {
				m = -1
			}
			v := selGradElem(k == y, T(gs[n]*m))
			if beta == 0 {
				row[k] = v
			} else {
				row[k] += v
			}
		}
	}
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
		// A copy, so that r (the caller's variadic slice) does not escape.
		panic(shapeErr(op, fmt.Sprintf("%d reduction arguments %v, want at most one", len(r), slices.Clone(r))))
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
// x ≥ lo (or NaN, which it keeps), the constant lo elsewhere, selected with
// Where (as PyTorch's clamp_min), so that the gradient below lo is +0 even
// for an infinite or NaN one, and -Inf gives lo.
func redClampBelow[T Float](x *Var[T], lo T) *Var[T] {
	below := elemFlags(x.value, func(v T) bool { return v < lo })
	return whereFlags(below, Const(tensor.Full(lo, x.value.Shape()...)), x)
}
