package main

import (
	"math"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
)

// lstmModel is a byte embedding, stacked LSTM layers (layers.LSTM) and a
// Linear output layer. Its parameter names are those of this PyTorch
// module:
//
//	class CharLSTM(nn.Module):
//	    def __init__(self, layers, d):
//	        super().__init__()
//	        self.embed = nn.Embedding(256, d)
//	        self.lstm = nn.LSTM(d, d, layers, batch_first=True)
//	        self.head = nn.Linear(d, 256)
//
//	    def forward(self, ids):  # [N, T] → [N·T, 256]
//	        return self.head(self.lstm(self.embed(ids))[0]).flatten(0, 1)
type lstmModel struct {
	embed *layers.Embedding[float32] // "embed.weight" [vocab d]
	lstm  *layers.LSTM[float32]      // "lstm.weight_ih_l0", ...
	head  *layers.Linear[float32]    // "head.weight" [vocab d], "head.bias"
}

// lstmState is the hidden and cell states of every layer, [layers, N, H]
// each (nil for zeros, at the start of a sequence), PyTorch's (h_n, c_n).
type lstmState struct{ h, c *autograd.Var[float32] }

// newLSTMModel returns an lstmModel of nLayers layers of d units, with
// PyTorch's initialization: the embedding N(0, 1), the LSTM's weights and
// biases U(±1/√d), the head's too.
func newLSTMModel(rng *rand.Rand, nLayers, d int) *lstmModel {
	k := float32(1 / math.Sqrt(float64(d)))
	u := layers.Uniform[float32](-k, k)
	m := &lstmModel{
		embed: layers.NewEmbedding(rng, vocab, d, layers.Normal[float32](0, 1)),
		lstm:  layers.NewLSTM[float32](rng, d, d, layers.RecurrentOptions{NumLayers: nLayers, BatchFirst: true}),
	}
	m.head = &layers.Linear[float32]{
		Weight: autograd.Param(u(rng, d, vocab, vocab, d)),
		Bias:   autograd.Param(u(rng, d, vocab, vocab)),
	}
	return m
}

// Forward maps ids [N, T] to logits [N·T, vocab], from zero states.
func (m *lstmModel) Forward(ids *autograd.Var[float32]) *autograd.Var[float32] {
	logits, _ := m.forward(ids, lstmState{})
	return logits
}

// forward runs ids [N, T] from the given states and returns the logits and
// the final states.
func (m *lstmModel) forward(ids *autograd.Var[float32], st lstmState) (*autograd.Var[float32], lstmState) {
	out, h, c := m.lstm.ForwardState(m.embed.Forward(ids), st.h, st.c, nil) // [N T d]
	d := out.Value().Dim(2)
	return m.head.Forward(autograd.Reshape(out, -1, d)), lstmState{h, c}
}

// NamedParameters returns the parameters with the PyTorch module's names:
// "embed.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0",
// "lstm.bias_ih_l0", "lstm.bias_hh_l0", ... "head.weight", "head.bias".
func (m *lstmModel) NamedParameters() []layers.NamedParam[float32] {
	out := append(prefixed("embed", m.embed.NamedParameters()), prefixed("lstm", m.lstm.NamedParameters())...)
	return append(out, prefixed("head", m.head.NamedParameters())...)
}

// Parameters returns the parameters in the order of NamedParameters.
func (m *lstmModel) Parameters() []*autograd.Var[float32] { return params(m.NamedParameters()) }

// generator returns a generator that carries the LSTM's states from one
// feed to the next.
func (m *lstmModel) generator(ar *autograd.Arena[float32]) generator {
	return &lstmGenerator{m: m, ar: ar}
}

// lstmGenerator is the LSTM's generator.
type lstmGenerator struct {
	m  *lstmModel
	ar *autograd.Arena[float32] // the inputs' arena
	st lstmState
}

// feed implements generator.
func (s *lstmGenerator) feed(ids []int) []float32 {
	logits, st := s.m.forward(idsConst(s.ar, ids), s.st)
	s.st = st
	return lastRow(logits)
}
