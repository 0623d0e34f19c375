package autograd_test

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// benchPoolStep times forward and backward of Sum(f(x)) for a float32 x of
// the given shape, without an Arena ("plain") and under one ("arena").
func benchPoolStep(b *testing.B, f func(*autograd.Var[float32]) *autograd.Var[float32], shape ...int) {
	rng := rand.New(rand.NewPCG(3, 4))
	xt := tensor.RandNormal[float32](rng, 0, 1, shape...)
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
				autograd.Sum(f(h)).Backward()
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

// BenchmarkMaxPoolStem times a ResNet stem's pooling, 3×3 stride 2 padding
// 1 over [8 64 112 112], and the same window without padding.
func BenchmarkMaxPoolStem(b *testing.B) {
	for _, c := range []struct {
		name string
		pad  [2]int
	}{{"pad1", [2]int{1, 1}}, {"pad0", [2]int{}}} {
		b.Run(c.name, func(b *testing.B) {
			benchPoolStep(b, func(h *autograd.Var[float32]) *autograd.Var[float32] {
				return autograd.MaxPool2D(h, [2]int{3, 3}, [2]int{2, 2}, c.pad)
			}, 8, 64, 112, 112)
		})
	}
}

// BenchmarkGlobalAvgPool times global average pooling, AdaptiveAvgPool2D
// to 1×1 over [32 512 7 7] (a ResNet's head).
func BenchmarkGlobalAvgPool(b *testing.B) {
	benchPoolStep(b, func(h *autograd.Var[float32]) *autograd.Var[float32] {
		return autograd.AdaptiveAvgPool2D(h, 1, 1)
	}, 32, 512, 7, 7)
}
