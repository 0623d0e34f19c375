package autograd

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the negative log-likelihood losses of a distribution
// the network predicts: PoissonNLL (counts) and GaussianNLL (a mean and a
// variance). Both compose differentiable ops, each with its fused
// derivative, the way PyTorch defines them, so their gradients (and
// gradients of gradients) are those ops'.

// PoissonNLL returns PyTorch's poisson_nll_loss of a predicted rate and an
// observed target of one shape, reduced like MSE: with logInput the
// prediction is the log of the rate λ,
//
//	exp(input) - target·input          (logInput)
//	input - target·log(input + eps)    (otherwise, input is λ itself)
//
// and full adds Stirling's approximation of log(target!),
// target·log(target) - target + ½·log(2π·target), where target > 1 (0
// elsewhere). torch's defaults are logInput true, full false and eps 1e-8.
// The target is differentiable, as in PyTorch; where target ≤ 1 the
// Stirling term's gradient is +0 (torch's is NaN at a target of 0, from
// 0·log 0). It panics with a *tensor.ShapeError when the shapes differ,
// eps is negative or NaN, or the reduction is unknown.
func PoissonNLL[T Float](input, target *Var[T], logInput, full bool, eps T, reduction ...Reduction) *Var[T] {
	checkOperands2("PoissonNLL", input, target)
	const op = "PoissonNLL"
	redCheckPair(op, "input", input, target)
	r := redReduction(op, reduction)
	if !(eps >= 0) {
		panic(shapeErr(op, fmt.Sprintf("eps must be non-negative, got %v", eps), input.value.Shape()))
	}
	ar := arenaOf(input, target)
	input, target = ar.step(input), ar.step(target)
	var l *Var[T]
	if logInput {
		l = Sub(Exp(input), Mul(target, input))
	} else {
		l = Sub(input, Mul(target, Log(Add(input, lossScalar(ar, eps)))))
	}
	if full {
		one := lossScalar(ar, T(1))
		small := LessEqual(target, one)
		// Where target ≤ 1 the term is 0: compute it at 1 there, so that
		// its masked-away gradient meets no log 0.
		t := MaskedFill(target, small, 1)
		st := Add(Sub(Mul(t, Log(t)), t), Scale(Log(Scale(t, T(2*math.Pi))), 0.5))
		l = Add(l, MaskedFill(st, small, 0))
	}
	return redReduce(l, r)
}

// GaussianNLL returns PyTorch's gaussian_nll_loss of a predicted mean
// (input), a target of the same shape and a predicted variance, reduced
// like MSE over the elements of input:
//
//	½·(log(max(variance, eps)) + (input - target)²/max(variance, eps))   (+ ½·log 2π with full)
//
// variance has input's shape (one variance per element), or input's with
// a last axis of 1 or without its last axis (one per row); torch's
// defaults are full false and eps 1e-6 (0 clamps nothing). As in
// PyTorch, the clamp to eps changes the value only: a variance in
// [0, eps) still gets the gradient of the formula at eps, as if
// unclamped, so that a network's variance head is pushed back up. A
// negative variance, which torch refuses with an error, is not clamped:
// its loss is NaN, which DetectAnomaly reports. All three inputs are
// differentiable. It panics with a
// *tensor.ShapeError when input and target differ in shape, variance fits
// none of the three shapes, eps is negative or NaN, or the reduction is
// unknown.
func GaussianNLL[T Float](input, target, variance *Var[T], full bool, eps T, reduction ...Reduction) *Var[T] {
	checkOperands3("GaussianNLL", input, target, variance)
	const op = "GaussianNLL"
	redCheckPair(op, "input", input, target)
	r := redReduction(op, reduction)
	if !(eps >= 0) {
		panic(shapeErr(op, fmt.Sprintf("eps must be non-negative, got %v", eps), input.value.Shape()))
	}
	ar := arenaOf(input, target, variance)
	input, target, variance = ar.step(input), ar.step(target), ar.step(variance)
	variance = gaussianVariance(op, input.value, variance)
	clamp := false
	for _, v := range variance.value.Data() {
		clamp = clamp || (v >= 0 && v < eps)
	}
	if clamp {
		var buf [maxStackDims]int
		small := arenaMask(ar, shapeOf(variance.value, buf[:0]))
		for i, v := range variance.value.Data() {
			small.Data()[i] = v >= 0 && v < eps
		}
		// eps + (v - v) is exactly eps, with the derivative 1 of v.
		same := Sub(variance, arenaConst(ar, variance.value))
		variance = Where(small, Add(lossScalar(ar, eps), same), variance)
	}
	l := Scale(Add(Log(variance), Div(Square(Sub(input, target)), variance)), 0.5)
	if full {
		l = Add(l, lossScalar(ar, T(0.5*math.Log(2*math.Pi))))
	}
	return redReduce(l, r)
}

// gaussianVariance returns GaussianNLL's variance with an axis added when
// it lacks input's last one, panicking when its shape fits none of the
// three that GaussianNLL takes.
func gaussianVariance[T Float](op string, input *tensor.Tensor[T], variance *Var[T]) *Var[T] {
	v := variance.value
	n := input.Dims()
	// leading reports whether v's first n-1 axes are input's.
	leading := func() bool {
		for i := range n - 1 {
			if v.Dim(i) != input.Dim(i) {
				return false
			}
		}
		return true
	}
	switch {
	case v.SameShapeAs(input):
		return variance
	case n > 0 && v.Dims() == n-1 && leading():
		return Unsqueeze(variance, -1)
	case n > 0 && v.Dims() == n && v.Dim(n-1) == 1 && leading():
		return variance
	}
	panic(shapeErr(op, "variance must have input's shape, or input's with a last axis of 1 or without it", input.Shape(), v.Shape()))
}

// lossScalar returns a 0-d constant v, of ar when it is not nil (so that it
// allocates nothing in a steady step).
func lossScalar[T Float](ar *Arena[T], v T) *Var[T] {
	if ar == nil {
		return Scalar(v)
	}
	t := ar.tensor()
	t.Data()[0] = v
	return ar.Const(t)
}
