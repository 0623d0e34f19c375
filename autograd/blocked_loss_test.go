package autograd_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file is blocked_grad_test.go for the losses: where a loss's
// derivative is 0 by construction (NLL and NLLWith at the classes other
// than the label, NLLWith and CrossEntropyWith across an ignored sample,
// MarginRanking where the margin is not violated, CosineEmbedding on a row
// with y = -1 within the margin) an incoming gradient or
// tangent of ±Inf or NaN there gives exactly +0 by every path (Backward,
// Grad with CreateGraph, VJP, JVP), not 0·Inf = NaN, and a finite one +0
// rather than -0. The gradients elsewhere are PyTorch 1.13's, float32 and
// float64 alike (x.grad after loss(x, reduction='none').backward(g), and
// the tangent of torch.autograd.forward_ad), with g or the tangent +Inf,
// -Inf or NaN at the blocked elements.

// blockedLossCase is a loss at fixed inputs; g returns the incoming
// gradient with s at the blocked elements, want the gradients of the
// inputs (NaN where s makes them NaN) and zero which of them must be +0.
type blockedLossCase[T autograd.Float] struct {
	name    string
	f       func(xs ...*autograd.Var[T]) *autograd.Var[T]
	primals [][]float64
	shape   []int
	g       func(s float64) *tensor.Tensor[T]
	want    func(s float64) [][]float64
	zero    [][]bool
}

