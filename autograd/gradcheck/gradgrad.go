package gradcheck

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// gradOutputStream separates the random stream of GradGradCheck's vector
// from any other use of the same seed.
const gradOutputStream = 0x67726164677261 // "gradgra"

// GradGradCheck checks second derivatives, like PyTorch's gradgradcheck. It
// draws a random grad-output vector v of f's output shape (uniform in
// [-1, 1), seeded by Seed), and checks the Jacobian of the first-order
// gradients
//
//	x, v ↦ Grad(Sum(f(x) ∘ v), x, CreateGraph())   (= vᵀ·∂f/∂x, one gradient per input)
//
// against central finite differences, with respect to every input and to v
// itself. Inputs held constant (Constants) are passed as constants: no
// gradient is taken with respect to them, nor finite differences. It fails
// when the backward pass of an operation in f is not itself differentiable
// or differentiates wrongly: a mismatch where it loses a part of its
// derivative (Detach inside), and a *PanicError wrapping autograd's
// *UsageError, which names the Function, for a Function whose backward is
// written with raw tensor kernels (its gradients wrapped in Const), which
// autograd refuses where the gradient it is given requires one, as v
// makes it.
//
// The report and the errors are Check's, with Order 2: an Element's Output
// is an element of the gradient with respect to input Element.Grad, and
// Element.Input len(inputs) (labelled "grad output") is v. Every error that
// comes from checking f (a mismatch, a panic, order dependence, a mutated
// input, a nil result or a changing shape) starts with "gradcheck: second
// order: "; invalid arguments (a nil function or input, no input at all,
// invalid options) are found before f is called and reported as by Check,
// naming GradGradCheck.
func GradGradCheck(f Func, inputs []*tensor.Tensor[float64], opts ...Option) (rep Report, err error) {
	const prefix = "gradcheck: second order: "
	defer catch(&err, prefix, "the function under test or its backward pass")
	if err := checkCall("GradGradCheck", f, inputs); err != nil {
		return Report{}, err
	}
	s, err := newSettings("GradGradCheck", opts, len(inputs))
	if err != nil {
		return Report{}, err
	}
	n := len(inputs)
	names := make([]string, n+1)
	copy(names, s.names)
	names[n] = "grad output"

	// f's output shape at the point, for v.
	probe := make([]*autograd.Var[float64], n)
	var diff []int // the inputs differentiated, whose gradients are checked
	for i, x := range inputs {
		probe[i] = autograd.Param(x.Clone())
		if s.constant[i] {
			probe[i] = autograd.Const(x.Clone())
			continue
		}
		diff = append(diff, i)
	}
	out, err := call(f, probe)
	if err != nil {
		return Report{}, fmt.Errorf("%s%w", prefix, err)
	}
	rng := rand.New(rand.NewPCG(s.seed, gradOutputStream))
	v := tensor.RandUniform(rng, -1.0, 1.0, out.Shape()...)

	// grads is the function checked: the gradients of Sum(f(x)∘v) with
	// respect to the inputs not held constant, recorded so that they can be
	// differentiated again.
	grads := func(vars []*autograd.Var[float64]) ([]*autograd.Var[float64], error) {
		xs := make([]*autograd.Var[float64], n)
		for i, x := range vars[:n] {
			xs[i] = x
			if !x.RequiresGrad() && !s.constant[i] {
				// Finite differences pass constants; Grad needs inputs
				// that require a gradient. The Param shares the value, so
				// the perturbation and the mutation check still apply.
				xs[i] = autograd.Param(x.Value())
			}
		}
		y, err := call(f, xs)
		if err != nil {
			return nil, fmt.Errorf("%s%w", prefix, err)
		}
		if !tensor.SameShape(y.Shape(), v.Shape()) {
			return nil, fmt.Errorf("%sf's output shape changed from %v to %v", prefix, v.Shape(), y.Shape())
		}
		loss := autograd.Sum(autograd.Mul(y, vars[n]))
		wrt := make([]*autograd.Var[float64], len(diff))
		for k, i := range diff {
			wrt[k] = xs[i]
		}
		return autograd.Grad([]*autograd.Var[float64]{loss}, wrt, autograd.CreateGraph()), nil
	}
	j := &job{
		f:        grads,
		inputs:   append(append([]*tensor.Tensor[float64](nil), inputs...), v),
		constant: append(append([]bool(nil), s.constant...), false),
		grads:    diff,
		rep:      Report{Atol: s.atol, Rtol: s.rtol, Eps: s.eps, Order: 2, Names: names},
		prefix:   prefix,
		// The first-order gradients are the function here: their
		// backward pass runs while it is evaluated.
		forward:  "while computing the first-order gradients",
		backward: "in the second backward pass",
	}
	return j.run(func(shapes [][]int) (refJacobian, error) { return j.numeric(shapes, s.eps) })
}

// AssertGradGrad runs GradGradCheck and reports a failure on tb with Errorf.
// It returns whether the check passed.
func AssertGradGrad(tb testing.TB, f Func, inputs []*tensor.Tensor[float64], opts ...Option) bool {
	tb.Helper()
	if _, err := GradGradCheck(f, inputs, opts...); err != nil {
		tb.Errorf("%v", err)
		return false
	}
	return true
}
