package autograd

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the option-taking forms of the classification losses:
// CrossEntropyWith (class weights, an ignored label, label smoothing),
// CrossEntropySoft (probability targets) and NLLWith (class weights, an
// ignored label), with PyTorch's semantics. The three share one fused
// operation: each sample's loss is -Σ_c a[n,c]·logp[n,c] for a coefficient
// tensor a that the options determine, so that
//
//	d/dlogits[n] = coef_n ∘ (Softmax(logits[n])·Σ_c a[n,c] - a[n])   (cross-entropy)
//	d/dlogProbs[n] = -coef_n ∘ a[n]                                   (NLL)
//
// where coef_n is g_n (ReduceNone), g (ReduceSum) or g divided by the
// mean's divisor (ReduceMean). Where these are 0 by construction (an
// ignored sample's row, and for NLL the classes other than the label) the
// gradient is selected away, +0 even for an infinite or NaN coef_n, as
// PyTorch's nll_loss_backward writes only the labels' elements; a class
// weight of 0 at the label is a factor (0·Inf = NaN, as in PyTorch).

// CrossEntropyOptions are the options of CrossEntropyWith and
// CrossEntropySoft, PyTorch's arguments of cross_entropy. The zero value is
// PyTorch's default: no weights, no ignored label, no smoothing, the mean.
type CrossEntropyOptions[T Float] struct {
	// Weight rescales each class's loss: a [C] tensor (nil: all 1).
	// With ReduceMean the weighted losses are divided by the sum of the
	// weights of the samples' labels (of the samples not ignored), as in
	// PyTorch, not by the number of samples. It is a constant: no
	// gradient flows to it.
	Weight *tensor.Tensor[T]

	// IgnoreIndex, when not nil, is a label whose samples contribute
	// nothing (loss and gradient 0) and are not counted by the mean, for
	// example padding tokens. It may lie outside [0, C) (PyTorch's
	// default is -100; here nil means that no label is ignored). It is
	// not allowed with probability targets. Set it with new(-100).
	IgnoreIndex *int

	// LabelSmoothing ε in [0, 1] mixes the target with the uniform
	// distribution: a label y becomes (1 - ε)·onehot(y) + ε/C, and a
	// probability target q becomes (1 - ε)·q + ε/C. With weights, as in
	// PyTorch, the loss of label y is
	//
	//	(1 - ε)·w_y·(-logp_y) + ε/C·Σ_c w_c·(-logp_c)
	LabelSmoothing T

	// Reduction is ReduceMean (the default), ReduceSum or ReduceNone.
	Reduction Reduction
}

// NLLOptions are the options of NLLWith, PyTorch's arguments of nll_loss:
// Weight, IgnoreIndex and Reduction as in CrossEntropyOptions.
type NLLOptions[T Float] struct {
	Weight      *tensor.Tensor[T]
	IgnoreIndex *int
	Reduction   Reduction
}

// CrossEntropyWith is CrossEntropy with PyTorch's options: class weights,
// an ignored label and label smoothing (see CrossEntropyOptions). For
// sample n with label y (not ignored) the loss is
//
//	-(1 - ε)·w_y·logp[n,y] - ε/C·Σ_c w_c·logp[n,c],   logp = LogSoftmax(logits[n])
//
// and 0 for an ignored sample. ReduceMean divides the sum by Σ w_y over the
// samples not ignored: when that is 0 (every sample ignored, or every
// label's weight 0) the loss is NaN, and so is coef_n, as in PyTorch, even
// with label smoothing.
// With a[n,c] the coefficient of logp[n,c] above,
//
//	d/dlogits[n] = coef_n ∘ (Softmax(logits[n])·Σ_c a[n,c] - a[n])
//
// (+0 selected for an ignored sample, even for an infinite or NaN coef_n).
// A class whose coefficient is 0 contributes 0 to the loss even where its
// log-probability is -Inf. logits is [N C], [C] (one sample, one label) or
// [N C d1 … dk] (one label per position, as for CrossEntropy; ReduceMean
// divides by the weights of all positions not ignored, as PyTorch's).
// It panics with a *tensor.ShapeError for a shape, a label (outside [0, C)
// and not the ignored one), a weight or a smoothing outside [0, 1] that does
// not fit, naming the op and the shapes.
func CrossEntropyWith[T Float](logits *Var[T], labels []int, opts CrossEntropyOptions[T]) *Var[T] {
	checkOperands1("CrossEntropyWith", logits)
	const op = "CrossEntropyWith"
	if rows, ok := lossPositions(logits); ok {
		lossCheckPositions(op, "logits", logits, labels, opts.IgnoreIndex)
		return lossUnrows(CrossEntropyWith(rows, labels, opts), logits, opts.Reduction)
	}
	ceCheckOptions(op, logits.value, opts.Weight, opts.LabelSmoothing, opts.Reduction)
	ceCheckLabels(op, "logits", logits.value, labels, opts.IgnoreIndex)
	return ceWith(op, ceHard, logits, nil, labels, opts.Weight, opts.IgnoreIndex, opts.LabelSmoothing, opts.Reduction)
}