func blockedLossCases[T autograd.Float]() []blockedLossCase[T] {
	lp := []float64{-1, -2, -0.5, -0.3, -1, -2}
	logits := []float64{1, 2, 0.5, 0.3, -1, 2}
	w := tensor.MustNew([]T{2, 0, 0.5}, 3)
	ignore := func(i int) *int { return &i }
	vec := func(xs ...float64) *tensor.Tensor[T] { return blockedTensor[T](xs) }
	// The label's element of a sample of NLL passes -g (NaN for NaN g).
	offLabel := [][]bool{{false, true, true, true, true, false}}
	return []blockedLossCase[T]{
		{"NLL none", func(xs ...*autograd.Var[T]) *autograd.Var[T] {
			return autograd.NLL(xs[0], []int{0, 2}, autograd.ReduceNone)
		}, [][]float64{lp}, []int{2, 3},
			func(s float64) *tensor.Tensor[T] { return vec(s, 1) },
			func(s float64) [][]float64 { return [][]float64{{-s, 0, 0, 0, 0, -1}} }, offLabel},
		{"NLL mean", func(xs ...*autograd.Var[T]) *autograd.Var[T] {
			return autograd.NLL(xs[0], []int{0, 2})
		}, [][]float64{lp}, []int{2, 3},
			func(s float64) *tensor.Tensor[T] { return tensor.Full(T(s)) },
			func(s float64) [][]float64 { return [][]float64{{-s / 2, 0, 0, 0, 0, -s / 2}} }, offLabel},
		{"NLLWith none, weight 0 at a label, a sample ignored", func(xs ...*autograd.Var[T]) *autograd.Var[T] {
			return autograd.NLLWith(xs[0], []int{1, -100}, autograd.NLLOptions[T]{Weight: w, IgnoreIndex: ignore(-100), Reduction: autograd.ReduceNone})
		}, [][]float64{lp}, []int{2, 3},
			func(s float64) *tensor.Tensor[T] { return vec(s, s) },
			// The label's weight 0 is a factor: -0·g, NaN for an infinite
			// g, as in PyTorch.
			func(s float64) [][]float64 { return [][]float64{{0, -0 * s, 0, 0, 0, 0}} },
			[][]bool{{true, false, true, true, true, true}}},
		{"NLLWith none, ignore 2", func(xs ...*autograd.Var[T]) *autograd.Var[T] {
			return autograd.NLLWith(xs[0], []int{0, 2}, autograd.NLLOptions[T]{Weight: w, IgnoreIndex: ignore(2), Reduction: autograd.ReduceNone})
		}, [][]float64{lp}, []int{2, 3},
			func(s float64) *tensor.Tensor[T] { return vec(3, s) },
			func(float64) [][]float64 { return [][]float64{{-6, 0, 0, 0, 0, 0}} },
			[][]bool{{false, true, true, true, true, true}}},
		{"CrossEntropyWith none, ignore 2", func(xs ...*autograd.Var[T]) *autograd.Var[T] {
			return autograd.CrossEntropyWith(xs[0], []int{0, 2}, autograd.CrossEntropyOptions[T]{IgnoreIndex: ignore(2), Reduction: autograd.ReduceNone})
		}, [][]float64{logits}, []int{2, 3},
			func(s float64) *tensor.Tensor[T] { return vec(1, s) },
			func(float64) [][]float64 {
				return [][]float64{{-0.768776102377851, 0.6285317192117624, 0.14024438316608848, 0, 0, 0}}
			}, [][]bool{{false, false, false, true, true, true}}},
		{"CrossEntropyWith none, ignore 2, smoothing 0.2", func(xs ...*autograd.Var[T]) *autograd.Var[T] {
			return autograd.CrossEntropyWith(xs[0], []int{0, 2}, autograd.CrossEntropyOptions[T]{IgnoreIndex: ignore(2), LabelSmoothing: 0.2, Reduction: autograd.ReduceNone})
		}, [][]float64{logits}, []int{2, 3},
			func(s float64) *tensor.Tensor[T] { return vec(1, s) },
			func(float64) [][]float64 {
				return [][]float64{{-0.6354427690445177, 0.5618650525450958, 0.07357771649942181, 0, 0, 0}}
			}, [][]bool{{false, false, false, true, true, true}}},
		// z = -y·(x1 - x2) + 0.5 = [0.7, -1.4, -1.5, 0]: the middle two are
		// inactive, the last on the kink (active, as in PyTorch). PyTorch
		// multiplies its selected 0 by ∓y or x1 - x2 afterwards, so some of
		// its zeros are -0 (x1: [-0, +0], x2: [+0, -0], y: [-0, +0]);
		// Adjoint's are +0, the rule of blocked gradients.
		{"MarginRanking none", func(xs ...*autograd.Var[T]) *autograd.Var[T] {
			return autograd.MarginRanking(xs[0], xs[1], xs[2], 0.5, autograd.ReduceNone)
		}, [][]float64{{0.3, 2, -1, 0.5}, {0.5, 0.1, 1, 0}, {1, 1, -1, 1}}, []int{4},
			func(s float64) *tensor.Tensor[T] { return vec(1.5, s, s, 2) },
			func(float64) [][]float64 {
				return [][]float64{{-1.5, 0, 0, -2}, {1.5, 0, 0, 2}, {0.30000000000000004, 0, 0, -1}}
			}, [][]bool{{false, true, true, false}, {false, true, true, false}, {false, true, true, false}}},
		// Rows y = 1, y = -1 with cos ≈ -0.665 ≤ margin -0.2 (inactive:
		// both branches blocked) and y = -1 with cos ≈ 0.488 (active).
		{"CosineEmbedding none", func(xs ...*autograd.Var[T]) *autograd.Var[T] {
			return autograd.CosineEmbedding(xs[0], xs[1], []int{1, -1, -1}, -0.2, autograd.ReduceNone)
		}, [][]float64{cosA, cosB}, []int{3, 2},
			func(s float64) *tensor.Tensor[T] { return vec(1.5, s, 2) },
			func(float64) [][]float64 {
				return [][]float64{
					{-1.076973927762539, -0.3230921783279046, 0, 0, 1.848034836353723, -0.4106744080773286},
					{0.8095872974157654, 2.0239682435555144, 0, 0, -0.4803760277974761, 1.6012534259945734},
				}
			}, [][]bool{{false, false, true, true, false, false}}},
	}
}

// cosA and cosB are the rows of the CosineEmbedding cases.
var cosA, cosB = []float64{0.3, -1, 1, 0.5, 0.2, 0.9}, []float64{0.5, -0.2, -1, 0.4, 1, 0.3}

