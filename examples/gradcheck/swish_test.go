package main

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// The suite as a user would run it: every case is a subtest, and the broken
// variant passes only because it fails with ErrMismatch (WantErr).
func TestSwishSuite(t *testing.T) {
	gradcheck.Run(t, suite())
}

// The broken variant, checked on its own, fails; the report blames β, not
// x, and its worst element has the analytic value of the broken formula
// x·s(1-s) against the true x²·s(1-s).
func TestBrokenSwishIsCaught(t *testing.T) {
	var broken gradcheck.Case
	for _, c := range suite() {
		if c.WantErr != nil {
			broken = c
		}
	}
	broken.WantErr = nil
	err := broken.Check()
	var ge *gradcheck.Error
	if !errors.As(err, &ge) {
		t.Fatalf("Check(BrokenSwish) = %v, want a *gradcheck.Error", err)
	}
	rep := ge.Report
	inputs, err2 := broken.Draw()
	if err2 != nil {
		t.Fatal(err2)
	}
	x, beta := inputs[0], inputs[1].Item()
	// Only β's column is wrong: x.Len() elements of x.Len()·(x.Len() + 1).
	n := x.Len()
	if rep.Failed != n || rep.Total != n*(n+1) {
		t.Errorf("Failed/Total = %d/%d, want %d/%d", rep.Failed, rep.Total, n, n*(n+1))
	}
	w := rep.Worst
	if w.Input != 1 {
		t.Fatalf("worst element is in input %d, want 1 (beta); report: %v", w.Input, rep)
	}
	v := x.Data()[w.Output[0]*x.Shape()[1]+w.Output[1]]
	s := 1 / (1 + math.Exp(-beta*v))
	if want := v * s * (1 - s); math.Abs(w.Analytic-want) > 1e-12 {
		t.Errorf("Worst.Analytic = %g, want the broken x·s(1-s) = %g", w.Analytic, want)
	}
	if want := v * v * s * (1 - s); math.Abs(w.Numeric-want) > 1e-8 {
		t.Errorf("Worst.Numeric = %g, want the true x²·s(1-s) = %g", w.Numeric, want)
	}
	if !strings.Contains(err.Error(), "worst: beta element [], output [") {
		t.Errorf("the report does not name beta:\n%v", err)
	}

	// The first-order suite case of the correct op, with the broken op
	// swapped in, fails against the closed-form Jacobian too.
	good := suite()[0]
	good.F = swishOf(BrokenSwish[float64])
	if err := good.Check(); !errors.Is(err, gradcheck.ErrMismatch) || !strings.Contains(err.Error(), "(against the supplied Jacobian)") {
		t.Errorf("BrokenSwish against the closed-form Jacobian: %v, want a mismatch", err)
	}
}

// Forward values against the formula, in float64 and float32, for a scalar
// β and one β per feature.
func TestSwishForward(t *testing.T) {
	xs := []float64{-3, -0.5, 0, 0.5, 2, 7}
	tests := []struct {
		name  string
		beta  []float64
		shape []int
	}{
		{"scalar beta", []float64{1.5}, nil},
		{"per-feature beta", []float64{0.5, 1, -2}, []int{3}},
	}
	for _, tc := range tests {
		want := make([]float64, len(xs))
		for i, v := range xs {
			b := tc.beta[i%len(tc.beta)]
			want[i] = v / (1 + math.Exp(-b*v))
		}
		t.Run(tc.name+"/float64", func(t *testing.T) {
			y := Swish(autograd.Const(tensor.MustNew(xs, 2, 3)), autograd.Const(tensor.MustNew(tc.beta, tc.shape...)))
			if diff := cmp.Diff(want, y.Value().Data(), cmpopts.EquateApprox(1e-14, 1e-15)); diff != "" {
				t.Errorf("Swish (-want +got):\n%s", diff)
			}
		})
		t.Run(tc.name+"/float32", func(t *testing.T) {
			x32 := make([]float32, len(xs))
			for i, v := range xs {
				x32[i] = float32(v)
			}
			b32 := make([]float32, len(tc.beta))
			for i, v := range tc.beta {
				b32[i] = float32(v)
			}
			y := Swish(autograd.Const(tensor.MustNew(x32, 2, 3)), autograd.Const(tensor.MustNew(b32, tc.shape...)))
			got := make([]float64, len(xs))
			for i, v := range y.Value().Data() {
				got[i] = float64(v)
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateApprox(1e-6, 1e-6)); diff != "" {
				t.Errorf("Swish (-want +got):\n%s", diff)
			}
		})
	}
}

// β learns: its gradient accumulates over x (summed back to β's shape),
// and a gradient step on β lowers a loss.
func TestSwishBetaLearns(t *testing.T) {
	x := autograd.Const(tensor.MustNew([]float64{-1, 0.5, 2, -0.3, 1.2, 0.8}, 2, 3))
	target := autograd.Const(tensor.MustNew([]float64{-0.1, 0.4, 1.9, -0.1, 1.0, 0.7}, 2, 3))
	beta := autograd.Param(tensor.MustNew([]float64{0.2, 0.2, 0.2}, 3))
	loss := func() *autograd.Var[float64] { return autograd.MSE(Swish(x, beta), target) }
	first := loss()
	first.Backward()
	if diff := cmp.Diff([]int{3}, beta.Grad().Shape()); diff != "" {
		t.Fatalf("β's gradient shape (-want +got):\n%s", diff)
	}
	before := first.Item()
	for range 200 {
		beta.ZeroGrad()
		l := loss()
		l.Backward()
		beta.Value().AddScaledInPlace(-0.5, beta.Grad())
	}
	if after := loss().Item(); !(after < before/2) {
		t.Errorf("loss %g → %g after 200 steps on β; want it at least halved", before, after)
	}
}

// The program prints every case, with the broken one's report, and
// succeeds.
func TestRun(t *testing.T) {
	var buf bytes.Buffer
	if err := run(&buf, suite()); err != nil {
		t.Fatalf("run: %v\n%s", err, buf.String())
	}
	out := buf.String()
	for _, c := range suite() {
		if !strings.Contains(out, "ok    "+c.Name) {
			t.Errorf("output lacks %q:\n%s", "ok    "+c.Name, out)
		}
	}
	for _, want := range []string{"(fails as it should):", "worst: beta element [], output [", "analytic ", "numeric ", "inputs (seed "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "FAIL") {
		t.Errorf("output reports a failure:\n%s", out)
	}
}

// A case that misbehaves (a correct op expected to fail, a broken one
// expected to pass) makes run fail and print FAIL.
func TestRunMisbehaving(t *testing.T) {
	cases := suite()
	good, broken := cases[0], cases[len(cases)-1]
	good.WantErr = gradcheck.ErrMismatch
	broken.WantErr = nil
	var buf bytes.Buffer
	err := run(&buf, []gradcheck.Case{good, broken})
	if err == nil || !strings.Contains(err.Error(), "2 cases misbehaved") {
		t.Errorf("run = %v, want \"2 cases misbehaved\"", err)
	}
	out := buf.String()
	for _, want := range []string{"FAIL  " + good.Name + ": want an error matching", "FAIL  " + broken.Name + "\ngradcheck: "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