// CrossEntropySoft returns the cross-entropy of logits against probability
// targets of the same shape ([N C], [C] or [N C d1 … dk], each position a
// sample as for CrossEntropy), PyTorch's cross_entropy with a
// floating-point target: for sample n,
//
//	-Σ_c w_c·q'[n,c]·logp[n,c],   q' = (1 - ε)·q + ε/C,  logp = LogSoftmax(logits[n])
//
// with the Weight w (1 when nil) and LabelSmoothing ε of opts. ReduceMean
// divides the sum by N, the number of samples (not by the weights, as in
// PyTorch). The target need not sum to 1 and is differentiable:
//
//	d/dlogits[n] = coef_n ∘ (Softmax(logits[n])·Σ_c a[n,c] - a[n]),  a = w∘q'
//	d/dprobs[n]  = -coef_n·(1 - ε) ∘ w ∘ logp[n]
//
// A coefficient a[n,c] of 0 contributes 0 to the loss even where logp is
// -Inf (PyTorch gives NaN there). It panics like CrossEntropyWith, and with
// a *UsageError when opts sets IgnoreIndex (as PyTorch does).
func CrossEntropySoft[T Float](logits, probs *Var[T], opts CrossEntropyOptions[T]) *Var[T] {
	checkOperands2("CrossEntropySoft", logits, probs)
	const op = "CrossEntropySoft"
	if !logits.value.SameShapeAs(probs.value) {
		panic(shapeErr(op, "logits and probability targets differ in shape", logits.value.Shape(), probs.value.Shape()))
	}
	if rows, ok := lossPositions(logits); ok {
		prows, _ := lossPositions(probs)
		return lossUnrows(CrossEntropySoft(rows, prows, opts), logits, opts.Reduction)
	}
	ceCheckOptions(op, logits.value, opts.Weight, opts.LabelSmoothing, opts.Reduction)
	if opts.IgnoreIndex != nil {
		panic(usage(op, "IgnoreIndex is not supported for probability targets"))
	}
	return ceWith(op, ceSoft, logits, probs, nil, opts.Weight, nil, opts.LabelSmoothing, opts.Reduction)
}

// NLLWith is NLL with PyTorch's options: class weights and an ignored label
// (see NLLOptions). For sample n with label y (not ignored) the loss is
// -w_y·logProbs[n,y], and 0 for an ignored sample; ReduceMean divides the
// sum by Σ w_y over the samples not ignored (NaN when that is 0, as for
// CrossEntropyWith). A label whose weight is 0 contributes 0 even where its
// log-probability is -Inf or NaN, as a coefficient of 0 does in
// CrossEntropyWith; torch's -0·logProbs[n,y] gives NaN there.
//
//	d/dlogProbs[n] = -coef_n·w_y at y, 0 elsewhere
//
// The 0s are selected (+0 even for an infinite or NaN coef_n, at the other
// classes and across an ignored sample), as PyTorch's. NLLWith is linear,
// so its second derivative is 0. It panics like CrossEntropyWith.
func NLLWith[T Float](logProbs *Var[T], labels []int, opts NLLOptions[T]) *Var[T] {
	checkOperands1("NLLWith", logProbs)
	const op = "NLLWith"
	if rows, ok := lossPositions(logProbs); ok {
		lossCheckPositions(op, "log-probabilities", logProbs, labels, opts.IgnoreIndex)
		return lossUnrows(NLLWith(rows, labels, opts), logProbs, opts.Reduction)
	}
	ceCheckOptions(op, logProbs.value, opts.Weight, 0, opts.Reduction)
	ceCheckLabels(op, "log-probabilities", logProbs.value, labels, opts.IgnoreIndex)
	return ceWith(op, ceNLL, logProbs, nil, labels, opts.Weight, opts.IgnoreIndex, 0, opts.Reduction)
}

// ceKind says which loss a ceWithOp computes.
type ceKind uint8

const (
	ceHard ceKind = iota // cross-entropy against labels
	ceSoft               // cross-entropy against probabilities
	ceNLL                // negative log-likelihood of labels
)

