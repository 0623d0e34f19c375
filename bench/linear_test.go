package bench

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// BenchmarkLinear times the MLP's first layer, x·Wᵀ + b with x [batch 784]
// and W [256 784] in float32, forward and backward, two ways: the fused
// autograd.Linear (the bias is written into the output and the GEMM adds the
// product to it; backward accumulates dW and dx with the GEMM's beta) and the
// composition MatMulT then Add that Linear replaced. Both run under an Arena.
func BenchmarkLinear(b *testing.B) {
	for _, batch := range []int{64, 256} {
		for _, form := range []string{"fused", "composed"} {
			b.Run(fmt.Sprintf("batch=%d/%s", batch, form), func(b *testing.B) {
				x, w, bias := linearOperands(batch)
				ar := autograd.NewArena[float32]()
				b.ReportAllocs()
				runtime.GC() // start without the previous benchmark's garbage
				b.ResetTimer()
				for range b.N { // not b.Loop: see benchGemm
					ar.Reset()
					xv := ar.Const(x)
					var y *autograd.Var[float32]
					if form == "fused" {
						y = autograd.Linear(xv, w, bias)
					} else {
						y = autograd.Add(autograd.MatMulT(xv, w, false, true), bias)
					}
					autograd.Sum(y).Backward()
					w.ZeroGrad()
					bias.ZeroGrad()
				}
			})
		}
	}
}

// linearOperands returns a seeded batch and the first layer's parameters.
func linearOperands(batch int) (x *tensor.Tensor[float32], w, bias *autograd.Var[float32]) {
	rng := rand.New(rand.NewPCG(5, 6))
	x = tensor.RandUniform[float32](rng, 0, 1, batch, mlpIn)
	w = autograd.Param(tensor.RandUniform[float32](rng, -0.05, 0.05, 256, mlpIn))
	bias = autograd.Param(tensor.RandUniform[float32](rng, -0.05, 0.05, 256))
	return x, w, bias
}

// TestLinearFusedMatchesComposed checks that the two forms benchmarked above
// compute the same output and gradients (to float32 rounding: the fused
// form adds the bias before the product, not after).
func TestLinearFusedMatchesComposed(t *testing.T) {
	x, w, bias := linearOperands(3)
	fused := autograd.Linear(autograd.Const(x), w, bias)
	autograd.Sum(fused).Backward()
	gw, gb := w.Grad().Clone(), bias.Grad().Clone()
	w.ZeroGrad()
	bias.ZeroGrad()
	composed := autograd.Add(autograd.MatMulT(autograd.Const(x), w, false, true), bias)
	autograd.Sum(composed).Backward()
	assertClose(t, "output", fused.Value().Data(), composed.Value().Data(), 1e-5)
	assertClose(t, "dW", gw.Data(), w.Grad().Data(), 1e-5)
	assertClose(t, "db", gb.Data(), bias.Grad().Data(), 1e-5)
}
