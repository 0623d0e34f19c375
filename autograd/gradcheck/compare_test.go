package gradcheck_test

import (
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

// Tests of the comparison rule with infinities and NaN: torch.allclose's,
// in every check, and a finite difference that overflowed vouches for
// nothing.

var (
	inf = math.Inf(1)
	nan = math.NaN()
	// big·nearMax is finite, but big·(nearMax + 1e-6) overflows to +Inf.
	big     = math.MaxFloat64
	nearMax = 1 - 1e-7
)

// scaleBig is big·x as a Function, so that it overflows just above 1,
// whose derivative is k(x)·big (k 1 everywhere is right, -1 a wrong sign),
// in Backward and in its JVP rule.
func scaleBig(k func(x float64) float64) *Fn {
	factor := func(x T) T { return tensor.Map(x, func(v float64) float64 { return k(v) * big }) }
	return &Fn{
		Name:     "ScaleBig",
		Forward:  func(in ...T) T { return tensor.Map(in[0], func(v float64) float64 { return big * v }) },
		Backward: func(c *Ctx, g V) []V { return []V{autograd.Mul(g, autograd.Const(factor(c.Input(0).Value())))} },
		JVP:      func(c *Ctx, ts []T) T { return tensor.Mul(ts[0], factor(c.Input(0).Value())) },
	}
}

// halfSquareBig is big·x²/2 as a Function whose Backward is g·scaleBig(x),
// so that its gradient overflows just above x = 1 (its value is not used).
func halfSquareBig() *Fn {
	h := scaleBig(constant(1))
	return &Fn{
		Name:     "HalfSquareBig",
		Forward:  func(in ...T) T { return tensor.Map(in[0], func(v float64) float64 { return big / 2 * v * v }) },
		Backward: func(c *Ctx, g V) []V { return []V{autograd.Mul(g, h.Apply(c.Input(0)))} },
	}
}

func constant(v float64) func(float64) float64 { return func(float64) float64 { return v } }

// verdict is what the tests compare of a report.
type verdict struct {
	Failed, Total, Overflowed int
	Worst                     gradcheck.Element
}

func verdictOf(t *testing.T, rep gradcheck.Report) verdict {
	t.Helper()
	if rep.Worst == nil {
		t.Fatalf("Worst is nil: %v", rep)
	}
	return verdict{rep.Failed, rep.Total, rep.Overflowed, *rep.Worst}
}

var equateVerdict = cmp.Options{cmpopts.EquateNaNs(), cmpopts.EquateEmpty(), cmpopts.EquateApprox(1e-12, 0)}

// CheckJacobian: an infinite expected value matches only the same infinity;
// NaN matches nothing, NaN included; loose tolerances change none of it.
func TestCheckJacobianInfinities(t *testing.T) {
	sqrt := func(x []V) V { return autograd.Sqrt(x[0]) }      // +Inf at 0
	negSqrt := func(x []V) V { return autograd.Neg(sqrt(x)) } // -Inf at 0
	nanGrad := applyTo(&Fn{Name: "NaNGrad", Forward: func(in ...T) T { return in[0].Clone() },
		Backward: func(c *Ctx, g V) []V { return []V{autograd.Scale(g, nan)} }}, false)
	double := func(x []V) V { return autograd.Scale(x[0], 2) }
	zero := tns([]int{1}, 0)
	expect := func(v float64) gradcheck.Jacobian { return func([]T) []T { return []T{tns([]int{1, 1}, v)} } }
	el := func(a, n, abs, rel float64) gradcheck.Element {
		return gradcheck.Element{Index: []int{0}, Output: []int{0}, Analytic: a, Numeric: n, AbsErr: abs, RelErr: rel}
	}
	tests := []struct {
		name string
		f    gradcheck.Func
		jac  gradcheck.Jacobian
		want verdict
	}{
		{"-Inf against +Inf fails", negSqrt, expect(inf), verdict{1, 1, 0, el(-inf, inf, inf, inf)}},
		{"+Inf against +Inf passes", sqrt, expect(inf), verdict{0, 1, 0, el(inf, inf, 0, 0)}},
		{"-Inf against -Inf passes", negSqrt, expect(-inf), verdict{0, 1, 0, el(-inf, -inf, 0, 0)}},
		{"finite against +Inf fails", double, expect(inf), verdict{1, 1, 0, el(2, inf, inf, inf)}},
		{"+Inf against finite fails", sqrt, expect(1e300), verdict{1, 1, 0, el(inf, 1e300, inf, inf)}},
		{"NaN against +Inf fails", nanGrad, expect(inf), verdict{1, 1, 0, el(nan, inf, inf, inf)}},
		{"NaN against NaN fails", nanGrad, expect(nan), verdict{1, 1, 0, el(nan, nan, inf, inf)}},
		{"finite against NaN fails", double, expect(nan), verdict{1, 1, 0, el(2, nan, inf, inf)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := gradcheck.CheckJacobian(tc.f, ins(zero), tc.jac, gradcheck.Atol(1e6), gradcheck.Rtol(1e6))
			if diff := cmp.Diff(tc.want, verdictOf(t, rep), equateVerdict); diff != "" {
				t.Errorf("report %v (-want +got):\n%s", rep, diff)
			}
			if tc.want.Failed == 0 {
				if err != nil || rep.MaxAbsErr != 0 || rep.MaxRelErr != 0 {
					t.Errorf("err %v, max errs %g, %g; want nil, 0, 0", err, rep.MaxAbsErr, rep.MaxRelErr)
				}
				return
			}
			asGradcheckError(t, err, rep)
		})
	}
}

// The worst element is a failing one: a passing infinite element (abs err
// 0) is not shown in place of the one that fails.
func TestWorstIsAFailingElement(t *testing.T) {
	// f(x, y) = sqrt(x) + y: at x = 0 its derivative in x is +Inf, as
	// expected; the expected 1.5 for y is wrong.
	f := func(x []V) V { return autograd.Add(autograd.Sqrt(x[0]), x[1]) }
	jac := func([]T) []T { return []T{tns([]int{1, 1}, inf), tns([]int{1, 1}, 1.5)} }
	rep, err := gradcheck.CheckJacobian(f, ins(tns([]int{1}, 0), tns([]int{1}, 2)), jac)
	asGradcheckError(t, err, rep)
	want := verdict{1, 2, 0, gradcheck.Element{Input: 1, Index: []int{0}, Output: []int{0}, Analytic: 1, Numeric: 1.5, AbsErr: 0.5, RelErr: 1.0 / 3}}
	if diff := cmp.Diff(want, verdictOf(t, rep), equateVerdict); diff != "" {
		t.Errorf("report %v (-want +got):\n%s", rep, diff)
	}
}

// Check, GradGradCheck, CheckJVP and a Case: where the finite difference
// overflows to +Inf it vouches for no analytic value, right or wrong, and
// the report says so; an element whose values disagree is shown as the
// worst before one whose finite difference overflowed.
func TestFiniteDifferenceOverflowFails(t *testing.T) {
	right := scaleBig(constant(1))
	x := tns([]int{1}, nearMax)
	// Element 0 overflows; element 1's derivative is halved.
	halvedAt1 := scaleBig(func(x float64) float64 {
		if x == 0.5 {
			return 0.5
		}
		return 1
	})
	overflow := func(a float64) gradcheck.Element {
		return gradcheck.Element{Index: []int{0}, Output: []int{0}, Analytic: a, Numeric: inf, AbsErr: inf, RelErr: inf}
	}
	tests := []struct {
		name  string
		check func(f gradcheck.Func, x []T) (gradcheck.Report, error)
		f     gradcheck.Func
		x     T
		want  verdict
	}{
		{"Check, right derivative", check, applyTo(right, false), x, verdict{1, 1, 1, overflow(big)}},
		{"Check, wrong sign", check, applyTo(scaleBig(constant(-1)), false), x, verdict{1, 1, 1, overflow(-big)}},
		{"Check, +Inf derivative", check, applyTo(scaleBig(constant(inf)), false), x, verdict{1, 1, 1, overflow(inf)}},
		{"Check, a mismatch is worse than an overflow", check, applyTo(halvedAt1, false), tns([]int{2}, nearMax, 0.5),
			verdict{2, 4, 1, gradcheck.Element{Index: []int{1}, Output: []int{1}, Analytic: big / 2, Numeric: big, AbsErr: big / 2, RelErr: 0.5}}},
		{"CheckJVP", checkJVP, applyTo(right, false), x, verdict{1, 1, 1, overflow(big)}},
		{"GradGradCheck", gradGradCheck, applyTo(halfSquareBig(), false), x, verdict{1, 2, 1,
			gradcheck.Element{Index: []int{0}, Output: []int{0}, Analytic: big * gradOutput(), Numeric: math.Copysign(inf, gradOutput()), AbsErr: inf, RelErr: inf}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := tc.check(tc.f, ins(tc.x))
			asGradcheckError(t, err, rep)
			got := verdictOf(t, rep)
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty(), cmpopts.EquateApprox(1e-9, 0)); diff != "" {
				t.Errorf("report %v (-want +got):\n%s", rep, diff)
			}
			for _, s := range []string{"1 of them failed because the finite difference overflowed to ±Inf", "CheckJacobian", "smaller Eps"} {
				if !strings.Contains(err.Error(), s) || !strings.Contains(rep.Text(), s) {
					t.Errorf("error or Text lacks %q:\n%v\n%s", s, err, rep.Text())
				}
			}
		})
	}

	// Where f overflows on both sides, the difference is Inf − Inf = NaN:
	// it overflowed too, and the report says so (it read as a NaN
	// mismatch, without the hint).
	rep, err := gradcheck.Check(func(x []V) V { return autograd.Exp(x[0]) }, ins(tns([]int{1}, 1000)))
	asGradcheckError(t, err, rep)
	if rep.Overflowed != 1 || !strings.Contains(rep.Text(), "finite difference overflowed") {
		t.Errorf("Exp at 1000: Overflowed %d, report %s; want 1 and the overflow's hint", rep.Overflowed, rep.Text())
	}

	// A Case runs the same comparison.
	c := gradcheck.Case{Name: "big·x near overflow", F: applyTo(right, false), Inputs: []gradcheck.Input{gradcheck.Fixed(x)}}
	if err := c.Check(); !errors.Is(err, gradcheck.ErrMismatch) || !strings.Contains(err.Error(), "finite difference overflowed") {
		t.Errorf("Case.Check: %v; want a mismatch saying that the finite difference overflowed", err)
	}
}

