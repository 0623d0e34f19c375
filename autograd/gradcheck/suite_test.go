package gradcheck_test

import (
	"errors"
	"math"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

var (
	sumLog  = func(x []V) V { return autograd.Sum(autograd.Log(x[0])) }
	sumReLU = func(x []V) V { return autograd.Sum(autograd.ReLU(x[0])) }
)

// A suite of correct cases passes, each as its own subtest: fixed and drawn
// inputs, per-input domains, per-case options, a supplied Jacobian, second
// order, and expected failures.
func TestRunPassingSuite(t *testing.T) {
	gradcheck.Run(t, []gradcheck.Case{
		{Name: "Tanh·b, fixed values", F: func(x []V) V { return autograd.Sum(autograd.Mul(autograd.Tanh(x[0]), x[1])) },
			Inputs: []gradcheck.Input{
				gradcheck.Fixed(tns([]int{3}, 0.1, -0.4, 0.7)).Named("a"),
				gradcheck.Fixed(tns([]int{3}, 1.5, 0.2, -2)).Named("b"),
			}},
		{Name: "Log on Positive", F: sumLog, Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.Positive, 2, 3)}},
		{Name: "ReLU away from its kink", F: sumReLU, Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.NonZero, 4)}},
		{Name: "Div, denominator NonZero, broadcasting", F: func(x []V) V { return autograd.Div(x[0], x[1]) },
			Inputs:      []gradcheck.Input{gradcheck.Random(gradcheck.Real, 2, 3), gradcheck.Random(gradcheck.NonZero, 3)},
			SecondOrder: true},
		{Name: "Exp on Wide with a looser rtol", F: func(x []V) V { return autograd.Exp(x[0]) },
			Inputs: []gradcheck.Input{{Shape: []int{3}, Domain: gradcheck.Wide}}, Options: []gradcheck.Option{gradcheck.Rtol(1e-2)}},
		{Name: "Tanh(A·b) with its closed-form Jacobian", F: tanhMatVec, Jacobian: tanhMatVecJacobian,
			Inputs:      []gradcheck.Input{gradcheck.Random(gradcheck.Real, 2, 3), gradcheck.Random(gradcheck.Real, 3, 1)},
			SecondOrder: true},
		{Name: "zero Domain means Real", F: func(x []V) V { return autograd.Sigmoid(x[0]) },
			Inputs: []gradcheck.Input{{Shape: []int{2, 2}}}},
		{Name: "custom op, second order", F: applyTo(cube(false, false), false),
			Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.Real, 5)}, SecondOrder: true},
		// Expected failures pass.
		{Name: "ReLU at its kink fails", F: sumReLU, Inputs: []gradcheck.Input{gradcheck.Fixed(tns([]int{1}, 0))},
			WantErr: gradcheck.ErrMismatch},
		{Name: "wrong element caught", F: applyTo(square(2), true), Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.NonZero, 4)},
			WantErr: gradcheck.ErrMismatch},
		{Name: "detached backward caught at second order", F: applyTo(cube(false, true), true),
			Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.NonZero, 3)}, SecondOrder: true, WantErr: gradcheck.ErrMismatch},
		{Name: "stateful backward caught", F: applyTo(orderCases()[0].fn(), true), Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.Real, 3)},
			WantErr: gradcheck.ErrOrderDependent},
		{Name: "mutating forward caught", F: func(x []V) V { x[0].Value().Data()[0] = 1; return autograd.Sum(x[0]) },
			Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.Real, 3)}, WantErr: gradcheck.ErrMutatedInput},
	})
}

