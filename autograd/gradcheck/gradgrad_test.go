package gradcheck_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// cube returns x³ as a Function. With raw set its backward is computed on
// raw tensors (correct to first order only); with detach set it is written
// with autograd ops but on Detach(x), so its value is right and its own
// derivative with respect to x is lost; otherwise it is fully
// differentiable.
func cube(raw, detach bool) *Fn {
	return &Fn{
		Name:    "Cube",
		Forward: func(in ...T) T { return tensor.Pow(in[0], 3) },
		Backward: func(c *Ctx, g V) []V {
			x := c.Input(0)
			switch {
			case raw:
				return []V{autograd.Const(tensor.Mul(g.Value(), tensor.Scale(tensor.Pow(x.Value(), 2), 3)))}
			case detach:
				x = autograd.Detach(x)
			}
			return []V{autograd.Mul(g, autograd.Scale(autograd.Square(x), 3))}
		},
	}
}

// Correct functions pass the second-order check, with a report over the
// Jacobian of every gradient with respect to every input and to v.
func TestGradGradCheckPasses(t *testing.T) {
	A := []float64{0.3, -0.2, 0.5, 0.1, 0.9, -0.7}
	B := []float64{0.4, -1.1, 0.6, 0.25, -0.3, 0.8}
	tests := []struct {
		name   string
		f      gradcheck.Func
		inputs []T
		outLen int // elements of f's output (= of v)
	}{
		{"Tanh", func(x []V) V { return autograd.Tanh(x[0]) }, ins(tns([]int{2, 3}, A...)), 6},
		{"Sum(Tanh·b)", func(x []V) V { return autograd.Sum(autograd.Mul(autograd.Tanh(x[0]), x[1])) },
			ins(tns([]int{3}, A[:3]...), tns([]int{3}, B[:3]...)), 1},
		{"Sigmoid(MatMul)", func(x []V) V { return autograd.Sigmoid(autograd.MatMul(x[0], x[1])) },
			ins(tns([]int{2, 3}, A...), tns([]int{3, 2}, B...)), 4},
		{"Div broadcasting", func(x []V) V { return autograd.Div(x[0], x[1]) },
			ins(tns([]int{2, 3}, A...), tns([]int{3}, 1.5, -0.8, 2)), 6},
		{"linear: Sum(x) has a constant gradient", func(x []V) V { return autograd.Sum(x[0]) }, ins(tns([]int{3}, A[:3]...)), 1},
		{"custom op, differentiable backward", applyTo(cube(false, false), false), ins(tns([]int{4}, 0.5, -1.5, 0.2, 1.1)), 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before := cloneData(tc.inputs)
			rep, err := gradcheck.GradGradCheck(tc.f, tc.inputs)
			if err != nil {
				t.Fatalf("GradGradCheck: %v", err)
			}
			checkUnchanged(t, tc.inputs, before)
			n := 0
			for _, x := range tc.inputs {
				n += x.Len()
			}
			// Outputs: the gradients (n elements); inputs: x (n) and v.
			if want := n * (n + tc.outLen); rep.Total != want || rep.Failed != 0 {
				t.Errorf("Failed/Total = %d/%d, want 0/%d", rep.Failed, rep.Total, want)
			}
			if rep.Order != 2 || rep.Reference != gradcheck.FiniteDifferences {
				t.Errorf("Order, Reference = %d, %v; want 2, numeric", rep.Order, rep.Reference)
			}
			if got := rep.Names[len(rep.Names)-1]; len(rep.Names) != len(tc.inputs)+1 || got != "grad output" {
				t.Errorf("Names = %q, want %d entries ending in \"grad output\"", rep.Names, len(tc.inputs)+1)
			}
			checkWorstConsistent(t, rep)
			if !(rep.MaxAbsErr < 1e-6) {
				t.Errorf("MaxAbsErr = %g, want < 1e-6", rep.MaxAbsErr)
			}
		})
	}
}

// A backward on raw tensors is right to first order and loses the second:
// Check passes; under GradGradCheck, whose grad-output vector v requires a
// gradient, autograd refuses the backward with a *UsageError naming the
// Function, which GradGradCheck returns as a *PanicError.
func TestGradGradCheckRawBackward(t *testing.T) {
	f := applyTo(cube(true, false), false)
	x := tns([]int{3}, 0.1, 2.0, -0.3)
	if _, err := gradcheck.Check(f, ins(x)); err != nil {
		t.Fatalf("Check (first order): %v", err)
	}
	_, err := gradcheck.GradGradCheck(f, ins(x))
	var pe *gradcheck.PanicError
	var ue *autograd.UsageError
	if !errors.As(err, &pe) || !errors.As(err, &ue) {
		t.Fatalf("error %v (%T), want a *PanicError wrapping an *autograd.UsageError", err, err)
	}
	for _, s := range []string{"gradcheck: second order: panic", `Function "Cube"`, "does not depend on the output's gradient"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error lacks %q:\n%v", s, err)
		}
	}
}

