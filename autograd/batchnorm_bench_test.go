package autograd

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// BenchmarkBatchNorm2d is BatchNorm2d in training mode, forward and
// backward of Sum(BatchNorm(x, weight, bias)) in float32, x, weight and
// bias requiring their gradients, plain (fresh tensors each step) and
// under a warm Arena.
func BenchmarkBatchNorm2d(b *testing.B) {
	for _, shape := range [][]int{{8, 64, 56, 56}, {64, 32, 14, 14}} {
		for _, arena := range []bool{false, true} {
			name := fmt.Sprintf("%dx%dx%dx%d", shape[0], shape[1], shape[2], shape[3])
			if arena {
				name += "/arena"
			} else {
				name += "/plain"
			}
			b.Run(name, func(b *testing.B) {
				rng := rand.New(rand.NewPCG(7, 9))
				x := Param(tensor.RandUniform[float32](rng, -2, 2, shape...))
				w := Param(tensor.RandUniform[float32](rng, 0.5, 1.5, shape[1]))
				bias := Param(tensor.RandUniform[float32](rng, -0.1, 0.1, shape[1]))
				var ar *Arena[float32]
				if arena {
					ar = NewArena[float32]()
				}
				b.ReportAllocs()
				runtime.GC()
				for b.Loop() {
					xi := x
					if ar != nil {
						ar.Reset()
						xi = Mul(x, ar.Const(tensor.Scalar[float32](1)))
					}
					y, _, _ := BatchNorm(xi, w, bias, 1e-5)
					Sum(y).Backward()
					x.ZeroGrad()
					w.ZeroGrad()
					bias.ZeroGrad()
				}
			})
		}
	}
}
