package bench

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// cnnClasses is the number of classes of the CNN workload, on 1×28×28
// MNIST-shaped images.
const cnnClasses = 10

// newCNN is one training step of a small convolutional network on a fixed
// batch of 1×28×28 images in [0, 1) with class labels:
//
//	Conv2D(1→8, 3×3, pad 1) ReLU MaxPool2D(2)    [N 8 14 14]
//	Conv2D(8→16, 3×3, pad 1) ReLU MaxPool2D(2)   [N 16 7 7]
//	Flatten Linear(784→10)                       [N 10] logits
//
// then the softmax cross-entropy and Adam, as examples/digits trains its CNN
// (He-uniform convolutions, a Xavier-uniform output layer, zero biases).
// The layer indices of the Sequential are the parameter names PyTorch's
// nn.Sequential of the same layers gives ("0.weight", "3.bias", "7.weight").
func newCNN(batch int) *workload {
	rng := rand.New(rand.NewPCG(3, 0xc22))
	pad1 := layers.Conv2DOptions{Padding: [2]int{1, 1}}
	net := layers.NewSequential(
		layers.NewConv2D(rng, 1, 8, [2]int{3, 3}, pad1, layers.HeUniform[float32]),
		layers.ReLU[float32]{},
		layers.NewMaxPool2D[float32](2),
		layers.NewConv2D(rng, 8, 16, [2]int{3, 3}, pad1, layers.HeUniform[float32]),
		layers.ReLU[float32]{},
		layers.NewMaxPool2D[float32](2),
		layers.Flatten[float32]{},
		layers.NewLinear(rng, 16*7*7, cnnClasses, layers.XavierUniform[float32]),
	)
	x := tensor.RandUniform[float32](rng, 0, 1, batch, 1, 28, 28)
	labels := make([]int, batch)
	for i := range labels {
		labels[i] = rng.IntN(cnnClasses)
	}
	return &workload{
		kind:   trainStep,
		params: net.NamedParameters(),
		data:   map[string]*tensor.Tensor[float32]{"x": x, "labels": labelTensor(labels)},
		config: map[string]int{"batch": batch},
		forward: func(in feed) *autograd.Var[float32] {
			return autograd.CrossEntropy(net.Forward(in(x)), labels)
		},
	}
}

// BenchmarkCNNStep times one training step of the CNN at batch 64: two
// convolutions with ReLU and 2×2 max pooling, a Linear layer, the fused
// cross-entropy, Backward, an Adam step, ZeroGrad. About 0.58 MFLOP per
// image forward, three quarters of it in the second convolution.
func BenchmarkCNNStep(b *testing.B) {
	b.Run(batchName(64), func(b *testing.B) {
		benchWorkload(b, func() *workload { return newCNN(64) })
	})
}

// TestCNNStepTrains checks the CNN step on a small batch: the parameter
// names are PyTorch's, the first loss is near log 10, the plain loop and
// the Arena give the same losses bit for bit, and 8 steps halve the loss.
func TestCNNStepTrains(t *testing.T) {
	w := newCNN(2)
	var names []string
	for _, p := range w.params {
		names = append(names, p.Name)
	}
	if want := []string{"0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias"}; !slices.Equal(names, want) {
		t.Errorf("parameter names %q, want %q", names, want)
	}
	losses := checkArenaMatchesPlain(t, func() *workload { return newCNN(2) }, 8)
	if want := math.Log(cnnClasses); math.Abs(losses[0]-want) > 0.5*want {
		t.Errorf("initial loss %g, want near log 10 = %g", losses[0], want)
	}
	checkTrains(t, losses, 0.5)
}
