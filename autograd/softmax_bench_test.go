package autograd_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// BenchmarkSoftmaxRows runs one forward and backward step of
// Sum(Softmax(x, -1)) and Sum(LogSoftmax(x, -1)) on float32 x, plain and
// under a warm Arena (x through Arena.Use, so that every result comes from
// the arena).
func BenchmarkSoftmaxRows(b *testing.B) {
	ops := []struct {
		name string
		f    func(*autograd.Var[float32], int) *autograd.Var[float32]
	}{{"Softmax", autograd.Softmax[float32]}, {"LogSoftmax", autograd.LogSoftmax[float32]}}
	for _, shape := range [][2]int{{32, 50000}, {256, 1000}} {
		for _, op := range ops {
			rng := rand.New(rand.NewPCG(1, 2))
			x := autograd.Param(tensor.RandNormal[float32](rng, 0, 1, shape[0], shape[1]))
			name := fmt.Sprintf("%s/%dx%d", op.name, shape[0], shape[1])
			b.Run(name+"/plain", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					autograd.Sum(op.f(x, -1)).Backward()
					x.ZeroGrad()
				}
			})
			b.Run(name+"/arena", func(b *testing.B) {
				ar := autograd.NewArena[float32]()
				step := func() {
					ar.Reset()
					autograd.Sum(op.f(ar.Use(x), -1)).Backward()
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
}
