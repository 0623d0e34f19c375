package autograd_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestTransformsRefuseInferenceResults checks that Grad and the
// functional transforms refuse a result computed under an inference
// Arena, which records nothing: its gradients were zeros, silently, though
// it depends on the inputs (Backward already refused it).
func TestTransformsRefuseInferenceResults(t *testing.T) {
	inf := autograd.NewInferenceArena[float64]()
	inf.Reset()
	c := inf.Const(tensor.MustNew([]float64{3, 4}, 2))
	f := func(xs ...*autograd.Var[float64]) *autograd.Var[float64] { return autograd.Sum(autograd.Mul(xs[0], c)) }
	x := []*tensor.Tensor[float64]{tensor.MustNew([]float64{1, 2}, 2)}
	for name, call := range map[string]func(){
		"Grad": func() {
			w := autograd.Param(tensor.MustNew([]float64{1, 2}, 2))
			autograd.Grad([]*autograd.Var[float64]{autograd.Sum(autograd.Mul(w, c))}, []*autograd.Var[float64]{w})
		},
		"VJP":      func() { autograd.VJP(f, x) },
		"JVP":      func() { autograd.JVP(f, x, x) },
		"Jacobian": func() { autograd.Jacobian(f, x, autograd.JacobianReverse) },
		"Hessian":  func() { autograd.Hessian(f, x) },
		"HVP":      func() { autograd.HVP(f, x, x) },
	} {
		err := mustPanicError(t, call)
		var ue *autograd.UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "inference Arena") || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: panicked with %v, want a *UsageError naming it and the inference Arena", name, err)
		}
	}
}

// TestInferenceCutAnywhere checks that the refusal follows the value, not
// the result's Arena: an op with one input of an inference Arena records
// nothing even when its result lands in a training Arena (the first input's),
// so Grad gave zeros and Backward said no Param reached the loss; and that
// a result made of an inference Arena's constants alone, which depends on
// no input, still gets zeros, as torch's functional transforms give.
func TestInferenceCutAnywhere(t *testing.T) {
	tr, inf := autograd.NewArena[float64](), autograd.NewInferenceArena[float64]()
	inf.Reset()
	c := inf.Const(tensor.MustNew([]float64{3, 4}, 2))
	w := autograd.Param(tensor.MustNew([]float64{1, 2}, 2))
	y := autograd.Sum(autograd.Mul(autograd.Mul(tr.Const(tensor.MustNew([]float64{1, 1}, 2)), w), c))
	var ue *autograd.UsageError
	for name, call := range map[string]func(){
		"Grad":     func() { autograd.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{w}) },
		"Backward": func() { y.Backward() },
	} {
		if err := mustPanicError(t, call); !errors.As(err, &ue) || !strings.Contains(err.Error(), "inference Arena") {
			t.Errorf("%s of a loss cut by an inference Arena: panicked with %v, want the inference Arena named", name, err)
		}
	}
	ignore := func(xs ...*autograd.Var[float64]) *autograd.Var[float64] { return autograd.Sum(c) }
	jac := autograd.Jacobian(ignore, []*tensor.Tensor[float64]{tensor.MustNew([]float64{1, 2}, 2)}, autograd.JacobianReverse)
	if got := jac[0].Data(); len(got) != 2 || got[0] != 0 || got[1] != 0 {
		t.Errorf("Jacobian of a function of inference constants only = %v, want zeros", got)
	}
}

// TestTransformsMisuse checks the typed panics of misuse: HVP of a nil
// function, a nil cotangent, and a pullback called after its Arena's
// Reset, each naming the transform.
func TestTransformsMisuse(t *testing.T) {
	x := []*tensor.Tensor[float64]{tensor.MustNew([]float64{1, 2}, 2)}
	f := func(xs ...*autograd.Var[float64]) *autograd.Var[float64] { return autograd.Sum(autograd.Square(xs[0])) }
	var ue *autograd.UsageError
	if err := mustPanicError(t, func() { autograd.HVP(nil, x, x) }); !errors.As(err, &ue) || ue.Op != "HVP" {
		t.Errorf("HVP(nil): panicked with %v, want a *UsageError of HVP", err)
	}
	_, pull := autograd.VJP(f, x)
	if err := mustPanicError(t, func() { pull(nil) }); !errors.As(err, &ue) || ue.Op != "VJP" {
		t.Errorf("pullback(nil): panicked with %v, want a *UsageError of VJP", err)
	}
	ar := autograd.NewArena[float64]()
	_, pull = autograd.VJP(func(xs ...*autograd.Var[float64]) *autograd.Var[float64] {
		return autograd.Sum(autograd.Mul(ar.Use(xs[0]), xs[0]))
	}, x)
	ar.Reset()
	err := mustPanicError(t, func() { pull(tensor.Scalar(1.0)) })
	if !errors.Is(err, autograd.ErrArenaReset) || !strings.Contains(err.Error(), "VJP") {
		t.Errorf("pullback after Reset: panicked with %v, want ErrArenaReset naming VJP", err)
	}
}