// ceWith computes the losses of validated inputs: the coefficients a, the
// per-sample losses -Σ a·logp, and their reduction, recording op.
func ceWith[T Float](op string, kind ceKind, x, q *Var[T], labels []int, weight *tensor.Tensor[T], ignore *int, eps T, r Reduction) *Var[T] {
	xv := x.value
	ar := arenaOf(x)
	if q != nil {
		ar = arenaOf(x, q)
	}
	classes := xv.Dim(-1)
	rows := 1
	if xv.Dims() == 2 {
		rows = xv.Dim(0)
	}
	var wd []T
	if weight != nil {
		wd = weight.Data()
	}
	w := func(c int) T {
		if wd == nil {
			return 1
		}
		return wd[c]
	}
	logp := xv
	var probs *tensor.Tensor[T]
	if kind != ceNLL {
		logp = ar.like(xv)
		tensor.LogSoftmaxInto(logp, xv, -1)
		if needsGrad(x) {
			probs = ar.like(xv)
			tensor.SoftmaxInto(probs, xv, -1)
		}
	}
	a := ar.like(xv)
	ad, lp := a.Data(), logp.Data()
	var ys []int // the labels, -1 for an ignored sample (nil for soft targets)
	if labels != nil && needsGrad(x) {
		ys = ar.ints(labels)
	}
	smooth := eps / T(classes)
	var denom T
	var wq, wc *tensor.Tensor[T]
	if kind == ceSoft {
		// The smoothed, weighted target, a = q·(1-ε)w + ε/C·w, in the
		// order the recorded derivative computes it.
		wq, wc = ar.tensor(classes), ar.tensor(classes)
		for c := range classes {
			wq.Data()[c], wc.Data()[c] = (1-eps)*w(c), smooth*w(c)
		}
		qd, wqd, wcd := q.value.Data(), wq.Data(), wc.Data()
		for i, v := range qd {
			c := i % classes
			ad[i] = T(v*wqd[c]) + wcd[c]
		}
		denom = T(rows)
	} else {
		for n, y := range labels {
			row := ad[n*classes : (n+1)*classes]
			if ignore != nil && y == *ignore {
				clear(row)
				if ys != nil {
					ys[n] = -1
				}
				continue
			}
			wy := w(y)
			denom += wy
			for c := range row {
				row[c] = smooth * w(c)
			}
			row[y] += (1 - eps) * wy
		}
	}
	losses := ar.tensor(rows)
	ld := losses.Data()
	for n := range ld {
		var s T
		for i := n * classes; i < (n+1)*classes; i++ {
			if ad[i] != 0 {
				s += T(ad[i] * lp[i])
			}
		}
		ld[n] = -s
	}
	var out *tensor.Tensor[T]
	switch {
	case r == ReduceNone && xv.Dims() == 1:
		out = ar.tensor()
		out.Data()[0] = ld[0]
	case r == ReduceNone:
		out = losses
	default:
		out = ar.tensor()
		tensor.SumToInto(out, losses, 1, 0)
		if r == ReduceMean {
			out.Data()[0] /= denom
			if denom == 0 {
				// Every counted label has weight 0 (or is ignored): the
				// unsmoothed part is 0/0, so the loss is NaN, as in torch,
				// however the smoothing part reads (±Inf).
				out.Data()[0] = T(math.NaN())
			}
		}
	}
	var d derivative[T]
	if needsGrad(x) || q != nil && needsGrad(q) {
		s := newState[ceWithOp[T]](ar)
		s.kind, s.r, s.denom, s.rows = kind, r, denom, rows
		s.a, s.probs, s.logp, s.wq, s.wc, s.ys = a, probs, logp, wq, wc, ys
		if kind != ceNLL {
			s.sums = ar.tensor(rows, 1)
			if xv.Dims() == 1 {
				s.sums = ar.tensor(1)
			}
			tensor.SumToInto(s.sums, a, 1, 0) // the bits of SumKeepDims(a, -1)
		}
		d = s
	}
	if q != nil {
		return recordOp(op, out, d, x, q)
	}
	return recordOp(op, out, d, x)
}

// ceWithOp is the state of CrossEntropyWith, CrossEntropySoft and NLLWith.
type ceWithOp[T Float] struct {
	kind   ceKind
	r      Reduction
	denom  T   // the mean's divisor
	rows   int // N (1 for a [C] input)
	a      *tensor.Tensor[T]
	sums   *tensor.Tensor[T] // Σ_c a[n,c], [N 1] (or [1])
	probs  *tensor.Tensor[T] // the softmax (nil for NLL or when x needs no gradient)
	logp   *tensor.Tensor[T] // the log-softmax (the input, for NLL)
	wq, wc *tensor.Tensor[T] // soft targets: (1-ε)·w and ε/C·w, [C]
	ys     []int             // the labels, -1 for an ignored sample (nil for soft targets)
}

