package layers

import "github.com/adjoint-go/adjoint/autograd"

// The gate math of one time step, shared by the sequence layers and the
// cells. Every input already holds its products and biases.

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
	hs := c.Value().Dim(1)
	p := autograd.Split(gates, 1, hs, hs, hs, hs)
	cNew = autograd.Add(autograd.Mul(autograd.Sigmoid(p[1]), c), autograd.Mul(autograd.Sigmoid(p[0]), autograd.Tanh(p[2])))
	return autograd.Mul(autograd.Sigmoid(p[3]), autograd.Tanh(cNew)), cNew
}

// gruStep returns the new h from gi = x·W_ihᵀ + b_ih and gh = h·W_hhᵀ +
// b_hh ([N, 3H] each, PyTorch's order r, z, n) and h:
//
//	r = σ(gi_r + gh_r),  z = σ(gi_z + gh_z),  n = tanh(gi_n + r∘gh_n)
//	h' = (1 − z)∘n + z∘h = n + z∘(h − n)
func gruStep[T Float](gi, gh, h *autograd.Var[T]) *autograd.Var[T] {
	hs := h.Value().Dim(1)
	a, b := autograd.Split(gi, 1, hs, hs, hs), autograd.Split(gh, 1, hs, hs, hs)
	r := autograd.Sigmoid(autograd.Add(a[0], b[0]))
	z := autograd.Sigmoid(autograd.Add(a[1], b[1]))
	n := autograd.Tanh(autograd.Add(a[2], autograd.Mul(r, b[2])))
	return autograd.Add(n, autograd.Mul(z, autograd.Sub(h, n)))
}
