package gradcheck_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
)

// Tests of Check's options: tolerances, the finite-difference step, and
// invalid options.

// borderline returns Sum(x² - δ·x·Detach(x)·m), m one-hot at k: its true
// derivative at k is 2x_k(1-δ), its analytic one 2x_k - δx_k, so the
// absolute error there is δ|x_k| and the relative error δ/(2(1-δ)); every
// other element is exact.
func borderline(k int, delta float64) gradcheck.Func {
	return func(x []V) V {
		m, _ := oneHot(x[0].Shape(), k)
		wrong := autograd.Scale(autograd.Mul(autograd.Mul(x[0], autograd.Detach(x[0])), m), delta)
		return autograd.Sum(autograd.Sub(autograd.Square(x[0]), wrong))
	}
}

// 5. Options change the criterion.
func TestCheckTolerances(t *testing.T) {
	// At x_k = 1, δ = 0.01: analytic 1.99, numeric 1.98, abs err 0.01,
	// rel err 0.00505.
	inputs := ins(tns([]int{3}, 0.4, 1, -0.7))
	const k = 1
	tests := []struct {
		name string
		opts []gradcheck.Option
		pass bool
		atol float64
		rtol float64
	}{
		{"defaults fail", nil, false, 1e-5, 1e-3},
		{"rtol 1e-2 passes", []gradcheck.Option{gradcheck.Rtol(1e-2)}, true, 1e-5, 1e-2},
		{"rtol 4e-3 fails", []gradcheck.Option{gradcheck.Rtol(4e-3)}, false, 1e-5, 4e-3},
		{"atol 0.011 passes", []gradcheck.Option{gradcheck.Atol(0.011)}, true, 0.011, 1e-3},
		{"atol 0.005 fails", []gradcheck.Option{gradcheck.Atol(0.005)}, false, 0.005, 1e-3},
		{"atol 0, rtol 0.0051 passes", []gradcheck.Option{gradcheck.Atol(0), gradcheck.Rtol(0.0051)}, true, 0, 0.0051},
		{"atol 0, rtol 0.005 fails", []gradcheck.Option{gradcheck.Atol(0), gradcheck.Rtol(0.005)}, false, 0, 0.005},
		{"later option wins", []gradcheck.Option{gradcheck.Rtol(1e-2), gradcheck.Rtol(1e-3)}, false, 1e-5, 1e-3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep, err := gradcheck.Check(borderline(k, 0.01), inputs, tc.opts...)
			if tc.pass {
				if err != nil {
					t.Fatalf("Check: %v, want pass", err)
				}
				if rep.Failed != 0 {
					t.Errorf("Failed = %d, want 0", rep.Failed)
				}
			} else {
				asGradcheckError(t, err, rep)
				if rep.Failed != 1 {
					t.Errorf("Failed = %d, want 1", rep.Failed)
				}
			}
			if rep.Total != 3 {
				t.Errorf("Total = %d, want 3", rep.Total)
			}
			if rep.Atol != tc.atol || rep.Rtol != tc.rtol || rep.Eps != 1e-6 {
				t.Errorf("Atol, Rtol, Eps = %g, %g, %g; want %g, %g, 1e-6", rep.Atol, rep.Rtol, rep.Eps, tc.atol, tc.rtol)
			}
			// Passing or not, the borderline element is the worst.
			checkWorstConsistent(t, rep)
			w := rep.Worst
			if diff := cmp.Diff([]int{k}, w.Index); diff != "" {
				t.Errorf("Worst.Index (-want +got):\n%s", diff)
			}
			if !near(w.Analytic, 1.99, 1e-12) || !near(w.Numeric, 1.98, 1e-8) || !near(w.AbsErr, 0.01, 1e-8) {
				t.Errorf("Worst = %+v, want analytic 1.99, numeric 1.98, abs err 0.01", *w)
			}
		})
	}
}