// TestBlockedLossGradientIsPlusZero runs blockedLossCases for the incoming
// gradients +Inf, -Inf, NaN, 3 and -2 at the blocked elements.
func TestBlockedLossGradientIsPlusZero(t *testing.T) {
	t.Run("float64", runBlockedLoss[float64])
	t.Run("float32", runBlockedLoss[float32])
}

func runBlockedLoss[T autograd.Float](t *testing.T) {
	for _, c := range blockedLossCases[T]() {
		for _, s := range []float64{math.Inf(1), math.Inf(-1), math.NaN(), 3, -2} {
			t.Run(fmt.Sprintf("%s/g=%v", c.name, s), func(t *testing.T) {
				primals := make([]*tensor.Tensor[T], len(c.primals))
				for i, p := range c.primals {
					primals[i] = blockedTensor[T](p).Reshape(c.shape...)
				}
				want := c.want(float64(T(s)))
				zero := c.zero
				for len(zero) < len(want) {
					zero = append(zero, zero[0])
				}
				checkBlockedGrads(t, c.f, primals, c.g(s), want, zero)
			})
		}
	}
}

// TestBlockedLossTangentIsPlusZero gives the blocked elements of the
// losses' inputs a tangent of +Inf, -Inf or NaN: they add exactly nothing
// to JVP's tangent (torch 1.13's forward mode gives the same values).
func TestBlockedLossTangentIsPlusZero(t *testing.T) {
	t.Run("float64", runBlockedLossTangent[float64])
	t.Run("float32", runBlockedLossTangent[float32])
}

func runBlockedLossTangent[T autograd.Float](t *testing.T) {
	w := tensor.MustNew([]T{2, 0, 0.5}, 3)
	two := 2
	lp := blockedTensor[T]([]float64{-1, -2, -0.5, -0.3, -1, -2}).Reshape(2, 3)
	logits := blockedTensor[T]([]float64{1, 2, 0.5, 0.3, -1, 2}).Reshape(2, 3)
	for _, s := range []float64{math.Inf(1), math.Inf(-1), math.NaN(), 3} {
		for _, c := range []struct {
			name     string
			f        func(xs ...*autograd.Var[T]) *autograd.Var[T]
			primals  []*tensor.Tensor[T]
			tangents [][]float64
			want     []float64
			zero     []bool
		}{
			{"NLL none", func(xs ...*autograd.Var[T]) *autograd.Var[T] {
				return autograd.NLL(xs[0], []int{0, 2}, autograd.ReduceNone)
			}, []*tensor.Tensor[T]{lp}, [][]float64{{1, s, s, s, s, 2}}, []float64{-1, -2}, []bool{false, false}},
			{"NLLWith none, ignore 2", func(xs ...*autograd.Var[T]) *autograd.Var[T] {
				return autograd.NLLWith(xs[0], []int{0, 2}, autograd.NLLOptions[T]{Weight: w, IgnoreIndex: &two, Reduction: autograd.ReduceNone})
			}, []*tensor.Tensor[T]{lp}, [][]float64{{1, s, s, s, s, s}}, []float64{-2, 0}, []bool{false, true}},
			{"NLLWith mean, ignore 2", func(xs ...*autograd.Var[T]) *autograd.Var[T] {
				return autograd.NLLWith(xs[0], []int{0, 2}, autograd.NLLOptions[T]{Weight: w, IgnoreIndex: &two})
			}, []*tensor.Tensor[T]{lp}, [][]float64{{1, s, s, s, s, s}}, []float64{-1}, []bool{false}},
			{"CrossEntropyWith none, ignore 2", func(xs ...*autograd.Var[T]) *autograd.Var[T] {
				return autograd.CrossEntropyWith(xs[0], []int{0, 2}, autograd.CrossEntropyOptions[T]{IgnoreIndex: &two, Reduction: autograd.ReduceNone})
			}, []*tensor.Tensor[T]{logits}, [][]float64{{1, 0.5, 2, s, s, s}}, []float64{-0.17402147643979282, 0}, []bool{false, true}},
			{"MarginRanking none", func(xs ...*autograd.Var[T]) *autograd.Var[T] {
				return autograd.MarginRanking(xs[0], xs[1], xs[2], 0.5, autograd.ReduceNone)
			}, []*tensor.Tensor[T]{
				blockedTensor[T]([]float64{0.3, 2, -1, 0.5}), blockedTensor[T]([]float64{0.5, 0.1, 1, 0}), blockedTensor[T]([]float64{1, 1, -1, 1}),
			}, [][]float64{{1, s, s, 0.5}, {0.25, s, s, 1}, {2, s, s, 0}}, []float64{-0.35, 0, 0, 0.5}, []bool{false, true, true, false}},
			{"CosineEmbedding none", func(xs ...*autograd.Var[T]) *autograd.Var[T] {
				return autograd.CosineEmbedding(xs[0], xs[1], []int{1, -1, -1}, -0.2, autograd.ReduceNone)
			}, []*tensor.Tensor[T]{blockedTensor[T](cosA).Reshape(3, 2), blockedTensor[T](cosB).Reshape(3, 2)},
				[][]float64{{1, 0.5, s, s, 0.25, 1}, {0.5, 1, s, s, 1, 2}}, []float64{0.7934945835579373, 0, 1.3867325626013869}, []bool{false, true, false}},
		} {
			t.Run(fmt.Sprintf("%s/t=%v", c.name, s), func(t *testing.T) {
				tangents := make([]*tensor.Tensor[T], len(c.tangents))
				for i, tv := range c.tangents {
					tangents[i] = blockedTensor[T](tv).Reshape(c.primals[i].Shape()...)
				}
				_, tan := autograd.JVP(c.f, c.primals, tangents)
				checkBlockedValues(t, "JVP tangent", tan, c.want, c.zero)
			})
		}
	}
}

