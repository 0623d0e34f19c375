package bench

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// mlpData returns the 784-256-128-10 ReLU MLP of mlp_test.go with its
// names and a fixed batch, as the export wants them.
func mlpData(batch int) (*layers.Sequential[float32], *tensor.Tensor[float32], []int, map[string]*tensor.Tensor[float32]) {
	net := newMLP(1)
	x, labels := mlpBatch(2, batch)
	return net, x, labels, map[string]*tensor.Tensor[float32]{"x": x, "labels": labelTensor(labels)}
}

// newMLPAdam is one training step of the 784-256-128-10 ReLU MLP with Adam:
// the network, batch and loss of BenchmarkMLPStep, the optimizer Adam
// (lr 1e-3) instead of SGD with momentum.
func newMLPAdam(batch int) *workload {
	net, x, labels, data := mlpData(batch)
	return &workload{
		kind:   trainStep,
		params: net.NamedParameters(),
		data:   data,
		config: map[string]int{"batch": batch},
		forward: func(in feed) *autograd.Var[float32] {
			return autograd.CrossEntropy(net.Forward(in(x)), labels)
		},
	}
}

// newMLPInference is the forward pass of the same MLP on a batch, as
// inference runs it, recording nothing for a backward pass (PyTorch's
// torch.no_grad()): the trained model prepared by layers.Freeze (its
// Linear weights copied and packed once for the product), evaluated on
// the batch under an inference Arena, or without one on a constant, where
// the Frozen evaluates under an arena of its own and allocates the output
// alone. Its result is the logits [batch 10].
func newMLPInference(batch int) *workload {
	net, x, _, data := mlpData(batch)
	frozen := layers.Freeze(net)
	delete(data, "labels")
	return &workload{
		kind:    inferStep,
		params:  net.NamedParameters(),
		data:    data,
		config:  map[string]int{"batch": batch},
		forward: func(in feed) *autograd.Var[float32] { return frozen.Forward(in(x)) },
	}
}

// labelTensor returns class labels as whole numbers in float32, the form
// the export writes them in.
func labelTensor(labels []int) *tensor.Tensor[float32] {
	f := make([]float32, len(labels))
	for i, l := range labels {
		f[i] = float32(l)
	}
	return tensor.MustNew(f, len(f))
}

// BenchmarkMLPAdamStep times one training step of the 784-256-128-10 ReLU
// MLP in float32 with Adam: forward (three fused Linear ops, two ReLUs),
// the fused softmax cross-entropy, Backward, an Adam step (lr 1e-3),
// ZeroGrad. "plain" is the loop a user writes; "arena" runs it under an
// autograd.Arena.
func BenchmarkMLPAdamStep(b *testing.B) {
	for _, batch := range []int{64, 256} {
		b.Run(batchName(batch), func(b *testing.B) {
			benchWorkload(b, func() *workload { return newMLPAdam(batch) })
		})
	}
}

// BenchmarkMLPInference times the MLP's forward pass alone at batch 256,
// recording no graph: inference, with the model prepared by layers.Freeze
// as the README shows. "arena" evaluates it on a batch of
// autograd.NewInferenceArena; "plain" on a constant.
func BenchmarkMLPInference(b *testing.B) {
	b.Run(batchName(256), func(b *testing.B) {
		benchWorkload(b, func() *workload { return newMLPInference(256) })
	})
}

// TestMLPAdamStepTrains checks the Adam step on a small batch: the first
// loss is near log 10, the plain loop and the Arena give the same losses
// bit for bit, and 10 steps at least halve the loss.
func TestMLPAdamStepTrains(t *testing.T) {
	losses := checkArenaMatchesPlain(t, func() *workload { return newMLPAdam(8) }, 10)
	if want := math.Log(mlpClasses); math.Abs(losses[0]-want) > 0.5*want {
		t.Errorf("initial loss %g, want near log 10 = %g", losses[0], want)
	}
	checkTrains(t, losses, 0.5)
}

// TestMLPInferenceMatchesTraining checks that the inference workload
// computes the trained network's logits: the same numbers as the forward
// pass on the trainable parameters, with nothing recorded.
func TestMLPInferenceMatchesTraining(t *testing.T) {
	w := newMLPInference(4)
	net, x, _, _ := mlpData(4)
	want := net.Forward(autograd.Const(x))
	for _, arena := range []bool{false, true} {
		got := newRunner(w, arena).step()
		if got.RequiresGrad() {
			t.Errorf("arena %v: the inference forward pass recorded a graph", arena)
		}
		assertClose(t, "logits", got.Value().Data(), want.Value().Data(), 0)
		if got.Value().Dim(1) != mlpClasses {
			t.Errorf("logits shape %v", got.Shape())
		}
	}
}
