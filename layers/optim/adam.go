package optim

import (
	"math"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Adam is the Adam optimizer of torch.optim.Adam (Kingma and Ba, 2015). With
// gradient g, learning rate lr, betas β₁ and β₂, ε, weight decay λ and t the
// parameter's own step count (1 on its first step), each step is
//
//	g  = g + λ·W                        (L2 weight decay, if λ > 0)
//	m  = β₁·m + (1−β₁)·g
//	v  = β₂·v + (1−β₂)·g²
//	v̂  = max(v̂, v)                      (AMSGrad only; then v̂ replaces v below)
//	W  = W − lr/(1−β₁ᵗ) · m / (√v / √(1−β₂ᵗ) + ε)
//
// with m, v and v̂ starting at zero. Note where ε sits: outside the square
// root and after the bias correction of v, as in torch.
type Adam[T tensor.Float] struct {
	adamCore[T]
}

// AdamW is Adam with decoupled weight decay (Loshchilov and Hutter, 2019),
// as torch.optim.AdamW: instead of adding λ·W to the gradient, each step
// first shrinks the parameter, W = W·(1 − lr·λ), then makes the Adam update
// with the plain gradient. λ defaults to 0.01. A parameter without a
// gradient is not decayed either, and the decay follows the learning rate
// set with SetLR.
type AdamW[T tensor.Float] struct {
	adamCore[T]
}

type adamConfig struct {
	beta1, beta2, eps, weightDecay float64
	amsgrad, maximize              bool
	nonFinite                      NonFinitePolicy
	groups                         []groupSpec
}

// AMSGrad turns on the AMSGrad variant (Reddi et al., 2018), which divides
// by the running maximum of v instead of v itself.
func AMSGrad() AdamOption {
	return adamOptionFunc(func(c *adamConfig) { c.amsgrad = true })
}

// NewAdam returns an Adam optimizer over params with learning rate lr
// (torch's default is 1e-3). It returns an error for a negative, NaN or
// infinite learning rate, ε or weight decay (also once converted to T), a
// beta outside [0, 1), a parameter that is nil, not a trainable leaf, or
// listed twice, and a ParamGroup that does not fit (see ParamGroup).
func NewAdam[T tensor.Float](params []*autograd.Var[T], lr float64, opts ...AdamOption) (*Adam[T], error) {
	o := &Adam[T]{}
	if err := o.setup("Adam", params, lr, 0, false, opts); err != nil {
		return nil, err
	}
	return o, nil
}

// NewAdamW returns an AdamW optimizer over params with learning rate lr
// (torch's default is 1e-3) and, unless WeightDecay says otherwise, weight
// decay 0.01. It returns an error in the cases NewAdam does.
func NewAdamW[T tensor.Float](params []*autograd.Var[T], lr float64, opts ...AdamOption) (*AdamW[T], error) {
	o := &AdamW[T]{}
	if err := o.setup("AdamW", params, lr, 0.01, true, opts); err != nil {
		return nil, err
	}
	return o, nil
}

// adamCore is the state and update shared by Adam and AdamW.
type adamCore[T tensor.Float] struct {
	base[T]
	beta1, beta2 float64     // for the bias corrections, computed in float64 as torch does
	rule         adamRule[T] // its per-step fields are set by step
	l2           l2Decay[T]  // Adam's; 0 for every group of AdamW
	decoupled    bool        // AdamW: the groups' λ shrink W by 1 − lr·λ
	amsgrad      bool
	state        []adamState[T]
	rules        []adamRule[T] // each parameter's update at this step, set by BeginStep
}

// adamState is one parameter's state, allocated at its first gradient.
type adamState[T tensor.Float] struct {
	step    int
	m, v    []T
	maxV    []T // AMSGrad only
	started bool
}

// setup is NewAdam (name "Adam") and NewAdamW ("AdamW", decoupled, with
// weight decay wd unless an option sets it).
func (o *adamCore[T]) setup(name string, params []*autograd.Var[T], lr, wd float64, decoupled bool, opts []AdamOption) error {
	op := "New" + name
	c := adamConfig{beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: wd}
	for _, opt := range opts {
		opt.applyAdam(&c)
	}
	if err := o.init(name, params, lr, c.nonFinite, c.weightDecay, c.groups); err != nil {
		return err
	}
	if err := checkUnit(op, "beta1", c.beta1); err != nil {
		return err
	}
	if err := checkUnit(op, "beta2", c.beta2); err != nil {
		return err
	}
	if err := checkHyper[T](op, "eps", c.eps); err != nil {
		return err
	}
	if err := checkHyper[T](op, "weight decay", c.weightDecay); err != nil {
		return err
	}
	o.beta1, o.beta2 = c.beta1, c.beta2
	o.rule = adamRule[T]{b1: T(c.beta1), b2: T(c.beta2), c1: T(1 - c.beta1), c2: T(1 - c.beta2), eps: T(c.eps)}
	o.amsgrad = c.amsgrad
	o.state = make([]adamState[T], len(o.params))
	o.rules = make([]adamRule[T], len(o.params))
	o.decoupled = decoupled
	if decoupled {
		o.l2 = newL2Decay[T](make([]float64, len(o.groups.wd)))
	} else {
		o.l2 = newL2Decay[T](o.groups.wd)
	}
	o.l2.maximize(c.maximize)
	return nil
}

// Step updates every parameter in place from its accumulated gradient. A
// parameter with no gradient yet (nil Grad) is skipped: its step count and
// moments do not advance (nor, for AdamW, does its decay apply). A NaN or
// infinite gradient is handled by the NonFinitePolicy (default: applied,
// as in torch); Step returns an error only under ErrorNonFinite.
func (o *adamCore[T]) Step() error { return o.step(o) }

// BeginStep starts a step made in parts (see SplitStepper): Step is
// BeginStep, with finite whether every gradient is finite, and StepRange
// over all the elements. A parameter's moments are allocated here at its
// first gradient, its step count advanced and its update's numbers worked
// out.
func (o *adamCore[T]) BeginStep(finite bool, parts int) (bool, error) {
	if ok, err := o.begin(finite, parts); !ok {
		return false, err
	}
	o.l2.ensure(parts)
	for i, g := range o.parts.grads {
		if g == nil {
			continue
		}
		group := o.groups.of[i]
		lr, wd := o.lr*o.groups.scale[group], 0.0 // lr is o.lr itself in group 0
		if o.decoupled {
			wd = o.groups.wd[group]
		}
		s := &o.state[i]
		if !s.started {
			n := g.Len()
			s.m, s.v = make([]T, n), make([]T, n)
			if o.amsgrad {
				s.maxV = make([]T, n)
			}
			s.started = true
		}
		s.step++
		t := float64(s.step)
		r := o.rule
		// AdamW shrinks W by 1 − lr·λ before its update; for Adam (λ =
		// 0) the factor is 1, which changes no value.
		r.shrink = T(1 - lr*wd)
		r.stepSize = T(lr / (1 - math.Pow(o.beta1, t)))
		r.bc2Sqrt = T(math.Sqrt(1 - math.Pow(o.beta2, t)))
		o.rules[i] = r
	}
	return true, nil
}

// StepRange updates elements [lo, hi) of the parameters laid end to end for
// the step BeginStep started, with part's scratch space (see SplitStepper).
func (o *adamCore[T]) StepRange(part, lo, hi int) {
	for p := range o.spans(part, lo, hi) {
		w, s, r := p.w, &o.state[p.i], &o.rules[p.i]
		m, v := s.m[p.a:], s.v[p.a:]
		for l, d := range o.l2.blocks(part, o.groups.of[p.i], w, p.g) {
			h := l + len(d)
			if s.maxV == nil {
				r.update(w[l:h], d, m[l:h], v[l:h])
			} else {
				r.updateAMSGrad(w[l:h], d, m[l:h], v[l:h], s.maxV[p.a:][l:h])
			}
		}
	}
}

// adamRule is the Adam update of one parameter at one step, its constants
// worked out ahead of the element loops.
type adamRule[T tensor.Float] struct {
	b1, b2, c1, c2, eps T // β₁, β₂, 1−β₁, 1−β₂, ε
	shrink              T // AdamW's 1 − lr·λ, else 1
	stepSize, bc2Sqrt   T // lr/(1−β₁ᵗ) and √(1−β₂ᵗ)
}

// update makes the step with (L2-decayed) gradient g and moments m and v.
// The shrunk parameter is rounded to T before the Adam update is added.
func (r *adamRule[T]) update(w, g, m, v []T) {
	tensor.AdamStep(w, g[:len(w)], m[:len(w)], v[:len(w)], tensor.AdamCoefficients[T]{
		Beta1: r.b1, Beta2: r.b2, OneMinusBeta1: r.c1, OneMinusBeta2: r.c2, Eps: r.eps,
		Shrink: r.shrink, NegStepSize: -r.stepSize, BiasCorrection2Sqrt: r.bc2Sqrt})
}

// updateAMSGrad is update with AMSGrad: the running maximum maxV of v
// replaces v in the denominator. NaN propagates, as in torch.maximum.
func (r *adamRule[T]) updateAMSGrad(w, g, m, v, maxV []T) {
	b1, b2, c1, c2, eps, shrink, stepSize, bc2Sqrt := r.b1, r.b2, r.c1, r.c2, r.eps, r.shrink, r.stepSize, r.bc2Sqrt
	g, m, v, maxV = g[:len(w)], m[:len(w)], v[:len(w)], maxV[:len(w)]
	for k, gk := range g {
		m[k] = T(m[k]*b1) + T(c1*gk)
		v[k] = T(v[k]*b2) + T(T(c2*gk)*gk)
		maxV[k] = max(maxV[k], v[k])
		w[k] = T(w[k]*shrink) + -stepSize*m[k]/(sqrt(maxV[k])/bc2Sqrt+eps)
	}
}
