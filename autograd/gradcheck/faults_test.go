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

// Tests of Check on functions that misbehave: they modify their inputs,
// return nil or a changing shape, have a kink, or produce NaN.

// 6. A function that modifies its input is an error wrapping ErrMutatedInput.
func TestCheckMutatedInput(t *testing.T) {
	tests := []struct {
		name      string
		f         gradcheck.Func
		wantInput string
	}{
		{"write into input 0", func(x []V) V {
			x[0].Value().Data()[0] = 42
			return autograd.Sum(x[0])
		}, "input 0"},
		{"fill input 1", func(x []V) V {
			x[1].Value().Fill(0)
			return autograd.Sum(autograd.Mul(x[0], x[1]))
		}, "input 1"},
		{"write NaN", func(x []V) V {
			x[0].Value().Data()[1] = math.NaN()
			return autograd.Sum(x[0])
		}, "input 0"},
		{"accumulate into input after use", func(x []V) V {
			out := autograd.Sum(autograd.Square(x[0]))
			x[0].Value().Data()[0] += 1e-9
			return out
		}, "input 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			inputs := ins(tns([]int{2}, 1, 2), tns([]int{2}, 3, 4))
			before := cloneData(inputs)
			_, err := gradcheck.Check(tc.f, inputs)
			if !errors.Is(err, gradcheck.ErrMutatedInput) {
				t.Fatalf("Check error = %v, want one wrapping ErrMutatedInput", err)
			}
			var ge *gradcheck.Error
			if errors.As(err, &ge) {
				t.Errorf("error is a *gradcheck.Error; want a plain error")
			}
			if !strings.Contains(err.Error(), tc.wantInput) {
				t.Errorf("error %q does not name %s", err, tc.wantInput)
			}
			checkUnchanged(t, inputs, before)
		})
	}
}

// 6. A function that modifies its inputs only while the finite differences
// are taken (inputs are constants then) is caught too: otherwise the
// numeric Jacobian silently comes from the wrong point.
func TestCheckMutatedInputDuringFiniteDifferences(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(x []V)
	}{
		{"input 0, element 0", func(x []V) { x[0].Value().Data()[0] += 1 }},
		{"input 0, element 1", func(x []V) { x[0].Value().Data()[1] = 5 }},
		{"input 1 (not the perturbed one)", func(x []V) { x[1].Value().Data()[0] *= 2 }},
		{"input 1, only while input 0 is perturbed", func(x []V) {
			if x[0].Value().Data()[0] != 1 {
				x[1].Value().Data()[1] = -x[1].Value().Data()[1]
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := func(x []V) V {
				if !x[0].RequiresGrad() { // only while finite differences are taken
					tc.mutate(x)
				}
				return autograd.Sum(autograd.Mul(autograd.Square(x[0]), x[1]))
			}
			_, err := gradcheck.Check(f, ins(tns([]int{2}, 1, 2), tns([]int{2}, 3, 4)))
			if !errors.Is(err, gradcheck.ErrMutatedInput) {
				t.Errorf("Check error = %v, want one wrapping ErrMutatedInput", err)
			}
		})
	}
}

// 7. A function returning nil is an error, in either pass.
func TestCheckNilOutput(t *testing.T) {
	tests := []struct {
		name string
		f    gradcheck.Func
	}{
		{"always nil", func(x []V) V { return nil }},
		{"nil during finite differences", func(x []V) V {
			if !x[0].RequiresGrad() {
				return nil
			}
			return autograd.Sum(x[0])
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gradcheck.Check(tc.f, ins(tns([]int{2}, 1, 2)))
			if err == nil {
				t.Fatal("Check accepted a function returning nil")
			}
			var ge *gradcheck.Error
			if errors.As(err, &ge) {
				t.Errorf("error is a *gradcheck.Error; want a plain error")
			}
			if !strings.Contains(err.Error(), "nil") {
				t.Errorf("error %q does not mention nil", err)
			}
		})
	}
}

