package gradcheck_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// Tests of Constants and Input.Const: inputs held constant, as PyTorch's
// requires_grad=False.

// scaledByDetached is Sum(x · Detach(w)): its gradient with respect to w is
// lost on purpose (w is a target or labels, say), so only a check that holds
// w constant passes. It records whether w ever arrived as a Var that
// requires a gradient.
func scaledByDetached(wDifferentiated *bool) gradcheck.Func {
	return func(in []V) V {
		if in[1].RequiresGrad() {
			*wDifferentiated = true
		}
		return autograd.Sum(autograd.Mul(autograd.Square(in[0]), autograd.Detach(in[1])))
	}
}

func TestConstants(t *testing.T) {
	x, w := tns([]int{3}, 0.5, -1, 2), tns([]int{3}, 1.5, 0.25, -2)
	jac := func(in []T) []T { return []T{tensor.Mul(tensor.Scale(in[0], 2), in[1]), nil} }
	type run func(f gradcheck.Func, opts ...gradcheck.Option) (gradcheck.Report, error)
	checks := []struct {
		name string
		run  run
		// want is the report with w held constant.
		want gradcheck.Report
	}{
		{"Check", func(f gradcheck.Func, opts ...gradcheck.Option) (gradcheck.Report, error) {
			return gradcheck.Check(f, ins(x, w), opts...)
		}, gradcheck.Report{Total: 3}},
		{"CheckJVP", func(f gradcheck.Func, opts ...gradcheck.Option) (gradcheck.Report, error) {
			return gradcheck.CheckJVP(f, ins(x, w), opts...)
		}, gradcheck.Report{Total: 3}},
		{"GradGradCheck", func(f gradcheck.Func, opts ...gradcheck.Option) (gradcheck.Report, error) {
			return gradcheck.GradGradCheck(f, ins(x, w), opts...)
		}, gradcheck.Report{Total: 3*3 + 1*3}}, // the gradient in x against x and v
		{"CheckJacobian", func(f gradcheck.Func, opts ...gradcheck.Option) (gradcheck.Report, error) {
			return gradcheck.CheckJacobian(f, ins(x, w), jac, opts...)
		}, gradcheck.Report{Total: 3}},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			differentiated := false
			f := scaledByDetached(&differentiated)
			rep, err := c.run(f, gradcheck.Constants(1))
			if err != nil {
				t.Fatalf("with w constant: %v", err)
			}
			if differentiated {
				t.Error("f received w as a Var that requires a gradient")
			}
			if diff := cmp.Diff(c.want, gradcheck.Report{Total: rep.Total, Failed: rep.Failed}); diff != "" {
				t.Errorf("report %v (-want +got):\n%s", rep, diff)
			}
			if rep.Worst == nil || rep.Worst.Input != 0 {
				t.Errorf("Worst = %+v, want an element of input 0", rep.Worst)
			}
			// Without Constants w is differentiated, and its lost gradient
			// is caught (CheckJacobian: its Jacobian is missing).
			if _, err := c.run(f); err == nil {
				t.Error("without Constants the check passed")
			}
		})
	}
}

// Elements keep the indices of the inputs as given, and a second-order
// report names the gradient by its input's index.
func TestConstantsKeepInputIndices(t *testing.T) {
	// Input 0 is held constant; input 1 goes through a square whose
	// backward is wrong at element 2 to first order, and a cube whose
	// backward loses its own derivative (Detach inside) to second order.
	ignored := tns([]int{2}, 7, 8)
	x := tns([]int{3}, 0.5, -1, 2)
	f := func(in []V) V {
		return autograd.Add(autograd.Sum(squareWrongAt(in[1], 2)), autograd.Sum(autograd.Detach(in[0])))
	}
	rep, err := gradcheck.Check(f, ins(ignored, x), gradcheck.Constants(0), gradcheck.Names("ignored", "x"))
	asGradcheckError(t, err, rep)
	if w := rep.Worst; rep.Total != 3 || w.Input != 1 || !cmp.Equal(w.Index, []int{2}) || !strings.Contains(err.Error(), "worst: x element [2]") {
		t.Errorf("report %v; want 3 elements, the worst x element [2]", rep)
	}

	g := func(in []V) V {
		return autograd.Add(autograd.Sum(cube(false, true).Apply(in[1])), autograd.Sum(autograd.Detach(in[0])))
	}
	rep, err = gradcheck.GradGradCheck(g, ins(ignored, x), gradcheck.Constants(0), gradcheck.Names("ignored", "x"))
	asGradcheckError(t, err, rep)
	// The gradient in x (3) against x (3) and v (1).
	if w := rep.Worst; rep.Total != 12 || w.Grad != 1 || w.Input == 0 || !strings.Contains(err.Error(), "gradient of x element") {
		t.Errorf("report %v; want 12 elements, the worst in the gradient of x (Grad 1)", rep)
	}
}