// Case.Check joins the failures of every check the case asks for, each
// reachable with errors.Is/As, and describes the inputs and the seed.
func TestCaseCheckFailure(t *testing.T) {
	c := gradcheck.Case{
		Name: "detached cube",
		F:    applyTo(cube(false, true), true),
		Inputs: []gradcheck.Input{
			gradcheck.Fixed(tns([]int{2}, 0.5, -1.5)).Named("x"),
		},
		Seed:        42,
		SecondOrder: true,
		// A Jacobian with the wrong sign: first order fails against it.
		Jacobian: func(in []T) []T { return []T{tensor.Scale(tensor.Pow(in[0], 2), -3)} },
	}
	err := c.Check()
	if err == nil {
		t.Fatal("Check passed")
	}
	var ge *gradcheck.Error
	if !errors.As(err, &ge) || !errors.Is(err, gradcheck.ErrMismatch) {
		t.Fatalf("error %v does not carry a *gradcheck.Error", err)
	}
	// The two failures (supplied Jacobian, second order), each as a
	// multi-line report, then the inputs and the seed.
	msg := err.Error()
	if !strings.HasPrefix(msg, "gradcheck: reverse mode: 2 of 2 Jacobian elements outside atol 1e-05 + rtol 0.001·|expected| (against the supplied Jacobian)\n"+
		"\tworst: x element [1], output []\n\t\tanalytic 6.75, expected -6.75 (abs err 13.5, rel err 2)\n\tmax abs err 13.5, max rel err 2\n") {
		t.Errorf("the message does not start with the supplied-Jacobian report:\n%s", msg)
	}
	if !strings.Contains(msg, "\ngradcheck: second order: 2 of 6 Jacobian elements") {
		t.Errorf("the message lacks the second-order report:\n%s", msg)
	}
	if !strings.HasSuffix(msg, "\ninputs (seed 42):\n\tx = Tensor[2][0.5 -1.5]") {
		t.Errorf("the message does not end with the inputs and the seed:\n%s", msg)
	}
	if n := strings.Count(msg, "gradcheck: "); n != 2 {
		t.Errorf("the message has %d reports, want 2:\n%s", n, msg)
	}

	// Check ignores WantErr: the failure is still returned.
	c.WantErr = gradcheck.ErrMismatch
	if c.Check() == nil {
		t.Error("Check with WantErr returned nil; it must report what happened")
	}
	// A passing case returns nil.
	c = gradcheck.Case{Name: "ok", F: sumLog, Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.Positive, 3)}, SecondOrder: true}
	if err := c.Check(); err != nil {
		t.Errorf("passing case: %v", err)
	}
}

// Invalid cases are plain errors naming the case and the input.
func TestCaseCheckInvalid(t *testing.T) {
	tests := []struct {
		name string
		c    gradcheck.Case
		want string
	}{
		{"nil F", gradcheck.Case{Name: "c"}, `case "c": F is nil`},
		{"empty domain", gradcheck.Case{Name: "c", F: sumLog, Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.Domain{Lo: 1, Hi: 1}, 2)}},
			`case "c": input 0: invalid domain`},
		{"reversed domain", gradcheck.Case{Name: "c", F: sumLog, Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.Domain{Lo: 2, Hi: 1}, 2)}},
			"need finite Lo < Hi"},
		{"infinite domain", gradcheck.Case{Name: "c", F: sumLog, Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.Domain{Lo: 0, Hi: math.Inf(1)}, 2)}},
			"need finite Lo < Hi"},
		{"NaN MinAbs", gradcheck.Case{Name: "c", F: sumLog, Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.Domain{Lo: 0, Hi: 1, MinAbs: math.NaN()}, 2)}},
			"invalid domain"},
		{"MinAbs excludes everything", gradcheck.Case{Name: "c", F: sumLog, Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.Domain{Lo: -1, Hi: 1, MinAbs: 1}, 2)}},
			"no value in [Lo, Hi) is at least MinAbs away from 0"},
		{"negative dimension", gradcheck.Case{Name: "c", F: sumLog, Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.Positive, 2, -1)}},
			"input 0: negative dimension in shape [2 -1]"},
		{"value and shape disagree", gradcheck.Case{Name: "c", F: sumLog, Inputs: []gradcheck.Input{{Value: tns([]int{2}, 1, 2), Shape: []int{3}}}},
			"input 0: Value has shape [2], Shape says [3]"},
		{"too many names via options", gradcheck.Case{Name: "c", F: sumLog, Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.Positive, 2)},
			Options: []gradcheck.Option{gradcheck.Names("a", "b")}}, "invalid options: 2 names for 1 inputs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Check()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Check error = %v, want one containing %q", err, tc.want)
			}
			if errors.Is(err, gradcheck.ErrMismatch) {
				t.Errorf("error %v is a mismatch; want a plain error", err)
			}
		})
	}
}

