package layers_test

import (
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestTrainXOR learns XOR end to end: a 2-8-1 tanh/sigmoid network, mean
// squared error and SGD with momentum 0.9, from fixed seeds. XOR is not
// linearly separable, so this needs the hidden layer, the gradients of every
// layer and the optimizer to be right together.
func TestTrainXOR(t *testing.T) {
	x := autograd.Const(tensor.MustNew([]float64{0, 0, 0, 1, 1, 0, 1, 1}, 4, 2))
	y := autograd.Const(tensor.MustNew([]float64{0, 1, 1, 0}, 4, 1))
	const steps = 400
	for _, seed := range []uint64{1, 2, 3} {
		rng := newRNG(seed)
		net := layers.NewSequential[float64](
			layers.NewLinear[float64](rng, 2, 8, nil),
			layers.Tanh[float64]{},
			layers.NewLinear[float64](rng, 8, 1, nil),
			layers.Sigmoid[float64]{},
		)
		opt, err := optim.NewSGD(net.Parameters(), 0.5, optim.Momentum(0.9))
		if err != nil {
			t.Fatal(err)
		}
		lossFn := layers.MSELoss[float64]{}
		var first, last float64
		for i := range steps {
			loss := lossFn.Loss(net.Forward(x), y)
			if i == 0 {
				first = loss.Item()
			}
			last = loss.Item()
			loss.Backward()
			opt.Step()
			opt.ZeroGrad()
		}
		pred := net.Forward(x).Value().Data()
		t.Logf("seed %d: loss %.4f -> %.4f, predictions %.3f", seed, first, last, pred)
		if !(last < first/10) {
			t.Errorf("seed %d: loss %v -> %v, want at least a tenfold decrease", seed, first, last)
		}
		for i, want := range y.Value().Data() {
			if (pred[i] > 0.5) != (want == 1) {
				t.Errorf("seed %d: XOR%v = %.3f, want %v", seed, x.Value().Data()[2*i:2*i+2], pred[i], want)
			}
		}
	}
}
