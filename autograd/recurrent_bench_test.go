package autograd_test

import (
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// BenchmarkLSTMStep times one LSTM step's gate arithmetic, forward and
// backward under an Arena, N 32 and H 128 in float32: the fused ops against
// the same step composed of elementary ops (Split, Sigmoid, Tanh, Mul, Add).
func BenchmarkLSTMStep(b *testing.B) {
	for _, fused := range []bool{true, false} {
		name := "composed"
		if fused {
			name = "fused"
		}
		b.Run(name, func(b *testing.B) {
			gates, c := randParam[float32](1, 32, 512), randParam[float32](2, 32, 128)
			ones, onesC := tensor.Ones[float32](32, 512), tensor.Ones[float32](32, 128)
			ar := autograd.NewArena[float32]()
			b.ReportAllocs()
			for b.Loop() {
				ar.Reset()
				g, cv := autograd.Mul(ar.Const(ones), gates), autograd.Mul(ar.Const(onesC), c)
				var h1, c1 *autograd.Var[float32]
				if fused {
					c1 = autograd.LSTMCellState(g, cv)
					h1 = autograd.LSTMCellOutput(g, c1)
				} else {
					h1, c1 = lstmStepComposed(g, cv)
				}
				autograd.Sum(autograd.Add(h1, c1)).Backward()
			}
		})
	}
}

// BenchmarkGRUStep is BenchmarkLSTMStep for a GRU step, N 32 and H 128.
func BenchmarkGRUStep(b *testing.B) {
	for _, fused := range []bool{true, false} {
		name := "composed"
		if fused {
			name = "fused"
		}
		b.Run(name, func(b *testing.B) {
			gi, gh, h := randParam[float32](1, 32, 384), randParam[float32](2, 32, 384), randParam[float32](3, 32, 128)
			ones, onesH := tensor.Ones[float32](32, 384), tensor.Ones[float32](32, 128)
			ar := autograd.NewArena[float32]()
			b.ReportAllocs()
			for b.Loop() {
				ar.Reset()
				a, bb, hv := autograd.Mul(ar.Const(ones), gi), autograd.Mul(ar.Const(ones), gh), autograd.Mul(ar.Const(onesH), h)
				var out *autograd.Var[float32]
				if fused {
					out = autograd.GRUCellState(a, bb, hv)
				} else {
					out = gruStepComposed(a, bb, hv)
				}
				autograd.Sum(out).Backward()
			}
		})
	}
}