// Draw is deterministic, honours every domain, copies fixed values, and
// derives a distinct seed from the name when Seed is 0.
func TestCaseDraw(t *testing.T) {
	domains := map[string]gradcheck.Domain{
		"Real": gradcheck.Real, "Positive": gradcheck.Positive, "NonZero": gradcheck.NonZero,
		"Unit": gradcheck.Unit, "Wide": gradcheck.Wide,
		"one-sided MinAbs": {Lo: 0.1, Hi: 0.2, MinAbs: 0.15},
		"negative only":    {Lo: -3, Hi: -1},
		"MinAbs beyond Lo": {Lo: -0.5, Hi: 2, MinAbs: 1},
	}
	for name, d := range domains {
		t.Run(name, func(t *testing.T) {
			c := gradcheck.Case{Name: name, Inputs: []gradcheck.Input{gradcheck.Random(d, 50, 20)}}
			xs, err := c.Draw()
			if err != nil {
				t.Fatalf("Draw: %v", err)
			}
			again, _ := c.Draw()
			if diff := cmp.Diff(xs[0].Data(), again[0].Data()); diff != "" {
				t.Errorf("two draws differ:\n%s", diff)
			}
			if diff := cmp.Diff([]int{50, 20}, xs[0].Shape()); diff != "" {
				t.Errorf("shape (-want +got):\n%s", diff)
			}
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, v := range xs[0].Data() {
				if !(v >= d.Lo && v < d.Hi && math.Abs(v) >= d.MinAbs) {
					t.Fatalf("drew %g outside [%g, %g) minus |x| < %g", v, d.Lo, d.Hi, d.MinAbs)
				}
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
			// 1000 draws spread over the allowed set, whose ends are
			// effLo and effHi.
			effLo, effHi := d.Lo, d.Hi
			if d.Lo > -d.MinAbs {
				effLo = math.Max(d.Lo, d.MinAbs)
			}
			if d.Hi <= d.MinAbs {
				effHi = math.Min(d.Hi, -d.MinAbs)
			}
			if hi-lo < (effHi-effLo)*0.9 {
				t.Errorf("draws span only [%g, %g] of [%g, %g)", lo, hi, effLo, effHi)
			}
		})
	}

	t.Run("seeds", func(t *testing.T) {
		draw := func(c gradcheck.Case) []float64 {
			c.Inputs = []gradcheck.Input{gradcheck.Random(gradcheck.Real, 4)}
			xs, err := c.Draw()
			if err != nil {
				t.Fatal(err)
			}
			return xs[0].Data()
		}
		if cmp.Equal(draw(gradcheck.Case{Name: "a"}), draw(gradcheck.Case{Name: "b"})) {
			t.Error("cases named a and b drew the same values: the seed ignores the name")
		}
		if !cmp.Equal(draw(gradcheck.Case{Name: "a", Seed: 5}), draw(gradcheck.Case{Name: "b", Seed: 5})) {
			t.Error("an explicit Seed does not fix the values")
		}
		if cmp.Equal(draw(gradcheck.Case{Seed: 5}), draw(gradcheck.Case{Seed: 6})) {
			t.Error("seeds 5 and 6 drew the same values")
		}
	})

	t.Run("fixed values are copied", func(t *testing.T) {
		v := tns([]int{2}, 1, 2)
		c := gradcheck.Case{Inputs: []gradcheck.Input{gradcheck.Fixed(v), {Value: v, Shape: []int{2}}}}
		xs, err := c.Draw()
		if err != nil {
			t.Fatal(err)
		}
		xs[0].Fill(9)
		if diff := cmp.Diff([]float64{1, 2}, v.Data()); diff != "" {
			t.Errorf("writing into a drawn input changed the fixed value:\n%s", diff)
		}
		if diff := cmp.Diff([]float64{1, 2}, xs[1].Data()); diff != "" {
			t.Errorf("second copy (-want +got):\n%s", diff)
		}
	})
}

// envRunHelper makes TestRunHelperSuite run; TestRunReportsFailures sets it
// in a child process, since a failing subtest cannot be observed in-process.
const envRunHelper = "GRADCHECK_RUN_HELPER"

// TestRunHelperSuite is a suite with deliberate failures, run only as the
// child of TestRunReportsFailures.
func TestRunHelperSuite(t *testing.T) {
	if os.Getenv(envRunHelper) != "1" {
		t.Skip("run by TestRunReportsFailures")
	}
	gradcheck.Run(t, []gradcheck.Case{
		{Name: "good", F: sumLog, Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.Positive, 3)}},
		{Name: "broken", F: applyTo(square(1), true), Inputs: []gradcheck.Input{gradcheck.Fixed(tns([]int{3}, 0.5, -1, 2)).Named("x")}},
		{Name: "expected failure that passes", F: sumLog, Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.Positive, 3)},
			WantErr: gradcheck.ErrMismatch},
		{Name: "wrong expected failure", F: applyTo(square(0), true), Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.NonZero, 2)},
			WantErr: gradcheck.ErrOrderDependent},
		{Name: "expected failure", F: applyTo(square(0), true), Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.NonZero, 2)},
			WantErr: gradcheck.ErrMismatch},
		{Name: "panics", F: func(x []V) V { panic("boom") }, Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.Real, 1)}},
		{F: sumLog, Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.Positive, 1)}},
	})
}

