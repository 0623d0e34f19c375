package autograd_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestArenaParam checks an Arena's parameters: the same gradients as a
// plain Param, accumulated across steps and Resets, never stale, and a step
// made of operations on them alone allocates nothing once warm.
func TestArenaParam(t *testing.T) {
	data := []float64{-1.5, -0.25, 0.5, 2}
	ar := autograd.NewArena[float64]()
	p := ar.Param(tensor.MustNew(append([]float64(nil), data...), 2, 2))
	q := autograd.Param(tensor.MustNew(append([]float64(nil), data...), 2, 2))
	step := func(x *autograd.Var[float64]) {
		autograd.Sum(autograd.Mul(autograd.Tanh(x), autograd.Sigmoid(x))).Backward()
	}
	for range 3 {
		ar.Reset()
		step(p)
		step(q)
	}
	if diff := cmp.Diff(q.Grad().Data(), p.Grad().Data()); diff != "" {
		t.Errorf("gradient after 3 accumulated steps, Arena.Param against Param (-Param +Arena.Param):\n%s", diff)
	}
	if !p.RequiresGrad() {
		t.Error("an Arena's Param does not require a gradient")
	}
	// Used after a Reset it is still live (no ErrArenaReset panic).
	ar.Reset()
	_ = p.Value()
	if raceEnabled {
		return
	}
	if n := warmMallocs(2, 20, func() {
		ar.Reset()
		step(p)
		autograd.ZeroGrad(p)
	}); n != 0 {
		t.Errorf("20 warm steps on an Arena's Param alone made %d allocations, want 0", n)
	}
}

// TestArenaParamWithAStepOfAnotherArena checks that an operation on a
// Param of one arena and a Var of another arena's step takes its result
// from the step's arena, whatever the order of the inputs: for every table
// op and every row of allocOps of several inputs, with a training arena's
// Param in each position and an inference arena's constants elsewhere, the
// result is the inference arena's, records nothing, is stale after that
// arena's Reset, and a warm loop of Resets of the inference arena alone
// allocates nothing (the results went into the training arena's memory,
// which grew step after step until its own Reset).
func TestArenaParamWithAStepOfAnotherArena(t *testing.T) {
	for _, op := range autograd.Ops() {
		if op.Arity < 2 {
			continue
		}
		shapes := op.Shapes
		if shapes == nil {
			shapes = [][]int{{4, 4}}
		}
		checkParamWithStep(t, op.Name, opInputs[float64](op, shapes, 5), func(v []*V) *V { return op.Apply64(v...) })
	}
	for _, op := range allocOps[float64]() {
		if len(op.in) < 2 {
			continue
		}
		s := newAllocStep(op, 5)
		checkParamWithStep(t, op.name, s.data, op.f)
	}
}

// checkParamWithStep is TestArenaParamWithAStepOfAnotherArena for one op f
// at inputs xs.
func checkParamWithStep(t *testing.T, name string, xs []*tensor.Tensor[float64], f func([]*V) *V) {
	t.Helper()
	for pos := range xs {
		train, inf := autograd.NewArena[float64](), autograd.NewInferenceArena[float64]()
		args := make([]*V, len(xs))
		p := train.Param(xs[pos])
		var out *V
		step := func() {
			inf.Reset()
			for i, x := range xs {
				args[i] = inf.Const(x)
			}
			args[pos] = p
			out = f(args)
		}
		step()
		if out.Arena() != inf || out.RequiresGrad() {
			t.Errorf("%s, Param at %d: result of arena %p (inference %p), requires a gradient %v; want the inference arena's, recording nothing",
				name, pos, out.Arena(), inf, out.RequiresGrad())
			continue
		}
		inf.Reset()
		if !out.Stale() {
			t.Errorf("%s, Param at %d: the result outlives the inference arena's Reset", name, pos)
		}
		if raceEnabled {
			continue
		}
		if n := warmMallocs(2, 10, step); n != 0 {
			t.Errorf("%s, Param at %d: %d allocations in 10 warm steps of the inference arena, want 0", name, pos, n)
		}
	}
}

// TestArenaParamTimesATrainingStep checks a training arena's Param times
// a batch of another training arena: the result is the batch arena's, and
// Backward gives the Param the gradient a plain Param gets.
func TestArenaParamTimesATrainingStep(t *testing.T) {
	w := []float64{0.5, -1, 2}
	params, steps := autograd.NewArena[float64](), autograd.NewArena[float64]()
	p, q := params.Param(tensor.MustNew(append([]float64(nil), w...), 3)), autograd.Param(tensor.MustNew(append([]float64(nil), w...), 3))
	x := tensor.MustNew([]float64{1, 2, 3}, 3)
	for range 2 {
		steps.Reset()
		y := autograd.Mul(p, steps.Const(x))
		if y.Arena() != steps {
			t.Fatal("Param times a step's batch: the result is not the step's arena's")
		}
		autograd.Sum(autograd.Tanh(y)).Backward()
		autograd.Sum(autograd.Tanh(autograd.Mul(q, autograd.Const(x)))).Backward()
	}
	if diff := cmp.Diff(q.Grad().Data(), p.Grad().Data()); diff != "" {
		t.Errorf("gradient (-plain Param +Arena Param):\n%s", diff)
	}
}
