package autograd_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file tests forward mode through a Function: its optional JVP rule,
// and JacobianAuto's choice for a function whose Function has none.

// rawSquare is x² as a Function whose Backward works on raw tensors (it
// is right to first order, but not differentiable, so no forward rule can
// be derived from it), with the JVP rule 2x·t when withJVP. The counters,
// when not nil, count the calls of Backward and JVP.
func rawSquare(withJVP bool, backs, jvps *int) *autograd.Function[float64] {
	f := &autograd.Function[float64]{
		Name:    "RawSquare",
		Forward: func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] { return tensor.Mul(in[0], in[0]) },
		Backward: func(c *autograd.Context[float64], g *V) []*V {
			if backs != nil {
				*backs++
			}
			return []*V{autograd.Const(tensor.Mul(g.Value(), tensor.Scale(c.Input(0).Value(), 2)))}
		},
	}
	if withJVP {
		f.JVP = func(c *autograd.Context[float64], ts []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
			if jvps != nil {
				*jvps++
			}
			return tensor.Mul(tensor.Scale(c.Input(0).Value(), 2), ts[0])
		}
	}
	return f
}

// outerOf returns x ↦ sq(x) ⊗ [1 2 3]: an output of 3n elements for an
// input of n, so that JacobianAuto would pick forward mode by the shapes.
func outerOf(sq *autograd.Function[float64]) func(xs ...*V) *V {
	row := autograd.Const(t64([]float64{1, 2, 3}, 1, 3))
	return func(xs ...*V) *V {
		n := xs[0].Shape()[0]
		return autograd.Mul(autograd.Reshape(sq.Apply(xs[0]), n, 1), row)
	}
}

// outerJacobian is the Jacobian of outerOf at x: ∂y[i][j]/∂x[k] = 2x[i]·(j+1)
// when i = k.
func outerJacobian(x []float64) tensorView {
	n := len(x)
	d := make([]float64, n*3*n)
	for i := range n {
		for j := range 3 {
			d[(i*3+j)*n+i] = 2 * x[i] * float64(j+1)
		}
	}
	return view([]int{n, 3, n}, d...)
}

// JacobianAuto does not pick forward mode for a Function without a JVP
// rule, even when the shapes favour it: it gives reverse mode's Jacobian,
// where forward mode panics.
func TestJacobianAutoAvoidsFunctionWithoutJVP(t *testing.T) {
	x := t64([]float64{0.5, -1, 2}, 3)
	want := outerJacobian(x.Data())
	backs := 0
	f := outerOf(rawSquare(false, &backs, nil))
	for _, m := range []autograd.JacobianMode{autograd.JacobianAuto, autograd.JacobianReverse} {
		backs = 0
		jac := autograd.Jacobian(f, []*tensor.Tensor[float64]{x}, m)
		checkTensor(t, "Jacobian ("+m.String()+")", jac[0], want, 1e-15)
		if backs != 9 {
			t.Errorf("%v: %d backward calls, want 9 (one per output element: reverse mode)", m, backs)
		}
	}
	err := mustPanicError(t, func() { autograd.Jacobian(f, []*tensor.Tensor[float64]{x}, autograd.JacobianForward) })
	var ue *autograd.UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "RawSquare: forward mode") {
		t.Errorf("forward mode asked for explicitly: %v, want a *UsageError naming RawSquare", err)
	}

	// BatchJacobian chooses the same way: rows [3] from rows [1].
	xb := t64([]float64{0.5, -1, 2}, 3, 1)
	g := func(xs ...*V) *V { return autograd.Reshape(f(autograd.Reshape(xs[0], 3)), 3, 3) }
	bj := autograd.BatchJacobian(g, []*tensor.Tensor[float64]{xb}, autograd.JacobianAuto)
	wantB := make([]float64, 9)
	for b, xv := range x.Data() {
		for j := range 3 {
			wantB[b*3+j] = 2 * xv * float64(j+1)
		}
	}
	checkTensor(t, "BatchJacobian (auto)", bj[0], view([]int{3, 3, 1}, wantB...), 1e-15)
}

