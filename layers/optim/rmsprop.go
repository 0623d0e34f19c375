package optim

import (
	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// RMSProp is the RMSProp optimizer of torch.optim.RMSprop (Hinton's lecture
// notes; the centered form is Graves, 2013). With gradient g, learning rate
// lr, smoothing constant α, ε, momentum μ and weight decay λ, each step is
//
//	g = g + λ·W                    (L2 weight decay, if λ > 0)
//	s = α·s + (1−α)·g²
//	a = α·a + (1−α)·g              (centered only)
//	d = √(s − a²) + ε              centered, else d = √s + ε
//	b = μ·b + g/d,  W = W − lr·b   with momentum (μ > 0)
//	W = W − lr·g/d                 without
//
// with s, a and b starting at zero. As in torch, ε is added outside the
// square root.
type RMSProp[T tensor.Float] struct {
	base[T]
	alpha, oneMinusAlpha, eps, momentum T
	l2                                  l2Decay[T]
	centered                            bool
	hasMomentum                         bool // momentum > 0 as given: a buffer even when it rounds to 0 in T, as in torch
	state                               []rmspropState[T]
}

// rmspropState is one parameter's state, allocated at its first gradient.
type rmspropState[T tensor.Float] struct {
	square, mean, buf []T // mean only when centered, buf only with momentum
	started           bool
}

type rmspropConfig struct {
	alpha, eps, momentum, weightDecay float64
	centered, maximize                bool
	nonFinite                         NonFinitePolicy
	groups                            []groupSpec
}

// Alpha sets RMSProp's smoothing constant α, the decay rate of the running
// mean of g² (default 0.99). It must be in [0, 1).
func Alpha(alpha float64) RMSPropOption {
	return rmspropOptionFunc(func(c *rmspropConfig) { c.alpha = alpha })
}

// Centered makes RMSProp normalize by an estimate of the gradient's variance,
// s − a², instead of its uncentered second moment s.
func Centered() RMSPropOption {
	return rmspropOptionFunc(func(c *rmspropConfig) { c.centered = true })
}

// NewRMSProp returns an RMSProp optimizer over params with learning rate lr
// (torch's default is 1e-2). It returns an error for a negative, NaN or
// infinite learning rate, ε, momentum or weight decay (also once converted
// to T), an α outside [0, 1), a parameter that is nil, not a trainable
// leaf, or listed twice, and a ParamGroup that does not fit (see
// ParamGroup).
func NewRMSProp[T tensor.Float](params []*autograd.Var[T], lr float64, opts ...RMSPropOption) (*RMSProp[T], error) {
	const op = "NewRMSProp"
	c := rmspropConfig{alpha: 0.99, eps: 1e-8}
	for _, opt := range opts {
		opt.applyRMSProp(&c)
	}
	o := &RMSProp[T]{}
	if err := o.init("RMSProp", params, lr, c.nonFinite, c.weightDecay, c.groups); err != nil {
		return nil, err
	}
	if err := checkUnit(op, "alpha", c.alpha); err != nil {
		return nil, err
	}
	for _, h := range []struct {
		name string
		v    float64
	}{{"eps", c.eps}, {"momentum", c.momentum}, {"weight decay", c.weightDecay}} {
		if err := checkHyper[T](op, h.name, h.v); err != nil {
			return nil, err
		}
	}
	o.alpha, o.oneMinusAlpha, o.eps = T(c.alpha), T(1-c.alpha), T(c.eps)
	o.momentum, o.l2, o.centered = T(c.momentum), newL2Decay[T](o.groups.wd), c.centered
	o.hasMomentum = c.momentum > 0
	o.l2.maximize(c.maximize)
	o.state = make([]rmspropState[T], len(o.params))
	return o, nil
}

// Step updates every parameter in place from its accumulated gradient. A
// parameter with no gradient yet (nil Grad) is skipped and its running
// averages do not advance. A NaN or infinite gradient is handled by the
// NonFinitePolicy (default: applied, as in torch); Step returns an error
// only under ErrorNonFinite.
func (o *RMSProp[T]) Step() error { return o.step(o) }

// BeginStep starts a step made in parts (see SplitStepper): Step is
// BeginStep, with finite whether every gradient is finite, and StepRange
// over all the elements. A parameter's state is allocated here at its
// first gradient.
func (o *RMSProp[T]) BeginStep(finite bool, parts int) (bool, error) {
	if ok, err := o.begin(finite, parts); !ok {
		return false, err
	}
	o.l2.ensure(parts)
	for i, g := range o.parts.grads {
		s := &o.state[i]
		if g == nil || s.started {
			continue
		}
		n := g.Len()
		s.square = make([]T, n)
		if o.centered {
			s.mean = make([]T, n)
		}
		if o.hasMomentum {
			s.buf = make([]T, n)
		}
		s.started = true
	}
	return true, nil
}

// StepRange updates elements [lo, hi) of the parameters laid end to end for
// the step BeginStep started, with part's scratch space (see SplitStepper).
func (o *RMSProp[T]) StepRange(part, lo, hi int) {
	for p := range o.spans(part, lo, hi) {
		group := o.groups.of[p.i]
		lr := o.groups.lr[group]
		for l, d := range o.l2.blocks(part, group, p.w, p.g) {
			o.update(p.w[l:l+len(d)], d, &o.state[p.i], p.a+l, lr)
		}
	}
}

// update makes the step for the elements w of a parameter from lo on, with
// (L2-decayed) gradient g, the parameter's state s and rate lr. It picks one
// loop by whether RMSProp is centered and has momentum.
func (o *RMSProp[T]) update(w, g []T, s *rmspropState[T], lo int, lr T) {
	alpha, c, eps, mu := o.alpha, o.oneMinusAlpha, o.eps, o.momentum
	g, sq := g[:len(w)], s.square[lo:][:len(w)]
	switch {
	case s.mean == nil && s.buf == nil:
		for k, gk := range g {
			sq[k] = T(sq[k]*alpha) + T(T(c*gk)*gk)
			w[k] += -lr * gk / (sqrt(sq[k]) + eps)
		}
	case s.mean == nil:
		buf := s.buf[lo:][:len(w)]
		for k, gk := range g {
			sq[k] = T(sq[k]*alpha) + T(T(c*gk)*gk)
			buf[k] = T(buf[k]*mu) + gk/(sqrt(sq[k])+eps)
			w[k] += T(-lr * buf[k])
		}
	case s.buf == nil:
		mean := s.mean[lo:][:len(w)]
		for k, gk := range g {
			sq[k] = T(sq[k]*alpha) + T(T(c*gk)*gk)
			mean[k] = T(mean[k]*alpha) + T(c*gk)
			w[k] += -lr * gk / (sqrt(sq[k]-T(mean[k]*mean[k])) + eps)
		}
	default:
		mean, buf := s.mean[lo:][:len(w)], s.buf[lo:][:len(w)]
		for k, gk := range g {
			sq[k] = T(sq[k]*alpha) + T(T(c*gk)*gk)
			mean[k] = T(mean[k]*alpha) + T(c*gk)
			buf[k] = T(buf[k]*mu) + gk/(sqrt(sq[k]-T(mean[k]*mean[k]))+eps)
			w[k] += T(-lr * buf[k])
		}
	}
}
