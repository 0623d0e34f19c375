package autograd_test

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// cliffCase is one forward and backward step of benchmarkCliffs: f applied
// to a parameter of the given shape, summed to a scalar.
type cliffCase struct {
	name  string
	shape []int
	f     func(x *autograd.Var[float32]) *autograd.Var[float32]
}

// cliffCases are the reductions, scans and sorts whose steps were once far
// slower than PyTorch's: Sum and Mean over the last axis, Cumsum along a
// leading axis, Sort along either axis.
func cliffCases() []cliffCase {
	sort := func(axis int) func(x *autograd.Var[float32]) *autograd.Var[float32] {
		return func(x *autograd.Var[float32]) *autograd.Var[float32] { v, _ := autograd.Sort(x, axis, false); return v }
	}
	return []cliffCase{
		{"SumLast/1024x1024", []int{1024, 1024}, func(x *autograd.Var[float32]) *autograd.Var[float32] { return autograd.Sum(x, -1) }},
		{"SumLast/4096x256", []int{4096, 256}, func(x *autograd.Var[float32]) *autograd.Var[float32] { return autograd.Sum(x, -1) }},
		{"MeanLast/1024x1024", []int{1024, 1024}, func(x *autograd.Var[float32]) *autograd.Var[float32] { return autograd.Mean(x, -1) }},
		{"Cumsum0/1024x1024", []int{1024, 1024}, func(x *autograd.Var[float32]) *autograd.Var[float32] { return autograd.Cumsum(x, 0) }},
		{"Cumsum0/64x64x256", []int{64, 64, 256}, func(x *autograd.Var[float32]) *autograd.Var[float32] { return autograd.Cumsum(x, 0) }},
		{"SortLast/256x4096", []int{256, 4096}, sort(-1)},
		{"Sort0/256x4096", []int{256, 4096}, sort(0)},
	}
}

// BenchmarkCliffs runs one forward and backward step of each of
// cliffCases, Sum(f(x)).Backward() with x requiring a gradient, plainly
// and under a warm Arena.
func BenchmarkCliffs(b *testing.B) {
	for _, c := range cliffCases() {
		data := tensor.RandNormal(rand.New(rand.NewPCG(1, 2)), float32(0), 1, c.shape...)
		b.Run(c.name+"/plain", func(b *testing.B) {
			x := autograd.Param(data)
			b.ReportAllocs()
			for b.Loop() {
				autograd.ZeroGrad(x)
				autograd.Sum(c.f(x)).Backward()
			}
		})
		b.Run(c.name+"/arena", func(b *testing.B) {
			ar := autograd.NewArena[float32]()
			x := ar.Param(data)
			step := func() {
				ar.Reset()
				autograd.Sum(c.f(x)).Backward()
				autograd.ZeroGrad(x)
			}
			step()
			b.ReportAllocs()
			for b.Loop() {
				step()
			}
		})
	}
}
