package layers

import "math/rand/v2"

// MLPOption configures NewMLP.
type MLPOption func(*mlpConfig)

type mlpConfig struct {
	dropout float64
}

// MLPDropout adds a Dropout layer with probability p after every hidden
// activation (none for p = 0). NewMLP panics with an *ArgError unless
// 0 ≤ p < 1.
func MLPDropout(p float64) MLPOption {
	return func(c *mlpConfig) { c.dropout = p }
}

// NewMLP returns a multilayer perceptron as a Sequential: a Linear layer from
// sizes[i] to sizes[i+1] for each i, with a fresh activation() after every
// one but the last (the output is left linear: logits for
// autograd.CrossEntropy, values for MSELoss; append an output activation to
// Layers if you need one). A nil activation means ReLU.
//
// Each hidden Linear is initialised for the activation that follows it:
// HeUniform before the ReLU family (ReLU, LeakyReLU, ELU, GELU, SiLU), whose
// halving of the variance He's scale makes up for, and XavierUniform
// otherwise (Sigmoid, Tanh, Softplus, your own) and for the output layer.
// Biases are zero. Layers are drawn from rng in order, so a seed reproduces
// the network bit for bit.
//
// With sizes [784, 128, 10] and ReLU the result is Linear, ReLU, Linear and
// its parameters are "0.weight", "0.bias", "2.weight", "2.bias". It panics
// with a *tensor.ShapeError if sizes has fewer than two entries or one is
// not positive.
func NewMLP[T Float](rng *rand.Rand, sizes []int, activation func() Module[T], opts ...MLPOption) *Sequential[T] {
	if len(sizes) < 2 {
		shapePanic("NewMLP", "sizes must list at least the input and output sizes", sizes)
	}
	checkPositive("NewMLP", "", sizes...)
	var cfg mlpConfig
	for _, o := range opts {
		o(&cfg)
	}
	if !(cfg.dropout >= 0 && cfg.dropout < 1) {
		argPanic("NewMLP", "MLPDropout p", cfg.dropout, "must be in [0, 1)")
	}
	if activation == nil {
		activation = func() Module[T] { return ReLU[T]{} }
	}
	var mods []Module[T]
	for i := 0; i+1 < len(sizes); i++ {
		if i+2 == len(sizes) { // the output layer
			mods = append(mods, NewLinear(rng, sizes[i], sizes[i+1], XavierUniform[T]))
			break
		}
		act := activation()
		init := XavierUniform[T]
		if reluFamily(act) {
			init = HeUniform[T]
		}
		mods = append(mods, NewLinear(rng, sizes[i], sizes[i+1], init), act)
		if cfg.dropout > 0 {
			mods = append(mods, NewDropout[T](rng, cfg.dropout))
		}
	}
	return NewSequential(mods...)
}

// reluFamily reports whether m is a rectifier, for which He initialisation
// suits the layer before it.
func reluFamily[T Float](m Module[T]) bool {
	switch m.(type) {
	case ReLU[T], *ReLU[T], LeakyReLU[T], *LeakyReLU[T], ELU[T], *ELU[T], GELU[T], *GELU[T], SiLU[T], *SiLU[T]:
		return true
	}
	return false
}
