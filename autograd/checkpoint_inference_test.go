package autograd_test

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// wantUsagePanic runs f and fails t unless it panics with a *UsageError.
func wantUsagePanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		var ue *autograd.UsageError
		if err, _ := recover().(error); !errors.As(err, &ue) {
			t.Errorf("%s: panic %v, want a *UsageError", what, err)
		}
	}()
	f()
}

// Under an inference Arena a Checkpoint records nothing: it runs fn on the
// arena's inputs, and the result is a constant, as without Checkpoint.
func TestCheckpointUnderAnInferenceArena(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	lin := layers.NewLinear[float32](rng, 3, 2, nil)
	block := func(in ...*autograd.Var[float32]) *autograd.Var[float32] {
		return autograd.Tanh(lin.Forward(in[0]))
	}
	x := tensor.RandNormal[float32](rng, 0, 1, 4, 3)
	want := block(autograd.Const(x)).Value().Clone()

	inf := autograd.NewInferenceArena[float32]()
	for step := range 2 {
		inf.Reset()
		out := autograd.Checkpoint(block, inf.Const(x))
		if out.RequiresGrad() || !out.IsLeaf() || out.Op() != "" {
			t.Fatalf("step %d: RequiresGrad %v, IsLeaf %v, Op %q; want a constant (false, true, \"\")",
				step, out.RequiresGrad(), out.IsLeaf(), out.Op())
		}
		if d := cmp.Diff(want.Data(), out.Value().Data(), cmpopts.EquateApprox(0, 0)); d != "" {
			t.Fatalf("step %d: values differ from the block's (-plain +checkpoint):\n%s", step, d)
		}
		sum := autograd.Sum(out)
		if sum.RequiresGrad() {
			t.Errorf("step %d: Sum of the result requires a gradient", step)
		}
		wantUsagePanic(t, "Backward of Sum(out)", func() { sum.Backward() })
		one := autograd.Checkpoint(func(in ...*autograd.Var[float32]) *autograd.Var[float32] {
			return autograd.Sum(block(in...))
		}, inf.Const(x))
		wantUsagePanic(t, "Backward of a scalar Checkpoint", func() { one.Backward() })
	}
	if g := lin.Weight.Grad(); g != nil {
		t.Errorf("the weight got a gradient under an inference Arena: %v", g)
	}
}

// RequiresGrad and Backward agree on a Checkpoint's result under a training
// Arena whose input is a constant, and with no Arena when nothing requires
// a gradient.
func TestCheckpointRequiresGradAgreesWithBackward(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 3))
	lin := layers.NewLinear[float64](rng, 3, 2, nil)
	block := func(in ...*autograd.Var[float64]) *autograd.Var[float64] { return lin.Forward(in[0]) }
	x := tensor.RandNormal[float64](rng, 0, 1, 4, 3)

	ar := autograd.NewArena[float64]()
	for range 2 {
		ar.Reset()
		lin.Weight.ZeroGrad()
		out := autograd.Checkpoint(block, ar.Const(x))
		if !out.RequiresGrad() || out.Op() != "Checkpoint" {
			t.Fatalf("under a training Arena: RequiresGrad %v, Op %q; want true, Checkpoint", out.RequiresGrad(), out.Op())
		}
		autograd.Sum(out).Backward()
		// d Σ(x·Wᵀ + b)/dW[o][i] = Σ_n x[n][i], for every o.
		want := make([]float64, 6)
		for o := range 2 {
			for i := range 3 {
				for n := range 4 {
					want[o*3+i] += x.Data()[n*3+i]
				}
			}
		}
		if d := cmp.Diff(want, lin.Weight.Grad().Data(), cmpopts.EquateApprox(0, 1e-12)); d != "" {
			t.Fatalf("weight gradient (-want +got):\n%s", d)
		}
	}

	frozen := func(in ...*autograd.Var[float64]) *autograd.Var[float64] {
		return autograd.MatMul(in[0], autograd.Const(tensor.Ones[float64](3, 2)))
	}
	out := autograd.Checkpoint(frozen, autograd.Const(x))
	if out.RequiresGrad() || out.Op() != "" {
		t.Errorf("nothing requires a gradient: RequiresGrad %v, Op %q; want false, \"\"", out.RequiresGrad(), out.Op())
	}
	wantUsagePanic(t, "Backward with nothing to differentiate", func() { autograd.Sum(out).Backward() })
}

// A warm evaluation of decoder blocks under an inference Arena allocates
// nothing with one Checkpoint per block, as without. The count is exact
// (runtime.MemStats.Mallocs), not testing.AllocsPerRun's integer mean.
func TestCheckpointInferenceAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	rng := rand.New(rand.NewPCG(8, 1))
	cfg := layers.TransformerConfig{DModel: 16, NHead: 2, DimFeedforward: 32, NormFirst: true, Activation: "gelu"}
	layer := make([]*layers.TransformerEncoderLayer[float32], 4)
	blocks := make([]func(...*autograd.Var[float32]) *autograd.Var[float32], len(layer))
	for i := range blocks {
		blk := layers.NewDecoderBlock[float32](rng, cfg)
		layer[i] = blk
		blocks[i] = func(in ...*autograd.Var[float32]) *autograd.Var[float32] { return blk.Forward(in[0]) }
	}
	x := tensor.RandNormal[float32](rng, 0, 1, 2, 5, 16)
	inf := autograd.NewInferenceArena[float32]()
	eval := func(checkpoint bool) *autograd.Var[float32] {
		inf.Reset()
		h := inf.Const(x)
		for i, blk := range blocks {
			if checkpoint {
				h = autograd.Checkpoint(blk, h)
			} else {
				h = layer[i].Forward(h)
			}
		}
		return h
	}
	want := eval(false).Value().Clone()
	for _, checkpoint := range []bool{false, true} {
		const warmRuns, runs = 20, 10
		if n := warmMallocs(warmRuns, runs, func() { eval(checkpoint) }); n != 0 {
			t.Errorf("checkpoint %v: %d allocations in %d warm evaluations, want 0", checkpoint, n, runs)
		}
	}
	if d := cmp.Diff(want.Data(), eval(true).Value().Data()); d != "" {
		t.Errorf("values with checkpoints differ (-plain +checkpoint):\n%s", d)
	}
}
