package optim

import (
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// SGD is stochastic gradient descent as in torch.optim.SGD. With gradient g,
// weight decay λ, momentum μ, dampening τ and learning rate lr, each step is
//
//	d = g + λ·W
//	v = d                    on a parameter's first step (momentum only)
//	v = μ·v + (1−τ)·d        afterwards
//	d = d + μ·v              with Nesterov momentum, else d = v
//	W = W − lr·d
//
// and with μ = 0 simply W = W − lr·(g + λ·W).
type SGD[T tensor.Float] struct {
	base[T]
	momentum, keep T // keep is 1 − dampening
	l2             l2Decay[T]
	nesterov       bool
	velocity       [][]T  // per parameter, from its first gradient (momentum only)
	first          []bool // per parameter: this step is its first with momentum (set by BeginStep)
}

type sgdConfig struct {
	momentum, dampening, weightDecay float64
	nesterov, maximize               bool
	nonFinite                        NonFinitePolicy
	groups                           []groupSpec
}

// Dampening sets τ, which scales the gradient added to the momentum buffer
// by 1 − τ after the first step (default 0). It must be finite and
// non-negative, and 0 with Nesterov momentum.
func Dampening(tau float64) SGDOption {
	return sgdOptionFunc(func(c *sgdConfig) { c.dampening = tau })
}

// Nesterov turns on Nesterov momentum, which steps along g + μ·v instead of
// v. It needs a momentum above 0 and no dampening.
func Nesterov() SGDOption {
	return sgdOptionFunc(func(c *sgdConfig) { c.nesterov = true })
}

// NewSGD returns an SGD optimizer over params with learning rate lr. It
// returns an error for a negative, infinite or NaN learning rate, momentum,
// dampening or weight decay (also once converted to T), for Nesterov
// without momentum or with dampening, for a parameter that is nil, not a
// trainable leaf, or listed twice, and for a ParamGroup that does not fit
// (see ParamGroup).
func NewSGD[T tensor.Float](params []*autograd.Var[T], lr float64, opts ...SGDOption) (*SGD[T], error) {
	const op = "NewSGD"
	var c sgdConfig
	for _, o := range opts {
		o.applySGD(&c)
	}
	o := &SGD[T]{}
	if err := o.init("SGD", params, lr, c.nonFinite, c.weightDecay, c.groups); err != nil {
		return nil, err
	}
	for _, h := range []struct {
		name string
		v    float64
	}{{"momentum", c.momentum}, {"dampening", c.dampening}, {"weight decay", c.weightDecay}} {
		if err := checkHyper[T](op, h.name, h.v); err != nil {
			return nil, err
		}
	}
	if c.nesterov && (c.momentum == 0 || c.dampening != 0) {
		return nil, fmt.Errorf("optim: %s: Nesterov momentum needs a momentum above 0 and zero dampening, got momentum %g, dampening %g", op, c.momentum, c.dampening)
	}
	o.momentum, o.keep, o.l2 = T(c.momentum), T(1-c.dampening), newL2Decay[T](o.groups.wd)
	o.l2.maximize(c.maximize)
	o.nesterov = c.nesterov
	if c.momentum != 0 {
		o.velocity = make([][]T, len(o.params))
	}
	o.first = make([]bool, len(o.params))
	return o, nil
}

// Step updates every parameter in place from its accumulated gradient. A
// parameter with no gradient yet (nil Grad) is skipped, and its momentum
// buffer starts at its own first gradient. A NaN or infinite gradient is
// handled by the NonFinitePolicy (default: applied, as in torch); Step
// returns an error only under ErrorNonFinite.
func (o *SGD[T]) Step() error { return o.step(o) }

// BeginStep starts a step made in parts (see SplitStepper): Step is
// BeginStep, with finite whether every gradient is finite, and StepRange
// over all the elements. With momentum, a parameter's buffer is allocated
// here at its first gradient.
func (o *SGD[T]) BeginStep(finite bool, parts int) (bool, error) {
	if ok, err := o.begin(finite, parts); !ok {
		return false, err
	}
	o.l2.ensure(parts)
	if o.velocity == nil { // no momentum (one that rounds to 0 in T still keeps a buffer, as in torch)
		return true, nil
	}
	for i, g := range o.parts.grads {
		o.first[i] = g != nil && o.velocity[i] == nil
		if o.first[i] {
			o.velocity[i] = make([]T, g.Len())
		}
	}
	return true, nil
}

// StepRange updates elements [lo, hi) of the parameters laid end to end for
// the step BeginStep started, with part's scratch space (see SplitStepper).
func (o *SGD[T]) StepRange(part, lo, hi int) {
	for p := range o.spans(part, lo, hi) {
		w, group := p.w, o.groups.of[p.i]
		lr := o.groups.lr[group]
		if o.velocity == nil {
			for l, d := range o.l2.blocks(part, group, w, p.g) {
				descend(w[l:l+len(d)], d, -lr)
			}
			continue
		}
		v := o.velocity[p.i][p.a:][:len(w)]
		for l, d := range o.l2.blocks(part, group, w, p.g) {
			h := l + len(d)
			if o.first[p.i] {
				o.firstMomentum(w[l:h], d, v[l:h], lr)
			} else {
				o.stepMomentum(w[l:h], d, v[l:h], lr)
			}
		}
	}
}

// descend makes the plain step w = w + a·d, with a = −lr.
func descend[T tensor.Float](w, d []T, a T) {
	d = d[:len(w)]
	for k, dk := range d {
		w[k] += T(a * dk)
	}
}

// firstMomentum makes a parameter's first momentum step with the (decayed)
// gradient d at rate lr: the buffer v starts at d, so the Nesterov step is
// d + μ·d.
func (o *SGD[T]) firstMomentum(w, d, v []T, lr T) {
	copy(v, d)
	if !o.nesterov {
		descend(w, d, -lr)
		return
	}
	mu := o.momentum
	d = d[:len(w)]
	for k, dk := range d {
		w[k] += T(-lr * (dk + T(mu*dk)))
	}
}

// stepMomentum makes a momentum step after the first with the (decayed)
// gradient d and the buffer v, at rate lr.
func (o *SGD[T]) stepMomentum(w, d, v []T, lr T) {
	mu, keep := o.momentum, o.keep
	d, v = d[:len(w)], v[:len(w)]
	if !o.nesterov {
		tensor.MomentumStep(w, v, d, -lr, mu, keep)
		return
	}
	for k, dk := range d {
		v[k] = T(v[k]*mu) + T(keep*dk)
		w[k] += T(-lr * (dk + T(mu*v[k])))
	}
}