// An output whose shape depends on the point cannot be differentiated: the
// error names the shape it changed to.
func TestCheckOutputShapeChanges(t *testing.T) {
	tests := []struct {
		name string
		f    gradcheck.Func
	}{
		// At x = 0 the output is a scalar; at x+eps it becomes [1].
		{"changes at +eps", func(x []V) V {
			if x[0].Value().Data()[0] > 0 {
				return autograd.Mul(x[0], x[0])
			}
			return autograd.Sum(x[0])
		}},
		// At x = 0 and x+eps a scalar; at x-eps [1].
		{"changes at -eps", func(x []V) V {
			if x[0].Value().Data()[0] < 0 {
				return autograd.Mul(x[0], x[0])
			}
			return autograd.Sum(x[0])
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gradcheck.Check(tc.f, ins(tns([]int{1}, 0)))
			if err == nil {
				t.Fatal("Check accepted an output whose shape changes")
			}
			var ge *gradcheck.Error
			if errors.As(err, &ge) {
				t.Errorf("error is a *gradcheck.Error; want a plain error")
			}
			for _, s := range []string{"shape changed", "input 0", "[]", "[1]"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
		})
	}
}

// 8. A kink is seen: ReLU at exactly 0 has the one-sided slopes 0 and 1, the
// central difference 0.5, and the chosen subgradient 0.
func TestCheckReLUKinkFails(t *testing.T) {
	f := func(x []V) V { return autograd.Sum(autograd.ReLU(x[0])) }
	rep, err := gradcheck.Check(f, ins(tns([]int{3}, 1.5, 0, -0.5)))
	asGradcheckError(t, err, rep)
	if rep.Failed != 1 || rep.Total != 3 {
		t.Errorf("Failed/Total = %d/%d, want 1/3", rep.Failed, rep.Total)
	}
	checkWorstConsistent(t, rep)
	w := rep.Worst
	if diff := cmp.Diff([]int{1}, w.Index); diff != "" {
		t.Errorf("Worst.Index (-want +got):\n%s", diff)
	}
	if w.Analytic != 0 || !near(w.Numeric, 0.5, 1e-9) {
		t.Errorf("Worst analytic %g, numeric %g; want 0, 0.5", w.Analytic, w.Numeric)
	}

	// Away from the kink the same function passes.
	if _, err := gradcheck.Check(f, ins(tns([]int{3}, 1.5, 0.01, -0.5))); err != nil {
		t.Errorf("ReLU away from 0: %v", err)
	}
}

// 9. NaN never passes, and the worst element is a NaN one.
func TestCheckNaN(t *testing.T) {
	tests := []struct {
		name       string
		f          gradcheck.Func
		x          T
		wantFailed int
		wantTotal  int
		wantOutput []int
	}{
		{
			// Log(-1) is NaN, so the sum is NaN at every perturbation: every
			// numeric derivative is NaN.
			name:       "Sum(Log(x)) with a negative x",
			f:          func(x []V) V { return autograd.Sum(autograd.Log(x[0])) },
			x:          tns([]int{2}, -1, 2),
			wantFailed: 2,
			wantTotal:  2,
			wantOutput: []int{},
		},
		{
			// Only output element 0 is NaN: its row fails, the other passes.
			name:       "Log(x) elementwise with a negative x",
			f:          func(x []V) V { return autograd.Log(x[0]) },
			x:          tns([]int{2}, -1, 2),
			wantFailed: 2,
			wantTotal:  4,
			wantOutput: []int{0},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Loose tolerances must not make NaN pass.
			rep, err := gradcheck.Check(tc.f, ins(tc.x), gradcheck.Atol(1e6), gradcheck.Rtol(1e6))
			asGradcheckError(t, err, rep)
			if rep.Failed != tc.wantFailed || rep.Total != tc.wantTotal {
				t.Errorf("Failed/Total = %d/%d, want %d/%d", rep.Failed, rep.Total, tc.wantFailed, tc.wantTotal)
			}
			if !math.IsInf(rep.MaxAbsErr, 1) {
				t.Errorf("MaxAbsErr = %g, want +Inf for a NaN element", rep.MaxAbsErr)
			}
			w := rep.Worst
			if w == nil {
				t.Fatalf("Worst = nil although %d of %d elements failed; error: %v", rep.Failed, rep.Total, err)
			}
			if !math.IsNaN(w.Numeric) {
				t.Errorf("Worst = %+v, want the NaN element (a failing one)", *w)
			}
			if diff := cmp.Diff(tc.wantOutput, w.Output, equateEmpty); diff != "" {
				t.Errorf("Worst.Output (-want +got):\n%s", diff)
			}
			if !strings.Contains(err.Error(), "NaN") {
				t.Errorf("error %q does not show the NaN", err)
			}
		})
	}
}

