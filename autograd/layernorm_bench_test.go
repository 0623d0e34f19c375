package autograd

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// BenchmarkLayerNorm is a transformer's LayerNorm, forward and backward,
// under an Arena: 512 rows of 128 (the GPT benchmark's batch of 8 × 64
// tokens), weight and bias, x requiring its gradient (a leaf whose .Grad()
// accumulates, so that no step allocates it anew).
func BenchmarkLayerNorm(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	x := Param(tensor.RandUniform[float32](rng, -2, 2, 512, 128))
	w := Param(tensor.RandUniform[float32](rng, 0.5, 1.5, 128))
	bias := Param(tensor.RandUniform[float32](rng, -0.1, 0.1, 128))
	ar := NewArena[float32]()
	b.ReportAllocs()
	runtime.GC()
	for b.Loop() {
		ar.Reset()
		Sum(LayerNorm(Mul(x, ar.Const(tensor.Scalar[float32](1))), w, bias, 1, 1e-5)).Backward()
		w.ZeroGrad()
		bias.ZeroGrad()
	}
}
