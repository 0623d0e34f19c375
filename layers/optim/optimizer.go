package optim

import (
	"fmt"
	"iter"
	"math"
	"reflect"
	"strconv"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Optimizer is what every optimizer in this package implements, so that
// training loops, clipping and schedules can be written once for all of them.
type Optimizer[T tensor.Float] interface {
	// Step updates every parameter that has a gradient, in place. A
	// parameter with a nil gradient is skipped and its state not advanced.
	// What a NaN or infinite gradient does depends on the NonFinitePolicy:
	// under the default, PropagateNonFinite, it is applied like any other
	// and Step returns nil; SkipNonFinite and ErrorNonFinite skip the whole
	// step, and the latter returns a *NonFiniteError.
	Step() error
	// Skipped returns how many steps were skipped so far because a gradient
	// was not finite (always 0 under PropagateNonFinite).
	Skipped() int
	// ZeroGrad clears every parameter's gradient in place.
	ZeroGrad()
	// LR returns the current learning rate, as last given to the
	// constructor or SetLR. With parameter groups (ParamGroup) it is
	// group 0's, and each other group's rate is its LRScale times it.
	LR() float64
	// SetLR changes the learning rate used by the following steps (with
	// parameter groups, group 0's, the others' following in proportion).
	// It returns an error, and changes nothing, for a negative, NaN or
	// infinite rate, or one that overflows T (or makes a group's rate
	// overflow it).
	SetLR(lr float64) error
	// Params returns the parameters the optimizer updates, in the order it
	// was given them. The slice is the optimizer's own: do not modify it.
	Params() []*autograd.Var[T]
}

// SGDOption configures NewSGD. The options that return it, or a type that
// implements it, are Momentum, Dampening, Nesterov, WeightDecay, NonFinite,
// Maximize and ParamGroup.
type SGDOption interface{ applySGD(*sgdConfig) }

// AdamOption configures NewAdam and NewAdamW: Betas, Eps, WeightDecay,
// AMSGrad, NonFinite, Maximize and ParamGroup.
type AdamOption interface{ applyAdam(*adamConfig) }

// RMSPropOption configures NewRMSProp: Alpha, Eps, Momentum, Centered,
// WeightDecay, NonFinite, Maximize and ParamGroup.
type RMSPropOption interface{ applyRMSProp(*rmspropConfig) }

// MomentumOption sets a momentum factor; it configures SGD and RMSProp.
type MomentumOption struct{ mu float64 }

// Momentum sets the momentum factor μ (default 0: none). For SGD it makes
// the heavy-ball update of torch.optim.SGD; for RMSProp it keeps a buffer of
// the normalized steps. It must be finite and non-negative.
func Momentum(mu float64) MomentumOption { return MomentumOption{mu} }

func (o MomentumOption) applySGD(c *sgdConfig)         { c.momentum = o.mu }
func (o MomentumOption) applyRMSProp(c *rmspropConfig) { c.momentum = o.mu }

// WeightDecayOption sets a weight decay; it configures every optimizer here,
// and a ParamGroup.
type WeightDecayOption struct{ wd float64 }

// WeightDecay sets the weight decay λ (default 0, and 0.01 for AdamW).
// Every optimizer but AdamW adds λ·W to the gradient (L2 regularisation);
// AdamW decouples it and multiplies W by 1 − lr·λ before its update. It
// must be finite and non-negative. Given to a ParamGroup it is that
// group's; given to the optimizer, every group's that has none of its own.
func WeightDecay(wd float64) WeightDecayOption { return WeightDecayOption{wd} }

func (o WeightDecayOption) applySGD(c *sgdConfig)         { c.weightDecay = o.wd }
func (o WeightDecayOption) applyAdam(c *adamConfig)       { c.weightDecay = o.wd }
func (o WeightDecayOption) applyRMSProp(c *rmspropConfig) { c.weightDecay = o.wd }

// EpsOption sets the term added to a denominator; it configures every
// optimizer but SGD.
type EpsOption struct{ eps float64 }

// Eps sets ε, added to the square-root denominator for numerical stability
// (default 1e-8, 1e-10 for Adagrad and 1e-6 for Adadelta, as torch's; for
// Adamax it is added to |g| inside the maximum, and for Adadelta inside
// both square roots). It must be finite and non-negative.
func Eps(eps float64) EpsOption { return EpsOption{eps} }

func (o EpsOption) applyAdam(c *adamConfig)       { c.eps = o.eps }
func (o EpsOption) applyRMSProp(c *rmspropConfig) { c.eps = o.eps }

type sgdOptionFunc func(*sgdConfig)

func (f sgdOptionFunc) applySGD(c *sgdConfig) { f(c) }

type adamOptionFunc func(*adamConfig)

func (f adamOptionFunc) applyAdam(c *adamConfig) { f(c) }

type rmspropOptionFunc func(*rmspropConfig)

func (f rmspropOptionFunc) applyRMSProp(c *rmspropConfig) { f(c) }

// checkHyper rejects a hyperparameter that is negative, NaN, or infinite,
// either as given or once converted to T (1e39 is +Inf in float32).
func checkHyper[T tensor.Float](op, name string, v float64) error {
	if !(v >= 0) || math.IsInf(v, 0) || math.IsInf(float64(T(v)), 0) {
		return fmt.Errorf("optim: %s: %s must be finite and non-negative, got %g", op, name, v)
	}
	return nil
}

// checkUnit rejects a decay factor outside [0, 1).
func checkUnit(op, name string, v float64) error {
	if !(v >= 0 && v < 1) {
		return fmt.Errorf("optim: %s: %s must be in [0, 1), got %g", op, name, v)
	}
	return nil
}

// checkParams rejects a parameter list an optimizer cannot update: a nil
// entry, one that is not a trainable leaf (made with autograd.Param), or one
// that appears twice (it would be updated twice per step). It returns a copy
// of the list. A nil entry is an *ArgError, which callers can match.
func checkParams[T tensor.Float](op string, params []*autograd.Var[T]) ([]*autograd.Var[T], error) {
	seen := make(map[*autograd.Var[T]]int, len(params))
	for i, p := range params {
		if p == nil {
			return nil, &ArgError{Op: op, Arg: "params[" + strconv.Itoa(i) + "]", Value: nil, Reason: "must not be nil"}
		}
		if !p.RequiresGrad() || !p.IsLeaf() {
			return nil, fmt.Errorf("optim: %s: parameter %d is not a trainable leaf (make it with autograd.Param)", op, i)
		}
		if j, dup := seen[p]; dup {
			return nil, fmt.Errorf("optim: %s: parameter %d is parameter %d again", op, i, j)
		}
		seen[p] = i
	}
	return append([]*autograd.Var[T](nil), params...), nil
}

// sqrt is the square root in T; for float32 it rounds the float64 root,
// which is the correctly rounded float32 root.
func sqrt[T tensor.Float](x T) T { return T(math.Sqrt(float64(x))) }

// l2Block is how many elements of a weight-decayed gradient l2Decay holds
// at a time: few enough to stay in the L1 cache.
const l2Block = 512

// l2Decay is L2 weight decay λ, which adds λ·W to the gradient, with the
// scratch buffers that hold the decayed gradient, one per part of a step
// made in parts (see SplitStepper). Applying it ahead of the update rules,
// a block at a time, spares them a branch per element on whether λ is 0,
// and leaves the gradient itself untouched. It also flips the gradient's
// sign first for Maximize.
type l2Decay[T tensor.Float] struct {
	wd   []T   // each parameter group's λ (see ParamGroup)
	on   bool  // some λ ≠ 0, or neg
	neg  bool  // Maximize: −g instead of g
	bufs [][]T // l2Block elements each when on, else none
}

// newL2Decay returns the weight decays wds of the parameter groups, with
// one buffer if one is not 0.
func newL2Decay[T tensor.Float](wds []float64) l2Decay[T] {
	l := l2Decay[T]{wd: make([]T, len(wds))}
	for k, wd := range wds {
		l.wd[k] = T(wd)
		l.on = l.on || l.wd[k] != 0
	}
	l.ensure(1)
	return l
}

// maximize, if on, makes blocks yield −g + λ·W instead of g + λ·W: the
// gradient's sign flipped before the weight decay, where torch's
// maximize=True flips it.
func (l *l2Decay[T]) maximize(on bool) {
	if on {
		l.neg, l.on = true, true
		l.ensure(1)
	}
}

// ensure makes sure there is a buffer for each of n parts, if some λ ≠ 0
// or the gradient is negated.
func (l *l2Decay[T]) ensure(n int) {
	for l.on && len(l.bufs) < n {
		l.bufs = append(l.bufs, make([]T, l2Block))
	}
}

// blocks yields the gradient g of parameter values w of parameter group
// group, with the group's weight decay added, in consecutive pieces, using
// part's buffer: each (lo, d) has d[k] = g[lo+k] + λ·w[lo+k], computed
// before the loop body runs, so the body may then update w[lo:lo+len(d)].
// With λ = 0 it yields (0, g) once. d is only valid until the body returns.
// Under Maximize, d[k] = −g[lo+k] + λ·w[lo+k] (−g[lo+k] for λ = 0).
func (l *l2Decay[T]) blocks(part, group int, w, g []T) iter.Seq2[int, []T] {
	wd, neg := l.wd[group], l.neg
	return func(yield func(int, []T) bool) {
		if wd == 0 && !neg {
			yield(0, g)
			return
		}
		buf := l.bufs[part]
		for lo := 0; lo < len(w); lo += len(buf) {
			wb := w[lo:min(lo+len(buf), len(w))]
			gb, d := g[lo:lo+len(wb)], buf[:len(wb)]
			switch {
			case !neg:
				for k, gk := range gb {
					d[k] = gk + T(wd*wb[k])
				}
			case wd == 0:
				for k, gk := range gb {
					d[k] = -gk
				}
			default:
				for k, gk := range gb {
					d[k] = -gk + T(wd*wb[k])
				}
			}
			if !yield(lo, d) {
				return
			}
		}
	}
}

// isNil reports whether v is nil or a nil pointer, map, slice, channel or
// function in an interface.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch r := reflect.ValueOf(v); r.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface:
		return r.IsNil()
	}
	return false
}
