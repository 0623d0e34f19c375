package bench

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// The LSTM workload's sizes: 32 inputs and 128 hidden units per step, a
// linear head to one output. The benchmark unrolls 32 steps at batch 32.
const (
	lstmIn     = 32
	lstmHidden = 128
	lstmOut    = 1
)

// lstm is a one-layer LSTM unrolled over a fixed sequence, with PyTorch's
// gate order (i, f, g, o) and one fused gate GEMM per step:
//
//	z = [x_t h]·Wᵀ + b          W [4H in+H], b [4H]
//	i, f, g, o = σ(z_i), σ(z_f), tanh(z_g), σ(z_o)
//	c = f∘c + i∘g,  h = o∘tanh(c)
//
// W is PyTorch's weight_ih_l0 and weight_hh_l0 side by side, b its
// bias_ih_l0 (bias_hh_l0 is zero). The loss is the MSE of a Linear head on
// the last hidden state against a fixed target.
type lstm struct {
	w, b   *autograd.Var[float32]
	head   *layers.Linear[float32]
	xs     []*tensor.Tensor[float32] // one [batch in] input per step
	y      *tensor.Tensor[float32]   // [batch out] target
	zeros  *tensor.Tensor[float32]   // [batch H]: the initial h and c
	hidden int
}

// newLSTM returns the LSTM on steps random inputs of a batch, all weights
// drawn from U(−1/√H, 1/√H) as PyTorch's nn.LSTM and nn.Linear(H, ·) draw
// theirs, inputs and targets from N(0, 1).
func newLSTM(steps, batch int) *lstm {
	rng := rand.New(rand.NewPCG(5, 0x157))
	k := float32(1 / math.Sqrt(lstmHidden))
	u := layers.Uniform[float32](-k, k)
	l := &lstm{
		w:      autograd.Param(u(rng, lstmIn+lstmHidden, 4*lstmHidden, 4*lstmHidden, lstmIn+lstmHidden)).SetName("w"),
		b:      autograd.Param(u(rng, lstmIn+lstmHidden, 4*lstmHidden, 4*lstmHidden)).SetName("b"),
		head:   &layers.Linear[float32]{Weight: autograd.Param(u(rng, lstmHidden, lstmOut, lstmOut, lstmHidden)), Bias: autograd.Param(u(rng, lstmHidden, lstmOut, lstmOut))},
		zeros:  tensor.Zeros[float32](batch, lstmHidden),
		hidden: lstmHidden,
	}
	for range steps {
		l.xs = append(l.xs, tensor.RandNormal[float32](rng, 0, 1, batch, lstmIn))
	}
	l.y = tensor.RandNormal[float32](rng, 0, 1, batch, lstmOut)
	return l
}

// loss runs the sequence and returns the MSE of the head's output.
func (l *lstm) loss(in feed) *autograd.Var[float32] {
	hs := l.hidden
	h, c := in(l.zeros), in(l.zeros)
	for _, x := range l.xs {
		z := autograd.Linear(autograd.Concat(1, in(x), h), l.w, l.b) // [batch 4H]
		gates := autograd.Split(z, 1, hs, hs, hs, hs)
		i, f := autograd.Sigmoid(gates[0]), autograd.Sigmoid(gates[1])
		g, o := autograd.Tanh(gates[2]), autograd.Sigmoid(gates[3])
		c = autograd.Add(autograd.Mul(f, c), autograd.Mul(i, g))
		h = autograd.Mul(o, autograd.Tanh(c))
	}
	return autograd.MSE(l.head.Forward(h), in(l.y))
}

// newLSTMWorkload is one training step of the LSTM with Adam.
func newLSTMWorkload(steps, batch int) *workload {
	l := newLSTM(steps, batch)
	x := tensor.Zeros[float32](steps, batch, lstmIn) // the inputs as one [steps batch in] tensor, nn.LSTM's layout
	for t, xt := range l.xs {
		copy(x.Data()[t*batch*lstmIn:], xt.Data())
	}
	return &workload{
		kind: trainStep,
		params: append([]layers.NamedParam[float32]{{Name: "w", Param: l.w}, {Name: "b", Param: l.b}},
			layers.NamedParam[float32]{Name: "head.weight", Param: l.head.Weight}, layers.NamedParam[float32]{Name: "head.bias", Param: l.head.Bias}),
		data:    map[string]*tensor.Tensor[float32]{"x": x, "y": l.y},
		config:  map[string]int{"steps": steps, "batch": batch, "input": lstmIn, "hidden": lstmHidden, "out": lstmOut},
		forward: l.loss,
	}
}

// BenchmarkLSTMStep times one training step of the LSTM unrolled over 32
// steps at batch 32 (input 32, hidden 128): 32 fused gate GEMMs
// [32 160]·[160 512], the gates, the head, the MSE, Backward through the
// whole sequence, an Adam step, ZeroGrad.
func BenchmarkLSTMStep(b *testing.B) {
	benchWorkload(b, func() *workload { return newLSTMWorkload(32, 32) })
}

// TestLSTMStepTrains checks the LSTM step on a short sequence: the first
// loss equals a plain float64 run of the same cell, the plain loop and the
// Arena give the same losses bit for bit, and 10 steps halve the loss.
func TestLSTMStepTrains(t *testing.T) {
	losses := checkArenaMatchesPlain(t, func() *workload { return newLSTMWorkload(4, 4) }, 10)
	assertClose(t, "initial loss", losses[:1], []float64{refLSTMLoss(newLSTM(4, 4))}, 1e-5)
	checkTrains(t, losses, 0.5)
}

// refLSTMLoss runs the LSTM in float64 with plain loops, one sample and one
// gate at a time: the independent reference for the first loss.
func refLSTMLoss(l *lstm) float64 {
	w, b := l.w.Value().Data(), l.b.Value().Data()
	hw, hb := l.head.Weight.Value().Data(), l.head.Bias.Value().Data()
	batch, hs, cols := l.zeros.Dim(0), l.hidden, lstmIn+l.hidden
	sigmoid := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	var loss float64
	for s := range batch {
		h, c := make([]float64, hs), make([]float64, hs)
		for _, xt := range l.xs {
			in := make([]float64, 0, cols)
			for _, v := range xt.Data()[s*lstmIn : (s+1)*lstmIn] {
				in = append(in, float64(v))
			}
			in = append(in, h...)
			z := make([]float64, 4*hs)
			for r := range z {
				z[r] = float64(b[r])
				for k, v := range in {
					z[r] += float64(w[r*cols+k]) * v
				}
			}
			for j := range hs {
				c[j] = sigmoid(z[hs+j])*c[j] + sigmoid(z[j])*math.Tanh(z[2*hs+j])
				h[j] = sigmoid(z[3*hs+j]) * math.Tanh(c[j])
			}
		}
		for o := range lstmOut {
			p := float64(hb[o])
			for j, v := range h {
				p += float64(hw[o*hs+j]) * v
			}
			d := p - float64(l.y.Data()[s*lstmOut+o])
			loss += d * d / float64(batch*lstmOut)
		}
	}
	return loss
}
