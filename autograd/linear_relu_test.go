package autograd_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestLinearReLUIsReLUOfLinear checks LinearReLU against ReLU(Linear(...))
// bit for bit: the value (with NaN, ±Inf and −0 among the inputs), the
// first-order gradients of every input, with and without a bias and
// without an Arena and under one, and the second-order gradients of a
// recorded pass (CreateGraph).
func TestLinearReLUIsReLUOfLinear(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	xd := tensor.RandNormal[float64](rng, 0, 1, 7, 5)
	xd.Data()[3], xd.Data()[11], xd.Data()[20] = math.NaN(), math.Inf(-1), math.Copysign(0, -1)
	wd := tensor.RandNormal[float64](rng, 0, 1, 6, 5)
	bd := tensor.RandNormal[float64](rng, 0, 1, 6)
	wgt := tensor.RandNormal[float64](rng, 0, 1, 7, 6) // weights of the loss, so gradients differ per element

	run := func(fused, bias bool, ar *autograd.Arena[float64]) []*tensor.Tensor[float64] {
		param := autograd.Param[float64]
		if ar != nil {
			param = ar.Param
		}
		x, w, b := param(xd.Clone()), param(wd.Clone()), param(bd.Clone())
		if !bias {
			b = nil
		}
		var y *autograd.Var[float64]
		if fused {
			y = autograd.LinearReLU(x, w, b)
		} else {
			y = autograd.ReLU(autograd.Linear(x, w, b))
		}
		autograd.Sum(autograd.Mul(y, autograd.Const(wgt))).Backward()
		out := []*tensor.Tensor[float64]{y.Value().Clone(), x.Grad().Clone(), w.Grad().Clone()}
		if bias {
			out = append(out, b.Grad().Clone())
		}
		return out
	}
	names := []string{"value", "dx", "dw", "db"}
	for _, bias := range []bool{true, false} {
		for _, arena := range []bool{false, true} {
			var ar *autograd.Arena[float64]
			if arena {
				ar = autograd.NewArena[float64]()
			}
			want, got := run(false, bias, nil), run(true, bias, ar)
			for i := range want {
				if err := sameBits(got[i], want[i]); err != nil {
					t.Errorf("bias %v arena %v: %s: %v", bias, arena, names[i], err)
				}
			}
		}
	}

	// Second order: d/dx of Σ (∂L/∂w ∘ U), through the recorded derivative.
	u := tensor.RandNormal[float64](rng, 0, 1, 6, 5)
	hvp := func(fused bool) *tensor.Tensor[float64] {
		x, w, b := autograd.Param(tensor.RandNormal[float64](rand.New(rand.NewPCG(1, 2)), 0, 1, 7, 5)), autograd.Param(wd.Clone()), autograd.Param(bd.Clone())
		var y *autograd.Var[float64]
		if fused {
			y = autograd.LinearReLU(x, w, b)
		} else {
			y = autograd.ReLU(autograd.Linear(x, w, b))
		}
		// y + y², so that the gradient reaching y is not 0 where y is
		// (the mask matters).
		loss := autograd.Sum(autograd.Mul(autograd.Add(y, autograd.Square(y)), autograd.Const(wgt)))
		gw := autograd.Grad([]*autograd.Var[float64]{loss}, []*autograd.Var[float64]{w}, autograd.CreateGraph())[0]
		s := autograd.Sum(autograd.Mul(gw, autograd.Const(u)))
		return autograd.Grad([]*autograd.Var[float64]{s}, []*autograd.Var[float64]{x})[0].Value()
	}
	if err := sameBits(hvp(true), hvp(false)); err != nil {
		t.Errorf("second order: %v", err)
	}
}