// A panic is reported with the prefix of the check that caught it, as
// every other error of that check (GradGradCheck's and CheckJVP's docs
// promise it), saying what may have panicked.
func TestPanicErrorPrefix(t *testing.T) {
	// boomIn panics in the forward pass, the backward pass or the
	// forward-mode rule, of a Function, which autograd wraps in a
	// *UsageError naming it.
	boomIn := func(where string) gradcheck.Func {
		fn := &Fn{
			Name: "Boom",
			Forward: func(in ...T) T {
				if where == "forward" {
					panic("boom")
				}
				return in[0].Clone()
			},
			Backward: func(c *Ctx, g V) []V {
				if where == "backward" {
					panic("boom")
				}
				return []V{g}
			},
			JVP: func(c *Ctx, ts []T) T {
				if where == "jvp" {
					panic("boom")
				}
				return ts[0].Clone()
			},
		}
		return applyTo(fn, true)
	}
	x := ins(tns([]int{2}, 1, 2))
	identity := func(in []T) []T { return []T{tensor.Ones[float64](2)} }
	tests := []struct {
		check, where, want string
		run                func(gradcheck.Func) error
	}{
		{"Check", "forward", `gradcheck: panic in the function under test or its backward pass: autograd: Function "Boom": Forward panicked: boom`,
			func(f gradcheck.Func) error { _, err := gradcheck.Check(f, x); return err }},
		{"Check", "backward", `gradcheck: panic in the function under test or its backward pass: autograd: Function "Boom": Backward panicked: boom`,
			func(f gradcheck.Func) error { _, err := gradcheck.Check(f, x); return err }},
		{"CheckJacobian", "backward", `gradcheck: panic in the function under test, its backward pass or the supplied Jacobian: autograd: Function "Boom": Backward panicked: boom`,
			func(f gradcheck.Func) error { _, err := gradcheck.CheckJacobian(f, x, identity); return err }},
		{"CheckJacobian", "supplied Jacobian", "gradcheck: panic in the function under test, its backward pass or the supplied Jacobian: boom",
			func(f gradcheck.Func) error {
				_, err := gradcheck.CheckJacobian(f, x, func([]T) []T { panic("boom") })
				return err
			}},
		{"GradGradCheck", "forward", `gradcheck: second order: panic in the function under test or its backward pass: autograd: Function "Boom": Forward panicked: boom`,
			func(f gradcheck.Func) error { _, err := gradcheck.GradGradCheck(f, x); return err }},
		{"GradGradCheck", "backward", `gradcheck: second order: panic in the function under test or its backward pass: autograd: Function "Boom": Backward panicked: boom`,
			func(f gradcheck.Func) error { _, err := gradcheck.GradGradCheck(f, x); return err }},
		{"CheckJVP", "forward", `gradcheck: forward mode: panic in the function under test or its forward-mode rule: autograd: Function "Boom": Forward panicked: boom`,
			func(f gradcheck.Func) error { _, err := gradcheck.CheckJVP(f, x); return err }},
		{"CheckJVP", "jvp", `gradcheck: forward mode: panic in the function under test or its forward-mode rule: autograd: Function "Boom": JVP panicked: boom`,
			func(f gradcheck.Func) error { _, err := gradcheck.CheckJVP(f, x); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.check+" "+tc.where, func(t *testing.T) {
			err := tc.run(boomIn(tc.where))
			var pe *gradcheck.PanicError
			if !errors.As(err, &pe) || err.Error() != tc.want {
				t.Errorf("error %v (%T), want the *PanicError %q", err, err, tc.want)
			}
		})
	}
	// A PanicError made outside a check names every suspect.
	if got, want := (&gradcheck.PanicError{Value: "boom"}).Error(),
		"gradcheck: panic in the function under test, its backward pass, its forward-mode rule or the supplied Jacobian: boom"; got != want {
		t.Errorf("zero PanicError: %q, want %q", got, want)
	}
}
