package layers_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

var _ layers.Module[float32] = (*layers.Frozen[float32])(nil)

// freezeModels are models Freeze walks differently: Linear layers fused
// with a ReLU and not, without bias, one Linear used twice, nested and
// named containers, layers it keeps as they are.
func freezeModels() map[string]layers.Module[float64] {
	rng := newRNG(41)
	mlp := layers.NewMLP[float64](rng, []int{6, 16, 8, 3}, func() layers.Module[float64] { return layers.ReLU[float64]{} })
	noBias := layers.NewLinear[float64](rng, 6, 6, nil)
	noBias.Bias = nil
	shared := layers.NewLinear[float64](rng, 6, 6, nil)
	drop := layers.NewDropout[float64](rng, 0.5)
	drop.SetTraining(false)
	return map[string]layers.Module[float64]{
		"mlp":    mlp,
		"linear": layers.NewLinear[float64](rng, 6, 4, nil),
		"mixed": layers.NewSequential[float64](noBias, layers.Tanh[float64]{}, shared, layers.ReLU[float64]{},
			layers.NewSequential[float64](shared, drop), layers.NewLinear[float64](rng, 6, 2, nil), layers.ReLU[float64]{}),
		"named": layers.NewNamed(
			layers.NamedModule[float64]{Name: "fc1", Module: layers.NewLinear[float64](rng, 6, 5, nil)},
			layers.NamedModule[float64]{Name: "act", Module: layers.Sigmoid[float64]{}},
			layers.NamedModule[float64]{Name: "fc2", Module: layers.NewLinear[float64](rng, 5, 3, nil)},
		),
	}
}

// TestFreezeMatchesModel checks that a Frozen gives the model's outputs bit
// for bit, on a constant, under an inference Arena and on [..., in] inputs,
// and records nothing.
func TestFreezeMatchesModel(t *testing.T) {
	for name, m := range freezeModels() {
		t.Run(name, func(t *testing.T) {
			f := layers.Freeze(m)
			for _, shape := range [][]int{{5, 6}, {2, 3, 6}, {6}} {
				x := randTensor(newRNG(7), shape...)
				want := m.Forward(autograd.Const(x)).Value()
				got := f.Forward(autograd.Const(x))
				if !bitsEqual(got.Value(), want) {
					t.Fatalf("%v: Frozen gives %v, the model %v", shape, got.Value(), want)
				}
				if got.RequiresGrad() || got.Arena() != nil {
					t.Errorf("%v: result requires grad %v, arena %v; want a plain constant", shape, got.RequiresGrad(), got.Arena())
				}
				ar := autograd.NewInferenceArena[float64]()
				ga := f.Forward(ar.Const(x))
				if !bitsEqual(ga.Value(), want) || ga.Arena() != ar {
					t.Errorf("%v: under an inference Arena: %v in arena %v, want %v in %v", shape, ga.Value(), ga.Arena(), want, ar)
				}
			}
			if len(f.Parameters()) != 0 || len(f.NamedParameters()) != 0 {
				t.Errorf("Parameters %v, NamedParameters %v; want none", f.Parameters(), f.NamedParameters())
			}
		})
	}
}

// TestFreezeCopiesWeights checks that a Frozen keeps the Linear weights of
// the time of Freeze when the model trains on.
func TestFreezeCopiesWeights(t *testing.T) {
	m := freezeModels()["mlp"]
	x := randTensor(newRNG(8), 4, 6)
	f := layers.Freeze(m)
	want := m.Forward(autograd.Const(x)).Value()
	for _, p := range m.Parameters() {
		p.Value().Fill(0.25)
	}
	if got := f.Forward(autograd.Const(x)).Value(); !bitsEqual(got, want) {
		t.Errorf("after the model's weights changed: %v, want %v", got, want)
	}
}

