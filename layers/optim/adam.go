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
type Adam[T tensor.Float] struct{ core adamCore[T] }

// AdamW is Adam with decoupled weight decay (Loshchilov and Hutter, 2019),
// as torch.optim.AdamW: instead of adding λ·W to the gradient, each step
// first shrinks the parameter, W = W·(1 − lr·λ), then makes the Adam update
// with the plain gradient. λ defaults to 0.01.
type AdamW[T tensor.Float] struct{ core adamCore[T] }

type adamConfig struct {
	beta1, beta2, eps, weightDecay float64
	amsgrad                        bool
	nonFinite                      NonFinitePolicy
}

// Betas sets Adam's decay rates β₁ for the mean and β₂ for the uncentered
// variance of the gradient (default 0.9 and 0.999). Each must be in [0, 1).
func Betas(beta1, beta2 float64) AdamOption {
	return adamOptionFunc(func(c *adamConfig) { c.beta1, c.beta2 = beta1, beta2 })
}

// AMSGrad turns on the AMSGrad variant (Reddi et al., 2018), which divides
// by the running maximum of v instead of v itself.
func AMSGrad() AdamOption {
	return adamOptionFunc(func(c *adamConfig) { c.amsgrad = true })
}

// NewAdam returns an Adam optimizer over params with learning rate lr
// (torch's default is 1e-3). It returns an error for a negative, NaN or
// infinite learning rate, ε or weight decay (also once converted to T), a
// beta outside [0, 1), and a parameter that is nil, not a trainable leaf, or
// listed twice.
func NewAdam[T tensor.Float](params []*autograd.Var[T], lr float64, opts ...AdamOption) (*Adam[T], error) {
	o := &Adam[T]{}
	if err := o.core.init("NewAdam", params, lr, 0, false, opts); err != nil {
		return nil, err
	}
	return o, nil
}

// NewAdamW returns an AdamW optimizer over params with learning rate lr
// (torch's default is 1e-3) and, unless WeightDecay says otherwise, weight
// decay 0.01. It returns an error in the cases NewAdam does.
func NewAdamW[T tensor.Float](params []*autograd.Var[T], lr float64, opts ...AdamOption) (*AdamW[T], error) {
	o := &AdamW[T]{}
	if err := o.core.init("NewAdamW", params, lr, 0.01, true, opts); err != nil {
		return nil, err
	}
	return o, nil
}

// adamCore is the state and update shared by Adam and AdamW.
type adamCore[T tensor.Float] struct {
	params       []*autograd.Var[T]
	lr           lrState[T]
	beta1, beta2 float64     // for the bias corrections, computed in float64 as torch does
	rule         adamRule[T] // its per-step fields are set by step
	l2           l2Decay[T]  // Adam's; none for AdamW
	wd           float64     // AdamW's λ as given, for its 1 − lr·λ; 0 for Adam
	amsgrad      bool
	state        []adamState[T]
	rules        []adamRule[T] // each parameter's update at this step, set by begin
	parts        parts[T]
	nparts       int // the parts begin prepared
	setLROp      string
	stepOp       string
	guard        nonFiniteGuard
}

// adamState is one parameter's state, allocated at its first gradient.
type adamState[T tensor.Float] struct {
	step    int
	m, v    []T
	maxV    []T // AMSGrad only
	started bool
}

