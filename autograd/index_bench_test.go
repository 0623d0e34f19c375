package autograd_test

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// scatterBenchCase is one shape of BenchmarkScatter: x of shape x, an index
// and a source of shape src, random positions along axis (duplicates
// included, as torch.randint draws them).
type scatterBenchCase struct {
	name   string
	x, src []int
	axis   int
}

// BenchmarkScatter: forward and backward of Sum(Scatter(x, axis, index,
// src)) and of ScatterAdd, x and src both parameters, plain and under a
// warm Arena; in PyTorch, x.scatter(axis, index, src).sum().backward()
// (and scatter_add) with one thread, index from torch.randint.
func BenchmarkScatter(b *testing.B) {
	ops := []struct {
		name string
		f    func(x *autograd.Var[float32], axis int, index *tensor.Index, src *autograd.Var[float32]) *autograd.Var[float32]
	}{
		{"Scatter", autograd.Scatter[float32]},
		{"ScatterAdd", autograd.ScatterAdd[float32]},
	}
	cases := []scatterBenchCase{
		{"axis1", []int{256, 4096}, []int{256, 1024}, 1},
		{"axis0", []int{4096, 256}, []int{1024, 256}, 0},
	}
	for _, op := range ops {
		for _, bc := range cases {
			rng := rand.New(rand.NewPCG(1, 2))
			x := autograd.Param(tensor.RandNormal(rng, float32(0), 1, bc.x...))
			src := autograd.Param(tensor.RandNormal(rng, float32(0), 1, bc.src...))
			iv := make([]int, src.Value().Len())
			for i := range iv {
				iv[i] = rng.IntN(bc.x[bc.axis])
			}
			index := tensor.MustIndex(iv, bc.src...)
			b.Run(op.name+"/"+bc.name+"/plain", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					autograd.ZeroGrad(x, src)
					autograd.Sum(op.f(x, bc.axis, index, src)).Backward()
				}
			})
			b.Run(op.name+"/"+bc.name+"/arena", func(b *testing.B) {
				ar := autograd.NewArena[float32]()
				b.ReportAllocs()
				for b.Loop() {
					ar.Reset()
					autograd.ZeroGrad(x, src)
					autograd.Sum(op.f(x, bc.axis, index, ar.Use(src))).Backward()
				}
			})
		}
	}
}
