package gradcheck_test

import (
	"errors"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
)

// A function that takes its memory from an Arena and resets it on entry,
// as a training step does, can be checked: every check copies what it
// needs of an evaluation before the next one frees it. Before, the order
// test read the first evaluation's value after the second call, and
// differentiated the second graph after an unrelated call had reset it.
func TestArenaResetInsideF(t *testing.T) {
	w := tns([]int{3, 2}, 0.3, -0.2, 0.5, 0.1, -0.4, 0.8)
	x := tns([]int{2, 3}, 1, -0.5, 0.25, 0.7, 0.2, -1.2)
	ar := autograd.NewArena[float64]()
	f := func(v []V) V {
		ar.Reset()
		return autograd.Tanh(autograd.MatMul(ar.Const(x), v[0]))
	}
	if _, err := gradcheck.Check(f, ins(w)); err != nil {
		t.Errorf("Check: %v", err)
	}
	if _, err := gradcheck.CheckJVP(f, ins(w)); err != nil {
		t.Errorf("CheckJVP: %v", err)
	}
	if _, err := gradcheck.GradGradCheck(f, ins(w)); err != nil {
		t.Errorf("GradGradCheck: %v", err)
	}
	// A wrong derivative under the same Arena is still a mismatch.
	wrong := func(v []V) V {
		ar.Reset()
		y := autograd.Sum(autograd.Tanh(autograd.MatMul(ar.Const(x), autograd.Detach(v[0]))))
		return autograd.Add(y, autograd.Sum(autograd.Scale(v[0], 0)))
	}
	if _, err := gradcheck.Check(wrong, ins(w)); !errors.Is(err, gradcheck.ErrMismatch) {
		t.Errorf("Check of a detached weight: %v, want a mismatch", err)
	}
}

// A function that draws from a generator it keeps between calls (Dropout
// with a shared rng) changes its value from call to call, which every
// check reports as an *OrderError. When its first two evaluations happen
// to agree (two equal masks: one chance in 16 for 4 elements at p = 0.5),
// the finite differences disagree wildly with the analytic gradient; the
// check then evaluates f again at the point before it calls that a
// mismatch. Here the value changes from the third call on.
func TestValueChangingLaterIsOrderDependent(t *testing.T) {
	x := tns([]int{4}, 0.5, -1, 2, 0.25)
	for _, tc := range []struct {
		name  string
		check func(gradcheck.Func, []T, ...gradcheck.Option) (gradcheck.Report, error)
	}{
		{"Check", gradcheck.Check},
		{"CheckJVP", gradcheck.CheckJVP},
	} {
		calls := 0
		f := func(v []V) V {
			calls++
			if calls > 2 {
				return autograd.Scale(v[0], 3)
			}
			return autograd.Scale(v[0], 2)
		}
		_, err := tc.check(f, ins(x))
		var oe *gradcheck.OrderError
		if !errors.As(err, &oe) || oe.Input != -1 || oe.First != 1 || oe.Second != 1.5 {
			t.Errorf("%s: %v (%T), want an *OrderError on output [0], 1 then 1.5", tc.name, err, err)
		}
	}
	// A function whose value does not change, with a wrong derivative (none
	// flows through the detached term), is still a mismatch after the
	// extra evaluations.
	detached := func(v []V) V { return autograd.Add(autograd.Scale(autograd.Detach(v[0]), 2), autograd.Scale(v[0], 0)) }
	for name, check := range map[string]func(gradcheck.Func, []T, ...gradcheck.Option) (gradcheck.Report, error){
		"Check": gradcheck.Check, "CheckJVP": gradcheck.CheckJVP,
	} {
		if _, err := check(detached, ins(x)); !errors.Is(err, gradcheck.ErrMismatch) {
			t.Errorf("%s of a detached term: %v, want a mismatch", name, err)
		}
	}
}