// A backward whose value is right but which is differentiated wrongly
// (Detach inside) fails in x and passes in v.
func TestGradGradCheckWrongSecondDerivative(t *testing.T) {
	f := applyTo(cube(false, true), false)
	x := tns([]int{2}, 0.5, -1.5)
	if _, err := gradcheck.Check(f, ins(x)); err != nil {
		t.Fatalf("Check (first order): %v", err)
	}
	rep, err := gradcheck.GradGradCheck(f, ins(x), gradcheck.Names("x"))
	ge := asGradcheckError(t, err, rep)
	if rep.Failed != 2 || rep.Total != 8 {
		t.Errorf("Failed/Total = %d/%d, want 2/8 (the diagonal in x)", rep.Failed, rep.Total)
	}
	w := ge.Report.Worst
	if w.Input != 0 || w.Analytic != 0 || w.Grad != 0 || w.Index[0] != w.Output[0] {
		t.Errorf("Worst = %+v, want a diagonal element in x with analytic 0", *w)
	}
	// The numeric value is 6x·v at that element, with v in [-1, 1).
	if xv := x.Data()[w.Index[0]]; !(math.Abs(w.Numeric) <= 6*math.Abs(xv)) || w.Numeric == 0 {
		t.Errorf("Worst.Numeric = %g, want 6x·v, non-zero and at most |6x| = %g", w.Numeric, 6*math.Abs(xv))
	}
	if !strings.Contains(err.Error(), "worst: x element [") || !strings.Contains(err.Error(), "gradient of x element [") {
		t.Errorf("error does not use the name x: %v", err)
	}
}

// The grad-output vector is seeded: the same seed gives the same report,
// another seed another one.
func TestGradGradCheckSeed(t *testing.T) {
	f := applyTo(cube(false, true), false)
	x := tns([]int{2}, 0.1, 0.2)
	run := func(opts ...gradcheck.Option) gradcheck.Report {
		rep, err := gradcheck.GradGradCheck(f, ins(x), opts...)
		if !errors.Is(err, gradcheck.ErrMismatch) {
			t.Fatalf("GradGradCheck error = %v, want a mismatch", err)
		}
		return rep
	}
	if diff := cmp.Diff(run(), run(gradcheck.Seed(0))); diff != "" {
		t.Errorf("default seed differs from Seed(0) (-default +Seed(0)):\n%s", diff)
	}
	if diff := cmp.Diff(run(gradcheck.Seed(7)), run(gradcheck.Seed(7))); diff != "" {
		t.Errorf("two runs with Seed(7) differ:\n%s", diff)
	}
	if cmp.Equal(run(gradcheck.Seed(7)), run(gradcheck.Seed(8))) {
		t.Errorf("Seed(7) and Seed(8) give the same report: the seed is not used")
	}
}

// Errors before and outside the comparison: invalid options (f never
// called), nil output, panics. All carry the second-order prefix.
func TestGradGradCheckErrors(t *testing.T) {
	calls := 0
	counting := func(x []V) V { calls++; return autograd.Sum(x[0]) }
	if _, err := gradcheck.GradGradCheck(counting, ins(tns([]int{2}, 1, 2)), gradcheck.Rtol(-1)); err == nil || !strings.Contains(err.Error(), "invalid options") || calls != 0 {
		t.Errorf("invalid option: err %v, %d calls; want an invalid-options error before any call", err, calls)
	}
	if _, err := gradcheck.GradGradCheck(counting, ins(tns([]int{2}, 1, 2)), gradcheck.Names("a", "b")); err == nil || !strings.Contains(err.Error(), "2 names for 1 inputs") {
		t.Errorf("too many names: err %v", err)
	}
	tests := []struct {
		name string
		f    gradcheck.Func
		want string
	}{
		{"nil output", func(x []V) V { return nil }, "gradcheck: second order: function returned nil"},
		{"nil output during finite differences", func(x []V) V {
			if x[0].Value().Data()[0] != 1 {
				return nil
			}
			return autograd.Sum(autograd.Square(x[0]))
		}, "gradcheck: second order: function returned nil"},
		{"output shape changes", func(x []V) V {
			if x[0].Value().Data()[0] > 1 {
				return autograd.Square(x[0])
			}
			return autograd.Sum(autograd.Square(x[0]))
		}, "gradcheck: second order: f's output shape changed from [] to [2]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gradcheck.GradGradCheck(tc.f, ins(tns([]int{2}, 1, 2)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
			var ge *gradcheck.Error
			if errors.As(err, &ge) {
				t.Errorf("error is a *gradcheck.Error; want a plain error")
			}
		})
	}
}

// AssertGradGrad reports with Errorf and returns whether the check passed.
func TestAssertGradGrad(t *testing.T) {
	x := tns([]int{2}, 0.5, -1.5)
	for _, tc := range []struct {
		name string
		f    gradcheck.Func
		want bool
	}{
		{"differentiable backward", applyTo(cube(false, false), true), true},
		{"raw backward", applyTo(cube(true, false), true), false},
	} {
		tb := &fakeTB{}
		if got := gradcheck.AssertGradGrad(tb, tc.f, ins(x)); got != tc.want {
			t.Errorf("%s: AssertGradGrad = %v, want %v", tc.name, got, tc.want)
		}
		if tb.helpers == 0 {
			t.Errorf("%s: AssertGradGrad did not call tb.Helper", tc.name)
		}
		if wantErrs := map[bool]int{true: 0, false: 1}[tc.want]; len(tb.errs) != wantErrs {
			t.Errorf("%s: %d Errorf calls, want %d: %q", tc.name, len(tb.errs), wantErrs, tb.errs)
		}
		if !tc.want && len(tb.errs) == 1 && !strings.HasPrefix(tb.errs[0], "gradcheck: second order: ") {
			t.Errorf("%s: message %q lacks the second-order prefix", tc.name, tb.errs[0])
		}
	}
}
