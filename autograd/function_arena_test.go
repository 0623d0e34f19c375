package autograd_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestFunctionUnderArena checks a Function in a training step under an
// Arena: its Backward sees the arena's constants (Input, Output and g), so
// that a Backward written with this package's operations allocates
// nothing in a warm step, and the gradient is the one without an arena.
// The Forward here writes into a tensor it keeps and the Backward returns
// a slice it keeps, so that the step's allocations are the engine's alone.
func TestFunctionUnderArena(t *testing.T) {
	x := tensor.MustNew([]float64{0.5, -1, 2, 1.5}, 2, 2)
	out := tensor.Zeros[float64](2, 2)
	grads := make([]*V, 1)
	var arenas [3]*autograd.Arena[float64]
	square := &autograd.Function[float64]{Name: "Square",
		Forward: func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] {
			tensor.MulInto(out, in[0], in[0])
			return out
		},
		Backward: func(c *autograd.Context[float64], g *V) []*V {
			in := c.Input(0)
			arenas = [3]*autograd.Arena[float64]{in.Arena(), c.Output().Arena(), g.Arena()}
			grads[0] = autograd.Mul(g, autograd.Scale(in, 2))
			return grads
		}}
	w := autograd.Param(tensor.MustNew([]float64{1, 2, -3, 0.25}, 2, 2))
	ar := autograd.NewArena[float64]()
	step := func() {
		ar.Reset()
		autograd.Sum(square.Apply(autograd.Mul(w, ar.Const(x)))).Backward()
	}
	step()
	want := []float64{2 * 0.25, 2 * 2, 2 * -3 * 4, 2 * 0.25 * 1.5 * 1.5} // 2w·x²
	if diff := cmp.Diff(want, w.Grad().Data(), cmpopts.EquateApprox(0, 1e-15)); diff != "" {
		t.Errorf("gradient through the Function under an Arena (-want +got):\n%s", diff)
	}
	if arenas != [3]*autograd.Arena[float64]{ar, ar, ar} {
		t.Errorf("Backward's Input, Output and g are of arenas %v, want the step's %p", arenas, ar)
	}
	if raceEnabled {
		return
	}
	zeroStep := func() { step(); autograd.ZeroGrad(w) }
	if n := warmMallocs(3, 20, zeroStep); n != 0 {
		t.Errorf("20 warm steps through a Function under an Arena: %d allocations, want 0", n)
	}
}
