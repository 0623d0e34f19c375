package autograd_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
)

// TestPoissonNLLStirlingAtZeroTarget checks that the Stirling term of a
// target at or below 1 is 0 with a gradient of +0, also at a target of 0,
// where torch's is NaN (0·log 0): the term is computed at 1 there.
func TestPoissonNLLStirlingAtZeroTarget(t *testing.T) {
	x := autograd.Param(t64([]float64{0.5, -1, 2}, 3))
	target := autograd.Param(t64([]float64{0, 1, 3}, 3))
	autograd.PoissonNLL(x, target, true, true, 1e-8, autograd.ReduceSum).Backward()
	// d/dtarget = -x + (log t + 1/(2t)) where t > 1.
	want := []float64{-0.5, 1, -2 + math.Log(3) + 1.0/6}
	if diff := cmp.Diff(want, target.Grad().Data(), cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("d/dtarget (-want +got):\n%s", diff)
	}
}

// TestGaussianNLLVariance checks the variance's clamp: a variance in
// [0, eps) enters the loss as eps and gets the formula's gradient at eps
// as if unclamped (torch's clamp under no_grad), and a negative one gives
// NaN instead of being clamped.
func TestGaussianNLLVariance(t *testing.T) {
	const eps = 0.1
	x := autograd.Const(t64([]float64{1, 1, 1}, 3))
	y := autograd.Const(t64([]float64{0, 0, 0}, 3))
	v := autograd.Param(t64([]float64{0, 0.05, 0.5}, 3))
	l := autograd.GaussianNLL(x, y, v, false, eps, autograd.ReduceNone)
	// ½(log v + 1/v), its derivative ½(1/v - 1/v²), at v = eps, eps, 0.5.
	loss := func(v float64) float64 { return 0.5 * (math.Log(v) + 1/v) }
	grad := func(v float64) float64 { return 0.5 * (1/v - 1/(v*v)) }
	opt := cmpopts.EquateApprox(0, 1e-12)
	if diff := cmp.Diff([]float64{loss(eps), loss(eps), loss(0.5)}, l.Value().Data(), opt); diff != "" {
		t.Errorf("loss (-want +got):\n%s", diff)
	}
	autograd.Sum(l).Backward()
	if diff := cmp.Diff([]float64{grad(eps), grad(eps), grad(0.5)}, v.Grad().Data(), opt); diff != "" {
		t.Errorf("d/dvariance (-want +got):\n%s", diff)
	}
	neg := autograd.GaussianNLL(x, y, autograd.Const(t64([]float64{1, -0.5, 1}, 3)), false, eps, autograd.ReduceNone)
	if got := neg.Value().Data(); !math.IsNaN(got[1]) || math.IsNaN(got[0]) {
		t.Errorf("losses with a negative variance = %v, want NaN at 1 only", got)
	}
}

// TestMarginLossesByHand checks HingeEmbedding and MultiMargin against
// their formulas on small inputs, gradients included.
func TestMarginLossesByHand(t *testing.T) {
	opt := cmpopts.EquateApprox(0, 1e-12)
	x := autograd.Param(t64([]float64{0.3, 2, 0.3, 2, -1}, 5))
	y := autograd.Const(t64([]float64{1, 1, -1, -1, 0}, 5))
	l := autograd.HingeEmbedding(x, y, 1, autograd.ReduceNone)
	// x where y = 1, max(0, 1 - x) where y = -1, both for another label.
	if diff := cmp.Diff([]float64{0.3, 2, 0.7, 0, -1 + 2}, l.Value().Data(), opt); diff != "" {
		t.Errorf("HingeEmbedding (-want +got):\n%s", diff)
	}
	autograd.Sum(l).Backward()
	// For the label 0, 1 from x and -1 from the hinge (1 - x > 0).
	if diff := cmp.Diff([]float64{1, 1, -1, 0, 0}, x.Grad().Data(), opt); diff != "" {
		t.Errorf("d HingeEmbedding/dx (-want +got):\n%s", diff)
	}

	s := autograd.Param(t64([]float64{0.1, 0.5, -0.2, 2, 0, 1.5}, 2, 3))
	w := t64([]float64{2, 1, 3}, 3)
	m := autograd.MultiMargin(s, []int{1, 2}, 2, 1, w, autograd.ReduceNone)
	// Row 0, label 1: hinges 1 - 0.5 + 0.1 = 0.6 and 1 - 0.5 - 0.2 = 0.3,
	// squared, times w[1] = 1, over 3. Row 1, label 2: 1 - 1.5 + 2 = 1.5
	// and 1 - 1.5 + 0 = -0.5 (inactive), times w[2] = 3, over 3.
	if diff := cmp.Diff([]float64{(0.36 + 0.09) / 3, 1.5 * 1.5 * 3 / 3}, m.Value().Data(), opt); diff != "" {
		t.Errorf("MultiMargin (-want +got):\n%s", diff)
	}
	autograd.Sum(m).Backward()
	want := []float64{2 * 0.6 / 3, -2 * (0.6 + 0.3) / 3, 2 * 0.3 / 3, 3 * 2 * 1.5 / 3, 0, -3 * 2 * 1.5 / 3}
	if diff := cmp.Diff(want, s.Grad().Data(), opt); diff != "" {
		t.Errorf("d MultiMargin/dx (-want +got):\n%s", diff)
	}
}
