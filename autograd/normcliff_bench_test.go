package autograd_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// BenchmarkLayerNormWide is LayerNorm over the last axis of a float32
// [2048 768] x with weight and bias, forward and backward of its sum, x,
// weight and bias requiring their gradients: plain, and under a warm Arena
// (x through Arena.Use). The peer is torch.nn.functional.layer_norm on one
// thread.
func BenchmarkLayerNormWide(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := autograd.Param(tensor.RandNormal[float32](rng, 0, 1, 2048, 768))
	w := autograd.Param(tensor.RandUniform[float32](rng, 0.5, 1.5, 768))
	bias := autograd.Param(tensor.RandUniform[float32](rng, -0.1, 0.1, 768))
	zero := func() {
		x.ZeroGrad()
		w.ZeroGrad()
		bias.ZeroGrad()
	}
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			autograd.Sum(autograd.LayerNorm(x, w, bias, 1, 1e-5)).Backward()
			zero()
		}
	})
	b.Run("arena", func(b *testing.B) {
		ar := autograd.NewArena[float32]()
		step := func() {
			ar.Reset()
			autograd.Sum(autograd.LayerNorm(ar.Use(x), w, bias, 1, 1e-5)).Backward()
			zero()
		}
		step()
		b.ReportAllocs()
		for b.Loop() {
			step()
		}
	})
}

// BenchmarkSoftmaxLong is Softmax along the last axis, forward and
// backward of its sum, for a long axis ([32 50000]) and a short one
// ([4096 128]), plain and under a warm Arena.
func BenchmarkSoftmaxLong(b *testing.B) {
	for _, shape := range [][2]int{{32, 50000}, {4096, 128}} {
		rng := rand.New(rand.NewPCG(1, 2))
		x := autograd.Param(tensor.RandNormal[float32](rng, 0, 1, shape[0], shape[1]))
		name := fmt.Sprintf("%dx%d", shape[0], shape[1])
		b.Run(name+"/plain", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				autograd.Sum(autograd.Softmax(x, -1)).Backward()
				x.ZeroGrad()
			}
		})
		b.Run(name+"/arena", func(b *testing.B) {
			ar := autograd.NewArena[float32]()
			step := func() {
				ar.Reset()
				autograd.Sum(autograd.Softmax(ar.Use(x), -1)).Backward()
				x.ZeroGrad()
			}
			step()
			b.ReportAllocs()
			for b.Loop() {
				step()
			}
		})
	}
}
