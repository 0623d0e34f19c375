package autograd_test

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// BenchmarkShortCliffs runs one forward and backward step of each op that
// was once far slower than PyTorch on its shape: Softmax and LogSoftmax
// over short last axes (128, and attention scores of 64), ScatterAdd along
// axis 1 of a square matrix with a random index as large as x, and
// BatchNorm in training mode (2d on [64 64 28 28], 1d on [4096 256]). Each
// is Sum(op(...)).Backward() in float32 with every input a parameter,
// plainly and under a warm Arena. In PyTorch (one thread), the same
// expression with .sum().backward().
func BenchmarkShortCliffs(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	randn := func(shape ...int) *tensor.Tensor[float32] { return tensor.RandNormal(rng, float32(0), 1, shape...) }
	type step func(ps []*autograd.Var[float32]) *autograd.Var[float32]
	softmax := func(f func(*autograd.Var[float32], int) *autograd.Var[float32]) step {
		return func(ps []*autograd.Var[float32]) *autograd.Var[float32] { return f(ps[0], -1) }
	}
	iv := make([]int, 1024*1024)
	for i := range iv {
		iv[i] = rng.IntN(1024)
	}
	index := tensor.MustIndex(iv, 1024, 1024)
	batchNorm := func(ps []*autograd.Var[float32]) *autograd.Var[float32] {
		y, _, _ := autograd.BatchNorm(ps[0], ps[1], ps[2], 1e-5)
		return y
	}
	cases := []struct {
		name string
		ins  []*tensor.Tensor[float32]
		f    step
	}{
		{"Softmax/4096x128", []*tensor.Tensor[float32]{randn(4096, 128)}, softmax(autograd.Softmax[float32])},
		{"Softmax/2048x64", []*tensor.Tensor[float32]{randn(8*4*64, 64)}, softmax(autograd.Softmax[float32])},
		{"LogSoftmax/4096x128", []*tensor.Tensor[float32]{randn(4096, 128)}, softmax(autograd.LogSoftmax[float32])},
		{"LogSoftmax/2048x64", []*tensor.Tensor[float32]{randn(8*4*64, 64)}, softmax(autograd.LogSoftmax[float32])},
		{"ScatterAdd1/1024x1024", []*tensor.Tensor[float32]{randn(1024, 1024), randn(1024, 1024)},
			func(ps []*autograd.Var[float32]) *autograd.Var[float32] {
				return autograd.ScatterAdd(ps[0], 1, index, ps[1])
			}},
		{"BatchNorm2d/64x64x28x28", []*tensor.Tensor[float32]{randn(64, 64, 28, 28), randn(64), randn(64)}, batchNorm},
		{"BatchNorm1d/4096x256", []*tensor.Tensor[float32]{randn(4096, 256), randn(256), randn(256)}, batchNorm},
	}
	for _, c := range cases {
		b.Run(c.name+"/plain", func(b *testing.B) {
			ps := make([]*autograd.Var[float32], len(c.ins))
			for i, t := range c.ins {
				ps[i] = autograd.Param(t)
			}
			b.ReportAllocs()
			for b.Loop() {
				autograd.ZeroGrad(ps...)
				autograd.Sum(c.f(ps)).Backward()
			}
		})
		b.Run(c.name+"/arena", func(b *testing.B) {
			ar := autograd.NewArena[float32]()
			ps := make([]*autograd.Var[float32], len(c.ins))
			for i, t := range c.ins {
				ps[i] = ar.Param(t)
			}
			step := func() {
				ar.Reset()
				autograd.Sum(c.f(ps)).Backward()
				autograd.ZeroGrad(ps...)
			}
			step()
			b.ReportAllocs()
			for b.Loop() {
				step()
			}
		})
	}
}
