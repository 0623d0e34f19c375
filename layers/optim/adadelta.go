package optim

import (
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Adadelta is the Adadelta optimizer of torch.optim.Adadelta (Zeiler,
// 2012): each element's step is the gradient scaled by the ratio of the
// root mean squares of the past steps and of the past gradients, so that
// the learning rate lr is only a final multiplier (torch's default is 1).
// With gradient g, decay ρ, ε and weight decay λ, each step is
//
//	g = g + λ·W                        (L2 weight decay, if λ > 0)
//	s = ρ·s + (1−ρ)·g²
//	d = √(a + ε)/√(s + ε) · g
//	a = ρ·a + (1−ρ)·d²
//	W = W − lr·d
//
// with s and a starting at zero, in the order of torch's operations. As in
// torch, ε is added inside both square roots.
type Adadelta[T tensor.Float] struct {
	base[T]
	rho, oneMinusRho, eps T
	l2                    l2Decay[T]
	state                 []adadeltaState[T]
}

// adadeltaState is one parameter's state, allocated at its first gradient.
type adadeltaState[T tensor.Float] struct {
	square, delta []T // torch's square_avg and acc_delta
	started       bool
}

type adadeltaConfig struct {
	rho, eps, weightDecay float64
	maximize              bool
	nonFinite             NonFinitePolicy
	groups                []groupSpec
}

// AdadeltaOption configures NewAdadelta: Rho, Eps, WeightDecay, NonFinite,
// Maximize and ParamGroup.
type AdadeltaOption interface{ applyAdadelta(*adadeltaConfig) }

type adadeltaOptionFunc func(*adadeltaConfig)

func (f adadeltaOptionFunc) applyAdadelta(c *adadeltaConfig) { f(c) }

func (o EpsOption) applyAdadelta(c *adadeltaConfig)         { c.eps = o.eps }
func (o WeightDecayOption) applyAdadelta(c *adadeltaConfig) { c.weightDecay = o.wd }
func (o NonFiniteOption) applyAdadelta(c *adadeltaConfig)   { c.nonFinite = o.p }
func (g ParamGroupOption[T]) applyAdadelta(c *adadeltaConfig) {
	c.groups = append(c.groups, g.spec())
}

// Rho sets Adadelta's decay rate ρ of the running averages of g² and of
// the squared steps (default 0.9). It must be in [0, 1], as torch allows.
func Rho(rho float64) AdadeltaOption {
	return adadeltaOptionFunc(func(c *adadeltaConfig) { c.rho = rho })
}

// NewAdadelta returns an Adadelta optimizer over params with learning rate
// lr (torch's default is 1.0; ε defaults to 1e-6, as torch's). It returns
// an error for a negative, NaN or infinite learning rate, ε or weight
// decay (also once converted to T), a ρ outside [0, 1], a parameter that
// is nil, not a trainable leaf, or listed twice, and a ParamGroup that
// does not fit (see ParamGroup).
func NewAdadelta[T tensor.Float](params []*autograd.Var[T], lr float64, opts ...AdadeltaOption) (*Adadelta[T], error) {
	const op = "NewAdadelta"
	c := adadeltaConfig{rho: 0.9, eps: 1e-6}
	for _, opt := range opts {
		opt.applyAdadelta(&c)
	}
	o := &Adadelta[T]{}
	if err := o.init("Adadelta", params, lr, c.nonFinite, c.weightDecay, c.groups); err != nil {
		return nil, err
	}
	if !(c.rho >= 0 && c.rho <= 1) {
		return nil, fmt.Errorf("optim: %s: rho must be in [0, 1], got %g", op, c.rho)
	}
	for _, h := range []struct {
		name string
		v    float64
	}{{"eps", c.eps}, {"weight decay", c.weightDecay}} {
		if err := checkHyper[T](op, h.name, h.v); err != nil {
			return nil, err
		}
	}
	o.rho, o.oneMinusRho, o.eps = T(c.rho), T(1-c.rho), T(c.eps)
	o.l2 = newL2Decay[T](o.groups.wd)
	o.l2.maximize(c.maximize)
	o.state = make([]adadeltaState[T], len(o.params))
	return o, nil
}

// Step updates every parameter in place from its accumulated gradient. A
// parameter with no gradient yet (nil Grad) is skipped and its running
// averages do not advance. A NaN or infinite gradient is handled by the
// NonFinitePolicy (default: applied, as in torch); Step returns an error
// only under ErrorNonFinite.
func (o *Adadelta[T]) Step() error { return o.step(o) }

// BeginStep starts a step made in parts (see SplitStepper): Step is
// BeginStep, with finite whether every gradient is finite, and StepRange
// over all the elements. A parameter's state is allocated here at its
// first gradient.
func (o *Adadelta[T]) BeginStep(finite bool, parts int) (bool, error) {
	if ok, err := o.begin(finite, parts); !ok {
		return false, err
	}
	o.l2.ensure(parts)
	for i, g := range o.parts.grads {
		s := &o.state[i]
		if g == nil || s.started {
			continue
		}
		s.square, s.delta, s.started = make([]T, g.Len()), make([]T, g.Len()), true
	}
	return true, nil
}

// StepRange updates elements [lo, hi) of the parameters laid end to end for
// the step BeginStep started, with part's scratch space (see SplitStepper).
func (o *Adadelta[T]) StepRange(part, lo, hi int) {
	for p := range o.spans(part, lo, hi) {
		group := o.groups.of[p.i]
		s := &o.state[p.i]
		sq, acc := s.square[p.a:], s.delta[p.a:]
		for l, d := range o.l2.blocks(part, group, p.w, p.g) {
			h := l + len(d)
			o.update(p.w[l:h], d, sq[l:h], acc[l:h], -o.groups.lr[group])
		}
	}
}

// update makes the step for the elements w with (L2-decayed) gradient g,
// running averages sq of g² and acc of the squared steps, at rate −lr,
// each operation rounded to T (no fused multiply-add).
func (o *Adadelta[T]) update(w, g, sq, acc []T, negLR T) {
	rho, c, eps := o.rho, o.oneMinusRho, o.eps
	g, sq, acc = g[:len(w)], sq[:len(w)], acc[:len(w)]
	for k, gk := range g {
		sq[k] = T(sq[k]*rho) + T(T(c*gk)*gk)
		d := T(sqrt(acc[k]+eps)/sqrt(sq[k]+eps)) * gk
		acc[k] = T(acc[k]*rho) + T(T(c*d)*d)
		w[k] += T(negLR * d)
	}
}

func (o *Adadelta[T]) stateLayout() ([]string, bool) {
	return []string{"square_avg", "acc_delta"}, false
}

func (o *Adadelta[T]) stateOf(i int) ([][]T, int) {
	s := &o.state[i]
	if !s.started {
		return nil, 0
	}
	return [][]T{s.square, s.delta}, 0
}

func (o *Adadelta[T]) setState(i int, bufs [][]T, _ int) {
	s := adadeltaState[T]{}
	if bufs != nil {
		s = adadeltaState[T]{square: bufs[0], delta: bufs[1], started: true}
	}
	o.state[i] = s
}