// TestFreezeInputGradient checks the gradient with respect to an input that
// requires one: the model's, while the model's parameters get none.
func TestFreezeInputGradient(t *testing.T) {
	for name, m := range freezeModels() {
		t.Run(name, func(t *testing.T) {
			x := randTensor(newRNG(9), 3, 6)
			xm, xf := autograd.Param(x.Clone()), autograd.Param(x.Clone())
			autograd.Sum(autograd.Square(m.Forward(xm))).Backward()
			autograd.ZeroGrad(m.Parameters()...)
			y := layers.Freeze(m).Forward(xf)
			if !y.RequiresGrad() {
				t.Fatal("the result of an input that requires a gradient records nothing")
			}
			autograd.Sum(autograd.Square(y)).Backward()
			if diff := cmp.Diff(viewOf(xm.Grad()), viewOf(xf.Grad()), approx(1e-12)); diff != "" {
				t.Errorf("input gradient (-model +Frozen):\n%s", diff)
			}
			for _, p := range m.Parameters() {
				if g := p.Grad(); g != nil && !bitsEqual(g, tensor.Zeros[float64](g.Shape()...)) {
					t.Errorf("parameter %s got a gradient through the Frozen", p.Name())
				}
			}
		})
	}
}

// TestFreezeAllocations checks what a warm call allocates: nothing under an
// inference Arena, only the output's constant on a plain constant.
func TestFreezeAllocations(t *testing.T) {
	f := layers.Freeze(freezeModels()["mlp"])
	x := autograd.Const(randTensor(newRNG(10), 32, 6))
	ar := autograd.NewInferenceArena[float64]()
	run := func() {
		ar.Reset()
		f.Forward(ar.Const(x.Value()))
	}
	run()
	if n := testing.AllocsPerRun(20, run); n != 0 {
		t.Errorf("under an inference Arena: %v allocations per call, want 0", n)
	}
	if underRace {
		return // sync.Pool drops arenas at random under the race detector
	}
	f.Forward(x)
	// The output's tensor (header and data) and its Var.
	if n := testing.AllocsPerRun(20, func() { f.Forward(x) }); n > 3 {
		t.Errorf("on a constant: %v allocations per call, want at most 3", n)
	}
}

// TestFreezeConcurrent runs one Frozen from several goroutines at once (the
// race detector checks the arenas are not shared).
func TestFreezeConcurrent(t *testing.T) {
	m := freezeModels()["mlp"]
	f := layers.Freeze(m)
	x := randTensor(newRNG(11), 8, 6)
	want := m.Forward(autograd.Const(x)).Value()
	var wg sync.WaitGroup
	errs := make([]bool, 4)
	for g := range errs {
		wg.Go(func() {
			for range 20 {
				if !bitsEqual(f.Forward(autograd.Const(x)).Value(), want) {
					errs[g] = true
				}
			}
		})
	}
	wg.Wait()
	for g, bad := range errs {
		if bad {
			t.Errorf("goroutine %d got a different output", g)
		}
	}
}

// TestFreezeErrors checks the panics: a nil model, an input of the wrong
// width (named after the Linear's weight), a stale arena input.
func TestFreezeErrors(t *testing.T) {
	if ae := argPanic(t, func() { layers.Freeze[float64](nil) }); ae.Op != "Freeze" {
		t.Errorf("Freeze(nil): %v", ae)
	}
	argPanic(t, func() { layers.Freeze[float64]((*layers.Linear[float64])(nil)) })

	f := layers.Freeze(freezeModels()["named"])
	se := shapePanic(t, func() { f.Forward(autograd.Const(tensor.Zeros[float64](2, 7))) })
	if se.Op != "Linear (fc1.weight)" {
		t.Errorf("ShapeError op %q, want %q", se.Op, "Linear (fc1.weight)")
	}
	shapePanic(t, func() { f.Forward(autograd.Const(tensor.Scalar(1.0))) })

	bad := layers.NewLinear[float64](newRNG(1), 6, 4, nil)
	bad.Bias = autograd.Param(tensor.Zeros[float64](0))
	if se := shapePanic(t, func() { layers.Freeze[float64](bad) }); se.Reason != "bias must be [out]" {
		t.Errorf("bias [0]: %v", se)
	}
	bad.Bias, bad.Weight = nil, autograd.Param(tensor.Zeros[float64](6))
	shapePanic(t, func() { layers.Freeze[float64](layers.NewSequential[float64](bad)) })
	bad.Weight = nil
	argPanic(t, func() { layers.Freeze[float64](bad) })

	ar := autograd.NewInferenceArena[float64]()
	x := ar.Const(tensor.Zeros[float64](2, 6))
	ar.Reset()
	var ue *autograd.UsageError
	if err, _ := panicValue(func() { f.Forward(x) }).(error); !errors.As(err, &ue) || !errors.Is(err, autograd.ErrArenaReset) {
		t.Errorf("stale input: panic %v, want a *UsageError for ErrArenaReset", err)
	}
}

