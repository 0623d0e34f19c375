package autograd_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// BenchmarkMaxAxis: the gradient of Sum(Max(x, axis)) for x [1024 1024],
// along the contiguous last axis and the strided first one.
func BenchmarkMaxAxis(b *testing.B) {
	x := autograd.Param(tensor.RandNormal(rand.New(rand.NewPCG(1, 2)), float32(0), 1, 1024, 1024))
	for _, axis := range []int{1, 0} {
		b.Run(fmt.Sprintf("axis%d", axis), func(b *testing.B) {
			for b.Loop() {
				autograd.ZeroGrad(x)
				autograd.Sum(autograd.Max(x, axis)).Backward()
			}
		})
	}
}
