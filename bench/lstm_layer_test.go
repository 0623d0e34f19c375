package bench

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// The LSTM of issue 12, written with layers.LSTM: PyTorch's nn.LSTM(64, 128)
// over 32 steps at batch 32, a Linear head on the last hidden state, MSE
// and Adam. Unlike the hand-written LSTM of lstm_test.go it has nn.LSTM's
// parameters exactly (both biases, trained), so PyTorch's side
// (peers/torch_seq_lstm.py) is plain nn.LSTM.

// The workload's sizes.
const (
	seqLSTMSteps  = 32
	seqLSTMBatch  = 32
	seqLSTMIn     = 64
	seqLSTMHidden = 128
	seqLSTMOut    = 1
)

// lstmLayerNet is the model: the LSTM, the head and the batch.
type lstmLayerNet struct {
	lstm *layers.LSTM[float32]
	head *layers.Linear[float32]
	x    *tensor.Tensor[float32] // [steps batch in], nn.LSTM's layout
	y    *tensor.Tensor[float32] // [batch out]
}

// newLSTMLayerNet draws the model as PyTorch initialises nn.LSTM and
// nn.Linear (every weight and bias from U(−1/√fan), fan H for the LSTM,
// the head's input size for the head) and the batch from N(0, 1).
func newLSTMLayerNet(steps, batch, in, hidden int) *lstmLayerNet {
	rng := rand.New(rand.NewPCG(12, 0x157))
	k := float32(1 / math.Sqrt(float64(hidden)))
	u := layers.Uniform[float32](-k, k)
	return &lstmLayerNet{
		lstm: layers.NewLSTM[float32](rng, in, hidden, layers.RecurrentOptions{}),
		head: &layers.Linear[float32]{
			Weight: autograd.Param(u(rng, hidden, seqLSTMOut, seqLSTMOut, hidden)).SetName("head.weight"),
			Bias:   autograd.Param(u(rng, hidden, seqLSTMOut, seqLSTMOut)).SetName("head.bias"),
		},
		x: tensor.RandNormal[float32](rng, 0, 1, steps, batch, in),
		y: tensor.RandNormal[float32](rng, 0, 1, batch, seqLSTMOut),
	}
}

// loss runs the sequence and returns the MSE of the head on the last h.
func (m *lstmLayerNet) loss(in feed) *autograd.Var[float32] {
	_, hn, _ := m.lstm.ForwardState(in(m.x), nil, nil, nil) // hn [1 batch H]
	h := autograd.Reshape(hn, m.x.Dim(1), m.lstm.HiddenSize())
	return autograd.MSE(m.head.Forward(h), in(m.y))
}

// newLSTMLayerWorkload is one training step of the model with Adam, its
// parameters under the names of peers/torch_seq_lstm.py's module
// ("lstm.weight_ih_l0", "head.bias", ...).
func newLSTMLayerWorkload(steps, batch, in, hidden int) *workload {
	m := newLSTMLayerNet(steps, batch, in, hidden)
	var params []layers.NamedParam[float32]
	for _, p := range m.lstm.NamedParameters() {
		params = append(params, layers.NamedParam[float32]{Name: "lstm." + p.Name, Param: p.Param})
	}
	params = append(params, layers.NamedParam[float32]{Name: "head.weight", Param: m.head.Weight},
		layers.NamedParam[float32]{Name: "head.bias", Param: m.head.Bias})
	return &workload{
		kind:    trainStep,
		params:  params,
		data:    map[string]*tensor.Tensor[float32]{"x": m.x, "y": m.y},
		config:  map[string]int{"steps": steps, "batch": batch, "input": in, "hidden": hidden, "out": seqLSTMOut},
		forward: m.loss,
	}
}

// BenchmarkLSTMLayerStep times one training step of layers.LSTM(64, 128)
// over 32 steps at batch 32: the input projection as one GEMM
// [1024 64]·[64 512], 32 GEMMs [32 128]·[128 512] and gate steps, the
// head, the MSE, Backward through the sequence, an Adam step, ZeroGrad.
func BenchmarkLSTMLayerStep(b *testing.B) {
	benchWorkload(b, func() *workload {
		return newLSTMLayerWorkload(seqLSTMSteps, seqLSTMBatch, seqLSTMIn, seqLSTMHidden)
	})
}

// TestLSTMLayerStepTrains checks the workload on a short sequence: the
// first loss equals a plain float64 run of PyTorch's LSTM equations, the
// plain loop and the Arena give the same losses bit for bit, and 60 steps
// bring the loss below 0.7 of the first.
func TestLSTMLayerStepTrains(t *testing.T) {
	mk := func() *workload { return newLSTMLayerWorkload(5, 4, 3, 6) }
	losses := checkArenaMatchesPlain(t, mk, 60)
	assertClose(t, "initial loss", losses[:1], []float64{refLSTMLayerLoss(newLSTMLayerNet(5, 4, 3, 6))}, 1e-5)
	checkTrains(t, losses, 0.7)
}

// refLSTMLayerLoss runs the model in float64 with plain loops, one sample
// and one unit at a time.
func refLSTMLayerLoss(m *lstmLayerNet) float64 {
	w := m.lstm.Weights(0, 0)
	wih, whh := w.WeightIH.Value().Data(), w.WeightHH.Value().Data()
	bih, bhh := w.BiasIH.Value().Data(), w.BiasHH.Value().Data()
	steps, batch, in, hs := m.x.Dim(0), m.x.Dim(1), m.x.Dim(2), m.lstm.HiddenSize()
	sigmoid := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	var loss float64
	for s := range batch {
		h, c := make([]float64, hs), make([]float64, hs)
		for t := range steps {
			x := m.x.Data()[(t*batch+s)*in : (t*batch+s+1)*in]
			z := make([]float64, 4*hs)
			for r := range z {
				z[r] = float64(bih[r]) + float64(bhh[r])
				for k, v := range x {
					z[r] += float64(wih[r*in+k]) * float64(v)
				}
				for k, v := range h {
					z[r] += float64(whh[r*hs+k]) * v
				}
			}
			for j := range hs {
				c[j] = sigmoid(z[hs+j])*c[j] + sigmoid(z[j])*math.Tanh(z[2*hs+j])
				h[j] = sigmoid(z[3*hs+j]) * math.Tanh(c[j])
			}
		}
		p := float64(m.head.Bias.Value().Data()[0])
		for j, v := range h {
			p += float64(m.head.Weight.Value().Data()[j]) * v
		}
		d := p - float64(m.y.Data()[s])
		loss += d * d / float64(batch)
	}
	return loss
}
