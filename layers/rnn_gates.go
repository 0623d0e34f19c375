package layers

import "github.com/adjoint-go/adjoint/autograd"

// The gate math of one time step, shared by the sequence layers and the
// cells. Every input already holds its products and biases; LSTM and GRU
// steps are autograd's fused step ops, one sweep forward and one backward.

// rnnStep returns act(pre): pre = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh.
func rnnStep[T Float](act Nonlinearity, pre *autograd.Var[T]) *autograd.Var[T] {
	if act == RNNReLU {
		return autograd.ReLU(pre)
	}
	return autograd.Tanh(pre)
}

// lstmStep returns the new h and c from gates [N, 4H] = x·W_ihᵀ + b_ih +
// h·W_hhᵀ + b_hh, in PyTorch's order i, f, g, o, and the cell state c:
//
//	c' = σ(f)∘c + σ(i)∘tanh(g),  h' = σ(o)∘tanh(c')
func lstmStep[T Float](gates, c *autograd.Var[T]) (h, cNew *autograd.Var[T]) {
	cNew = autograd.LSTMCellState(gates, c)
	return autograd.LSTMCellOutput(gates, cNew), cNew
}

// gruStep returns the new h from gi = x·W_ihᵀ + b_ih and gh = h·W_hhᵀ +
// b_hh ([N, 3H] each, PyTorch's order r, z, n) and h:
//
//	r = σ(gi_r + gh_r),  z = σ(gi_z + gh_z),  n = tanh(gi_n + r∘gh_n)
//	h' = (1 − z)∘n + z∘h
func gruStep[T Float](gi, gh, h *autograd.Var[T]) *autograd.Var[T] {
	return autograd.GRUCellState(gi, gh, h)
}
