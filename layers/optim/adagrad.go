package optim

import (
	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Adagrad is the Adagrad optimizer of torch.optim.Adagrad (Duchi, Hazan and
// Singer, 2011): each element's step shrinks with the sum of its squared
// gradients so far, so rarely updated weights (the rows of an embedding
// most ids never reach) keep larger steps. With gradient g, learning rate
// lr, rate decay δ, ε, weight decay λ and the parameter's step count t
// (1 at its first gradient), each step is
//
//	g = g + λ·W                 (L2 weight decay, if λ > 0)
//	s = s + g²                  (s starts at the initial accumulator value)
//	W = W − lr/(1 + (t−1)·δ) · g/(√s + ε)
//
// As in torch, ε is added outside the square root, and a parameter without
// a gradient keeps its step count and sum.
type Adagrad[T tensor.Float] struct {
	params    []*autograd.Var[T]
	lr        lrState[T]
	lrDecay   float64 // δ, used in float64 as torch does
	eps, init T
	l2        l2Decay[T]
	state     []adagradState[T]
	clr       []T // each parameter's lr/(1 + (t−1)·δ) at this step, set by BeginStep
	parts     parts[T]
	nparts    int // the parts BeginStep prepared
	guard     nonFiniteGuard
}

// adagradState is one parameter's state, allocated at its first gradient.
type adagradState[T tensor.Float] struct {
	step    int
	sum     []T
	started bool
}

type adagradConfig struct {
	lrDecay, eps, weightDecay, init float64
	nonFinite                       NonFinitePolicy
}

// AdagradOption configures NewAdagrad: LRDecay, InitialAccumulator, Eps,
// WeightDecay and NonFinite.
type AdagradOption interface{ applyAdagrad(*adagradConfig) }

type adagradOptionFunc func(*adagradConfig)

func (f adagradOptionFunc) applyAdagrad(c *adagradConfig) { f(c) }

func (o EpsOption) applyAdagrad(c *adagradConfig)         { c.eps = o.eps }
func (o WeightDecayOption) applyAdagrad(c *adagradConfig) { c.weightDecay = o.wd }
func (o NonFiniteOption) applyAdagrad(c *adagradConfig)   { c.nonFinite = o.p }

// LRDecay sets Adagrad's learning-rate decay δ: the rate at a parameter's
// step t is lr/(1 + (t−1)·δ) (default 0). It must be finite and
// non-negative.
func LRDecay(d float64) AdagradOption {
	return adagradOptionFunc(func(c *adagradConfig) { c.lrDecay = d })
}

// InitialAccumulator sets the value Adagrad's sum of squared gradients
// starts from (torch's initial_accumulator_value, default 0). It must be
// finite and non-negative.
func InitialAccumulator(v float64) AdagradOption {
	return adagradOptionFunc(func(c *adagradConfig) { c.init = v })
}

// NewAdagrad returns an Adagrad optimizer over params with learning rate lr
// (torch's default is 1e-2; ε defaults to 1e-10, as torch's). It returns
// an error for a negative, NaN or infinite learning rate, rate decay, ε,
// weight decay or initial accumulator value (also once converted to T), and
// a parameter that is nil, not a trainable leaf, or listed twice.
func NewAdagrad[T tensor.Float](params []*autograd.Var[T], lr float64, opts ...AdagradOption) (*Adagrad[T], error) {
	const op = "NewAdagrad"
	c := adagradConfig{eps: 1e-10}
	for _, opt := range opts {
		opt.applyAdagrad(&c)
	}
	o := &Adagrad[T]{}
	if err := o.lr.set(op, lr); err != nil {
		return nil, err
	}
	for _, h := range []struct {
		name string
		v    float64
	}{{"lr decay", c.lrDecay}, {"eps", c.eps}, {"weight decay", c.weightDecay}, {"initial accumulator value", c.init}} {
		if err := checkHyper[T](op, h.name, h.v); err != nil {
			return nil, err
		}
	}
	if err := o.guard.set(op, c.nonFinite); err != nil {
		return nil, err
	}
	ps, err := checkParams(op, params)
	if err != nil {
		return nil, err
	}
	o.params, o.lrDecay, o.eps, o.init = ps, c.lrDecay, T(c.eps), T(c.init)
	o.l2 = newL2Decay(T(c.weightDecay))
	o.state = make([]adagradState[T], len(ps))
	o.clr = make([]T, len(ps))
	o.parts = newParts(ps)
	return o, nil
}

// Step updates every parameter in place from its accumulated gradient. A
// parameter with no gradient (nil Grad) is skipped: its sum and step count
// do not advance. A NaN or infinite gradient is handled by the
// NonFinitePolicy (default: applied, as in torch); Step returns an error
// only under ErrorNonFinite.
func (o *Adagrad[T]) Step() error {
	ok, err := o.BeginStep(finiteFor(&o.guard, o.params), 1)
	if ok {
		o.StepRange(0, 0, o.parts.total())
	}
	return err
}

// NonFinitePolicy returns the policy chosen with the NonFinite option.
func (o *Adagrad[T]) NonFinitePolicy() NonFinitePolicy { return o.guard.policy }

// BeginStep starts a step made in parts (see SplitStepper): Step is
// BeginStep, with finite whether every gradient is finite, and StepRange
// over all the elements. A parameter's state is allocated here at its
// first gradient, and its step count advanced.
func (o *Adagrad[T]) BeginStep(finite bool, parts int) (bool, error) {
	if ok, err := beginStep(&o.guard, "Adagrad.Step", finite, o.params); !ok {
		return false, err
	}
	o.parts.note(o.params)
	o.l2.ensure(parts)
	o.nparts = parts
	for i, g := range o.parts.grads {
		if g == nil {
			continue
		}
		s := &o.state[i]
		if !s.started {
			s.sum = make([]T, g.Len())
			if o.init != 0 {
				for k := range s.sum {
					s.sum[k] = o.init
				}
			}
			s.started = true
		}
		s.step++
		o.clr[i] = T(o.lr.given / (1 + float64(s.step-1)*o.lrDecay))
	}
	return true, nil
}

// StepRange updates elements [lo, hi) of the parameters laid end to end for
// the step BeginStep started, with part's scratch space (see SplitStepper).
func (o *Adagrad[T]) StepRange(part, lo, hi int) {
	for i := o.parts.first("Adagrad.StepRange", part, o.nparts, lo, hi); i < len(o.params) && o.parts.offs[i] < hi; i++ {
		g := o.parts.grads[i]
		a, b := o.parts.span(i, lo, hi)
		if g == nil || a >= b {
			continue
		}
		w := o.params[i].Value().Data()[a:b]
		sum := o.state[i].sum[a:b]
		for l, d := range o.l2.blocks(part, w, g.Data()[a:b]) {
			o.update(w[l:l+len(d)], d, sum[l:l+len(d)], -o.clr[i])
		}
	}
}

// update makes the step for the elements w with (L2-decayed) gradient g
// and sum s, at rate −clr: s += g², w += (−clr·g)/(√s + ε), in the order
// of torch's addcmul_ and addcdiv_ kernels, each product rounded to T (no
// fused multiply-add).
func (o *Adagrad[T]) update(w, g, s []T, negClr T) {
	g, s = g[:len(w)], s[:len(w)]
	for k, gk := range g {
		s[k] += T(gk * gk)
		w[k] += T(negClr*gk) / (sqrt(s[k]) + o.eps)
	}
}

// ZeroGrad clears every parameter's gradient, keeping its buffer (see
// autograd.Var.ZeroGrad).
func (o *Adagrad[T]) ZeroGrad() { autograd.ZeroGrad(o.params...) }

// LR returns the current learning rate (before the decay of LRDecay).
func (o *Adagrad[T]) LR() float64 { return o.lr.given }

// SetLR changes the learning rate, for schedules. It returns an error for a
// negative, infinite or NaN value (or one that overflows T) and leaves the
// rate unchanged then.
func (o *Adagrad[T]) SetLR(lr float64) error { return o.lr.set("Adagrad.SetLR", lr) }

// Skipped returns how many steps skipped a non-finite gradient (see
// NonFinitePolicy).
func (o *Adagrad[T]) Skipped() int { return o.guard.skipped }

// Params returns the parameters Adagrad updates; do not modify the slice.
func (o *Adagrad[T]) Params() []*autograd.Var[T] { return o.params }

func (o *Adagrad[T]) stateKind() string { return "Adagrad" }

func (o *Adagrad[T]) stateLayout() ([]string, bool) { return []string{"sum"}, true }

func (o *Adagrad[T]) stateOf(i int) ([][]T, int) {
	s := &o.state[i]
	if !s.started {
		return nil, 0
	}
	return [][]T{s.sum}, s.step
}

func (o *Adagrad[T]) setState(i int, bufs [][]T, step int) {
	s := adagradState[T]{}
	if bufs != nil {
		s.sum, s.step, s.started = bufs[0], step, true
	}
	o.state[i] = s
}
