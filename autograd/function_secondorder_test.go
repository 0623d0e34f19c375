package autograd_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestGradCreateGraphRefusesRawBackward checks that Grad with CreateGraph
// refuses a Function whose backward is written on raw tensors where the
// gradient it is given requires one (its result feeds an op whose
// derivative depends on it), naming the Function, where it silently gave
// wrong second derivatives: for Σ x·x² through a raw x², 0 instead of 6x;
// mixed with a built-in, half of the right one. The same Function written
// with this package's operations gives the right numbers.
func TestGradCreateGraphRefusesRawBackward(t *testing.T) {
	cases := []struct {
		name string
		f    func(sq *autograd.Function[float64], x *V) *V
		want []float64 // the second derivative at x = [1 2]
	}{
		{"x·x²", func(sq *autograd.Function[float64], x *V) *V { return autograd.Sum(autograd.Mul(x, sq.Apply(x))) }, []float64{6, 12}},
		{"x²·x² + (x²)²", func(sq *autograd.Function[float64], x *V) *V {
			y := sq.Apply(x)
			return autograd.Sum(autograd.Add(autograd.Mul(y, autograd.Square(x)), autograd.Square(y)))
		}, []float64{24, 96}},
	}
	ops := &autograd.Function[float64]{Name: "OpsSquare",
		Forward: func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] { return tensor.Mul(in[0], in[0]) },
		Backward: func(c *autograd.Context[float64], g *V) []*V {
			return []*V{autograd.Mul(g, autograd.Scale(c.Input(0), 2))}
		}}
	for _, tc := range cases {
		x := autograd.Param(t64([]float64{1, 2}, 2))
		err := mustPanicError(t, func() {
			autograd.Grad([]*V{tc.f(rawSquare(false, nil, nil), x)}, []*V{x}, autograd.CreateGraph())
		})
		var ue *autograd.UsageError
		if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), `autograd: Grad: Function "RawSquare": its backward returned a gradient for input 0 that does not depend on the output's gradient`) {
			t.Errorf("%s: Grad with CreateGraph through a raw backward: %v, want a *UsageError naming Grad and RawSquare", tc.name, err)
		}

		d1 := autograd.Grad([]*V{tc.f(ops, x)}, []*V{x}, autograd.CreateGraph())[0]
		d2 := autograd.Grad([]*V{autograd.Sum(d1)}, []*V{x})[0]
		checkTensor(t, tc.name+": second derivative", d2.Value(), view([]int{2}, tc.want...), 1e-12)
	}
}

// TestGradCreateGraphRawBackwardNotUsed checks what the refusal lets
// pass: a raw gradient for an input no input of Grad depends on (a weight
// held constant, dropped by the pass), a raw gradient of zeros, and a raw
// backward in a pass that does not record.
func TestGradCreateGraphRawBackwardNotUsed(t *testing.T) {
	w := autograd.Param(t64([]float64{2, 3}, 2))
	scale := &autograd.Function[float64]{Name: "ScaleBy",
		Forward: func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] { return tensor.Mul(in[0], in[1]) },
		Backward: func(c *autograd.Context[float64], g *V) []*V {
			return []*V{autograd.Mul(g, c.Input(1)), autograd.Const(tensor.Mul(g.Value(), c.Input(0).Value()))}
		}}
	x := autograd.Param(t64([]float64{0.5, -1}, 2))
	d1 := autograd.Grad([]*V{autograd.Sum(autograd.Square(scale.Apply(x, w)))}, []*V{x}, autograd.CreateGraph())[0]
	checkTensor(t, "d Σ (x∘w)² / dx = 2x∘w²", d1.Value(), view([]int{2}, 4, -18), 1e-15)

	zero := &autograd.Function[float64]{Name: "StopGradient",
		Forward: func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] { return in[0].Clone() },
		Backward: func(c *autograd.Context[float64], g *V) []*V {
			return []*V{autograd.Const(tensor.Zeros[float64](2))}
		}}
	d1 = autograd.Grad([]*V{autograd.Sum(autograd.Square(zero.Apply(x)))}, []*V{x}, autograd.CreateGraph())[0]
	checkTensor(t, "d Σ stop(x)² / dx", d1.Value(), view([]int{2}, 0, 0), 0)

	d1 = autograd.Grad([]*V{autograd.Sum(autograd.Square(rawSquare(false, nil, nil).Apply(x)))}, []*V{x})[0]
	checkTensor(t, "d Σ x⁴ / dx = 4x³ without CreateGraph", d1.Value(), view([]int{2}, 0.5, -4), 1e-15)
}