func (o *adamCore[T]) init(op string, params []*autograd.Var[T], lr, wd float64, decoupled bool, opts []AdamOption) error {
	c := adamConfig{beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: wd}
	for _, opt := range opts {
		opt.applyAdam(&c)
	}
	if err := o.lr.set(op, lr); err != nil {
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
	if err := o.guard.set(op, c.nonFinite); err != nil {
		return err
	}
	ps, err := checkParams(op, params)
	if err != nil {
		return err
	}
	o.params = ps
	o.beta1, o.beta2 = c.beta1, c.beta2
	o.rule = adamRule[T]{b1: T(c.beta1), b2: T(c.beta2), c1: T(1 - c.beta1), c2: T(1 - c.beta2), eps: T(c.eps)}
	o.amsgrad = c.amsgrad
	o.state = make([]adamState[T], len(ps))
	o.rules = make([]adamRule[T], len(ps))
	o.parts = newParts(ps)
	o.setLROp, o.stepOp = "Adam.SetLR", "Adam.Step"
	if decoupled {
		o.wd, o.setLROp, o.stepOp = c.weightDecay, "AdamW.SetLR", "AdamW.Step"
	} else {
		o.l2 = newL2Decay(T(c.weightDecay))
	}
	return nil
}

func (o *adamCore[T]) step() error {
	ok, err := o.begin(finiteFor(&o.guard, o.params), 1)
	if ok {
		o.stepRange(0, 0, o.parts.total())
	}
	return err
}

// begin is BeginStep: the non-finite decision, then, for every parameter
// with a gradient, its state allocated at the first one, its step count
// advanced and its update's numbers worked out.
func (o *adamCore[T]) begin(finite bool, parts int) (bool, error) {
	if ok, err := beginStep(&o.guard, o.stepOp, finite, o.params); !ok {
		return false, err
	}
	o.parts.note(o.params)
	o.l2.ensure(parts)
	o.nparts = parts
	// AdamW shrinks W by 1 − lr·λ before its update; for Adam (λ = 0) the
	// factor is 1, which changes no value.
	shrink := T(1 - o.lr.given*o.wd)
	for i, g := range o.parts.grads {
		if g == nil {
			continue
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
		r.shrink = shrink
		r.stepSize = T(o.lr.given / (1 - math.Pow(o.beta1, t)))
		r.bc2Sqrt = T(math.Sqrt(1 - math.Pow(o.beta2, t)))
		o.rules[i] = r
	}
	return true, nil
}

// stepRange is StepRange: the update of elements [lo, hi).
func (o *adamCore[T]) stepRange(part, lo, hi int) {
	for i := o.parts.first(o.stepOp, part, o.nparts, lo, hi); i < len(o.params) && o.parts.offs[i] < hi; i++ {
		g := o.parts.grads[i]
		a, b := o.parts.span(i, lo, hi)
		if g == nil || a >= b {
			continue
		}
		w := o.params[i].Value().Data()[a:b]
		s, r := &o.state[i], &o.rules[i]
		m, v := s.m[a:b], s.v[a:b]
		for l, d := range o.l2.blocks(part, w, g.Data()[a:b]) {
			h := l + len(d)
			if s.maxV == nil {
				r.update(w[l:h], d, m[l:h], v[l:h])
			} else {
				r.updateAMSGrad(w[l:h], d, m[l:h], v[l:h], s.maxV[a:b][l:h])
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

// Step updates every parameter in place from its accumulated gradient. A
// parameter with no gradient yet (nil Grad) is skipped: its step count and
// moments do not advance. A NaN or infinite gradient is handled by the
// NonFinitePolicy (default: applied, as in torch); Step returns an error
// only under ErrorNonFinite.
func (o *Adam[T]) Step() error { return o.core.step() }

// NonFinitePolicy returns the policy chosen with the NonFinite option.
func (o *Adam[T]) NonFinitePolicy() NonFinitePolicy { return o.core.guard.policy }

// BeginStep starts a step made in parts (see SplitStepper): Step is
// BeginStep, with finite whether every gradient is finite, and StepRange
// over all the elements.
func (o *Adam[T]) BeginStep(finite bool, parts int) (bool, error) { return o.core.begin(finite, parts) }

// StepRange updates elements [lo, hi) of the parameters laid end to end for
// the step BeginStep started, with part's scratch space (see SplitStepper).
func (o *Adam[T]) StepRange(part, lo, hi int) { o.core.stepRange(part, lo, hi) }

// Skipped returns how many steps skipped a non-finite gradient (see
// NonFinitePolicy).
func (o *Adam[T]) Skipped() int { return o.core.guard.skipped }

// ZeroGrad clears every parameter's gradient, keeping its buffer (see
// autograd.Var.ZeroGrad).
func (o *Adam[T]) ZeroGrad() { autograd.ZeroGrad(o.core.params...) }

// LR returns the current learning rate.
func (o *Adam[T]) LR() float64 { return o.core.lr.given }

// SetLR changes the learning rate, for schedules. It returns an error for a
// negative, infinite or NaN value (or one that overflows T) and leaves the
// rate unchanged then.
func (o *Adam[T]) SetLR(lr float64) error { return o.core.lr.set(o.core.setLROp, lr) }

// Params returns the parameters Adam updates; do not modify the slice.
func (o *Adam[T]) Params() []*autograd.Var[T] { return o.core.params }

// Step updates every parameter in place: the decoupled decay, then the Adam
// update. A parameter with no gradient yet (nil Grad) is skipped entirely,
// decay included, and its state does not advance. A NaN or infinite
// gradient is handled by the NonFinitePolicy, as for Adam.
func (o *AdamW[T]) Step() error { return o.core.step() }

// NonFinitePolicy returns the policy chosen with the NonFinite option.
func (o *AdamW[T]) NonFinitePolicy() NonFinitePolicy { return o.core.guard.policy }

// BeginStep starts a step made in parts (see SplitStepper): Step is
// BeginStep, with finite whether every gradient is finite, and StepRange
// over all the elements.
func (o *AdamW[T]) BeginStep(finite bool, parts int) (bool, error) {
	return o.core.begin(finite, parts)
}

// StepRange updates elements [lo, hi) of the parameters laid end to end for
// the step BeginStep started, with part's scratch space (see SplitStepper).
func (o *AdamW[T]) StepRange(part, lo, hi int) { o.core.stepRange(part, lo, hi) }

// Skipped returns how many steps skipped a non-finite gradient (see
// NonFinitePolicy).
func (o *AdamW[T]) Skipped() int { return o.core.guard.skipped }

// ZeroGrad clears every parameter's gradient, keeping its buffer (see
// autograd.Var.ZeroGrad).
func (o *AdamW[T]) ZeroGrad() { autograd.ZeroGrad(o.core.params...) }

// LR returns the current learning rate.
func (o *AdamW[T]) LR() float64 { return o.core.lr.given }

// SetLR changes the learning rate, for schedules; the decoupled decay
// 1 − lr·λ follows it. It returns an error for a negative, infinite or NaN
// value (or one that overflows T) and leaves the rate unchanged then.
func (o *AdamW[T]) SetLR(lr float64) error { return o.core.lr.set(o.core.setLROp, lr) }

// Params returns the parameters AdamW updates; do not modify the slice.
func (o *AdamW[T]) Params() []*autograd.Var[T] { return o.core.params }