func (*ceWithOp[T]) slot() stateSlot { return slotCrossEntropyWith }

// pass reports whether the derivative at element i of the input (of
// classes per row) is kept, not selected away: for NLL only at a label of
// a sample not ignored, for cross-entropy against labels across the rows
// of samples not ignored, for soft targets everywhere.
func (s *ceWithOp[T]) pass(i, classes int) bool {
	switch s.kind {
	case ceNLL:
		return s.ys[i/classes] == i%classes
	case ceHard:
		return s.ys[i/classes] >= 0
	}
	return true
}

// passFlags returns pass for every element of the input, for selGrad.
func (s *ceWithOp[T]) passFlags() []bool {
	flags := make([]bool, s.a.Len())
	if len(flags) == 0 {
		return flags
	}
	classes := len(flags) / s.rows
	for i := range flags {
		flags[i] = s.pass(i, classes)
	}
	return flags
}

// invDenom is the mean's factor 1/denom, or NaN when denom is 0 (see the
// forward pass), so that the gradient of a NaN loss is NaN, as torch's.
func (s *ceWithOp[T]) invDenom() T {
	if s.denom == 0 {
		return T(math.NaN())
	}
	return 1 / s.denom
}

// coefVar is the gradient's factor per sample as a Var that broadcasts
// against the input: g/denom, g, or g reshaped to [N 1].
func (s *ceWithOp[T]) coefVar(x *Var[T], g *Var[T]) *Var[T] {
	switch s.r {
	case ReduceMean:
		return Scale(g, s.invDenom())
	case ReduceNone:
		if x.value.Dims() == 2 {
			return Reshape(g, s.rows, 1)
		}
	}
	return g
}

func (s *ceWithOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	x := c.Input(0)
	coef := s.coefVar(x, g)
	switch s.kind {
	case ceNLL:
		return []*Var[T]{selGrad(s.passFlags(), Mul(coef, Const(tensor.Scale(s.a, -1))))}
	case ceHard:
		// The softmax term is selected before the product too, so that an
		// infinite or NaN coef (every sample ignored) meets no 0 in the
		// second derivative either: torch gives 0 there.
		flags := s.passFlags()
		return []*Var[T]{selGrad(flags, Mul(coef, selGrad(flags, Sub(Mul(Softmax(x, -1), Const(s.sums)), Const(s.a)))))}
	}
	q := c.Input(1)
	a := Add(Mul(q, Const(s.wq)), Const(s.wc))
	var gx, gq *Var[T]
	if c.NeedsGrad(0) {
		gx = Mul(coef, Sub(Mul(Softmax(x, -1), SumKeepDims(a, -1)), a))
	}
	if c.NeedsGrad(1) {
		gq = Mul(coef, Mul(Const(tensor.Scale(s.wq, -1)), LogSoftmax(x, -1)))
	}
	return []*Var[T]{gx, gq}
}

// vjp is backward's arithmetic on the saved softmax, coefficients and
// their row sums, in one sweep per input.
func (s *ceWithOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	ad := s.a.Data()
	if len(ad) == 0 {
		c.zeroGrads() // an empty batch
		return
	}
	classes := len(ad) / s.rows
	gs := g.Data()
	coef := func(n int) T {
		switch s.r {
		case ReduceMean:
			return gs[0] * s.invDenom()
		case ReduceSum:
			return gs[0]
		}
		return gs[n]
	}
	write := func(d []T, i int, v T, beta T) {
		if beta == 0 {
			d[i] = v
		} else {
			d[i] += v
		}
	}
	if c.NeedsGrad(0) {
		dst, beta := c.gradBuf(0)
		d := dst.Data()
		if s.kind == ceNLL {
			for i, a := range ad {
				write(d, i, selGradElem(s.pass(i, classes), T(coef(i/classes)*-a)), beta)
			}
		} else {
			// In the soft case the row sums of the forward pass are
			// those of the targets' current values: a Var's value does
			// not change between forward and backward.
			p, sums := s.probs.Data(), s.sums.Data()
			for i, a := range ad {
				n := i / classes
				write(d, i, selGradElem(s.pass(i, classes), T(coef(n)*(T(p[i]*sums[n])-a))), beta)
			}
		}
	}
	if s.kind == ceSoft && c.NeedsGrad(1) {
		dst, beta := c.gradBuf(1)
		d, lp, wq := dst.Data(), s.logp.Data(), s.wq.Data()
		for i := range ad {
			write(d, i, T(coef(i/classes)*T(-wq[i%classes]*lp[i])), beta)
		}
	}
}

