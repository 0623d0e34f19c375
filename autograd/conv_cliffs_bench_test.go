package autograd_test

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// BenchmarkConvCliffs times forward and backward of Sum(Conv2D(x, w)) in
// float32, with x and w both needing gradients, without an Arena ("plain")
// and under one ("arena"), for the windows that once fell off the fast
// paths: a depthwise 3×3 convolution (groups = channels) of [8 128 56 56]
// with stride 1 and 2, and a 64→64 3×3 convolution of [8 64 56 56] with
// dilation 2 or stride 2. bench/ has the same shapes for PyTorch.
func BenchmarkConvCliffs(b *testing.B) {
	for _, c := range []struct {
		name    string
		ch, cin int
		opts    autograd.Conv2DOptions
	}{
		{"dw3s1", 128, 1, autograd.Conv2DOptions{Padding: [2]int{1, 1}, Groups: 128}},
		{"dw3s2", 128, 1, autograd.Conv2DOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, Groups: 128}},
		{"dil2", 64, 64, autograd.Conv2DOptions{Padding: [2]int{2, 2}, Dilation: [2]int{2, 2}}},
		{"s2", 64, 64, autograd.Conv2DOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(5, 9))
			xt := tensor.RandNormal[float32](rng, 0, 1, 8, c.ch, 56, 56)
			w := autograd.Param(tensor.RandNormal[float32](rng, 0, 0.3, c.ch, c.cin, 3, 3))
			for _, mode := range []string{"plain", "arena"} {
				b.Run(mode, func(b *testing.B) {
					x := autograd.Param(xt)
					var ar *autograd.Arena[float32]
					if mode == "arena" {
						ar = autograd.NewArena[float32]()
					}
					step := func() {
						h := x
						if ar != nil {
							ar.Reset()
							h = ar.Use(x)
						}
						autograd.Sum(autograd.Conv2D(h, w, nil, c.opts)).Backward()
						autograd.ZeroGrad(x, w)
					}
					step()
					b.ReportAllocs()
					for b.Loop() {
						step()
					}
				})
			}
		})
	}
}

// BenchmarkAvgPoolCliffs times AvgPool2D over [8 64 112 112]: a 2×2
// window with stride 2, and a 3×3 window with stride 2 and padding 1.
func BenchmarkAvgPoolCliffs(b *testing.B) {
	for _, c := range []struct {
		name      string
		k, s, pad int
	}{{"k2s2", 2, 2, 0}, {"k3s2p1", 3, 2, 1}} {
		b.Run(c.name, func(b *testing.B) {
			benchPoolStep(b, func(h *autograd.Var[float32]) *autograd.Var[float32] {
				return autograd.AvgPool2D(h, [2]int{c.k, c.k}, [2]int{c.s, c.s}, [2]int{c.pad, c.pad})
			}, 8, 64, 112, 112)
		})
	}
}