// A Case holds an Input.Const constant; every check of the case honours it.
func TestCaseConstInput(t *testing.T) {
	differentiated := false
	c := gradcheck.Case{Name: "x·w, w a target", F: scaledByDetached(&differentiated),
		Inputs: []gradcheck.Input{
			gradcheck.Random(gradcheck.Real, 3).Named("x"),
			gradcheck.Fixed(tns([]int{3}, 1.5, 0.25, -2)).Named("w").Const(),
		},
		Jacobian:    func(in []T) []T { return []T{tensor.Mul(tensor.Scale(in[0], 2), in[1]), nil} },
		SecondOrder: true, ForwardMode: true}
	if err := c.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
	if differentiated {
		t.Error("F received w as a Var that requires a gradient")
	}
	c.Inputs[1].Constant = false
	if err := c.Check(); !errors.Is(err, gradcheck.ErrMismatch) {
		t.Errorf("without Const: %v, want a mismatch (w's gradient is lost)", err)
	}
	c.Inputs[0] = c.Inputs[0].Const()
	c.Inputs[1] = c.Inputs[1].Const()
	want := `gradcheck: case "x·w, w a target": no input to differentiate: every input is held constant (Constants)`
	if err := c.Check(); err == nil || err.Error() != want {
		t.Errorf("every input constant: %v, want %q", err, want)
	}
}

// Constants out of range, or holding every input, are errors before f is
// called; a constant input is still checked for mutation.
func TestConstantsErrors(t *testing.T) {
	calls := 0
	f := func(in []V) V { calls++; return autograd.Sum(in[0]) }
	x := ins(tns([]int{2}, 1, 2), tns([]int{2}, 3, 4))
	for _, tc := range []struct {
		opts []gradcheck.Option
		want string
	}{
		{[]gradcheck.Option{gradcheck.Constants(2)}, "gradcheck: Check: invalid options: Constants(2) out of range for 2 inputs"},
		{[]gradcheck.Option{gradcheck.Constants(-1)}, "gradcheck: Check: invalid options: Constants(-1) out of range for 2 inputs"},
		{[]gradcheck.Option{gradcheck.Constants(0, 1)}, "gradcheck: Check: no input to differentiate: every input is held constant (Constants)"},
		{[]gradcheck.Option{gradcheck.Constants(0), gradcheck.Constants(1)}, "gradcheck: Check: no input to differentiate: every input is held constant (Constants)"},
	} {
		if _, err := gradcheck.Check(f, x, tc.opts...); err == nil || err.Error() != tc.want {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
	if calls != 0 {
		t.Errorf("f called %d times", calls)
	}

	mutating := func(in []V) V {
		in[1].Value().Data()[0] = 0
		return autograd.Sum(in[0])
	}
	if _, err := gradcheck.Check(mutating, x, gradcheck.Constants(1), gradcheck.Names("x", "w")); !errors.Is(err, gradcheck.ErrMutatedInput) ||
		!strings.Contains(err.Error(), "w: function modified its input") {
		t.Errorf("a constant input modified: %v, want ErrMutatedInput naming w", err)
	}
}