// TestFunctionRawBackwardZeroAtOnes: forward mode detects a backward on raw
// tensors even when it maps a gradient of all ones to zero, as centering
// does (g - mean(g)): the derived rule probes it with a cotangent that has
// no such pattern, and panics rather than return zero tangents.
func TestFunctionRawBackwardZeroAtOnes(t *testing.T) {
	center := &autograd.Function[float64]{
		Name: "RawCenter",
		Forward: func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] {
			return tensor.Sub(in[0], tensor.Scalar(tensor.Mean(in[0]).Item()))
		},
		Backward: func(_ *autograd.Context[float64], g *V) []*V {
			return []*V{autograd.Const(tensor.Sub(g.Value(), tensor.Scalar(tensor.Mean(g.Value()).Item())))}
		},
	}
	f := func(xs ...*V) *V { return center.Apply(xs[0]) }
	x, tan := t64([]float64{1, 2, 4}, 3), t64([]float64{1, 0, 0}, 3)
	err := mustPanicError(t, func() { autograd.JVP(f, []*tensor.Tensor[float64]{x}, []*tensor.Tensor[float64]{tan}) })
	var ue *autograd.UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "RawCenter: forward mode") {
		t.Errorf("JVP through a raw backward that is 0 at all ones: %v, want a *UsageError naming RawCenter", err)
	}
	// Reverse mode is right: the Jacobian of centering is I - 1/3.
	jac := autograd.Jacobian(f, []*tensor.Tensor[float64]{x}, autograd.JacobianReverse)
	checkTensor(t, "Jacobian (reverse)", jac[0], view([]int{3, 3}, 2./3, -1./3, -1./3, -1./3, 2./3, -1./3, -1./3, -1./3, 2./3), 1e-15)
}

// A Checkpoint makes JacobianAuto pick reverse mode too, whose error
// (Checkpoint works under Backward only) says what is wrong.
func TestJacobianAutoAvoidsCheckpoint(t *testing.T) {
	x := t64([]float64{0.5, -1}, 2)
	f := func(xs ...*V) *V {
		return autograd.Checkpoint(func(in ...*V) *V { return outerOf(rawSquare(true, nil, nil))(in...) }, xs[0])
	}
	err := mustPanicError(t, func() { autograd.Jacobian(f, []*tensor.Tensor[float64]{x}, autograd.JacobianAuto) })
	if !strings.Contains(err.Error(), "autograd: Checkpoint: only Backward differentiates through a Checkpoint") {
		t.Errorf("Jacobian through a Checkpoint: %v, want Checkpoint's own error", err)
	}
}

// With a JVP rule, forward mode uses it: JVP, Jacobian in forward mode
// (which JacobianAuto then picks by the shapes) and CheckJVP.
func TestFunctionJVPRule(t *testing.T) {
	x := t64([]float64{0.5, -1, 2}, 3)
	backs, jvps := 0, 0
	sq := rawSquare(true, &backs, &jvps)
	tan := t64([]float64{1, 0.5, -2}, 3)
	val, jt := autograd.JVP(func(xs ...*V) *V { return sq.Apply(xs[0]) },
		[]*tensor.Tensor[float64]{x}, []*tensor.Tensor[float64]{tan})
	checkTensor(t, "x²", val, view([]int{3}, 0.25, 1, 4), 0)
	checkTensor(t, "J·t = 2x∘t", jt, view([]int{3}, 1, -1, -8), 0)
	if jvps != 1 || backs != 0 {
		t.Errorf("JVP: %d JVP calls and %d Backward calls, want 1 and 0", jvps, backs)
	}

	want := outerJacobian(x.Data())
	for _, m := range []autograd.JacobianMode{autograd.JacobianAuto, autograd.JacobianForward} {
		backs, jvps = 0, 0
		jac := autograd.Jacobian(outerOf(sq), []*tensor.Tensor[float64]{x}, m)
		checkTensor(t, "Jacobian ("+m.String()+")", jac[0], want, 1e-15)
		if jvps != 3 || backs != 0 {
			t.Errorf("%v: %d JVP calls and %d Backward calls, want 3 and 0 (forward mode, a column per input element)", m, jvps, backs)
		}
	}

	gf := func(xs []*V) *V { return outerOf(sq)(xs...) }
	if _, err := gradcheck.CheckJVP(gf, []*tensor.Tensor[float64]{x}); err != nil {
		t.Errorf("CheckJVP of a Function with a JVP rule: %v", err)
	}
	wrong := rawSquare(true, nil, nil)
	wrong.JVP = func(c *autograd.Context[float64], ts []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
		return tensor.Mul(c.Input(0).Value(), ts[0]) // x·t: half the derivative
	}
	_, err := gradcheck.CheckJVP(func(xs []*V) *V { return wrong.Apply(xs[0]) }, []*tensor.Tensor[float64]{x})
	if !errors.Is(err, gradcheck.ErrMismatch) {
		t.Errorf("CheckJVP of a wrong JVP rule: %v, want ErrMismatch", err)
	}
}

