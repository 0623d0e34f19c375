package autograd_test

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// BenchmarkEinsumBatchedMatMul runs one forward and backward step of
// Einsum("bij,bjk->bik") and of the same product by MatMul, side by side,
// under a warm Arena, in float32, at attention-like shapes (8 batches of
// [64 64]·[64 64]) and at small ones (32 of [8 16]·[16 8]), where the cost
// of parsing the subscripts and planning the contraction shows. GFLOP/s
// counts the three products of a step (forward, and one per gradient).
func BenchmarkEinsumBatchedMatMul(b *testing.B) {
	for _, sz := range []struct {
		name        string
		nb, m, k, n int
	}{
		{"8x64x64x64", 8, 64, 64, 64},
		{"32x8x16x8", 32, 8, 16, 8},
	} {
		rng := rand.New(rand.NewPCG(7, 8))
		x := autograd.Param(tensor.RandNormal[float32](rng, 0, 1, sz.nb, sz.m, sz.k))
		y := autograd.Param(tensor.RandNormal[float32](rng, 0, 1, sz.nb, sz.k, sz.n))
		ones := tensor.Ones[float32](1)
		flops := float64(3 * 2 * sz.nb * sz.m * sz.k * sz.n)
		for _, f := range []struct {
			name string
			op   func(a, b *autograd.Var[float32]) *autograd.Var[float32]
		}{
			{"Einsum", func(a, b *autograd.Var[float32]) *autograd.Var[float32] { return autograd.Einsum("bij,bjk->bik", a, b) }},
			{"MatMul", autograd.MatMul[float32]},
		} {
			b.Run(sz.name+"/"+f.name, func(b *testing.B) {
				ar := autograd.NewArena[float32]()
				step := func() {
					ar.Reset()
					one := ar.Const(ones)
					autograd.Sum(f.op(autograd.Mul(one, x), y)).Backward()
					autograd.ZeroGrad(x, y)
				}
				step()
				b.ReportAllocs()
				for b.Loop() {
					step()
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