// Run reports each failing case in its own subtest, with its report, and
// goes on after a failure or a panic.
func TestRunReportsFailures(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the test binary")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunHelperSuite$", "-test.v")
	cmd.Env = append(os.Environ(), envRunHelper+"=1")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child run: err %v, want a failing exit:\n%s", err, out)
	}
	got := string(out)
	for _, want := range []string{
		"--- PASS: TestRunHelperSuite/good",
		"--- FAIL: TestRunHelperSuite/broken",
		"gradcheck: reverse mode: 1 of 3 Jacobian elements outside",
		"\tworst: x element [1], output []\n",
		"\t\tanalytic -1, numeric -2 (abs err 1, rel err 0.5)\n",
		"inputs (seed ",
		"x = Tensor[3][0.5 -1 2]",
		"--- FAIL: TestRunHelperSuite/expected_failure_that_passes",
		`every check passed, but the case wants an error matching "analytic gradient disagrees with the reference"`,
		"--- FAIL: TestRunHelperSuite/wrong_expected_failure",
		`want an error matching "gradient depends on evaluation order", got:`,
		"--- PASS: TestRunHelperSuite/expected_failure",
		"failed as expected:",
		"--- FAIL: TestRunHelperSuite/panics",
		"gradcheck: reverse mode: panic in the function under test or its backward pass: boom",
		"boom",
		"goroutine ", // the stack
		"--- PASS: TestRunHelperSuite/case_6",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("child output lacks %q", want)
		}
	}
	// Failures point at the call of Run in the test, not into suite.go.
	if !regexp.MustCompile(`\n\s+suite_test\.go:\d+: gradcheck: reverse mode: 1 of 3 `).MatchString(got) {
		t.Errorf("the report of the broken case is not attributed to suite_test.go")
	}
	if m := regexp.MustCompile(`\n\s+suite\.go:\d+: `).FindString(got); m != "" {
		t.Errorf("a failure is attributed to the package's own code: %q", m)
	}
	if t.Failed() {
		t.Logf("child output:\n%s", got)
	}
}

