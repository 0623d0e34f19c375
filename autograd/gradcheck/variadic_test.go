package gradcheck_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// xSinX is the README's function of the functional transforms, x ∘ sin(x),
// in their variadic form.
func xSinX(xs ...V) V { return autograd.Mul(xs[0], autograd.Sin(xs[0])) }

// One variadic function serves autograd's transforms and, through
// Variadic, every check.
func TestVariadic(t *testing.T) {
	x := tns([]int{3}, 0, 1, 2)
	f := gradcheck.Variadic(xSinX)
	if _, err := gradcheck.CheckJVP(f, ins(x)); err != nil {
		t.Errorf("CheckJVP: %v", err)
	}
	rep, err := gradcheck.Check(f, ins(x))
	if err != nil || rep.Total != 9 {
		t.Errorf("Check: %v, %d elements; want nil, 9", err, rep.Total)
	}
	two := gradcheck.Variadic(func(xs ...V) V { return autograd.Sum(autograd.Mul(xs[0], xs[1])) })
	if _, err := gradcheck.CheckJVP(two, ins(x, tns([]int{3}, 1, -1, 0.5))); err != nil {
		t.Errorf("CheckJVP of two inputs: %v", err)
	}
	if gradcheck.Variadic(nil) != nil {
		t.Error("Variadic(nil) is not nil")
	}
}

// rawDouble is 2x as a Function whose Backward works on raw tensors, with
// the given JVP rule (none when nil).
func rawDouble(jvp func(*Ctx, []T) T) *Fn {
	return &Fn{
		Name:     "RawDouble",
		Forward:  func(in ...T) T { return tensor.Scale(in[0], 2) },
		Backward: func(c *Ctx, g V) []V { return []V{autograd.Const(tensor.Scale(g.Value(), 2))} },
		JVP:      jvp,
	}
}

// A Case with ForwardMode runs CheckJVP in a suite too: a correct forward
// rule passes, a wrong one fails where reverse mode alone passes.
func TestCaseForwardMode(t *testing.T) {
	good := rawDouble(func(_ *Ctx, ts []T) T { return tensor.Scale(ts[0], 2) })
	bad := rawDouble(func(_ *Ctx, ts []T) T { return ts[0].Clone() }) // half the derivative
	in := []gradcheck.Input{gradcheck.Random(gradcheck.Real, 3)}
	gradcheck.Run(t, []gradcheck.Case{
		{Name: "x sin x", F: gradcheck.Variadic(xSinX), Inputs: in, ForwardMode: true, SecondOrder: true},
		{Name: "Function with a JVP rule", F: applyTo(good, false), Inputs: in, ForwardMode: true},
		{Name: "wrong JVP rule caught", F: applyTo(bad, false), Inputs: in, ForwardMode: true, WantErr: gradcheck.ErrMismatch},
	})
	reverseOnly := gradcheck.Case{Name: "wrong JVP rule, reverse mode only", F: applyTo(bad, false), Inputs: in}
	if err := reverseOnly.Check(); err != nil {
		t.Errorf("without ForwardMode the wrong JVP rule is not checked, yet: %v", err)
	}
	// Without a rule, a raw Backward gives forward mode nothing to derive
	// one from: a *PanicError naming the Function.
	raw := gradcheck.Case{Name: "raw Backward", F: applyTo(rawDouble(nil), false), Inputs: in, ForwardMode: true}
	err := raw.Check()
	var pe *gradcheck.PanicError
	var ue *autograd.UsageError
	if !errors.As(err, &pe) || !errors.As(err, &ue) || ue.Op != "RawDouble" {
		t.Errorf("ForwardMode on a raw Backward without a JVP rule: %v, want a *PanicError of a *UsageError naming RawDouble", err)
	}
}

// A function written for autograd's transforms is checked in forward mode
// through Variadic, and used by them as it is.
func ExampleVariadic() {
	f := func(xs ...*autograd.Var[float64]) *autograd.Var[float64] {
		return autograd.Mul(xs[0], autograd.Sin(xs[0])) // x ∘ sin(x)
	}
	x := tensor.MustNew([]float64{0, 1, 2}, 3)
	_, err := gradcheck.CheckJVP(gradcheck.Variadic(f), []*tensor.Tensor[float64]{x})
	fmt.Println("CheckJVP:", err)
	_, tangent := autograd.JVP(f, []*tensor.Tensor[float64]{x}, []*tensor.Tensor[float64]{tensor.MustNew([]float64{1, 1, 0.5}, 3)})
	fmt.Printf("J·t = %.4f\n", tangent.Data())
	// Output:
	// CheckJVP: <nil>
	// J·t = [0.0000 1.3818 0.0385]
}