// TestBCESecondDerivativeThroughClamp differentiates BCE's recorded
// derivative g·(p - t)/max(p(1 - p), 1e-12) once more, with the incoming
// gradient +Inf at p = 0, where the clamp holds: the clamp passes +0 to
// p(1 - p), not Inf·0 = NaN, so the result is +Inf (the numerator's
// 1/1e-12 times Inf). PyTorch 1.13 gives [inf, 4] for p = [0, 0.5], t =
// [0.25, 0.25] and the incoming gradient [inf, 1], both for its own double
// backward and for the composite (p - t)/clamp_min(p(1 - p), 1e-12).
func TestBCESecondDerivativeThroughClamp(t *testing.T) {
	t.Run("float64", runBCESecondDerivative[float64])
	t.Run("float32", runBCESecondDerivative[float32])
}

func runBCESecondDerivative[T autograd.Float](t *testing.T) {
	for _, s := range []float64{math.Inf(1), math.Inf(-1), math.NaN()} {
		t.Run(fmt.Sprint("gg=", s), func(t *testing.T) {
			p := autograd.Param(blockedTensor[T]([]float64{0, 0.5}))
			target := autograd.Const(blockedTensor[T]([]float64{0.25, 0.25}))
			l := autograd.BCE(p, target, autograd.ReduceNone)
			g1 := autograd.Grad([]*autograd.Var[T]{l}, []*autograd.Var[T]{p},
				autograd.GradOutputs(tensor.Ones[T](2)), autograd.CreateGraph())[0]
			g2 := autograd.Grad([]*autograd.Var[T]{g1}, []*autograd.Var[T]{p},
				autograd.GradOutputs(blockedTensor[T]([]float64{s, 1})))[0]
			// d/dp (p - t)/1e-12 = 1e12 at p = 0, times s; 4 at p = 0.5.
			want := []float64{float64(T(s) * T(1/redBCEEps)), 4}
			checkBlockedValues(t, "d²/dp²", g2.Value(), want, []bool{false, false})
		})
	}
}

// redBCEEps is BCE's bound on p(1 - p) in its derivative (PyTorch's).
const redBCEEps = 1e-12
