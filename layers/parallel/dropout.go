package parallel

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
)

// Dropout is layers.Dropout (inverted dropout: zero each element with
// probability p while training, scale the survivors by 1/(1−p); the
// identity in evaluation mode) whose masks a Trainer can make independent
// of the worker count: it implements Reseeder, and the trainer reseeds it
// before every micro-batch. Outside a trainer it draws from the generator
// NewDropout seeded.
//
// Every Forward in training mode draws a mask of its own
// (autograd.Dropout), so a model may use one Dropout several times in a
// Forward, as with layers.Dropout: after a Reseed the calls draw their
// masks one after the other from the seed, so they are the same, call by
// call, whichever replica runs the micro-batch. Under an autograd.Arena
// (as inside a Trainer) the masks come from the arena, so a steady-state
// step allocates nothing.
//
// A Dropout's generator is not locked: one Dropout must not run Forward on
// two goroutines at once (inside a Trainer each replica has its own).
type Dropout[T Float] struct {
	p    float64
	eval atomic.Bool
	pcg  rand.PCG
	rng  *rand.Rand
}

// NewDropout returns a Dropout that drops with probability p, in training
// mode, seeded from two draws of rng. It panics with a *layers.ArgError
// naming the argument if rng is nil or p is not in [0, 1).
func NewDropout[T Float](rng *rand.Rand, p float64) *Dropout[T] {
	if rng == nil {
		panic(&layers.ArgError{Op: "parallel.NewDropout", Arg: "rng", Value: nil, Reason: "must not be nil"})
	}
	if !(p >= 0 && p < 1) {
		panic(&layers.ArgError{Op: "parallel.NewDropout", Arg: "p", Value: p, Reason: "must be in [0, 1)"})
	}
	d := &Dropout[T]{p: p}
	d.pcg.Seed(rng.Uint64(), rng.Uint64())
	d.rng = rand.New(&d.pcg)
	return d
}

// P returns the probability of dropping an element.
func (d *Dropout[T]) P() float64 { return d.p }

// Reseed restarts the layer's generator from seed.
func (d *Dropout[T]) Reseed(seed uint64) { d.pcg.Seed(seed, 0x64726f706f7574) }

// RNGState returns the state of the layer's generator (layers.Random), so
// that layers.RNGState saves it with a model trained outside a Trainer
// (inside one, Trainer.SetSteps reproduces the masks: it reseeds them).
func (d *Dropout[T]) RNGState() []byte {
	b, err := d.pcg.MarshalBinary()
	if err != nil {
		panic(err) // unreachable: a PCG always marshals
	}
	return b
}

// SetRNGState restores a state RNGState returned. It returns an error, and
// changes nothing, for bytes that are not such a state.
func (d *Dropout[T]) SetRNGState(state []byte) error {
	var pcg rand.PCG
	if err := pcg.UnmarshalBinary(state); err != nil {
		return fmt.Errorf("parallel: Dropout.SetRNGState: not a generator's state: %w", err)
	}
	d.pcg = pcg
	return nil
}

// Forward returns x in evaluation mode or for p = 0, and otherwise x·mask,
// each element of mask being 0 with probability p and 1/(1−p) otherwise,
// drawn afresh from the layer's generator in row-major order; the gradient
// is g·mask.
func (d *Dropout[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	if d.eval.Load() || d.p == 0 {
		return x
	}
	return autograd.Dropout(x, d.p, d.rng)
}

// SetTraining switches between training (on) and evaluation mode.
func (d *Dropout[T]) SetTraining(on bool) { d.eval.Store(!on) }

// Training reports whether the layer is in training mode.
func (d *Dropout[T]) Training() bool { return !d.eval.Load() }

// Parameters returns nil: Dropout has none.
func (d *Dropout[T]) Parameters() []*autograd.Var[T] { return nil }

// NamedParameters returns nil: Dropout has none.
func (d *Dropout[T]) NamedParameters() []layers.NamedParam[T] { return nil }