// A JVP rule sees nil for an input whose tangent is zero, and the rule of
// a Function of two inputs sums what each moves.
func TestFunctionJVPPartialTangents(t *testing.T) {
	var seen [][2]bool
	mul := &autograd.Function[float64]{
		Name:    "RawMul",
		Forward: func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] { return tensor.Mul(in[0], in[1]) },
		Backward: func(c *autograd.Context[float64], g *V) []*V {
			return []*V{autograd.Const(tensor.Mul(g.Value(), c.Input(1).Value())), autograd.Const(tensor.Mul(g.Value(), c.Input(0).Value()))}
		},
		JVP: func(c *autograd.Context[float64], ts []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
			seen = append(seen, [2]bool{ts[0] != nil, ts[1] != nil})
			out := tensor.Zeros[float64](c.Output().Value().Shape()...)
			if ts[0] != nil {
				out = tensor.Add(out, tensor.Mul(ts[0], c.Input(1).Value()))
			}
			if ts[1] != nil {
				out = tensor.Add(out, tensor.Mul(c.Input(0).Value(), ts[1]))
			}
			return out
		},
	}
	f := func(xs ...*V) *V { return mul.Apply(xs[0], xs[1]) }
	a, b := t64([]float64{1, 2}, 2), t64([]float64{3, -4}, 2)
	ta, tb := t64([]float64{1, 1}, 2), t64([]float64{0.5, 2}, 2)
	_, jt := autograd.JVP(f, []*tensor.Tensor[float64]{a, b}, []*tensor.Tensor[float64]{ta, nil})
	checkTensor(t, "J·(ta, 0) = ta∘b", jt, view([]int{2}, 3, -4), 0)
	_, jt = autograd.JVP(f, []*tensor.Tensor[float64]{a, b}, []*tensor.Tensor[float64]{ta, tb})
	checkTensor(t, "J·(ta, tb) = ta∘b + a∘tb", jt, view([]int{2}, 3.5, 0), 0)
	if len(seen) != 2 || seen[0] != [2]bool{true, false} || seen[1] != [2]bool{true, true} {
		t.Errorf("the rule saw tangents %v, want [[true false] [true true]]", seen)
	}
}

func TestFunctionJVPMisuse(t *testing.T) {
	x := []*tensor.Tensor[float64]{t64([]float64{1, 2}, 2)}
	tan := []*tensor.Tensor[float64]{t64([]float64{1, 1}, 2)}
	nilRule := rawSquare(true, nil, nil)
	nilRule.JVP = func(*autograd.Context[float64], []*tensor.Tensor[float64]) *tensor.Tensor[float64] { return nil }
	err := mustPanicError(t, func() { autograd.JVP(func(xs ...*V) *V { return nilRule.Apply(xs[0]) }, x, tan) })
	var ue *autograd.UsageError
	if !errors.As(err, &ue) || err.Error() != "autograd: RawSquare: forward mode: its JVP returned nil" {
		t.Errorf("a JVP rule returning nil: %v", err)
	}
	badShape := rawSquare(true, nil, nil)
	badShape.JVP = func(*autograd.Context[float64], []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
		return tensor.Zeros[float64](3)
	}
	se := mustShapeError(t, func() { autograd.JVP(func(xs ...*V) *V { return badShape.Apply(xs[0]) }, x, tan) })
	if se.Op != "RawSquare" {
		t.Errorf("a JVP rule of the wrong shape: %v, want a shape error naming RawSquare", se)
	}
}

// A Function with a differentiable Backward and a JVP rule works in the
// forward-over-reverse transforms: its Backward, g∘exp(x), reuses the
// output, so the recorded gradient goes through the Function's node and
// the Hessian of Σ exp(x), diag(exp(x)), through its JVP rule.
func TestFunctionJVPInHessian(t *testing.T) {
	jvps := 0
	exp := &autograd.Function[float64]{
		Name:    "MyExp",
		Forward: func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] { return tensor.Exp(in[0]) },
		Backward: func(c *autograd.Context[float64], g *V) []*V {
			return []*V{autograd.Mul(g, c.Output())}
		},
		JVP: func(c *autograd.Context[float64], ts []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
			jvps++
			return tensor.Mul(c.Output().Value(), ts[0])
		},
	}
	x := t64([]float64{0.5, -1, 2}, 3)
	f := func(xs ...*V) *V { return autograd.Sum(exp.Apply(xs[0])) }
	h := autograd.Hessian(f, []*tensor.Tensor[float64]{x})
	e := tensor.Exp(x).Data()
	checkTensor(t, "Hessian of Σ exp(x)", h[0][0], view([]int{3, 3}, e[0], 0, 0, 0, e[1], 0, 0, 0, e[2]), 1e-12)
	if jvps != 3 {
		t.Errorf("the Hessian called the JVP rule %d times, want 3 (one per column)", jvps)
	}
	_, hv := autograd.HVP(f, []*tensor.Tensor[float64]{x}, []*tensor.Tensor[float64]{t64([]float64{1, 2, -1}, 3)})
	checkTensor(t, "H·v", hv[0], view([]int{3}, e[0], 2*e[1], -e[2]), 1e-12)
}

