package autograd_test

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// convCNNBench is the forward and backward pass of a small CNN on a batch of
// 1×28×28 images: Conv2D(1→8, 3×3, pad 1) ReLU MaxPool2D(2), Conv2D(8→16,
// 3×3, pad 1) ReLU MaxPool2D(2), Reshape to [N 784], Linear(784→10),
// CrossEntropy (bench/ has the whole training step, with Adam).
type convCNNBench struct {
	x      *tensor.Tensor[float32]
	labels []int
	params []*autograd.Var[float32]
}

func newConvCNNBench(batch int) *convCNNBench {
	rng := rand.New(rand.NewPCG(3, 5))
	p := func(scale float32, shape ...int) *autograd.Var[float32] {
		return autograd.Param(tensor.RandNormal[float32](rng, 0, scale, shape...))
	}
	b := &convCNNBench{
		x:      tensor.RandUniform[float32](rng, 0, 1, batch, 1, 28, 28),
		labels: make([]int, batch),
		params: []*autograd.Var[float32]{p(0.3, 8, 1, 3, 3), p(0.1, 8), p(0.1, 16, 8, 3, 3), p(0.1, 16), p(0.05, 10, 784), p(0.1, 10)},
	}
	for i := range b.labels {
		b.labels[i] = rng.IntN(10)
	}
	return b
}

// step runs forward, Backward and ZeroGrad, under ar when it is not nil.
func (b *convCNNBench) step(ar *autograd.Arena[float32]) {
	var x *autograd.Var[float32]
	if ar != nil {
		ar.Reset()
		x = ar.Const(b.x)
	} else {
		x = autograd.Const(b.x)
	}
	ps := b.params
	pad := autograd.Conv2DOptions{Padding: [2]int{1, 1}}
	h := autograd.MaxPool2D(autograd.ReLU(autograd.Conv2D(x, ps[0], ps[1], pad)), [2]int{2, 2}, [2]int{}, [2]int{})
	h = autograd.MaxPool2D(autograd.ReLU(autograd.Conv2D(h, ps[2], ps[3], pad)), [2]int{2, 2}, [2]int{}, [2]int{})
	logits := autograd.Linear(autograd.Reshape(h, b.x.Dim(0), 784), ps[4], ps[5])
	autograd.CrossEntropy(logits, b.labels).Backward()
	autograd.ZeroGrad(ps...)
}

// BenchmarkCNNForwardBackward times the CNN's forward and backward pass at
// batch 64, without and with an Arena.
func BenchmarkCNNForwardBackward(b *testing.B) {
	for _, mode := range []string{"plain", "arena"} {
		b.Run(mode, func(b *testing.B) {
			net := newConvCNNBench(64)
			var ar *autograd.Arena[float32]
			if mode == "arena" {
				ar = autograd.NewArena[float32]()
			}
			net.step(ar)
			b.ReportAllocs()
			for b.Loop() {
				net.step(ar)
			}
		})
	}
}

// BenchmarkConvPoolOps times forward and backward of each op of the family
// under an Arena, on the CNN's second layer shapes.
func BenchmarkConvPoolOps(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := tensor.RandNormal[float32](rng, 0, 1, 64, 8, 14, 14)
	px := autograd.Param(tensor.RandNormal[float32](rng, 0, 1, 64, 8, 14, 14))
	w := autograd.Param(tensor.RandNormal[float32](rng, 0, 0.1, 16, 8, 3, 3))
	bias := autograd.Param(tensor.RandNormal[float32](rng, 0, 0.1, 16))
	for _, c := range []struct {
		name string
		f    func(h *autograd.Var[float32]) *autograd.Var[float32]
	}{
		{"Conv2D", func(h *autograd.Var[float32]) *autograd.Var[float32] {
			return autograd.Conv2D(h, w, bias, autograd.Conv2DOptions{Padding: [2]int{1, 1}})
		}},
		{"MaxPool2D", func(h *autograd.Var[float32]) *autograd.Var[float32] {
			return autograd.MaxPool2D(h, [2]int{2, 2}, [2]int{}, [2]int{})
		}},
		{"AvgPool2D", func(h *autograd.Var[float32]) *autograd.Var[float32] {
			return autograd.AvgPool2D(h, [2]int{2, 2}, [2]int{}, [2]int{})
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			ar := autograd.NewArena[float32]()
			step := func() {
				ar.Reset()
				autograd.Sum(c.f(autograd.Add(ar.Const(x), px))).Backward()
				autograd.ZeroGrad(px, w, bias)
			}
			step()
			b.ReportAllocs()
			for b.Loop() {
				step()
			}
		})
	}
}
