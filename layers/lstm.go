package layers

import (
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
)

// LSTM is PyTorch's nn.LSTM: for each layer, direction and time step t,
// with the gates in PyTorch's order i, f, g, o,
//
//	i, f, g, o = σ, σ, tanh, σ of the blocks of x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh
//	c_t = f∘c_{t−1} + i∘g,  h_t = o∘tanh(c_t)
//
// The input is [L, N, in] (sequence length, batch, features; [N, L, in]
// with BatchFirst) and the output [L, N, D·H], the last layer's h_t of
// every step, the forward direction's H features then the reverse one's
// (D = 2 when Bidirectional). Layer k > 0 reads layer k−1's output,
// through dropout when RecurrentOptions.Dropout is set.
//
// The parameters have PyTorch's names and layouts ("weight_ih_l0"
// [4H, in], "weight_hh_l0" [4H, H], "bias_ih_l0", "bias_hh_l0" [4H], and
// "…_reverse" for the reverse direction), so that a state_dict loads one
// to one. Each layer and direction projects the whole sequence with one
// product (x [L·N, in]·W_ihᵀ), then runs one product h·W_hhᵀ and the gate
// math per step.
//
// Variable-length batches, PyTorch's packed sequences: see ForwardState.
// Not supported: proj_size, and unbatched 2-D inputs (add a batch axis of
// 1).
type LSTM[T Float] struct {
	recurrent[T]
}

// NewLSTM returns an LSTM from inputSize to hiddenSize features with the
// options o (the zero value is PyTorch's defaults; Nonlinearity is
// ignored), every weight and bias drawn from U(−1/√H, 1/√H) as PyTorch
// does. It panics with a *tensor.ShapeError when a size is not positive
// and with an *ArgError for a dropout outside [0, 1).
func NewLSTM[T Float](rng *rand.Rand, inputSize, hiddenSize int, o RecurrentOptions) *LSTM[T] {
	o.Nonlinearity = RNNTanh
	return &LSTM[T]{newRecurrent[T]("NewLSTM", kindLSTM, rng, inputSize, hiddenSize, o)}
}

// Forward returns the output sequence for x from zero initial states:
// ForwardState(x, nil, nil, nil)'s output.
func (m *LSTM[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	out, _, _ := m.ForwardState(x, nil, nil, nil)
	return out
}

// ForwardState runs the LSTM on x from the initial states h0 and c0
// [layers·D, N, H] (PyTorch's (h_0, c_0) layout; nil means zeros) and
// returns the output sequence and the final states hn and cn
// [layers·D, N, H] (h_n, c_n).
//
// lengths, when not nil, gives each batch row's number of valid steps,
// in [1, L], in any order: PyTorch's pack_padded_sequence(x, lengths,
// enforce_sorted=False) through the LSTM and pad_packed_sequence(out,
// total_length=L) back. A row then stops updating after its last valid
// step, its output is 0 past it (the output keeps all L steps), the
// padding in x is never read (a NaN there changes nothing, its gradient
// is 0), its final states are those at that step, and the reverse
// direction starts at that step. A batch whose rows are all L long runs
// as without lengths. A warm step under an autograd.Arena allocates
// nothing; with lengths that differ from the previous call's, it first
// builds their masks (one small one per step past the shortest row's
// end).
//
// It panics with a *tensor.ShapeError naming the layer when x, h0 or c0
// do not fit, and with an *ArgError for lengths of the wrong count or
// out of range.
func (m *LSTM[T]) ForwardState(x, h0, c0 *autograd.Var[T], lengths []int) (out, hn, cn *autograd.Var[T]) {
	return m.run(x, h0, c0, lengths)
}

// LSTMCell is PyTorch's nn.LSTMCell: one step of an LSTM (see LSTM for
// the gate math) for x [N, in] and states h, c [N, H]. Its parameters are
// "weight_ih" [4H, in], "weight_hh" [4H, H], "bias_ih" and "bias_hh" [4H]
// (set both biases to nil for bias=False), gates in the order i, f, g, o.
type LSTMCell[T Float] struct {
	RecurrentWeights[T]
}

// NewLSTMCell returns an LSTMCell from inputSize to hiddenSize features,
// weights and biases drawn from U(−1/√H, 1/√H) as PyTorch's. It panics
// with a *tensor.ShapeError when a size is not positive.
func NewLSTMCell[T Float](rng *rand.Rand, inputSize, hiddenSize int) *LSTMCell[T] {
	return &LSTMCell[T]{newCellWeights[T]("NewLSTMCell", rng, inputSize, hiddenSize, 4)}
}

// Forward returns the hidden state after one step from zero states: the
// h of Step(x, nil, nil).
func (c *LSTMCell[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	h, _ := c.Step(x, nil, nil)
	return h
}

// Step returns the next states h' and c' [N, H] from x [N, in] and the
// states h and c [N, H] (nil means zeros). It panics with a
// *tensor.ShapeError naming the cell when x, h or c do not fit.
func (c *LSTMCell[T]) Step(x, h, cs *autograd.Var[T]) (hNew, cNew *autograd.Var[T]) {
	h0 := c.check("LSTMCell", x, h, cs)
	if cs == nil {
		cs = h0
		if h != nil {
			cs = zeroState(x, x.Value().Dim(0), c.WeightHH.Value().Dim(1))
		}
	}
	return lstmStep(autograd.Add(autograd.Linear(x, c.WeightIH, c.BiasIH), autograd.Linear(h0, c.WeightHH, c.BiasHH)), cs)
}

// Parameters returns the parameters in the order of NamedParameters.
func (c *LSTMCell[T]) Parameters() []*autograd.Var[T] { return c.AppendParameters(nil) }

// AppendParameters appends the parameters, in the order of Parameters, to
// dst and returns the extended slice; it allocates nothing when dst has
// room (see the package function AppendParameters).
func (c *LSTMCell[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	return c.appendParams(dst)
}

// NamedParameters returns "weight_ih", "weight_hh", "bias_ih" and
// "bias_hh" (the biases when not nil), PyTorch's names and order.
func (c *LSTMCell[T]) NamedParameters() []NamedParam[T] { return c.named() }