// jvp of CrossEntropyWith, CrossEntropySoft and NLLWith is, per sample n,
//
//	Σ_c (Softmax(logits[n])_c·Σ_k a[n,k] - a[n,c])·tlogits[n,c]
//	  - Σ_c (1 - ε)·w_c·logp[n,c]·tprobs[n,c]     (cross-entropy; the second sum for soft targets)
//	-Σ_c a[n,c]·tlogProbs[n,c]                    (NLL)
//
// reduced as the losses are: one per sample, summed, or summed and divided
// by the mean's divisor. The terms the vjp selects away add nothing, even
// for an infinite or NaN tangent (as PyTorch's forward mode, which gathers
// the labels' elements).
func (s *ceWithOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	res := tensor.Zeros[T](c.out.value.Shape()...)
	ad := s.a.Data()
	if len(ad) == 0 {
		return res // an empty batch
	}
	classes := len(ad) / s.rows
	per := tensor.Zeros[T](s.rows) // the per-sample tangents
	pd := per.Data()
	if t := ts[0]; t != nil {
		td := t.Data()
		if s.kind == ceNLL {
			for i, a := range ad {
				if s.pass(i, classes) {
					pd[i/classes] += T(-a * td[i])
				}
			}
		} else {
			probs := s.probs
			if probs == nil { // the logits needed no gradient when recorded
				probs = c.scratch(c.node().inputs[0].value)
				tensor.SoftmaxInto(probs, c.node().inputs[0].value, -1)
			}
			p, sums := probs.Data(), s.sums.Data()
			for i, a := range ad {
				if n := i / classes; s.pass(i, classes) {
					pd[n] += T(T(T(p[i]*sums[n])-a) * td[i])
				}
			}
		}
	}
	if s.kind == ceSoft && ts[1] != nil {
		td, lp, wq := ts[1].Data(), s.logp.Data(), s.wq.Data()
		for i, v := range td {
			pd[i/classes] += T(T(-wq[i%classes]*lp[i]) * v)
		}
	}
	rd := res.Data()
	switch s.r {
	case ReduceNone:
		copy(rd, pd)
	default:
		var total T
		for _, v := range pd {
			total += v
		}
		if s.r == ReduceMean {
			total *= s.invDenom()
		}
		rd[0] = total
	}
	return res
}

// ceCheckOptions validates an [N C] or [C] input and the options shared by
// the classification losses.
func ceCheckOptions[T Float](op string, x, weight *tensor.Tensor[T], eps T, r Reduction) {
	if d := x.Dims(); d != 1 && d != 2 {
		panic(shapeErr(op, "input must be [N C] or [C]", x.Shape()))
	}
	if weight != nil && (weight.Dims() != 1 || weight.Dim(0) != x.Dim(-1)) {
		panic(shapeErr(op, fmt.Sprintf("weight must be [C] for C = %d classes", x.Dim(-1)), x.Shape(), weight.Shape()))
	}
	if !(eps >= 0 && eps <= 1) {
		panic(shapeErr(op, fmt.Sprintf("label smoothing must be in [0, 1], got %v", eps)))
	}
	redCheckReduction(op, r)
}

// redCheckReduction panics unless r is ReduceMean, ReduceSum or ReduceNone.
func redCheckReduction(op string, r Reduction) {
	if r < ReduceMean || r > ReduceNone {
		panic(shapeErr(op, "unsupported reduction "+r.String()))
	}
}

// ceCheckLabels validates the labels of an [N C] or [C] input: one per
// sample, each in [0, C) or the ignored label.
func ceCheckLabels[T Float](op, what string, x *tensor.Tensor[T], labels []int, ignore *int) {
	rows := 1
	if x.Dims() == 2 {
		rows = x.Dim(0)
	}
	if len(labels) != rows {
		panic(shapeErr(op, fmt.Sprintf("%d labels for %d samples (%s)", len(labels), rows, what), x.Shape()))
	}
	classes := x.Dim(-1)
	for i, y := range labels {
		if (y < 0 || y >= classes) && (ignore == nil || y != *ignore) {
			panic(shapeErr(op, fmt.Sprintf("labels[%d] = %d is out of range for C = %d classes", i, y, classes), x.Shape()))
		}
	}
}
