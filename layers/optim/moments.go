package optim

import (
	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// momentsConfig is what the options of NAdam, RAdam and Adamax set.
type momentsConfig struct {
	beta1, beta2, eps, weightDecay float64
	momentumDecay                  float64 // NAdam's ψ
	maximize                       bool
	nonFinite                      NonFinitePolicy
	groups                         []groupSpec
}

// NAdamOption configures NewNAdam: Betas, Eps, WeightDecay, MomentumDecay,
// NonFinite, Maximize and ParamGroup.
type NAdamOption interface{ applyNAdam(*momentsConfig) }

// BetasOption sets the decay rates of the running averages of the gradient
// and of its square (or, for Adamax, of its infinity norm); it configures
// Adam, AdamW, NAdam, RAdam and Adamax.
type BetasOption struct{ beta1, beta2 float64 }

// Betas sets the decay rates β₁ for the mean and β₂ for the uncentered
// variance of the gradient (for Adamax, its infinity norm) (default 0.9
// and 0.999). Each must be in [0, 1).
func Betas(beta1, beta2 float64) BetasOption { return BetasOption{beta1, beta2} }

func (o BetasOption) applyAdam(c *adamConfig)     { c.beta1, c.beta2 = o.beta1, o.beta2 }
func (o BetasOption) applyNAdam(c *momentsConfig) { c.beta1, c.beta2 = o.beta1, o.beta2 }

func (o EpsOption) applyNAdam(c *momentsConfig)         { c.eps = o.eps }
func (o WeightDecayOption) applyNAdam(c *momentsConfig) { c.weightDecay = o.wd }
func (o NonFiniteOption) applyNAdam(c *momentsConfig)   { c.nonFinite = o.p }
func (g ParamGroupOption[T]) applyNAdam(c *momentsConfig) {
	c.groups = append(c.groups, g.spec())
}

// momentsCore is the state and the checks that NAdam, RAdam and Adamax
// share: two running averages per parameter, a step count, and L2 weight
// decay added to the gradient.
type momentsCore[T tensor.Float] struct {
	base[T]
	beta1, beta2        float64 // for the bias corrections, computed in float64 as torch does
	b1, b2, c1, c2, eps T       // β₁, β₂, 1−β₁, 1−β₂, ε
	l2                  l2Decay[T]
	state               []momentsState[T]
}

// momentsState is one parameter's state, allocated at its first gradient.
type momentsState[T tensor.Float] struct {
	step      int
	m, v      []T     // exp_avg and exp_avg_sq (Adamax: exp_inf)
	muProduct float64 // NAdam's product of the momentum coefficients μ₁⋯μₜ
	started   bool
}

// setup checks the learning rate lr and the configuration c (after the
// defaults of an optimizer and its options opts applied) and sets up o as
// name's ("NAdam").
func (o *momentsCore[T]) setup(name string, params []*autograd.Var[T], lr float64, c momentsConfig) error {
	op := "New" + name
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
	o.b1, o.b2, o.c1, o.c2, o.eps = T(c.beta1), T(c.beta2), T(1-c.beta1), T(1-c.beta2), T(c.eps)
	o.l2 = newL2Decay[T](o.groups.wd)
	o.l2.maximize(c.maximize)
	o.state = make([]momentsState[T], len(o.params))
	return nil
}

// advance is BeginStep's work for parameter i with gradient g of n
// elements: its state allocated at its first gradient, its step count
// advanced. It returns the state.
func (o *momentsCore[T]) advance(i, n int) *momentsState[T] {
	s := &o.state[i]
	if !s.started {
		s.m, s.v, s.muProduct, s.started = make([]T, n), make([]T, n), 1, true
	}
	s.step++
	return s
}

// lrOf returns parameter i's learning rate, LRScale·LR() of its group, in
// float64 (o.lr itself in group 0).
func (o *momentsCore[T]) lrOf(i int) float64 { return o.lr * o.groups.scale[o.groups.of[i]] }

func (o *momentsCore[T]) stateOf(i int) ([][]T, int) {
	s := &o.state[i]
	if !s.started {
		return nil, 0
	}
	return [][]T{s.m, s.v}, s.step
}

func (o *momentsCore[T]) setState(i int, bufs [][]T, step int) {
	s := momentsState[T]{}
	if bufs != nil {
		s = momentsState[T]{step: step, m: bufs[0], v: bufs[1], muProduct: 1, started: true}
	}
	o.state[i] = s
}
