package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// The MLP benchmarks use an MNIST-shaped 784-256-128-10 ReLU network.
const (
	mlpIn       = 784
	mlpClasses  = 10
	mlpLR       = 0.01
	mlpMomentum = 0.9
)

// newMLP returns the 784-256-128-10 ReLU network (He-uniform weights before
// each ReLU, Xavier-uniform for the output layer), seeded.
func newMLP(seed uint64) *layers.Sequential[float32] {
	rng := rand.New(rand.NewPCG(seed, 0x31f))
	return layers.NewSequential[float32](
		layers.NewLinear(rng, mlpIn, 256, layers.HeUniform[float32]),
		layers.ReLU[float32]{},
		layers.NewLinear(rng, 256, 128, layers.HeUniform[float32]),
		layers.ReLU[float32]{},
		layers.NewLinear(rng, 128, mlpClasses, layers.XavierUniform[float32]),
	)
}

// mlpBatch returns a seeded random batch: inputs uniform in [0, 1) like
// pixel intensities, and one-hot labels.
func mlpBatch(seed uint64, batch int) (x, onehot *autograd.Var[float32], labels []int) {
	rng := rand.New(rand.NewPCG(seed, 0xba7c4))
	xs := tensor.RandUniform[float32](rng, 0, 1, batch, mlpIn)
	oh := tensor.Zeros[float32](batch, mlpClasses)
	labels = make([]int, batch)
	for i := range labels {
		labels[i] = rng.IntN(mlpClasses)
		oh.Set(1, i, labels[i])
	}
	return autograd.Const(xs), autograd.Const(oh), labels
}

// rowMax returns the maximum of each row of a 2-D tensor as a [rows, 1]
// tensor, computed in plain Go.
func rowMax[T tensor.Float](t *tensor.Tensor[T]) *tensor.Tensor[T] {
	shape := t.Shape()
	rows, cols := shape[0], shape[1]
	out := tensor.Zeros[T](rows, 1)
	d := t.Data()
	for i := range rows {
		m := d[i*cols]
		for _, v := range d[i*cols : i*cols+cols] {
			m = max(m, v)
		}
		out.Data()[i] = m
	}
	return out
}

// crossEntropy is the mean softmax cross-entropy of logits [batch, classes]
// against one-hot targets, composed from autograd operations (there is no
// fused op yet):
//
//	shifted = logits − max_row(logits)        the max is a constant: stable,
//	lse     = log Σ_row exp(shifted)          and softmax's gradient is
//	loss    = −mean_batch Σ_row onehot∘(shifted − lse)    unchanged by it
func crossEntropy[T tensor.Float](logits, onehot *autograd.Var[T]) *autograd.Var[T] {
	shifted := autograd.Sub(logits, autograd.Const(rowMax(logits.Value())))
	lse := autograd.Log(autograd.SumKeepDims(autograd.Exp(shifted), 1))
	logp := autograd.Sub(shifted, lse)
	return autograd.Neg(autograd.Mean(autograd.Sum(autograd.Mul(onehot, logp), 1)))
}

// mlpTrainer is the network, a fixed batch and an SGD-with-momentum optimizer.
type mlpTrainer struct {
	net       *layers.Sequential[float32]
	x, onehot *autograd.Var[float32]
	opt       *optim.SGD[float32]
}

func newMLPTrainer(batch int) *mlpTrainer {
	net := newMLP(1)
	x, oh, _ := mlpBatch(2, batch)
	opt, err := optim.NewSGD(net.Parameters(), mlpLR, optim.Momentum(mlpMomentum))
	if err != nil {
		panic(err)
	}
	return &mlpTrainer{net: net, x: x, onehot: oh, opt: opt}
}

// step is one full training step and returns the loss before the update.
func (m *mlpTrainer) step() float32 {
	loss := crossEntropy(m.net.Forward(m.x), m.onehot)
	loss.Backward()
	m.opt.Step()
	m.opt.ZeroGrad()
	return loss.Item()
}

