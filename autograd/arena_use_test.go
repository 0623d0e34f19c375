package autograd_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// useStep is a step that splits a weight w [6 2] into three [2 2] parts, as
// attention splits in_proj_weight, and multiplies x [3 2] by two of them.
func useStep(x, w *autograd.Var[float64]) *autograd.Var[float64] {
	parts := autograd.Split(w, 0, 2, 2, 2)
	return autograd.Sum(autograd.Mul(autograd.Linear(x, parts[0], nil), autograd.Tanh(autograd.Linear(x, parts[2], nil))))
}

// TestArenaUse checks Arena.Use: its value is the parameter's own memory,
// the gradient it passes on is the one the parameter gets without it, bit
// for bit, and a warm step whose ops on the weight go through it allocates
// nothing, where the same step on the bare weight allocates (its Split has
// no input from the arena).
func TestArenaUse(t *testing.T) {
	wData := []float64{0.5, -1, 2, 0.25, -0.75, 1.5, 1, -2, 0.3, 0.6, -0.9, 1.2}
	xData := []float64{1, 2, -1, 0.5, 0.25, -3}
	plain := autograd.Param(tensor.MustNew(append([]float64(nil), wData...), 6, 2))
	useStep(autograd.Const(tensor.MustNew(xData, 3, 2)), plain).Backward()

	w := autograd.Param(tensor.MustNew(append([]float64(nil), wData...), 6, 2))
	ar := autograd.NewArena[float64]()
	x := tensor.MustNew(xData, 3, 2)
	u := ar.Use(w)
	if &u.Value().Data()[0] != &w.Value().Data()[0] || !u.Value().HasShape(6, 2) || !u.RequiresGrad() || u.Arena() != ar {
		t.Errorf("Use(w) = %v (requires grad %v, arena %p): want a view of w's memory, recorded, of the arena %p", u.Value(), u.RequiresGrad(), u.Arena(), ar)
	}
	useStep(ar.Const(x), u).Backward()
	if diff := cmp.Diff(plain.Grad().Data(), w.Grad().Data()); diff != "" {
		t.Errorf("w's gradient through Use (-without +with):\n%s", diff)
	}
	if w.Arena() != nil {
		t.Errorf("w.Arena() = %p, want nil: Use must not change the parameter", w.Arena())
	}
	if raceEnabled {
		return
	}
	step := func(use bool) func() {
		return func() {
			ar.Reset()
			wv := w
			if use {
				wv = ar.Use(w)
			}
			useStep(ar.Const(x), wv).Backward()
			autograd.ZeroGrad(w)
		}
	}
	if n := warmMallocs(3, 20, step(true)); n != 0 {
		t.Errorf("20 warm steps through Use made %d allocations, want 0", n)
	}
	if n := warmMallocs(3, 20, step(false)); n == 0 {
		t.Error("20 warm steps on the bare weight made no allocation: the test no longer shows what Use is for")
	}
}

// TestArenaUseSecondOrder checks that Use is differentiable again: for
// f(w) = Σ w³ through Use, Grad with CreateGraph gives 3w², and the
// gradient of Σ 3w² is 6w.
func TestArenaUseSecondOrder(t *testing.T) {
	w := autograd.Param(tensor.MustNew([]float64{1, -2, 0.5}, 3))
	ar := autograd.NewArena[float64]()
	u := ar.Use(w)
	f := autograd.Sum(autograd.Mul(autograd.Mul(u, u), u))
	g := autograd.Grad([]*autograd.Var[float64]{f}, []*autograd.Var[float64]{w}, autograd.CreateGraph())[0]
	if diff := cmp.Diff([]float64{3, 12, 0.75}, g.Value().Data()); diff != "" {
		t.Errorf("first derivative (-want +got):\n%s", diff)
	}
	h := autograd.Grad([]*autograd.Var[float64]{autograd.Sum(g)}, []*autograd.Var[float64]{w})[0]
	if diff := cmp.Diff([]float64{6, -12, 3}, h.Value().Data()); diff != "" {
		t.Errorf("second derivative (-want +got):\n%s", diff)
	}
}

// TestArenaUseInference checks Use under an inference Arena: the result
// shares the parameter's memory and records nothing, and neither do the
// operations on it.
func TestArenaUseInference(t *testing.T) {
	w := autograd.Param(tensor.MustNew([]float64{1, 2, 3, 4}, 4))
	ar := autograd.NewInferenceArena[float64]()
	u := ar.Use(w)
	parts := autograd.Split(u, 0, 2, 2)
	if u.RequiresGrad() || parts[1].RequiresGrad() || &u.Value().Data()[0] != &w.Value().Data()[0] {
		t.Errorf("under an inference Arena: Use records %v, its Split %v; want nothing recorded and w's memory", u.RequiresGrad(), parts[1].RequiresGrad())
	}
	if parts[1].Arena() != ar {
		t.Error("the Split of Use(w) is not the arena's")
	}
}

// TestArenaUseVarsOfArenas checks that Use returns a Var of this arena,
// and one of another arena's step, as it is (their operations take their
// results from their own arena), takes a Param of another arena like one
// made without an arena: under an inference arena a view that records
// nothing, and neither do operations on it alone (a model whose weights are
// a training arena's Params, evaluated under an inference arena); under a
// training arena a Var of its step whose gradient flows to the Param. It
// panics for a nil Var.
func TestArenaUseVarsOfArenas(t *testing.T) {
	ar, other := autograd.NewArena[float64](), autograd.NewInferenceArena[float64]()
	c := ar.Const(tensor.MustNew([]float64{1, 2}, 2))
	p := ar.Param(tensor.MustNew([]float64{1, 2}, 2))
	if ar.Use(c) != c || ar.Use(p) != p {
		t.Error("Use of the arena's own Const or Param is not that Var")
	}
	if other.Use(c) != c {
		t.Error("Use of another arena's Const is not that Var")
	}

	u := other.Use(p)
	e := autograd.Exp(u)
	if u.Arena() != other || u.RequiresGrad() || e.Arena() != other || e.RequiresGrad() || &u.Value().Data()[0] != &p.Value().Data()[0] {
		t.Errorf("inference Use of another arena's Param: arena %p (want %p), records %v, Exp of it %p records %v; want the inference arena's, p's memory, nothing recorded",
			u.Arena(), other, u.RequiresGrad(), e.Arena(), e.RequiresGrad())
	}
	other.Reset()
	if !u.Stale() || p.Stale() {
		t.Errorf("after the inference arena's Reset: its Use of p stale %v, p stale %v; want true, false", u.Stale(), p.Stale())
	}

	train := autograd.NewArena[float64]()
	v := train.Use(p)
	if v == p || v.Arena() != train || !v.RequiresGrad() {
		t.Errorf("training Use of another arena's Param: the Param itself %v, arena %p (want %p), records %v", v == p, v.Arena(), train, v.RequiresGrad())
	}
	autograd.Sum(autograd.Mul(v, v)).Backward()
	if diff := cmp.Diff([]float64{2, 4}, p.Grad().Data()); diff != "" {
		t.Errorf("gradient through another arena's Use (-want +got):\n%s", diff)
	}
	wantUsagePanic(t, "Use(nil)", func() { ar.Use(nil) })
}
