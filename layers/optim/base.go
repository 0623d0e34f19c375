package optim

import (
	"iter"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// base is what every optimizer here holds besides its update rule: the
// parameters, the learning rate, the non-finite guard and the layout of a
// step made in parts. Embedded in an optimizer, it gives it the methods of
// Optimizer and SplitStepper that do not depend on the rule.
type base[T tensor.Float] struct {
	name   string // the optimizer's, for errors and state files: "SGD", "AdamW"
	stepOp string // name + ".Step", and
	lrOp   string // name + ".SetLR", made once: concatenating in Step would allocate
	params []*autograd.Var[T]
	lr     float64       // group 0's rate, LR(), as given
	groups groupTable[T] // the parameter groups (see ParamGroup)
	guard  nonFiniteGuard
	parts  parts[T]
	nparts int // the parts the last BeginStep prepared
}

// init sets the learning rate, the policy, the parameters and their groups
// (groups of ParamGroup options; group 0 has weight decay wd), after
// checking them; the errors name the constructor, "New" + name.
func (o *base[T]) init(name string, params []*autograd.Var[T], lr float64, policy NonFinitePolicy, wd float64, groups []groupSpec) error {
	op := "New" + name
	if err := checkHyper[T](op, "learning rate", lr); err != nil {
		return err
	}
	if err := o.guard.set(op, policy); err != nil {
		return err
	}
	ps, err := checkParams(op, params)
	if err != nil {
		return err
	}
	o.params = ps
	if err := o.initGroups(op, wd, groups); err != nil {
		return err
	}
	if err := o.setRates(op, lr, nil); err != nil {
		return err
	}
	o.name, o.stepOp, o.lrOp = name, name+".Step", name+".SetLR"
	o.parts = newParts(ps)
	return nil
}

// step is Step for the optimizer s that o belongs to: BeginStep, then one
// StepRange over every element.
func (o *base[T]) step(s SplitStepper[T]) error {
	ok, err := s.BeginStep(finiteFor(&o.guard, o.params), 1)
	if ok {
		s.StepRange(0, 0, o.parts.total())
	}
	return err
}

// begin is what every BeginStep does first: the policy's decision, then,
// if the step is made, each parameter's gradient noted and the number of
// parts kept.
func (o *base[T]) begin(finite bool, parts int) (bool, error) {
	if ok, err := beginStep(&o.guard, o.stepOp, finite, o.params); !ok {
		return false, err
	}
	o.parts.note(o.params)
	o.nparts = parts
	return true, nil
}

// span is the piece of one parameter that a StepRange updates.
type span[T tensor.Float] struct {
	i    int // the parameter's index
	a    int // the piece's first element, in the parameter
	w, g []T // the piece's values and gradient
}

// spans yields the pieces of the parameters with a gradient that fall in
// elements [lo, hi), in order, after checking the range and part as
// StepRange promises. (It stays small enough to inline, so that the loop
// over it allocates nothing.)
func (o *base[T]) spans(part, lo, hi int) iter.Seq[span[T]] {
	return func(yield func(span[T]) bool) {
		for i := o.parts.first(o.name, part, o.nparts, lo, hi); i < len(o.params) && o.parts.offs[i] < hi; i++ {
			g := o.parts.grads[i]
			a, e := o.parts.span(i, lo, hi)
			if g == nil || a >= e {
				continue
			}
			if !yield(span[T]{i: i, a: a, w: o.params[i].Value().Data()[a:e], g: g.Data()[a:e]}) {
				return
			}
		}
	}
}

// NonFinitePolicy returns the policy chosen with the NonFinite option.
func (o *base[T]) NonFinitePolicy() NonFinitePolicy { return o.guard.policy }

// Skipped returns how many steps skipped a non-finite gradient (see
// NonFinitePolicy).
func (o *base[T]) Skipped() int { return o.guard.skipped }

// ZeroGrad clears every parameter's gradient, keeping its buffer (see
// autograd.Var.ZeroGrad).
func (o *base[T]) ZeroGrad() { autograd.ZeroGrad(o.params...) }

// LR returns the current learning rate, as last given to the constructor
// or SetLR: group 0's, of which every ParamGroup's is a multiple (its
// LRScale).
func (o *base[T]) LR() float64 { return o.lr }

// SetLR changes the learning rate, for schedules: group 0's, and every
// ParamGroup's to its LRScale times lr. It returns an error for a negative,
// infinite or NaN value (or one that overflows T, or makes a group's rate
// overflow) and leaves the rates unchanged then.
func (o *base[T]) SetLR(lr float64) error { return o.setRates(o.lrOp, lr, nil) }

// Params returns the parameters the optimizer updates, in the order it was
// given them; do not modify the slice.
func (o *base[T]) Params() []*autograd.Var[T] { return o.params }

// stateKind names the optimizer in its state files.
func (o *base[T]) stateKind() string { return o.name }
