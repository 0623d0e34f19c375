package parallel

import (
	"math/rand/v2"
	"sync/atomic"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// Dropout is layers.Dropout (inverted dropout: zero each element with
// probability p while training, scale the survivors by 1/(1−p); the
// identity in evaluation mode) whose masks a Trainer can make independent
// of the worker count: it implements Reseeder, and the trainer reseeds it
// before every micro-batch. Outside a trainer it draws from the generator
// NewDropout seeded.
//
// It keeps its mask (one per input shape it has seen) and reuses it, so a
// steady-state step allocates nothing; a mask is valid until the layer's
// next Forward on an input of that shape, so do not run Backward of one
// Forward after the next Forward. A replica runs its micro-batches one
// after the other, so this holds inside a Trainer.
type Dropout[T Float] struct {
	p     float64
	eval  atomic.Bool
	pcg   rand.PCG
	rng   *rand.Rand
	masks []dropMask[T]
}

// dropMask is a mask tensor and the constant Var that holds it.
type dropMask[T Float] struct {
	t *tensor.Tensor[T]
	v *autograd.Var[T]
}

// NewDropout returns a Dropout that drops with probability p, in training
// mode, seeded from two draws of rng. It panics with a *layers.ArgError
// unless 0 ≤ p < 1.
func NewDropout[T Float](rng *rand.Rand, p float64) *Dropout[T] {
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

// Forward returns x in evaluation mode or for p = 0, and otherwise x·mask,
// each element of mask being 0 with probability p and 1/(1−p) otherwise,
// drawn in row-major order; the gradient is g·mask.
func (d *Dropout[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	if d.eval.Load() || d.p == 0 {
		return x
	}
	m := d.mask(x.Value())
	keep := T(1 / (1 - d.p))
	data := m.t.Data()
	for i := range data {
		data[i] = 0
		if d.rng.Float64() >= d.p {
			data[i] = keep
		}
	}
	return autograd.Mul(x, m.v)
}

// mask returns the layer's mask for x's shape, making it the first time.
func (d *Dropout[T]) mask(x *tensor.Tensor[T]) dropMask[T] {
	for _, m := range d.masks {
		if sameShape(m.t, x) {
			return m
		}
	}
	t := tensor.Zeros[T](x.Shape()...)
	m := dropMask[T]{t: t, v: autograd.Const(t)}
	d.masks = append(d.masks, m)
	return m
}

// sameShape reports whether a and b have the same shape, without copying
// either.
func sameShape[T Float](a, b *tensor.Tensor[T]) bool {
	if a.Dims() != b.Dims() {
		return false
	}
	for i := range a.Dims() {
		if a.Dim(i) != b.Dim(i) {
			return false
		}
	}
	return true
}

// SetTraining switches between training (on) and evaluation mode.
func (d *Dropout[T]) SetTraining(on bool) { d.eval.Store(!on) }

// Training reports whether the layer is in training mode.
func (d *Dropout[T]) Training() bool { return !d.eval.Load() }

// Parameters returns nil: Dropout has none.
func (d *Dropout[T]) Parameters() []*autograd.Var[T] { return nil }

// NamedParameters returns nil: Dropout has none.
func (d *Dropout[T]) NamedParameters() []layers.NamedParam[T] { return nil }
