package layers_test

import (
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/internal/allocs"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// TestEveryModuleArenaAllocatesNothing checks, for every module type of
// the package, the two promises of autograd.Arena: a warm evaluation
// (Forward in evaluation mode under an inference Arena) allocates nothing,
// and neither does a warm training step (Forward in training mode, with
// dropout drawing its masks, Backward and ZeroGrad under an Arena). It
// also checks that each gives the numbers of the same computation without
// an Arena: the output of the evaluation, bit for bit, and the gradients
// of the first training step of a fresh instance (whose dropout draws the
// same masks).
func TestEveryModuleArenaAllocatesNothing(t *testing.T) {
	if underRace {
		t.Skip("the race detector's instrumentation allocates")
	}
	testArenaRows(t, everyModule())
}

// testArenaRows is TestEveryModuleArenaAllocatesNothing's checks on rows.
func testArenaRows(t *testing.T, rows []moduleRow) {
	for _, r := range rows {
		t.Run("inference/"+r.name, func(t *testing.T) {
			m, x := r.build()
			layers.SetTraining(m, false)
			want := m.Forward(autograd.Const(x)).Value().Clone()
			ar := autograd.NewInferenceArena[float32]()
			var out *autograd.Var[float32]
			step := func() {
				ar.Reset()
				out = m.Forward(ar.Const(x))
			}
			step()
			if !bitsEqual(out.Value(), want) {
				t.Errorf("the output under an inference Arena differs from the one without")
			}
			if out.RequiresGrad() {
				t.Errorf("the output under an inference Arena requires a gradient")
			}
			for range 3 {
				step()
			}
			if n := allocs.Count(20, step); n != 0 {
				t.Errorf("20 warm evaluations allocate %d times, want 0", n)
			}
		})
		t.Run("training/"+r.name, func(t *testing.T) {
			plain, x := r.build()
			want := trainingGrads(plain, x, r.ids, nil)
			m, _ := r.build()
			ar := autograd.NewArena[float32]()
			got := trainingGrads(m, x, r.ids, ar)
			if diff := cmp.Diff(want, got, approx(1e-6)); diff != "" {
				t.Errorf("the gradients of a step under an Arena differ from those without (-want +got):\n%s", diff)
			}
			params := m.Parameters()
			var in *autograd.Var[float32] // the input, a leaf that needs a gradient
			if !r.ids {
				in = ar.Param(x)
			}
			step := func() {
				ar.Reset()
				xv := in
				if r.ids {
					xv = ar.Const(x)
				}
				autograd.Sum(m.Forward(xv)).Backward()
				autograd.ZeroGrad(params...)
				if in != nil {
					in.ZeroGrad()
				}
			}
			for range 3 {
				step()
			}
			if n := allocs.Count(10, step); n != 0 {
				t.Errorf("10 warm training steps allocate %d times, want 0", n)
			}
		})
	}
}

// trainingGrads runs one training step of m on x (Forward in training
// mode, the sum of the output, Backward), under ar when it is not nil, and
// returns the gradients of m's parameters and, unless x holds ids, of x.
func trainingGrads(m layers.Module[float32], x *tensor.Tensor[float32], ids bool, ar *autograd.Arena[float32]) []tensorView {
	layers.SetTraining(m, true)
	var in *autograd.Var[float32]
	switch {
	case ids && ar != nil:
		in = ar.Const(x)
	case ids:
		in = autograd.Const(x)
	case ar != nil:
		in = ar.Param(x)
	default:
		in = autograd.Param(x)
	}
	autograd.Sum(m.Forward(in)).Backward()
	var out []tensorView
	for _, p := range m.Parameters() {
		out = append(out, viewOf(p.Grad()))
	}
	if !ids {
		out = append(out, viewOf(in.Grad()))
	}
	autograd.ZeroGrad(m.Parameters()...)
	return out
}
