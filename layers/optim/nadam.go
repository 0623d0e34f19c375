package optim

import (
	"math"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// NAdam is Adam with Nesterov momentum, as torch.optim.NAdam (Dozat, 2016).
// With gradient g, learning rate lr, betas β₁ and β₂, ε, weight decay λ,
// momentum decay ψ and t the parameter's own step count (1 on its first
// step), each step is
//
//	g   = g + λ·W                          (L2 weight decay, if λ > 0)
//	μₜ  = β₁·(1 − ½·0.96^(t·ψ))             (and μₜ₊₁ likewise)
//	Πₜ  = Πₜ₋₁·μₜ                           (Π₀ = 1, kept in float64)
//	m   = β₁·m + (1−β₁)·g
//	v   = β₂·v + (1−β₂)·g²
//	d   = √(v/(1−β₂ᵗ)) + ε
//	W   = W − lr·(1−μₜ)/(1−Πₜ) · g/d
//	W   = W − lr·μₜ₊₁/(1−Πₜ·μₜ·μₜ₊₁) · m/d
//
// with m and v starting at zero, in the order of torch's operations (the
// two updates of W are rounded one after the other). Note the last
// denominator: Πₜ already holds μₜ, which torch 1.13 multiplies in once
// more; so does NAdam here, to give torch's numbers. The product Π is
// kept per parameter in float64 whatever T is (torch keeps its mu_product
// in a tensor of the default dtype, float32 unless set otherwise: a
// float32 run can differ from torch's in the last bits), and is saved by
// SaveState.
type NAdam[T tensor.Float] struct {
	momentsCore[T]
	momentumDecay float64     // ψ
	rules         []nadamRule // each parameter's coefficients at this step, set by BeginStep
}

// nadamRule is the NAdam update of one parameter at one step.
type nadamRule struct {
	bc2         float64 // 1 − β₂ᵗ
	gain, mgain float64 // −lr·(1−μₜ)/(1−Πₜ) and −lr·μₜ₊₁/(1−Πₜ·μₜ·μₜ₊₁)
}

// MomentumDecayOption sets NAdam's momentum decay ψ.
type MomentumDecayOption struct{ psi float64 }

// MomentumDecay sets NAdam's momentum decay ψ, which makes the momentum
// coefficient μₜ = β₁·(1 − ½·0.96^(t·ψ)) grow towards β₁ (default 4e-3,
// torch's momentum_decay). It must be finite and non-negative.
func MomentumDecay(psi float64) MomentumDecayOption { return MomentumDecayOption{psi} }

func (o MomentumDecayOption) applyNAdam(c *momentsConfig) { c.momentumDecay = o.psi }

// NewNAdam returns a NAdam optimizer over params with learning rate lr
// (torch's default is 2e-3). It returns an error for a negative, NaN or
// infinite learning rate, ε, weight decay or momentum decay (also once
// converted to T), a beta outside [0, 1), a parameter that is nil, not a
// trainable leaf, or listed twice, and a ParamGroup that does not fit (see
// ParamGroup).
func NewNAdam[T tensor.Float](params []*autograd.Var[T], lr float64, opts ...NAdamOption) (*NAdam[T], error) {
	c := momentsConfig{beta1: 0.9, beta2: 0.999, eps: 1e-8, momentumDecay: 4e-3}
	for _, opt := range opts {
		opt.applyNAdam(&c)
	}
	o := &NAdam[T]{}
	if err := o.setup("NAdam", params, lr, c); err != nil {
		return nil, err
	}
	if err := checkHyper[T]("NewNAdam", "momentum decay", c.momentumDecay); err != nil {
		return nil, err
	}
	o.momentumDecay = c.momentumDecay
	o.rules = make([]nadamRule, len(o.params))
	return o, nil
}

// Step updates every parameter in place from its accumulated gradient. A
// parameter with no gradient yet (nil Grad) is skipped: its step count,
// moments and product of momentum coefficients do not advance. A NaN or
// infinite gradient is handled by the NonFinitePolicy (default: applied,
// as in torch); Step returns an error only under ErrorNonFinite.
func (o *NAdam[T]) Step() error { return o.step(o) }

// BeginStep starts a step made in parts (see SplitStepper): Step is
// BeginStep, with finite whether every gradient is finite, and StepRange
// over all the elements. A parameter's moments are allocated here at its
// first gradient, its step count and product of momentum coefficients
// advanced and its update's numbers worked out.
func (o *NAdam[T]) BeginStep(finite bool, parts int) (bool, error) {
	if ok, err := o.begin(finite, parts); !ok {
		return false, err
	}
	o.l2.ensure(parts)
	for i, g := range o.parts.grads {
		if g == nil {
			continue
		}
		s := o.advance(i, g.Len())
		t, lr := float64(s.step), o.lrOf(i)
		// torch's expressions, evaluated in the same order.
		mu := o.beta1 * (1. - 0.5*math.Pow(0.96, t*o.momentumDecay))
		muNext := o.beta1 * (1. - 0.5*math.Pow(0.96, (t+1)*o.momentumDecay))
		s.muProduct *= mu
		muProductNext := s.muProduct * mu * muNext
		o.rules[i] = nadamRule{
			bc2:   1 - math.Pow(o.beta2, t),
			gain:  -lr * (1. - mu) / (1. - s.muProduct),
			mgain: -lr * muNext / (1. - muProductNext),
		}
	}
	return true, nil
}

// StepRange updates elements [lo, hi) of the parameters laid end to end for
// the step BeginStep started, with part's scratch space (see SplitStepper).
func (o *NAdam[T]) StepRange(part, lo, hi int) {
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
// v, each product rounded to T (no fused multiply-add).
func (o *NAdam[T]) update(w, g, m, v []T, r *nadamRule) {
	b1, b2, c1, c2, eps := o.b1, o.b2, o.c1, o.c2, o.eps
	bc2, gain, mgain := T(r.bc2), T(r.gain), T(r.mgain)
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for k, gk := range g {
		m[k] = T(m[k]*b1) + T(c1*gk)
		v[k] = T(v[k]*b2) + T(T(c2*gk)*gk)
		d := sqrt(v[k]/bc2) + eps
		w[k] += T(gain*gk) / d
		w[k] += T(mgain*m[k]) / d
	}
}

func (o *NAdam[T]) stateLayout() ([]string, bool) { return []string{"exp_avg", "exp_avg_sq"}, true }

func (o *NAdam[T]) stateScalars() []string { return []string{"mu_product"} }

func (o *NAdam[T]) scalarsOf(i int) []float64 { return []float64{o.state[i].muProduct} }

func (o *NAdam[T]) setScalars(i int, v []float64) { o.state[i].muProduct = v[0] }
