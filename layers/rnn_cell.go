package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
)

// What RNNCell, LSTMCell and GRUCell share: their weights, their checks and
// their names.

// newCellWeights checks the sizes and draws a cell's weights and biases,
// with gates blocks of hiddenSize rows, from U(−1/√H, 1/√H) as PyTorch's
// cells do, in its parameter order.
func newCellWeights[T Float](op string, rng *rand.Rand, inputSize, hiddenSize, gates int) RecurrentWeights[T] {
	checkPositive(op, "[inputSize hiddenSize]", inputSize, hiddenSize)
	g, h := gates*hiddenSize, hiddenSize
	return RecurrentWeights[T]{
		WeightIH: autograd.Param(UniformFanIn[T](rng, h, g, g, inputSize)).SetName("weight_ih"),
		WeightHH: autograd.Param(UniformFanIn[T](rng, h, g, g, h)).SetName("weight_hh"),
		BiasIH:   autograd.Param(UniformFanIn[T](rng, h, g, g)).SetName("bias_ih"),
		BiasHH:   autograd.Param(UniformFanIn[T](rng, h, g, g)).SetName("bias_hh"),
	}
}

// named returns a cell's parameters under PyTorch's names, the biases only
// when not nil.
func (w *RecurrentWeights[T]) named() []NamedParam[T] {
	out := []NamedParam[T]{{"weight_ih", w.WeightIH}, {"weight_hh", w.WeightHH}}
	if w.BiasIH != nil {
		out = append(out, NamedParam[T]{"bias_ih", w.BiasIH})
	}
	if w.BiasHH != nil {
		out = append(out, NamedParam[T]{"bias_hh", w.BiasHH})
	}
	return out
}

// appendParams appends the weights and the biases (those not nil) to dst,
// in the order of named.
func (w *RecurrentWeights[T]) appendParams(dst []*autograd.Var[T]) []*autograd.Var[T] {
	dst = append(dst, w.WeightIH, w.WeightHH)
	return appendWeightBias(dst, w.BiasIH, w.BiasHH)
}

// check panics unless x is [N, in] and each state [N, H] or nil, naming
// the cell kind; it returns the first state, zeros when
// it is nil.
func (w *RecurrentWeights[T]) check(kind string, x *autograd.Var[T], states ...*autograd.Var[T]) *autograd.Var[T] {
	in, hs := w.WeightIH.Value().Dim(1), w.WeightHH.Value().Dim(1)
	xv := x.Value() // x.Shape() would copy
	if xv.Dims() != 2 || xv.Dim(1) != in {
		shapePanic(layerOp(kind, w.WeightIH), fmt.Sprintf("input must be [N %d]", in), xv.Shape())
	}
	n := xv.Dim(0)
	for _, s := range states {
		if s != nil && !s.Value().HasShape(n, hs) {
			shapePanic(layerOp(kind, w.WeightIH), fmt.Sprintf("state must be [%d %d] (batch, hidden)", n, hs), s.Shape(), xv.Shape())
		}
	}
	if states[0] == nil {
		return zeroState(x, n, hs)
	}
	return states[0]
}
