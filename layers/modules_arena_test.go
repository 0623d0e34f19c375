package layers_test

import (
	"math"
	"runtime"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// mallocs returns the number of heap allocations made by runs calls of f,
// after one call to warm it up, from the runtime's count of allocated
// objects: testing.AllocsPerRun divides that count by the runs, as an
// integer, and so reports 0 for fewer allocations than runs.
//
// The runtime allocates too, now and then and at random: it grows the
// cache of a type assertion or a type switch to an interface on about one
// miss in a thousand (runtime.typeAssert), and the engine asserts on the
// many op types of a graph. So a window of runs that allocates is measured
// again, up to three times in all, and mallocs returns the least count.
// Code that allocates in every call, or in one call of every few, shows
// in every window; the runtime's cache updates almost never twice in a row.
func mallocs(runs int, f func()) uint64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	f()
	least := uint64(math.MaxUint64)
	for range 3 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range runs {
			f()
		}
		runtime.ReadMemStats(&after)
		least = min(least, after.Mallocs-before.Mallocs)
		if least == 0 {
			break
		}
	}
	return least
}

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
			if n := mallocs(20, step); n != 0 {
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
			if n := mallocs(10, step); n != 0 {
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