// gradOutput returns GradGradCheck's random vector v for a scalar output
// (seed 0), read from the report of a check of x·v's derivative, v itself.
func gradOutput() float64 {
	rep, _ := gradcheck.GradGradCheck(func(x []V) V { return autograd.Square(x[0]) }, ins(tns([]int{1}, 0)), gradcheck.Atol(0), gradcheck.Rtol(0))
	// d(2·x·v)/dx = 2v.
	return rep.Worst.Analytic / 2
}

// The auditor's point: exp with a wrong-sign backward at 709.4361388031,
// where Go's math.Exp on amd64 overflows at x + eps, fails.
func TestWrongSignExpNearOverflowFails(t *testing.T) {
	wrongSign := &Fn{
		Name:     "MyExp",
		Forward:  func(in ...T) T { return tensor.Map(in[0], math.Exp) },
		Backward: func(c *Ctx, g V) []V { return []V{autograd.Neg(autograd.Mul(g, c.Output()))} },
	}
	_, err := gradcheck.Check(applyTo(wrongSign, true), ins(tns([]int{1}, 709.4361388031)))
	if !errors.Is(err, gradcheck.ErrMismatch) {
		t.Errorf("Check = %v, want a mismatch", err)
	}
}

func check(f gradcheck.Func, x []T) (gradcheck.Report, error) { return gradcheck.Check(f, x) }

func checkJVP(f gradcheck.Func, x []T) (gradcheck.Report, error) { return gradcheck.CheckJVP(f, x) }

func gradGradCheck(f gradcheck.Func, x []T) (gradcheck.Report, error) {
	return gradcheck.GradGradCheck(f, x)
}
