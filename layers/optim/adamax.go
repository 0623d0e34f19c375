package optim

import (
	"math"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Adamax is the infinity-norm variant of Adam, as torch.optim.Adamax
// (Kingma and Ba, 2015, section 7.1): the second moment is replaced by an
// exponentially weighted maximum of |g|. With gradient g, learning rate lr,
// betas β₁ and β₂, ε, weight decay λ and t the parameter's own step count
// (1 on its first step), each step is
//
//	g = g + λ·W                     (L2 weight decay, if λ > 0)
//	m = β₁·m + (1−β₁)·g
//	u = max(β₂·u, |g| + ε)
//	W = W − lr/(1−β₁ᵗ) · m/u
//
// with m and u starting at zero. Note where ε sits: inside the maximum, as
// in torch, so that u > 0 once ε > 0. A NaN gradient makes u NaN, as
// torch.amax does.
type Adamax[T tensor.Float] struct {
	momentsCore[T]
	clr []T // each parameter's lr/(1−β₁ᵗ) at this step, set by BeginStep
}

// AdamaxOption configures NewAdamax: Betas, Eps, WeightDecay, NonFinite,
// Maximize and ParamGroup.
type AdamaxOption interface{ applyAdamax(*momentsConfig) }

func (o BetasOption) applyAdamax(c *momentsConfig)       { c.beta1, c.beta2 = o.beta1, o.beta2 }
func (o EpsOption) applyAdamax(c *momentsConfig)         { c.eps = o.eps }
func (o WeightDecayOption) applyAdamax(c *momentsConfig) { c.weightDecay = o.wd }
func (o NonFiniteOption) applyAdamax(c *momentsConfig)   { c.nonFinite = o.p }
func (g ParamGroupOption[T]) applyAdamax(c *momentsConfig) {
	c.groups = append(c.groups, g.spec())
}

// NewAdamax returns an Adamax optimizer over params with learning rate lr
// (torch's default is 2e-3). It returns an error for a negative, NaN or
// infinite learning rate, ε or weight decay (also once converted to T), a
// beta outside [0, 1), a parameter that is nil, not a trainable leaf, or
// listed twice, and a ParamGroup that does not fit (see ParamGroup).
func NewAdamax[T tensor.Float](params []*autograd.Var[T], lr float64, opts ...AdamaxOption) (*Adamax[T], error) {
	c := momentsConfig{beta1: 0.9, beta2: 0.999, eps: 1e-8}
	for _, opt := range opts {
		opt.applyAdamax(&c)
	}
	o := &Adamax[T]{}
	if err := o.setup("Adamax", params, lr, c); err != nil {
		return nil, err
	}
	o.clr = make([]T, len(o.params))
	return o, nil
}

// Step updates every parameter in place from its accumulated gradient. A
// parameter with no gradient yet (nil Grad) is skipped: its step count,
// mean and infinity norm do not advance. A NaN or infinite gradient is
// handled by the NonFinitePolicy (default: applied, as in torch); Step
// returns an error only under ErrorNonFinite.
func (o *Adamax[T]) Step() error { return o.step(o) }

// BeginStep starts a step made in parts (see SplitStepper): Step is
// BeginStep, with finite whether every gradient is finite, and StepRange
// over all the elements. A parameter's state is allocated here at its
// first gradient, its step count advanced and its rate worked out.
func (o *Adamax[T]) BeginStep(finite bool, parts int) (bool, error) {
	if ok, err := o.begin(finite, parts); !ok {
		return false, err
	}
	o.l2.ensure(parts)
	for i, g := range o.parts.grads {
		if g == nil {
			continue
		}
		s := o.advance(i, g.Len())
		o.clr[i] = T(o.lrOf(i) / (1 - math.Pow(o.beta1, float64(s.step))))
	}
	return true, nil
}

// StepRange updates elements [lo, hi) of the parameters laid end to end for
// the step BeginStep started, with part's scratch space (see SplitStepper).
func (o *Adamax[T]) StepRange(part, lo, hi int) {
	for p := range o.spans(part, lo, hi) {
		s := &o.state[p.i]
		m, u := s.m[p.a:], s.v[p.a:]
		for l, d := range o.l2.blocks(part, o.groups.of[p.i], p.w, p.g) {
			h := l + len(d)
			o.update(p.w[l:h], d, m[l:h], u[l:h], -o.clr[p.i])
		}
	}
}

// update makes the step with (L2-decayed) gradient g, mean m and infinity
// norm u at rate −clr, in the order of torch's kernels (addcdiv's
// (value·m)/u), each operation rounded to T (no fused multiply-add).
func (o *Adamax[T]) update(w, g, m, u []T, negClr T) {
	b1, b2, c1, eps := o.b1, o.b2, o.c1, o.eps
	g, m, u = g[:len(w)], m[:len(w)], u[:len(w)]
	for k, gk := range g {
		m[k] = T(m[k]*b1) + T(c1*gk)
		u[k] = max(T(u[k]*b2), abs(gk)+eps)
		w[k] += T(negClr*m[k]) / u[k]
	}
}

// abs is |x| in T (+0 for −0, NaN for NaN).
func abs[T tensor.Float](x T) T { return T(math.Abs(float64(x))) }

func (o *Adamax[T]) stateLayout() ([]string, bool) { return []string{"exp_avg", "exp_inf"}, true }
