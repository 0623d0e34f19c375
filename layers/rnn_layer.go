package layers

import (
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
)

// RNN is PyTorch's nn.RNN, the Elman network: for each layer, direction
// and time step t,
//
//	h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh)
//
// with act tanh or ReLU (RecurrentOptions.Nonlinearity). The input is
// [L, N, in] (sequence length, batch, features; [N, L, in] with
// BatchFirst) and the output [L, N, D·H], the last layer's h_t of every
// step, the forward direction's H features then the reverse one's (D = 2
// when Bidirectional). Layer k > 0 reads layer k−1's output.
//
// The parameters have PyTorch's names and layouts ("weight_ih_l0"
// [H, in], "weight_hh_l0" [H, H], "bias_ih_l0", "bias_hh_l0" [H], and
// "…_reverse" for the reverse direction), so that a state_dict loads one
// to one. Each layer and direction projects the whole sequence with one
// product, then runs one product and the activation per step.
//
// Variable-length batches, PyTorch's packed sequences: see ForwardState.
// Not supported: unbatched 2-D inputs (add a batch axis of 1).
type RNN[T Float] struct {
	recurrent[T]
}

// NewRNN returns an RNN from inputSize to hiddenSize features with the
// options o (the zero value is PyTorch's defaults), every weight and bias
// drawn from U(−1/√H, 1/√H) as PyTorch does. It panics with a
// *tensor.ShapeError when a size is not positive and with an *ArgError
// for a dropout outside [0, 1) or an unknown nonlinearity.
func NewRNN[T Float](rng *rand.Rand, inputSize, hiddenSize int, o RecurrentOptions) *RNN[T] {
	return &RNN[T]{newRecurrent[T]("NewRNN", kindRNN, rng, inputSize, hiddenSize, o)}
}

// Nonlinearity returns the activation, RNNTanh or RNNReLU.
func (r *RNN[T]) Nonlinearity() Nonlinearity { return r.act }

// Forward returns the output sequence for x from zero initial states:
// ForwardState(x, nil, nil)'s output.
func (r *RNN[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	out, _ := r.ForwardState(x, nil, nil)
	return out
}

// ForwardState runs the RNN on x from the initial states h0
// [layers·D, N, H] (PyTorch's h_0 layout; nil means zeros) and returns
// the output sequence and the final states hn [layers·D, N, H] (h_n).
//
// lengths, when not nil, gives each batch row's number of valid steps,
// in [1, L], in any order: PyTorch's pack_padded_sequence(x, lengths,
// enforce_sorted=False) through the RNN and pad_packed_sequence(out,
// total_length=L) back. A row then stops updating after its last valid
// step, its output is 0 past it (the output keeps all L steps), the
// padding in x is never read (a NaN there changes nothing, its gradient
// is 0), its final state is the one at that step, and the reverse
// direction starts at that step. A batch whose rows are all L long runs
// as without lengths. A warm step under an autograd.Arena allocates
// nothing; with lengths that differ from the previous call's, it first
// builds their masks (one small one per step past the shortest row's
// end).
//
// It panics with a *tensor.ShapeError naming the layer when x or h0 do
// not fit, and with an *ArgError for lengths of the wrong count or out
// of range.
func (r *RNN[T]) ForwardState(x, h0 *autograd.Var[T], lengths []int) (out, hn *autograd.Var[T]) {
	out, hn, _ = r.run(x, h0, nil, lengths)
	return out, hn
}

// RNNCell is PyTorch's nn.RNNCell: one step of an RNN,
// h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh), for x [N, in] and h [N, H].
// Its parameters are "weight_ih" [H, in], "weight_hh" [H, H], "bias_ih"
// and "bias_hh" [H] (set both biases to nil for bias=False).
type RNNCell[T Float] struct {
	RecurrentWeights[T]
	Nonlinearity Nonlinearity // RNNTanh or RNNReLU
}

// NewRNNCell returns an RNNCell from inputSize to hiddenSize features with
// activation act, weights and biases drawn from U(−1/√H, 1/√H) as
// PyTorch's. It panics with a *tensor.ShapeError when a size is not
// positive and with an *ArgError for an unknown act.
func NewRNNCell[T Float](rng *rand.Rand, inputSize, hiddenSize int, act Nonlinearity) *RNNCell[T] {
	if act != RNNTanh && act != RNNReLU {
		argPanic("NewRNNCell", "act", act, "must be RNNTanh or RNNReLU")
	}
	return &RNNCell[T]{RecurrentWeights: newCellWeights[T]("NewRNNCell", rng, inputSize, hiddenSize, 1), Nonlinearity: act}
}

// Forward is Step(x, nil): one step from a zero state.
func (c *RNNCell[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return c.Step(x, nil) }

// Step returns the next hidden state [N, H] from x [N, in] and h [N, H]
// (nil means zeros). It panics with a *tensor.ShapeError naming the cell
// when x or h do not fit.
func (c *RNNCell[T]) Step(x, h *autograd.Var[T]) *autograd.Var[T] {
	h = c.check("RNNCell", x, h)
	return rnnStep(c.Nonlinearity, autograd.Add(autograd.Linear(x, c.WeightIH, c.BiasIH), autograd.Linear(h, c.WeightHH, c.BiasHH)))
}

// Parameters returns the parameters in the order of NamedParameters.
func (c *RNNCell[T]) Parameters() []*autograd.Var[T] { return c.AppendParameters(nil) }

// AppendParameters appends the parameters, in the order of Parameters, to
// dst and returns the extended slice; it allocates nothing when dst has
// room (see the package function AppendParameters).
func (c *RNNCell[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	return c.appendParams(dst)
}

// NamedParameters returns "weight_ih", "weight_hh", "bias_ih" and
// "bias_hh" (the biases when not nil), PyTorch's names and order.
func (c *RNNCell[T]) NamedParameters() []NamedParam[T] { return c.named() }
