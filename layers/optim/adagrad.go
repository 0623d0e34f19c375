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
// a gradient keeps its step count and sum. LR and SetLR are lr, before the
// decay.
type Adagrad[T tensor.Float] struct {
	base[T]
	lrDecay    float64 // δ, used in float64 as torch does
	eps, start T       // ε and the initial accumulator value
	l2         l2Decay[T]
	state      []adagradState[T]
	clr        []T // each parameter's lr/(1 + (t−1)·δ) at this step, set by BeginStep
}

// adagradState is one parameter's state, allocated at its first gradient.
type adagradState[T tensor.Float] struct {
	step    int
	sum     []T
	started bool
}

type adagradConfig struct {
	lrDecay, eps, weightDecay, init float64
	maximize                        bool
	nonFinite                       NonFinitePolicy
	groups                          []groupSpec
}

// AdagradOption configures NewAdagrad: LRDecay, InitialAccumulator, Eps,
// WeightDecay, NonFinite, Maximize and ParamGroup.
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
// weight decay or initial accumulator value (also once converted to T), a
// parameter that is nil, not a trainable leaf, or listed twice, and a
// ParamGroup that does not fit (see ParamGroup).
func NewAdagrad[T tensor.Float](params []*autograd.Var[T], lr float64, opts ...AdagradOption) (*Adagrad[T], error) {
	const op = "NewAdagrad"
	c := adagradConfig{eps: 1e-10}
	for _, opt := range opts {
		opt.applyAdagrad(&c)
	}
	o := &Adagrad[T]{}
	if err := o.init("Adagrad", params, lr, c.nonFinite, c.weightDecay, c.groups); err != nil {
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
	o.lrDecay, o.eps, o.start = c.lrDecay, T(c.eps), T(c.init)
	o.l2 = newL2Decay[T](o.groups.wd)
	o.l2.maximize(c.maximize)
	o.state = make([]adagradState[T], len(o.params))
	o.clr = make([]T, len(o.params))
	return o, nil
}

// Step updates every parameter in place from its accumulated gradient. A
// parameter with no gradient (nil Grad) is skipped: its sum and step count
// do not advance. A NaN or infinite gradient is handled by the
// NonFinitePolicy (default: applied, as in torch); Step returns an error
// only under ErrorNonFinite.
func (o *Adagrad[T]) Step() error { return o.step(o) }

// BeginStep starts a step made in parts (see SplitStepper): Step is
// BeginStep, with finite whether every gradient is finite, and StepRange
// over all the elements. A parameter's state is allocated here at its
// first gradient, and its step count advanced.
func (o *Adagrad[T]) BeginStep(finite bool, parts int) (bool, error) {
	if ok, err := o.begin(finite, parts); !ok {
		return false, err
	}
	o.l2.ensure(parts)
	for i, g := range o.parts.grads {
		if g == nil {
			continue
		}
		s := &o.state[i]
		if !s.started {
			s.sum = make([]T, g.Len())
			if o.start != 0 {
				for k := range s.sum {
					s.sum[k] = o.start
				}
			}
			s.started = true
		}
		s.step++
		lr := o.lr * o.groups.scale[o.groups.of[i]] // o.lr itself in group 0
		o.clr[i] = T(lr / (1 + float64(s.step-1)*o.lrDecay))
	}
	return true, nil
}

// StepRange updates elements [lo, hi) of the parameters laid end to end for
// the step BeginStep started, with part's scratch space (see SplitStepper).
func (o *Adagrad[T]) StepRange(part, lo, hi int) {
	for p := range o.spans(part, lo, hi) {
		sum := o.state[p.i].sum[p.a:]
		for l, d := range o.l2.blocks(part, o.groups.of[p.i], p.w, p.g) {
			o.update(p.w[l:l+len(d)], d, sum[l:l+len(d)], -o.clr[p.i])
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
