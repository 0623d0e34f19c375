package autograd

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the newer elementwise losses: BCEWithLogitsWith (weights
// and positive-class weights), KLDiv, SmoothL1 and MarginRanking. Like MSE
// they take operands of one shape and reduce the per-element losses.

// BCEWithLogitsOptions are the options of BCEWithLogitsWith, PyTorch's
// arguments of binary_cross_entropy_with_logits. The zero value is the
// plain BCEWithLogits with its mean.
type BCEWithLogitsOptions[T Float] struct {
	// Weight rescales each element's loss; its shape broadcasts to the
	// logits' (nil: 1). A constant.
	Weight *tensor.Tensor[T]
	// PosWeight weighs the positive term t·log σ(x), for example
	// #negatives/#positives of each class to balance them; its shape
	// broadcasts to the logits' ([C] for the last axis, as in PyTorch;
	// nil: 1). A constant.
	PosWeight *tensor.Tensor[T]
	// Reduction is ReduceMean (the default), ReduceSum or ReduceNone.
	Reduction Reduction
}

// BCEWithLogitsWith is BCEWithLogits with PyTorch's weight and pos_weight:
// elementwise, with w = Weight, pw = PosWeight (1 when nil),
//
//	w·(-pw·t·log σ(x) - (1 - t)·log(1 - σ(x)))
//	  = w·((1 - t)·x + L·log(1 + exp(-x))),  L = 1 + (pw - 1)·t
//
// computed stably (for x ≤ 0 as -pw·t·x + L·log(1 + exp(x))), and with a
// factor that is exactly 0 contributing 0 even where x is infinite.
//
//	d/dx = g ∘ w ∘ (L·σ(x) - pw·t)          (g ∘ w ∘ (σ(x) - t) without PosWeight)
//	d/dt = g ∘ w ∘ (pw·softplus(-x) - softplus(x))  (g ∘ w ∘ -x without PosWeight)
//
// It panics with a *tensor.ShapeError when logits and target differ in
// shape or a weight does not broadcast to them.
func BCEWithLogitsWith[T Float](logits, target *Var[T], opts BCEWithLogitsOptions[T]) *Var[T] {
	checkOperands2("BCEWithLogitsWith", logits, target)
	const op = "BCEWithLogitsWith"
	redCheckPair(op, "logits", logits, target)
	r := opts.Reduction
	redCheckReduction(op, r)
	ar := arenaOf(logits, target)
	w := lossExpand(op, "weight", ar, opts.Weight, logits.value)
	pw := lossExpand(op, "pos_weight", ar, opts.PosWeight, logits.value)
	value := ar.like(logits.value)
	vd, td := value.Data(), target.value.Data()
	for i, x := range logits.value.Data() {
		xf, tf, pwf := float64(x), float64(td[i]), 1.0
		if pw != nil {
			pwf = float64(pw.Data()[i])
		}
		l := 1 + (pwf-1)*tf
		var v float64
		if xf > 0 {
			if tf != 1 {
				v = (1 - tf) * xf
			}
			v += l * math.Log1p(math.Exp(-xf))
		} else {
			if p := pwf * tf; p != 0 {
				v = -p * xf
			}
			v += l * math.Log1p(math.Exp(xf))
		}
		if w != nil {
			v *= float64(w.Data()[i])
		}
		vd[i] = T(v)
	}
	var d derivative[T]
	if needsGrad(logits, target) {
		s := newState[bceWithOp[T]](ar)
		s.w, s.pw = w, pw
		d = s
	}
	return redReduce(recordOp(op, value, d, logits, target), r)
}

// lossExpand returns w broadcast to x's shape in a tensor of ar (nil for
// a nil w), panicking when it does not broadcast.
func lossExpand[T Float](op, what string, ar *Arena[T], w, x *tensor.Tensor[T]) *tensor.Tensor[T] {
	if w == nil {
		return nil
	}
	ok := w.Dims() <= x.Dims()
	for k := 1; ok && k <= w.Dims(); k++ {
		ok = w.Dim(-k) == 1 || w.Dim(-k) == x.Dim(-k)
	}
	if !ok {
		panic(shapeErr(op, what+" does not broadcast to the input's shape", w.Shape(), x.Shape()))
	}
	out := ar.like(x)
	tensor.BroadcastToInto(out, w, 0)
	return out
}

// bceWithOp is BCEWithLogitsWith's state: the weights, broadcast.
type bceWithOp[T Float] struct{ w, pw *tensor.Tensor[T] }

func (*bceWithOp[T]) slot() stateSlot { return slotLossWith }

func (s *bceWithOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	x, t := c.Input(0), c.Input(1)
	weigh := func(v *Var[T]) *Var[T] {
		if s.w != nil {
			v = Mul(Const(s.w), v)
		}
		return Mul(g, v)
	}
	var gx, gt *Var[T]
	if s.pw == nil {
		if c.NeedsGrad(0) {
			gx = weigh(Sub(Sigmoid(x), t))
		}
		if c.NeedsGrad(1) {
			gt = weigh(Neg(x))
		}
		return []*Var[T]{gx, gt}
	}
	pwm1 := tensor.Map(s.pw, func(v T) T { return v - 1 })
	if c.NeedsGrad(0) {
		l := Add(Mul(Const(pwm1), t), Scalar(T(1)))
		gx = weigh(Sub(Mul(l, Sigmoid(x)), Mul(Const(s.pw), t)))
	}
	if c.NeedsGrad(1) {
		gt = weigh(Sub(Mul(Const(s.pw), Softplus(Neg(x))), Softplus(x)))
	}
	return []*Var[T]{gx, gt}
}

// vjp is backward's arithmetic element by element, σ(x) and softplus(-x)
// by the Sigmoid and Softplus ops' kernels on scratches.
func (s *bceWithOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	xv := c.node().inputs[0].value
	x, t, gs := xv.Data(), c.node().inputs[1].value.Data(), g.Data()
	var w, pw []T
	if s.w != nil {
		w = s.w.Data()
	}
	if s.pw != nil {
		pw = s.pw.Data()
	}
	put := func(j int, f func(i int) T) {
		dst, beta := c.gradBuf(j)
		d := dst.Data()
		for i := range d {
			v := f(i)
			if w != nil {
				v = T(w[i] * v)
			}
			v = T(gs[i] * v)
			if beta == 0 {
				d[i] = v
			} else {
				d[i] += v
			}
		}
	}
	if c.NeedsGrad(0) {
		sg := c.scratch(xv)
		tensor.SigmoidInto(sg, xv)
		sd := sg.Data()
		if pw == nil {
			put(0, func(i int) T { return sd[i] - t[i] })
		} else {
			put(0, func(i int) T { return T(T(T(T(pw[i]-1)*t[i])+1)*sd[i]) - T(pw[i]*t[i]) })
		}
	}
	if c.NeedsGrad(1) {
		if pw == nil {
			put(1, func(i int) T { return -x[i] })
			return
		}
		spd, sqd := bceSoftplus(c, xv)
		put(1, func(i int) T { return T(pw[i]*spd[i]) - sqd[i] })
	}
}

// bceSoftplus returns softplus(-x) and softplus(x) in scratches of c, for
// the derivative in the target pw·softplus(-x) - softplus(x): torch's form,
// ±Inf at x = ±Inf for every pw > 0, where (pw - 1)·softplus(-x) - x is NaN
// at x = -Inf for pw ≤ 1.
func bceSoftplus[T Float](c *Context[T], xv *tensor.Tensor[T]) (neg, pos []T) {
	sp, sq := c.scratch(xv), c.scratch(xv)
	tensor.ScaleInto(sp, xv, -1)
	tensor.SoftplusInto(sp, sp)
	tensor.SoftplusInto(sq, xv)
	return sp.Data(), sq.Data()
}

// jvp of BCEWithLogitsWith is w ∘ (L·σ(x) - pw·t) ∘ tx + w ∘ (pw·
// softplus(-x) - softplus(x)) ∘ tt elementwise, L = 1 + (pw - 1)·t
// (w ∘ (σ(x) - t) ∘ tx - w ∘ x ∘ tt without PosWeight).
func (s *bceWithOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	xv := c.node().inputs[0].value
	x, t := xv.Data(), c.node().inputs[1].value.Data()
	var w, pw []T
	if s.w != nil {
		w = s.w.Data()
	}
	if s.pw != nil {
		pw = s.pw.Data()
	}
	res := tensor.Zeros[T](c.out.value.Shape()...)
	weigh := func(f func(i int) T) func(i int) T {
		if w == nil {
			return f
		}
		return func(i int) T { return T(w[i] * f(i)) }
	}
	if ts[0] != nil {
		sg := c.scratch(xv)
		tensor.SigmoidInto(sg, xv)
		sd := sg.Data()
		if pw == nil {
			lossTerm(res, ts[0], weigh(func(i int) T { return sd[i] - t[i] }))
		} else {
			lossTerm(res, ts[0], weigh(func(i int) T { return T(T(T(T(pw[i]-1)*t[i])+1)*sd[i]) - T(pw[i]*t[i]) }))
		}
	}
	if ts[1] != nil {
		if pw == nil {
			lossTerm(res, ts[1], weigh(func(i int) T { return -x[i] }))
		} else {
			spd, sqd := bceSoftplus(c, xv)
			lossTerm(res, ts[1], weigh(func(i int) T { return T(pw[i]*spd[i]) - sqd[i] }))
		}
	}
	return res
}

// KLDiv returns PyTorch's kl_div: the Kullback-Leibler divergence of the
// target distribution from the input's, for input log-probabilities x and
// target probabilities t (or log-probabilities, with logTarget),
// elementwise
//
//	t·(log t - x)        (0 where t = 0)
//	exp(t)·(t - x)       (logTarget)
//
// reduced by ReduceMean (over all elements: PyTorch's default, which is
// not the divergence), ReduceBatchMean (the sum divided by the size of the
// first axis: the divergence averaged over the batch, what PyTorch's docs
// recommend), ReduceSum, or ReduceNone.
//
//	d/dx = -g ∘ t,  d/dt = g ∘ (log t + 1 - x)          (-Inf at t = 0, where PyTorch gives NaN)
//	d/dx = -g ∘ exp(t),  d/dt = g ∘ exp(t)·(t - x + 1)  (logTarget)
//
// It panics with a *tensor.ShapeError when the shapes differ or the
// reduction is unknown.
func KLDiv[T Float](input, target *Var[T], logTarget bool, reduction ...Reduction) *Var[T] {
	checkOperands2("KLDiv", input, target)
	const op = "KLDiv"
	redCheckPair(op, "input", input, target)
	r := ReduceMean
	switch {
	case len(reduction) > 1:
		panic(shapeErr(op, fmt.Sprintf("%d reduction arguments, want at most one", len(reduction))))
	case len(reduction) == 1:
		r = reduction[0]
		if r < ReduceMean || r > ReduceBatchMean {
			panic(shapeErr(op, "unknown reduction "+r.String()))
		}
	}
	ar := arenaOf(input, target)
	value := ar.like(input.value)
	vd, td := value.Data(), target.value.Data()
	for i, x := range input.value.Data() {
		t := td[i]
		if logTarget {
			vd[i] = T(T(math.Exp(float64(t))) * (t - x))
			continue
		}
		var xlogx T
		if t != 0 {
			xlogx = T(t * T(logF64(float64(t))))
		}
		vd[i] = xlogx - T(t*x)
	}
	var d derivative[T]
	if needsGrad(input, target) {
		s := newState[klDivOp[T]](ar)
		s.logTarget = logTarget
		d = s
	}
	l := recordOp(op, value, d, input, target)
	if r != ReduceBatchMean {
		return redReduce(l, r)
	}
	if input.value.Dims() == 0 {
		return Sum(l)
	}
	return Scale(Sum(l), 1/T(input.value.Dim(0)))
}

// klDivOp is KLDiv's state: whether the target is log-probabilities.
type klDivOp[T Float] struct{ logTarget bool }

func (*klDivOp[T]) slot() stateSlot { return slotKLDiv }

func (s *klDivOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	x, t := c.Input(0), c.Input(1)
	var gx, gt *Var[T]
	if s.logTarget {
		e := Exp(t)
		if c.NeedsGrad(0) {
			gx = Mul(g, Neg(e))
		}
		if c.NeedsGrad(1) {
			gt = Mul(g, Mul(e, Add(Sub(t, x), Scalar(T(1)))))
		}
		return []*Var[T]{gx, gt}
	}
	if c.NeedsGrad(0) {
		gx = Mul(g, Neg(t))
	}
	if c.NeedsGrad(1) {
		gt = Mul(g, Sub(Add(Log(t), Scalar(T(1))), x))
	}
	return []*Var[T]{gx, gt}
}

// vjp is backward's arithmetic element by element, exp(t) and log(t) by
// the Exp and Log ops' kernels on a scratch.
func (s *klDivOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	tv := c.node().inputs[1].value
	x, t, gs := c.node().inputs[0].value.Data(), tv.Data(), g.Data()
	f := c.scratch(tv)
	if s.logTarget {
		tensor.ExpInto(f, tv)
	} else {
		tensor.LogInto(f, tv)
	}
	fd := f.Data()
	put := func(j int, v func(i int) T) {
		dst, beta := c.gradBuf(j)
		d := dst.Data()
		for i := range d {
			if beta == 0 {
				d[i] = T(gs[i] * v(i))
			} else {
				d[i] += T(gs[i] * v(i))
			}
		}
	}
	if c.NeedsGrad(0) {
		if s.logTarget {
			put(0, func(i int) T { return -fd[i] })
		} else {
			put(0, func(i int) T { return -t[i] })
		}
	}
	if c.NeedsGrad(1) {
		if s.logTarget {
			put(1, func(i int) T { return T(fd[i] * T(T(t[i]-x[i])+1)) })
		} else {
			put(1, func(i int) T { return T(fd[i]+1) - x[i] })
		}
	}
}

// jvp of KLDiv is -t ∘ tx + (log t + 1 - x) ∘ tt elementwise, and -exp(t)
// ∘ tx + exp(t)·(t - x + 1) ∘ tt with logTarget.
func (s *klDivOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	tv := c.node().inputs[1].value
	x, t := c.node().inputs[0].value.Data(), tv.Data()
	res := tensor.Zeros[T](c.out.value.Shape()...)
	if !s.logTarget {
		lossTerm(res, ts[0], func(i int) T { return -t[i] })
		if ts[1] != nil {
			f := c.scratch(tv)
			tensor.LogInto(f, tv)
			fd := f.Data()
			lossTerm(res, ts[1], func(i int) T { return T(fd[i]+1) - x[i] })
		}
		return res
	}
	f := c.scratch(tv)
	tensor.ExpInto(f, tv)
	fd := f.Data()
	lossTerm(res, ts[0], func(i int) T { return -fd[i] })
	lossTerm(res, ts[1], func(i int) T { return T(fd[i] * T(T(t[i]-x[i])+1)) })
	return res
}

// SmoothL1 returns PyTorch's smooth_l1_loss of d = pred - target
// elementwise,
//
//	½ d²/beta    where |d| < beta
//	|d| - ½ beta elsewhere
//
// reduced like MSE. It is Huber(pred, target, beta) scaled by 1/beta (so
// its recorded ops are Huber's and Scale's), and L1 for beta = 0:
//
//	d/dpred = g ∘ clamp(d/beta, -1, 1),  d/dtarget = -d/dpred
//
// For beta = 0 the derivative at d = 0 is L1's subgradient 0; torch 1.13's
// smooth_l1_loss gives -g there (its backward takes the d ≤ -beta branch),
// the same numbers elsewhere.
//
// It panics with a *tensor.ShapeError for a negative beta, and like MSE.
func SmoothL1[T Float](pred, target *Var[T], beta T, reduction ...Reduction) *Var[T] {
	checkOperands2("SmoothL1", pred, target)
	const op = "SmoothL1"
	redCheckPair(op, "prediction", pred, target)
	r := redReduction(op, reduction)
	switch {
	case beta == 0:
		return L1(pred, target, r)
	case !(beta > 0):
		panic(shapeErr(op, fmt.Sprintf("beta must be non-negative, got %v", beta)))
	}
	return Scale(Huber(pred, target, beta, r), 1/beta)
}

// MarginRanking returns PyTorch's margin_ranking_loss of x1 and x2 ranked
// by y (1: x1 should rank higher, -1: x2 should), elementwise
//
//	max(0, -y·(x1 - x2) + margin)
//
// reduced like MSE. x1, x2 and y have one shape; y is differentiable, as
// in PyTorch. With active = (-y·(x1 - x2) + margin ≥ 0) (PyTorch's
// subgradient at 0),
//
//	d/dx1 = -g ∘ y,  d/dx2 = g ∘ y,  d/dy = -g ∘ (x1 - x2)   where active, 0 elsewhere
//
// The 0s are selected, as PyTorch's clamp_min backward: +0 even for an
// infinite or NaN g (PyTorch multiplies its selected 0 by ∓y or x1 - x2
// afterwards, so its zeros may be -0). It panics with a *tensor.ShapeError when the shapes differ.
func MarginRanking[T Float](x1, x2, y *Var[T], margin T, reduction ...Reduction) *Var[T] {
	checkOperands3("MarginRanking", x1, x2, y)
	const op = "MarginRanking"
	redCheckPair(op, "x1", x1, x2)
	redCheckPair(op, "x1", x1, y)
	r := redReduction(op, reduction)
	ar := arenaOf(x1, x2, y)
	value := ar.like(x1.value)
	vd, ad, bd, yd := value.Data(), x1.value.Data(), x2.value.Data(), y.value.Data()
	for i := range vd {
		z := T(-yd[i]*T(ad[i]-bd[i])) + margin
		if z < 0 {
			z = 0
		}
		vd[i] = z
	}
	var d derivative[T]
	if needsGrad(x1, x2, y) {
		s := newState[marginRankingOp[T]](ar)
		s.margin = margin
		d = s
	}
	return redReduce(recordOp(op, value, d, x1, x2, y), r)
}

// marginRankingOp is MarginRanking's state: the margin.
type marginRankingOp[T Float] struct{ margin T }

func (*marginRankingOp[T]) slot() stateSlot { return slotMarginRanking }

// active reports whether the loss is active (z ≥ 0).
func (s *marginRankingOp[T]) active(a, b, y T) bool {
	return T(-y*T(a-b))+s.margin >= 0
}

func (s *marginRankingOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	a, b, y := c.Input(0), c.Input(1), c.Input(2)
	ad, bd, yd := a.value.Data(), b.value.Data(), y.value.Data()
	act := make([]bool, len(ad))
	for i := range act {
		act[i] = s.active(ad[i], bd[i], yd[i])
	}
	out := make([]*Var[T], 3)
	if c.NeedsGrad(0) {
		out[0] = selGrad(act, Mul(g, Neg(y)))
	}
	if c.NeedsGrad(1) {
		out[1] = selGrad(act, Mul(g, y))
	}
	if c.NeedsGrad(2) {
		out[2] = selGrad(act, Mul(g, Neg(Sub(a, b))))
	}
	return out
}

// vjp is backward's arithmetic element by element.
func (s *marginRankingOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	ad, bd, yd := c.node().inputs[0].value.Data(), c.node().inputs[1].value.Data(), c.node().inputs[2].value.Data()
	gs := g.Data()
	for j := range 3 {
		if !c.NeedsGrad(j) {
			continue
		}
		dst, beta := c.gradBuf(j)
		d := dst.Data()
		for i := range d {
			var v T
			switch j {
			case 0:
				v = T(gs[i] * -yd[i])
			case 1:
				v = T(gs[i] * yd[i])
			default:
				v = T(gs[i] * -T(ad[i]-bd[i]))
			}
			v = selGradElem(s.active(ad[i], bd[i], yd[i]), v)
			if beta == 0 {
				d[i] = v
			} else {
				d[i] += v
			}
		}
	}
}

// jvp of MarginRanking is -y ∘ (tx1 - tx2) - (x1 - x2) ∘ ty where active
// and +0 selected elsewhere (even for infinite or NaN tangents, as
// PyTorch's forward mode), active = (-y·(x1 - x2) + margin ≥ 0) as in the
// vjp.
func (s *marginRankingOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	ad, bd, yd := c.node().inputs[0].value.Data(), c.node().inputs[1].value.Data(), c.node().inputs[2].value.Data()
	res := tensor.Zeros[T](c.out.value.Shape()...)
	lossTerm(res, ts[0], func(i int) T { return -yd[i] })
	lossTerm(res, ts[1], func(i int) T { return yd[i] })
	lossTerm(res, ts[2], func(i int) T { return -T(ad[i] - bd[i]) })
	rd := res.Data()
	for i := range rd {
		rd[i] = selGradElem(s.active(ad[i], bd[i], yd[i]), rd[i])
	}
	return res
}