// A Function's forward rule is its own (or derived from its Backward)
// whatever its Name: one named like a built-in op with a rule of its own
// ("MatMul") does not get that op's rule.
func TestFunctionJVPIgnoresName(t *testing.T) {
	sq := &autograd.Function[float64]{
		Name:    "MatMul",
		Forward: func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] { return tensor.Mul(in[0], in[0]) },
		Backward: func(c *autograd.Context[float64], g *V) []*V {
			return []*V{autograd.Mul(g, autograd.Scale(c.Input(0), 2))}
		},
	}
	x, tan := t64([]float64{0.5, -1, 2}, 3), t64([]float64{1, 2, 3}, 3)
	_, jt := autograd.JVP(func(xs ...*V) *V { return sq.Apply(xs[0]) }, []*tensor.Tensor[float64]{x}, []*tensor.Tensor[float64]{tan})
	checkTensor(t, "J·t = 2x∘t", jt, view([]int{3}, 1, -4, 12), 1e-15)
}

// TestFunctionRawBackwardInHessian: Hessian and HVP differentiate the
// recorded gradient, which a Backward on raw tensors cuts off, JVP rule or
// not: they panic naming the Function, where they returned zeros for
// every second derivative through it.
func TestFunctionRawBackwardInHessian(t *testing.T) {
	x := t64([]float64{0.5, -1.2, 2}, 3)
	for _, withJVP := range []bool{false, true} {
		sq := rawSquare(withJVP, nil, nil)
		f := func(xs ...*V) *V { return autograd.Sum(autograd.Sin(sq.Apply(xs[0]))) }
		for name, call := range map[string]func(){
			"Hessian": func() { autograd.Hessian(f, []*tensor.Tensor[float64]{x}) },
			"HVP": func() {
				autograd.HVP(f, []*tensor.Tensor[float64]{x}, []*tensor.Tensor[float64]{t64([]float64{1, 2, 3}, 3)})
			},
		} {
			err := mustPanicError(t, call)
			var ue *autograd.UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), name+`: Function "RawSquare": its backward returned a gradient for input 0 that does not depend`) {
				t.Errorf("JVP rule %v: %s through a raw backward: %v, want a *UsageError naming %s and RawSquare", withJVP, name, err, name)
			}
		}
	}
	// The same Function written with this package's operations gives the
	// Hessian of Σ sin(x²): diag(2cos(x²) − 4x²sin(x²)).
	sq := &autograd.Function[float64]{
		Name:    "OpsSquare",
		Forward: func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] { return tensor.Mul(in[0], in[0]) },
		Backward: func(c *autograd.Context[float64], g *V) []*V {
			return []*V{autograd.Mul(g, autograd.Scale(c.Input(0), 2))}
		},
	}
	f := func(xs ...*V) *V { return autograd.Sum(autograd.Sin(sq.Apply(xs[0]))) }
	h := autograd.Hessian(f, []*tensor.Tensor[float64]{x})
	d := make([]float64, 9)
	for i, v := range x.Data() {
		d[4*i] = 2*math.Cos(v*v) - 4*v*v*math.Sin(v*v)
	}
	checkTensor(t, "Hessian of Σ sin(x²)", h[0][0], view([]int{3, 3}, d...), 1e-12)
}

// TestFunctionRawBackwardForAnUnusedInput: a Function whose backward is
// raw only for an input the Hessian does not differentiate with respect to
// (a weight held in a closure) is accepted: that gradient is dropped.
func TestFunctionRawBackwardForAnUnusedInput(t *testing.T) {
	w := autograd.Param(t64([]float64{2, 3}, 2))
	scale := &autograd.Function[float64]{
		Name:    "ScaleBy",
		Forward: func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] { return tensor.Mul(in[0], in[1]) },
		Backward: func(c *autograd.Context[float64], g *V) []*V {
			return []*V{autograd.Mul(g, c.Input(1)), autograd.Const(tensor.Mul(g.Value(), c.Input(0).Value()))}
		},
	}
	f := func(xs ...*V) *V { return autograd.Sum(autograd.Square(scale.Apply(xs[0], w))) }
	h := autograd.Hessian(f, []*tensor.Tensor[float64]{t64([]float64{0.5, -1}, 2)})
	checkTensor(t, "Hessian of Σ (x∘w)² with respect to x", h[0][0], view([]int{2, 2}, 8, 0, 0, 18), 1e-15)
}