// TestFreezeAnomaly checks that a Frozen reports an infinite result under
// anomaly detection as the model does.
func TestFreezeAnomaly(t *testing.T) {
	l := layers.NewLinear[float64](newRNG(12), 2, 2, nil)
	l.Weight.Value().Fill(1e300)
	net := layers.NewSequential[float64](l, layers.ReLU[float64]{})
	f := layers.Freeze(net)
	for _, m := range []layers.Module[float64]{net, f} {
		x := autograd.Const(tensor.Full(1e10, 1, 2))
		if err := autograd.DetectAnomaly(x); err != nil {
			t.Fatal(err)
		}
		var ae *autograd.AnomalyError
		if err, _ := panicValue(func() { m.Forward(x) }).(error); !errors.As(err, &ae) {
			t.Errorf("%T: panic %v, want an *AnomalyError", m, err)
		}
	}
}

// TestFreezeSharedLayersRecord checks what Frozen's documentation says of
// an input that requires a gradient: the copied Linear weights get none,
// a shared layer's parameters get theirs.
func TestFreezeSharedLayersRecord(t *testing.T) {
	l := layers.NewLinear[float64](newRNG(13), 6, 4, nil)
	ln := layers.NewLayerNorm[float64](4)
	f := layers.Freeze[float64](layers.NewSequential[float64](l, ln))
	x := autograd.Param(randTensor(newRNG(14), 3, 6))
	y := autograd.Mul(f.Forward(x), autograd.Const(randTensor(newRNG(15), 3, 4)))
	autograd.Sum(y).Backward()
	if l.Weight.Grad() != nil || l.Bias.Grad() != nil {
		t.Errorf("the model's Linear got a gradient through the Frozen")
	}
	if g := ln.Weight.Grad(); g == nil || bitsEqual(g, tensor.Zeros[float64](4)) {
		t.Errorf("the shared LayerNorm's weight gradient is %v, want non-zero", g)
	}
}

// TestFreezeWideLayer checks layers whose input is longer than one block
// of the product's inner dimension, in both precisions.
func TestFreezeWideLayer(t *testing.T) {
	net := layers.NewMLP[float64](newRNG(16), []int{1100, 17, 3}, nil)
	x := randTensor(newRNG(17), 9, 1100)
	if got, want := layers.Freeze(net).Forward(autograd.Const(x)).Value(), net.Forward(autograd.Const(x)).Value(); !bitsEqual(got, want) {
		t.Errorf("float64: Frozen gives %v, the model %v", got, want)
	}
	net32 := layers.NewMLP[float32](newRNG(16), []int{2100, 17, 3}, nil)
	x32 := convert[float32](randTensor(newRNG(17), 9, 2100))
	if got, want := layers.Freeze(net32).Forward(autograd.Const(x32)).Value(), net32.Forward(autograd.Const(x32)).Value(); !bitsEqual(got, want) {
		t.Errorf("float32: Frozen gives %v, the model %v", got, want)
	}
}
