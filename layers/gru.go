package layers

import (
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
)

// GRU is PyTorch's nn.GRU: for each layer, direction and time step t,
// with the gates in PyTorch's order r, z, n,
//
//	r = σ(x_t·W_irᵀ + b_ir + h·W_hrᵀ + b_hr),  z = σ(x_t·W_izᵀ + b_iz + h·W_hzᵀ + b_hz)
//	n = tanh(x_t·W_inᵀ + b_in + r∘(h·W_hnᵀ + b_hn))
//	h_t = (1 − z)∘n + z∘h_{t−1}
//
// The input is [L, N, in] (sequence length, batch, features; [N, L, in]
// with BatchFirst) and the output [L, N, D·H], the last layer's h_t of
// every step, the forward direction's H features then the reverse one's
// (D = 2 when Bidirectional). Layer k > 0 reads layer k−1's output,
// through dropout when RecurrentOptions.Dropout is set.
//
// The parameters have PyTorch's names and layouts ("weight_ih_l0"
// [3H, in], "weight_hh_l0" [3H, H], "bias_ih_l0", "bias_hh_l0" [3H], and
// "…_reverse" for the reverse direction), so that a state_dict loads one
// to one. Each layer and direction projects the whole sequence with one
// product, then runs one product h·W_hhᵀ and the gate math per step.
//
// Variable-length batches, PyTorch's packed sequences: see ForwardState.
// Not supported: unbatched 2-D inputs (add a batch axis of 1).
type GRU[T Float] struct {
	recurrent[T]
}

// NewGRU returns a GRU from inputSize to hiddenSize features with the
// options o (the zero value is PyTorch's defaults; Nonlinearity is
// ignored), every weight and bias drawn from U(−1/√H, 1/√H) as PyTorch
// does. It panics with a *tensor.ShapeError when a size is not positive
// and with an *ArgError for a dropout outside [0, 1).
func NewGRU[T Float](rng *rand.Rand, inputSize, hiddenSize int, o RecurrentOptions) *GRU[T] {
	o.Nonlinearity = RNNTanh
	return &GRU[T]{newRecurrent[T]("NewGRU", kindGRU, rng, inputSize, hiddenSize, o)}
}

// Forward returns the output sequence for x from zero initial states:
// ForwardState(x, nil, nil)'s output.
func (m *GRU[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	out, _ := m.ForwardState(x, nil, nil)
	return out
}

// ForwardState runs the GRU on x from the initial states h0
// [layers·D, N, H] (PyTorch's h_0 layout; nil means zeros) and returns
// the output sequence and the final states hn [layers·D, N, H] (h_n).
//
// lengths, when not nil, gives each batch row's number of valid steps,
// in [1, L], in any order: PyTorch's pack_padded_sequence(x, lengths,
// enforce_sorted=False) through the GRU and pad_packed_sequence(out,
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
func (m *GRU[T]) ForwardState(x, h0 *autograd.Var[T], lengths []int) (out, hn *autograd.Var[T]) {
	out, hn, _ = m.run(x, h0, nil, lengths)
	return out, hn
}

// GRUCell is PyTorch's nn.GRUCell: one step of a GRU (see GRU for the
// gate math) for x [N, in] and h [N, H]. Its parameters are "weight_ih"
// [3H, in], "weight_hh" [3H, H], "bias_ih" and "bias_hh" [3H] (set both
// biases to nil for bias=False), gates in the order r, z, n.
type GRUCell[T Float] struct {
	RecurrentWeights[T]
}

// NewGRUCell returns a GRUCell from inputSize to hiddenSize features,
// weights and biases drawn from U(−1/√H, 1/√H) as PyTorch's. It panics
// with a *tensor.ShapeError when a size is not positive.
func NewGRUCell[T Float](rng *rand.Rand, inputSize, hiddenSize int) *GRUCell[T] {
	return &GRUCell[T]{newCellWeights[T]("NewGRUCell", rng, inputSize, hiddenSize, 3)}
}

// Forward is Step(x, nil): one step from a zero state.
func (c *GRUCell[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return c.Step(x, nil) }

// Step returns the next hidden state [N, H] from x [N, in] and h [N, H]
// (nil means zeros). It panics with a *tensor.ShapeError naming the cell
// when x or h do not fit.
func (c *GRUCell[T]) Step(x, h *autograd.Var[T]) *autograd.Var[T] {
	h = c.check("GRUCell", x, h)
	return gruStep(autograd.Linear(x, c.WeightIH, c.BiasIH), autograd.Linear(h, c.WeightHH, c.BiasHH), h)
}

// Parameters returns the parameters in the order of NamedParameters.
func (c *GRUCell[T]) Parameters() []*autograd.Var[T] { return c.AppendParameters(nil) }

// AppendParameters appends the parameters, in the order of Parameters, to
// dst and returns the extended slice; it allocates nothing when dst has
// room (see the package function AppendParameters).
func (c *GRUCell[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	return c.appendParams(dst)
}

// NamedParameters returns "weight_ih", "weight_hh", "bias_ih" and
// "bias_hh" (the biases when not nil), PyTorch's names and order.
func (c *GRUCell[T]) NamedParameters() []NamedParam[T] { return c.named() }