// Eps is the finite-difference step: for x³ the central difference is
// exactly 3x² + eps², so a coarse step fails and a fine one passes.
func TestCheckEps(t *testing.T) {
	cube := func(x []V) V { return autograd.Sum(autograd.Pow(x[0], 3)) }
	tests := []struct {
		name        string
		opts        []gradcheck.Option
		pass        bool
		eps         float64
		wantNumeric float64
	}{
		{"default 1e-6", nil, true, 1e-6, 3},
		{"1e-3", []gradcheck.Option{gradcheck.Eps(1e-3)}, true, 1e-3, 3 + 1e-6},
		{"0.1 fails", []gradcheck.Option{gradcheck.Eps(0.1)}, false, 0.1, 3.01},
		{"0.1 with atol 0.02 passes", []gradcheck.Option{gradcheck.Eps(0.1), gradcheck.Atol(0.02)}, true, 0.1, 3.01},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep, err := gradcheck.Check(cube, ins(tns([]int{1}, 1)), tc.opts...)
			if tc.pass && err != nil {
				t.Fatalf("Check: %v, want pass", err)
			}
			if !tc.pass {
				asGradcheckError(t, err, rep)
			}
			if rep.Eps != tc.eps {
				t.Errorf("Eps = %g, want %g", rep.Eps, tc.eps)
			}
			checkWorstConsistent(t, rep)
			if w := rep.Worst; w.Analytic != 3 || !near(w.Numeric, tc.wantNumeric, 1e-9) {
				t.Errorf("Worst analytic %.15g, numeric %.15g; want 3, %.15g", w.Analytic, w.Numeric, tc.wantNumeric)
			}
		})
	}
}

// With a step that is a power of two, a linear function's central
// difference is exact, so zero tolerances are valid and pass.
func TestCheckZeroTolerancesExact(t *testing.T) {
	f := func(x []V) V { return autograd.Sum(autograd.Scale(x[0], 2)) }
	rep, err := gradcheck.Check(f, ins(tns([]int{2}, 0.5, -0.25)),
		gradcheck.Eps(math.Ldexp(1, -20)), gradcheck.Atol(0), gradcheck.Rtol(0))
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if rep.Failed != 0 || rep.Total != 2 || rep.MaxAbsErr != 0 || rep.MaxRelErr != 0 {
		t.Errorf("report %v, want 0 of 2 failed with zero errors", rep)
	}
}

// 5. Invalid options are plain errors, found before f is ever called.
func TestCheckInvalidOptions(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name string
		opt  gradcheck.Option
	}{
		{"eps 0", gradcheck.Eps(0)},
		{"eps negative", gradcheck.Eps(-1e-6)},
		{"eps NaN", gradcheck.Eps(nan)},
		{"eps +Inf", gradcheck.Eps(inf)},
		{"atol negative", gradcheck.Atol(-1e-5)},
		{"atol NaN", gradcheck.Atol(nan)},
		{"atol +Inf", gradcheck.Atol(inf)},
		{"rtol negative", gradcheck.Rtol(-1e-3)},
		{"rtol NaN", gradcheck.Rtol(nan)},
		{"rtol +Inf", gradcheck.Rtol(inf)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			f := func(x []V) V { calls++; return autograd.Sum(x[0]) }
			_, err := gradcheck.Check(f, ins(tns([]int{2}, 1, 2)), tc.opt)
			if err == nil {
				t.Fatal("Check accepted an invalid option")
			}
			var ge *gradcheck.Error
			if errors.As(err, &ge) {
				t.Errorf("error %v is a *gradcheck.Error; want a plain error", err)
			}
			if !strings.Contains(err.Error(), "invalid options") {
				t.Errorf("error %q does not say the options are invalid", err)
			}
			if calls != 0 {
				t.Errorf("f called %d times before the options were validated", calls)
			}
		})
	}
}

// TestCheckNilArguments: a nil function or input is a plain error naming
// the checker and the argument, from every checker (it was a *PanicError
// wrapping a nil dereference).
func TestCheckNilArguments(t *testing.T) {
	sum := func(x []V) V { return autograd.Sum(x[0]) }
	x := ins(tns([]int{2}, 1, 2))
	jac := func([]T) []T { return nil }
	checkers := map[string]func(f gradcheck.Func, in []T) error{
		"Check":         func(f gradcheck.Func, in []T) error { _, err := gradcheck.Check(f, in); return err },
		"CheckJVP":      func(f gradcheck.Func, in []T) error { _, err := gradcheck.CheckJVP(f, in); return err },
		"GradGradCheck": func(f gradcheck.Func, in []T) error { _, err := gradcheck.GradGradCheck(f, in); return err },
		"CheckJacobian": func(f gradcheck.Func, in []T) error { _, err := gradcheck.CheckJacobian(f, in, jac); return err },
	}
	for name, check := range checkers {
		for _, c := range []struct {
			f    gradcheck.Func
			in   []T
			want string
		}{
			{nil, x, "gradcheck: " + name + ": nil function"},
			{sum, []T{x[0], nil}, "gradcheck: " + name + ": input 1 is nil"},
		} {
			err := check(c.f, c.in)
			var pe *gradcheck.PanicError
			if err == nil || errors.As(err, &pe) || err.Error() != c.want {
				t.Errorf("%s: error %v, want the plain error %q", name, err, c.want)
			}
		}
	}
}
