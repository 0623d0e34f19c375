package layers

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/adjoint-go/adjoint/autograd"
)

// Dropout zeroes each element of its input with probability p while
// training, and scales the survivors by 1/(1−p) so that the expected value of
// every element is unchanged ("inverted" dropout, as in PyTorch). In
// evaluation mode it is the identity, and needs no rescaling there.
//
// The masks come from the layer's own generator, seeded at construction, so
// a seed reproduces them; the generator is locked, so concurrent training
// Forward calls are race-free (but then which call gets which mask depends
// on scheduling). Like every layer with a mode, a new Dropout is training:
// see SetTraining.
type Dropout[T Float] struct {
	p    float64
	eval atomic.Bool // the zero value is training mode

	mu  sync.Mutex
	gen maskGen
}

// NewDropout returns a Dropout layer that drops with probability p, in
// training mode. It draws two numbers from rng to seed a generator of its
// own, so the masks are reproducible from the seed that built the model and
// later draws from rng (or concurrent use of it) do not affect them. A
// layer with p = 0 never draws a mask, so it may be built with a nil rng.
// It panics with an *ArgError unless 0 ≤ p < 1, or when rng is nil and
// p > 0.
func NewDropout[T Float](rng *rand.Rand, p float64) *Dropout[T] {
	if !(p >= 0 && p < 1) {
		argPanic("NewDropout", "p", p, "must be in [0, 1)")
	}
	if rng == nil && p == 0 {
		return &Dropout[T]{gen: newMaskGen(0, 0)}
	}
	checkRNG("NewDropout", rng)
	return &Dropout[T]{p: p, gen: newMaskGen(rng.Uint64(), rng.Uint64())}
}

// P returns the probability of dropping an element.
func (d *Dropout[T]) P() float64 { return d.p }

// Forward returns x in evaluation mode (or for p = 0, drawing nothing). In
// training mode it returns autograd.Dropout(x, p, rng) with the layer's
// generator: x·mask, where each element of mask is 0 with probability p and
// 1/(1−p) otherwise, drawn afresh in row-major order (so a NaN or ±Inf
// element of x gives NaN where it is dropped); the gradient is g·mask.
// Under an autograd.Arena the mask and the result come from x's arena, so
// a warm training step allocates nothing.
func (d *Dropout[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	if d.eval.Load() || d.p == 0 {
		return x
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return autograd.Dropout(x, d.p, d.gen.rng)
}

// RNGState returns the state of the layer's generator of masks, for
// resuming training with the masks an uninterrupted run would draw (see
// the package function RNGState, which collects a whole model's).
func (d *Dropout[T]) RNGState() []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.gen.state()
}

// SetRNGState restores a state that RNGState returned. It returns an error,
// and changes nothing, for bytes that are not such a state.
func (d *Dropout[T]) SetRNGState(state []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.gen.setState(state)
}

// SetTraining switches between training (on) and evaluation mode; it is
// safe to call while other goroutines run Forward.
func (d *Dropout[T]) SetTraining(on bool) { d.eval.Store(!on) }

// Training reports whether the layer is in training mode.
func (d *Dropout[T]) Training() bool { return !d.eval.Load() }

// Parameters returns nil: Dropout has none.
func (d *Dropout[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: Dropout has none.
func (d *Dropout[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// NamedParameters returns nil: Dropout has none.
func (d *Dropout[T]) NamedParameters() []NamedParam[T] { return nil }