// BenchmarkMLPStep times one training step of the 784-256-128-10 ReLU MLP in
// float32: forward, the composed cross-entropy, Backward, an SGD step with
// momentum 0.9, ZeroGrad. Nearly all the work is matmuls: 2·batch·235k
// floating-point operations forward (30 MFLOP at batch 64), about 1.15 times
// that backward (the first layer's input needs no gradient).
func BenchmarkMLPStep(b *testing.B) {
	for _, batch := range []int{64, 256} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			m := newMLPTrainer(batch)
			b.ReportAllocs()
			for b.Loop() {
				m.step()
			}
		})
	}
}

// BenchmarkMLPForward times inference, net.Forward alone, at batch 64: the
// input is a constant and the parameters are as the network holds them
// (trainable), so the forward pass still records graph nodes, as it would
// in a user's evaluation loop today.
func BenchmarkMLPForward(b *testing.B) {
	const batch = 64
	net := newMLP(1)
	x, _, _ := mlpBatch(2, batch)
	b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			net.Forward(x)
		}
	})
}

// refCrossEntropy is the mean softmax cross-entropy and its gradient with
// respect to the logits, (softmax − onehot)/batch, in plain float64 Go.
func refCrossEntropy(logits [][]float64, labels []int) (loss float64, grad [][]float64) {
	grad = make([][]float64, len(logits))
	n := float64(len(logits))
	for i, row := range logits {
		m := math.Inf(-1)
		for _, v := range row {
			m = max(m, v)
		}
		var s float64
		for _, v := range row {
			s += math.Exp(v - m)
		}
		loss += (math.Log(s) + m - row[labels[i]]) / n
		grad[i] = make([]float64, len(row))
		for j, v := range row {
			p := math.Exp(v-m) / s
			if j == labels[i] {
				p--
			}
			grad[i][j] = p / n
		}
	}
	return loss, grad
}

// TestCrossEntropyMatchesReference checks the composed loss and its gradient
// against the plain-Go reference on a tiny batch, including logits large
// enough that an unshifted exp would overflow.
func TestCrossEntropyMatchesReference(t *testing.T) {
	logits := [][]float64{
		{1, 2, 3, 0.5},
		{-1, 0, 0, 4},
		{1000, 999, 998, 1001}, // exp(1000) overflows without the shift
	}
	labels := []int{2, 0, 3}
	flat := make([]float64, 0, 12)
	oh := tensor.Zeros[float64](3, 4)
	for i, row := range logits {
		flat = append(flat, row...)
		oh.Set(1, i, labels[i])
	}
	lv := autograd.Param(tensor.MustNew(flat, 3, 4))
	loss := crossEntropy(lv, autograd.Const(oh))
	loss.Backward()

	wantLoss, wantGrad := refCrossEntropy(logits, labels)
	assertClose(t, "loss", []float64{loss.Item()}, []float64{wantLoss}, 1e-12)
	var wg []float64
	for _, row := range wantGrad {
		wg = append(wg, row...)
	}
	assertClose(t, "d loss/d logits", lv.Grad().Data(), wg, 1e-12)
}

// TestMLPStepDecreasesLoss checks that the benchmarked step trains: 20 steps
// on one fixed batch bring the loss well down. The batch is smaller than the
// benchmark's to keep the test fast (under -race too); the network is the same.
func TestMLPStepDecreasesLoss(t *testing.T) {
	m := newMLPTrainer(8)
	first := m.step()
	if want := float32(math.Log(mlpClasses)); first < want/3 || first > want*3 {
		t.Errorf("initial loss %g, want near log(10) = %g for a fresh network", first, want)
	}
	last := first
	for range 19 {
		last = m.step()
		if math.IsNaN(float64(last)) {
			t.Fatal("loss became NaN")
		}
	}
	if last > first/2 {
		t.Errorf("loss only fell from %g to %g in 20 steps", first, last)
	}
}
