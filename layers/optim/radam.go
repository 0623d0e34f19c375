package optim

import (
	"math"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// RAdam is rectified Adam, as torch.optim.RAdam (Liu et al., 2020): while
// too few gradients have been averaged for the variance estimate to be
// trusted, it steps with the bias-corrected momentum alone, then with
// Adam's step scaled by a rectification term. With gradient g, learning
// rate lr, betas β₁ and β₂, ε, weight decay λ and t the parameter's own
// step count (1 on its first step), each step is
//
//	g  = g + λ·W                          (L2 weight decay, if λ > 0)
//	m  = β₁·m + (1−β₁)·g
//	v  = β₂·v + (1−β₂)·g²
//	m̂  = m/(1−β₁ᵗ)
//	ρ∞ = 2/(1−β₂) − 1,  ρₜ = ρ∞ − 2t·β₂ᵗ/(1−β₂ᵗ)
//	W  = W − m̂·lr·√(1−β₂ᵗ)/(√v + ε)·r     if ρₜ > 5, where
//	     r = √((ρₜ−4)(ρₜ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρₜ))
//	W  = W − m̂·lr                         otherwise
//
// with m and v starting at zero, in the order of torch's operations. With
// the default β₂ = 0.999, ρₜ first exceeds 5 at t = 6.
type RAdam[T tensor.Float] struct {
	momentsCore[T]
	rules []radamRule[T] // each parameter's coefficients at this step, set by BeginStep
}

// radamRule is the RAdam update of one parameter at one step.
type radamRule[T tensor.Float] struct {
	bc1, lr      T    // 1 − β₁ᵗ and the parameter's learning rate
	sqrtBC2, rec T    // √(1−β₂ᵗ) and r, when rectified
	rectified    bool // ρₜ > 5
}

// RAdamOption configures NewRAdam: Betas, Eps, WeightDecay, NonFinite,
// Maximize and ParamGroup.
type RAdamOption interface{ applyRAdam(*momentsConfig) }

func (o BetasOption) applyRAdam(c *momentsConfig)       { c.beta1, c.beta2 = o.beta1, o.beta2 }
func (o EpsOption) applyRAdam(c *momentsConfig)         { c.eps = o.eps }
func (o WeightDecayOption) applyRAdam(c *momentsConfig) { c.weightDecay = o.wd }
func (o NonFiniteOption) applyRAdam(c *momentsConfig)   { c.nonFinite = o.p }
func (g ParamGroupOption[T]) applyRAdam(c *momentsConfig) {
	c.groups = append(c.groups, g.spec())
}

// NewRAdam returns a RAdam optimizer over params with learning rate lr
// (torch's default is 1e-3). It returns an error for a negative, NaN or
// infinite learning rate, ε or weight decay (also once converted to T), a
// beta outside [0, 1), a parameter that is nil, not a trainable leaf, or
// listed twice, and a ParamGroup that does not fit (see ParamGroup).
func NewRAdam[T tensor.Float](params []*autograd.Var[T], lr float64, opts ...RAdamOption) (*RAdam[T], error) {
	c := momentsConfig{beta1: 0.9, beta2: 0.999, eps: 1e-8}
	for _, opt := range opts {
		opt.applyRAdam(&c)
	}
	o := &RAdam[T]{}
	if err := o.setup("RAdam", params, lr, c); err != nil {
		return nil, err
	}
	o.rules = make([]radamRule[T], len(o.params))
	return o, nil
}

// Step updates every parameter in place from its accumulated gradient. A
// parameter with no gradient yet (nil Grad) is skipped: its step count and
// moments do not advance. A NaN or infinite gradient is handled by the
// NonFinitePolicy (default: applied, as in torch); Step returns an error
// only under ErrorNonFinite.
func (o *RAdam[T]) Step() error { return o.step(o) }

// BeginStep starts a step made in parts (see SplitStepper): Step is
// BeginStep, with finite whether every gradient is finite, and StepRange
// over all the elements. A parameter's moments are allocated here at its
// first gradient, its step count advanced and its update's numbers (the
// rectification among them) worked out.
func (o *RAdam[T]) BeginStep(finite bool, parts int) (bool, error) {
	if ok, err := o.begin(finite, parts); !ok {
		return false, err
	}
	o.l2.ensure(parts)
	for i, g := range o.parts.grads {
		if g == nil {
			continue
		}
		s := o.advance(i, g.Len())
		t := float64(s.step)
		// torch's expressions, evaluated in the same order.
		bc1 := 1 - math.Pow(o.beta1, t)
		bc2 := 1 - math.Pow(o.beta2, t)
		rhoInf := 2/(1-o.beta2) - 1
		rhoT := rhoInf - 2*t*math.Pow(o.beta2, t)/bc2
		r := radamRule[T]{bc1: T(bc1), lr: T(o.lrOf(i))}
		if rhoT > 5. {
			rect := math.Sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT))
			r.sqrtBC2, r.rec, r.rectified = T(math.Sqrt(bc2)), T(rect), true
		}
		o.rules[i] = r
	}
	return true, nil
}

// StepRange updates elements [lo, hi) of the parameters laid end to end for
// the step BeginStep started, with part's scratch space (see SplitStepper).
func (o *RAdam[T]) StepRange(part, lo, hi int) {
	for p := range o.spans(part, lo, hi) {
		s, r := &o.state[p.i], &o.rules[p.i]
		m, v := s.m[p.a:], s.v[p.a:]
		for l, d := range o.l2.blocks(part, o.groups.of[p.i], p.w, p.g) {
			h := l + len(d)
			o.update(p.w[l:h], d, m[l:h], v[l:h], r)
		}
	}
}

// update makes the step r with (L2-decayed) gradient g and moments m and
// v, each operation rounded to T (no fused multiply-add). As torch
// computes √(1−β₂ᵗ)/(√v + ε) as the reciprocal of the denominator times
// the numerator, so does update.
func (o *RAdam[T]) update(w, g, m, v []T, r *radamRule[T]) {
	b1, b2, c1, c2, eps := o.b1, o.b2, o.c1, o.c2, o.eps
	bc1, lr, sqrtBC2, rect := r.bc1, r.lr, r.sqrtBC2, r.rec
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	if !r.rectified {
		for k, gk := range g {
			m[k] = T(m[k]*b1) + T(c1*gk)
			v[k] = T(v[k]*b2) + T(T(c2*gk)*gk)
			w[k] -= T(m[k]/bc1) * lr
		}
		return
	}
	for k, gk := range g {
		m[k] = T(m[k]*b1) + T(c1*gk)
		v[k] = T(v[k]*b2) + T(T(c2*gk)*gk)
		adaptive := T(1/(sqrt(v[k])+eps)) * sqrtBC2
		w[k] -= T(T(T(m[k]/bc1)*lr)*adaptive) * rect
	}
}

func (o *RAdam[T]) stateLayout() ([]string, bool) { return []string{"exp_avg", "exp_avg_sq"}, true }
