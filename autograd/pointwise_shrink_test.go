package autograd_test

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
)

// TestShrinkEdges checks the shrink activations at their kinks, at ±Inf,
// -0 and NaN against torch 1.13 (F.softshrink, F.hardshrink,
// F.tanhshrink with lambd 0.5; values and the gradient of their sum, for
// a tensor long enough for torch's vectorized loop), except Softshrink's
// value at NaN, which torch 1.13 sends to 0 and this package (like later
// torch versions) keeps NaN. (torch's scalar loop, for short tensors,
// gives Softshrink and Hardshrink the gradient g at NaN, its vectorized
// one +0, as here.)
func TestShrinkEdges(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	in := []float64{nan, -0.5, 0.5, -1, 1, 0, math.Copysign(0, -1), inf, -inf, 0.7, -0.2}
	tests := []struct {
		name        string
		f           func(*autograd.Var[float64]) *autograd.Var[float64]
		value, grad []float64
	}{
		{"Softshrink", func(x *autograd.Var[float64]) *autograd.Var[float64] { return autograd.Softshrink(x, 0.5) },
			[]float64{nan, 0, 0, -0.5, 0.5, 0, 0, inf, -inf, 0.19999999999999996, 0},
			[]float64{0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0}},
		{"Hardshrink", func(x *autograd.Var[float64]) *autograd.Var[float64] { return autograd.Hardshrink(x, 0.5) },
			[]float64{nan, 0, 0, -1, 1, 0, 0, inf, -inf, 0.7, 0},
			[]float64{0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0}},
		{"Hardshrink negative lambd", func(x *autograd.Var[float64]) *autograd.Var[float64] { return autograd.Hardshrink(x, -1) },
			in,
			[]float64{0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		{"Tanhshrink", autograd.Tanhshrink[float64],
			[]float64{nan, -0.03788284273999026, 0.03788284273999026, -0.23840584404423515, 0.23840584404423515, 0, 0, inf, -inf,
				0.09563222288283646, -0.002624679775096006},
			[]float64{nan, 0.2135522670340726, 0.2135522670340726, 0.5800256583859739, 0.5800256583859739, 0, 0, 1, 1,
				0.3652604100175414, 0.038957017033883434}},
	}
	for _, tc := range tests {
		x := autograd.Param(t64(append([]float64(nil), in...), len(in)))
		y := tc.f(x)
		autograd.Sum(y).Backward()
		checkTensor(t, tc.name+" value", y.Value(), view([]int{len(in)}, tc.value...), 1e-15)
		checkTensor(t, tc.name+" gradient", x.Grad(), view([]int{len(in)}, tc.grad...), 1e-15)
	}
	x := autograd.Param(t64([]float64{1}, 1))
	checkUsagePanic(t, func() { autograd.Softshrink(x, -0.5) }, "autograd: Softshrink: lambd -0.5 must be non-negative")
	checkUsagePanic(t, func() { autograd.Softshrink(x, math.NaN()) }, "autograd: Softshrink: lambd NaN must be non-negative")
	checkUsagePanic(t, func() { autograd.Hardshrink(x, math.NaN()) }, "autograd: Hardshrink: lambd is NaN")
}
