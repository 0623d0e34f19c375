package autograd

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestLossForwardRulesMatchGenericRule checks the forward rules of the
// losses and of Lerp, Maximum, Minimum and PowVar against the rule derived
// from their backward (genericJVP) on every option the op table's entries
// do not reach: each reduction, one-sample inputs, no weights, clamps,
// ties, broadcasting, the special points of PowVar, and every non-empty
// subset of the inputs' tangents (a nil tangent must contribute nothing).
func TestLossForwardRulesMatchGenericRule(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	u := func(lo, hi float64, shape ...int) *Var[float64] {
		return Param(tensor.RandUniform(rng, lo, hi, shape...))
	}
	p := func(data []float64, shape ...int) *Var[float64] {
		x, err := tensor.New(data, shape...)
		if err != nil {
			t.Fatal(err)
		}
		return Param(x)
	}
	w := tensor.RandUniform(rng, 0.5, 2, 4)
	three := 3
	cases := map[string]func() *Var[float64]{
		"Huber outside delta": func() *Var[float64] {
			return Huber(p([]float64{-2, -0.1, 0.3, 3}, 4), p([]float64{0, 0, 0, 0}, 4), 0.5, ReduceNone)
		},
		"SmoothL1 sum": func() *Var[float64] { return SmoothL1(u(-2, 2, 3, 4), u(-2, 2, 3, 4), 0.7, ReduceSum) },
		"BCE clamp": func() *Var[float64] {
			return BCE(p([]float64{1e-14, 0.3, 0.9, 1 - 1e-15}, 4), u(0, 1, 4), ReduceNone)
		},
		"BCEWithLogits sum":     func() *Var[float64] { return BCEWithLogits(u(-3, 3, 2, 3), u(0, 1, 2, 3), ReduceSum) },
		"CrossEntropy none":     func() *Var[float64] { return CrossEntropy(u(-2, 2, 3, 4), []int{0, 3, 1}, ReduceNone) },
		"CrossEntropy sum":      func() *Var[float64] { return CrossEntropy(u(-2, 2, 3, 4), []int{2, 3, 1}, ReduceSum) },
		"CrossEntropy [C]":      func() *Var[float64] { return CrossEntropy(u(-2, 2, 4), []int{2}, ReduceNone) },
		"CrossEntropy [C] mean": func() *Var[float64] { return CrossEntropy(u(-2, 2, 4), []int{1}) },
		"NLL [C]":               func() *Var[float64] { return NLL(u(-2, 0, 4), []int{2}, ReduceNone) },
		"NLL none":              func() *Var[float64] { return NLL(u(-2, 0, 3, 4), []int{2, 0, 3}, ReduceNone) },
		"CrossEntropyWith mean ignore": func() *Var[float64] {
			return CrossEntropyWith(u(-2, 2, 3, 4), []int{0, 3, 1}, CrossEntropyOptions[float64]{Weight: w, IgnoreIndex: &three, LabelSmoothing: 0.2})
		},
		"CrossEntropyWith none [C]": func() *Var[float64] {
			return CrossEntropyWith(u(-2, 2, 4), []int{1}, CrossEntropyOptions[float64]{LabelSmoothing: 0.1, Reduction: ReduceNone})
		},
		"CrossEntropySoft none": func() *Var[float64] {
			return CrossEntropySoft(u(-2, 2, 3, 4), u(0, 1, 3, 4), CrossEntropyOptions[float64]{Weight: w, LabelSmoothing: 0.1, Reduction: ReduceNone})
		},
		"CrossEntropySoft [C] mean": func() *Var[float64] {
			return CrossEntropySoft(u(-2, 2, 4), u(0, 1, 4), CrossEntropyOptions[float64]{})
		},
		"CrossEntropySoft const target": func() *Var[float64] {
			return CrossEntropySoft(u(-2, 2, 3, 4), Const(tensor.RandUniform(rng, 0.0, 1.0, 3, 4)), CrossEntropyOptions[float64]{Reduction: ReduceSum})
		},
		"NLLWith none": func() *Var[float64] {
			return NLLWith(u(-2, 0, 3, 4), []int{3, 0, 1}, NLLOptions[float64]{Weight: w, IgnoreIndex: &three, Reduction: ReduceNone})
		},
		"NLLWith mean": func() *Var[float64] {
			return NLLWith(u(-2, 0, 3, 4), []int{2, 0, 1}, NLLOptions[float64]{Weight: w})
		},
		"BCEWithLogitsWith weight": func() *Var[float64] {
			return BCEWithLogitsWith(u(-3, 3, 2, 4), u(0, 1, 2, 4), BCEWithLogitsOptions[float64]{Weight: w, Reduction: ReduceNone})
		},
		"BCEWithLogitsWith pos_weight": func() *Var[float64] {
			return BCEWithLogitsWith(u(-3, 3, 2, 4), u(0, 1, 2, 4), BCEWithLogitsOptions[float64]{PosWeight: w})
		},
		"KLDiv none":           func() *Var[float64] { return KLDiv(u(-3, 0, 3, 4), u(0.1, 1, 3, 4), false, ReduceNone) },
		"KLDiv log target sum": func() *Var[float64] { return KLDiv(u(-3, 0, 3, 4), u(-3, 0, 3, 4), true, ReduceSum) },
		"MarginRanking inactive": func() *Var[float64] {
			return MarginRanking(u(-1, 1, 6), u(-1, 1, 6), p([]float64{1, -1, 1, -1, 1, -1}, 6), 0.1, ReduceNone)
		},
		"CosineSimilarity last axis broadcast": func() *Var[float64] {
			return CosineSimilarity(u(-1, 1, 3, 1, 4), u(-1, 1, 2, 4), -1, 1e-8)
		},
		"CosineSimilarity clamped norm": func() *Var[float64] {
			return CosineSimilarity(p([]float64{1e-9, 2e-9, 0, 1, -1, 2}, 2, 3), u(-1, 1, 2, 3), 1, 1e-8)
		},
		"CosineSimilarity axis 0": func() *Var[float64] { return CosineSimilarity(u(-1, 1, 3, 2), u(-1, 1, 3, 2), 0, 1e-8) },
		"Lerp broadcast":          func() *Var[float64] { return Lerp(u(-1, 1, 2, 1, 3), u(-1, 1, 3), u(-0.2, 1.2, 4, 1)) },
		"Lerp same shape":         func() *Var[float64] { return Lerp(u(-1, 1, 2, 3), u(-1, 1, 2, 3), u(-0.2, 1.2, 2, 3)) },
		"Maximum ties": func() *Var[float64] {
			return Maximum(p([]float64{1, 2, 3, -1, 0, 5}, 2, 3), p([]float64{1, 0, 3}, 3))
		},
		"Minimum ties": func() *Var[float64] {
			return Minimum(p([]float64{1, 2, 3, -1, 0, 5}, 2, 3), p([]float64{1, 0, 3}, 3))
		},
		"Maximum broadcast": func() *Var[float64] { return Maximum(u(-1, 1, 3, 1), u(-1, 1, 4)) },
		"PowVar special": func() *Var[float64] {
			return PowVar(p([]float64{0, 0, 0, 2, 0.5, 3}, 6), p([]float64{0, 2, 0.5, 0, -1.5, 2}, 6))
		},
		"PowVar broadcast": func() *Var[float64] { return PowVar(u(0.5, 2, 2, 3), u(-2, 2, 3)) },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			checked := 0
			walkNodes([]*Var[float64]{f()}, func(v *Var[float64]) {
				if lossJVPTyped(v.node.impl) {
					checked++
					checkRuleSubsets(t, rng, v, jvpTol{rel: 1e-10, inf: true})
				}
			})
			if checked == 0 {
				t.Fatal("no node of the tested types in the graph")
			}
		})
	}
}

// lossJVPTyped reports whether impl is one of the node types whose rules
// TestLossForwardRulesMatchGenericRule checks.
func lossJVPTyped(impl any) bool {
	switch impl.(type) {
	case *huberOp[float64], *bceOp[float64], *bceLogitsOp[float64], *crossEntropyOp[float64], *nllOp[float64],
		*bceWithOp[float64], *klDivOp[float64], *marginRankingOp[float64], *ceWithOp[float64], *cosineOp[float64],
		lerpOp[float64], maximumOp[float64], minimumOp[float64], powVarOp[float64]:
		return true
	}
	return false
}
