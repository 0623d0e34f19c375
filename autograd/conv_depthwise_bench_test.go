package autograd_test

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// BenchmarkDepthwiseConv times forward and backward of a MobileNet-style
// depthwise 3×3 convolution (stride 1, padding 1, groups = channels, with
// bias) under an Arena, in float32: batch 8, 32 channels, 28×28 (MobileNet
// runs 32 channels at 112×112; a quarter of its side keeps a step at a few
// milliseconds). The input and the weight both need gradients, as in
// training. For comparison, "dense" is the ordinary convolution of the
// same size (every output channel sees every input channel: 32 times the
// multiply-adds).
func BenchmarkDepthwiseConv(b *testing.B) {
	const n, c, hw = 8, 32, 28
	for _, mode := range []struct {
		name   string
		groups int
		cin    int
	}{{"depthwise", c, 1}, {"dense", 1, c}} {
		b.Run(mode.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(7, 11))
			x := tensor.RandNormal[float32](rng, 0, 1, n, c, hw, hw)
			w := autograd.Param(tensor.RandNormal[float32](rng, 0, 0.3, c, mode.cin, 3, 3))
			bias := autograd.Param(tensor.RandNormal[float32](rng, 0, 0.1, c))
			opts := autograd.Conv2DOptions{Padding: [2]int{1, 1}, Groups: mode.groups}
			ar := autograd.NewArena[float32]()
			ones := tensor.Ones[float32](n, c, hw, hw)
			xp := autograd.Param(x)
			step := func() {
				ar.Reset()
				in := autograd.Mul(ar.Const(ones), xp) // an arena result, as inside a network
				autograd.Sum(autograd.Conv2D(in, w, bias, opts)).Backward()
				autograd.ZeroGrad(xp, w, bias)
			}
			step()
			step()
			b.ReportAllocs()
			b.SetBytes(int64(4 * n * c * hw * hw))
			for b.Loop() {
				step()
			}
		})
	}
}