// Every failure of a case says which check failed: a wrong JVP rule is a
// forward-mode failure only, a wrong Backward (from which forward mode
// derives its rule) fails both modes under two labels, and a panic in every
// check is reported once per check, each labelled.
func TestCaseLabelsEachCheck(t *testing.T) {
	x := []gradcheck.Input{gradcheck.Fixed(tns([]int{3}, 0.5, -1, 2)).Named("x")}
	// failures returns the message's lines before the inputs.
	failures := func(t *testing.T, c gradcheck.Case) []string {
		t.Helper()
		err := c.Check()
		if err == nil {
			t.Fatal("Check passed")
		}
		msg, _, ok := strings.Cut(err.Error(), "\ninputs (seed ")
		if !ok {
			t.Fatalf("no inputs in the message:\n%s", err)
		}
		var heads []string
		for _, line := range strings.Split(msg, "\n") {
			if !strings.HasPrefix(line, "\t") {
				heads = append(heads, line)
			}
		}
		return heads
	}

	t.Run("right Backward, wrong JVP", func(t *testing.T) {
		bad := rawDouble(func(_ *Ctx, ts []T) T { return ts[0].Clone() }) // half the derivative
		got := failures(t, gradcheck.Case{Name: "c", F: applyTo(bad, false), Inputs: x, ForwardMode: true})
		want := []string{"gradcheck: forward mode: 3 of 9 Jacobian elements outside atol 1e-05 + rtol 0.001·|numeric| (eps 1e-06)"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("reports (-want +got):\n%s", diff)
		}
	})
	t.Run("wrong Backward", func(t *testing.T) {
		got := failures(t, gradcheck.Case{Name: "c", F: applyTo(square(1), true), Inputs: x, ForwardMode: true})
		want := []string{
			"gradcheck: reverse mode: 1 of 3 Jacobian elements outside atol 1e-05 + rtol 0.001·|numeric| (eps 1e-06)",
			"gradcheck: forward mode: 1 of 3 Jacobian elements outside atol 1e-05 + rtol 0.001·|numeric| (eps 1e-06)",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("reports (-want +got):\n%s", diff)
		}
	})
	t.Run("panic in every check", func(t *testing.T) {
		c := gradcheck.Case{Name: "c", F: func([]V) V { panic("boom") }, Inputs: x,
			Jacobian: func([]T) []T { return nil }, SecondOrder: true, ForwardMode: true}
		want := []string{
			"gradcheck: reverse mode: panic in the function under test or its backward pass: boom",
			"gradcheck: reverse mode: panic in the function under test, its backward pass or the supplied Jacobian: boom",
			"gradcheck: second order: panic in the function under test or its backward pass: boom",
			"gradcheck: forward mode: panic in the function under test or its forward-mode rule: boom",
		}
		if diff := cmp.Diff(want, failures(t, c)); diff != "" {
			t.Errorf("reports (-want +got):\n%s", diff)
		}
	})
	t.Run("invalid options reported once", func(t *testing.T) {
		c := gradcheck.Case{Name: "c", F: sumLog, Inputs: x, Options: []gradcheck.Option{gradcheck.Eps(0)},
			Jacobian: func([]T) []T { return nil }, SecondOrder: true, ForwardMode: true}
		err := c.Check()
		if want := `gradcheck: case "c": invalid options: eps 0, atol 1e-05, rtol 0.001 (need eps > 0, tolerances >= 0, all finite)`; err == nil || err.Error() != want {
			t.Errorf("Check = %v, want %q", err, want)
		}
	})
}
