package main

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
)

// lstmModel is a byte embedding, stacked LSTM layers and a Linear output
// layer. Its parameter names are those of this PyTorch module:
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
	lstm  []*lstmLayer               // "lstm.weight_ih_l0", ...
	head  *layers.Linear[float32]    // "head.weight" [vocab d], "head.bias"
}

// lstmLayer is one LSTM layer of hidden units, with nn.LSTM's parameters
// and gate order (input, forget, cell, output):
//
//	z = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh
//	i, f, g, o = σ(z_i), σ(z_f), tanh(z_g), σ(z_o)
//	c = f∘c + i∘g,  h = o∘tanh(c)
//
// It is written with autograd operations; the input projection of the
// whole window is one product before the loop over time.
type lstmLayer struct {
	wih, whh, bih, bhh *autograd.Var[float32] // [4H in], [4H H], [4H], [4H]
}

// lstmState is the hidden and cell state of every layer, [N, H] each (nil
// for zeros, at the start of a sequence).
type lstmState struct{ h, c []*autograd.Var[float32] }

// newLSTMModel returns an lstmModel of nLayers layers of d units, with
// PyTorch's initialization: the embedding N(0, 1), the LSTM's weights and
// biases U(±1/√d), the head U(±1/√d) and its bias too.
func newLSTMModel(rng *rand.Rand, nLayers, d int) *lstmModel {
	k := float32(1 / math.Sqrt(float64(d)))
	u := layers.Uniform[float32](-k, k)
	m := &lstmModel{embed: layers.NewEmbedding(rng, vocab, d, layers.Normal[float32](0, 1))}
	for range nLayers {
		m.lstm = append(m.lstm, &lstmLayer{
			wih: autograd.Param(u(rng, d, 4*d, 4*d, d)),
			whh: autograd.Param(u(rng, d, 4*d, 4*d, d)),
			bih: autograd.Param(u(rng, d, 4*d, 4*d)),
			bhh: autograd.Param(u(rng, d, 4*d, 4*d)),
		})
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
	x := m.embed.Forward(ids) // [N T d]
	var out lstmState
	for i, l := range m.lstm {
		var h, c *autograd.Var[float32]
		if st.h != nil {
			h, c = st.h[i], st.c[i]
		}
		x, h, c = l.run(x, h, c)
		out.h, out.c = append(out.h, h), append(out.c, c)
	}
	d := x.Value().Dim(2)
	return m.head.Forward(autograd.Reshape(x, -1, d)), out
}

// run applies the layer to x [N, T, in] from the states h and c ([N, H],
// nil for zeros) and returns the hidden states of every step [N, T, H] and
// the last h and c.
func (l *lstmLayer) run(x, h, c *autograd.Var[float32]) (out, hT, cT *autograd.Var[float32]) {
	n, t, in := x.Value().Dim(0), x.Value().Dim(1), x.Value().Dim(2)
	hs := l.whh.Value().Dim(1)
	// The input's share of the gates for every step at once, time-major:
	// rows s·N ... s·N+N−1 are step s.
	zx := autograd.Linear(autograd.Reshape(autograd.Permute(x, 1, 0, 2), t*n, in), l.wih, l.bih)
	sizes := make([]int, t)
	for s := range sizes {
		sizes[s] = n
	}
	steps := autograd.Split(zx, 0, sizes...)
	outs := make([]*autograd.Var[float32], t)
	for s, z := range steps {
		if h == nil {
			z = autograd.Add(z, l.bhh)
		} else {
			z = autograd.Add(z, autograd.Linear(h, l.whh, l.bhh))
		}
		g := autograd.Split(z, 1, hs, hs, hs, hs)
		i, f, cand, o := autograd.Sigmoid(g[0]), autograd.Sigmoid(g[1]), autograd.Tanh(g[2]), autograd.Sigmoid(g[3])
		if c == nil {
			c = autograd.Mul(i, cand)
		} else {
			c = autograd.Add(autograd.Mul(f, c), autograd.Mul(i, cand))
		}
		h = autograd.Mul(o, autograd.Tanh(c))
		outs[s] = h
	}
	return autograd.Stack(1, outs...), h, c
}

// NamedParameters returns the parameters with the PyTorch module's names:
// "embed.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0",
// "lstm.bias_ih_l0", "lstm.bias_hh_l0", ... "head.weight", "head.bias".
func (m *lstmModel) NamedParameters() []layers.NamedParam[float32] {
	out := prefixed("embed", m.embed.NamedParameters())
	for k, l := range m.lstm {
		s := strconv.Itoa(k)
		out = append(out,
			layers.NamedParam[float32]{Name: "lstm.weight_ih_l" + s, Param: l.wih},
			layers.NamedParam[float32]{Name: "lstm.weight_hh_l" + s, Param: l.whh},
			layers.NamedParam[float32]{Name: "lstm.bias_ih_l" + s, Param: l.bih},
			layers.NamedParam[float32]{Name: "lstm.bias_hh_l" + s, Param: l.bhh})
	}
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
