package optim

import (
	"sort"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// SplitStepper is implemented by the optimizers whose update of an element
// of a parameter reads only that element (its value, gradient and
// optimizer state) and numbers of the whole parameter or step (the
// learning rate, a step count): all of this package's. Such a step can be
// made in parts, by element ranges, on several goroutines at once, with the
// bits of Step; package layers/parallel does it, so that its workers share
// one optimizer step instead of each making all of it.
//
// A step in parts is BeginStep, on one goroutine, then StepRange over
// disjoint ranges that together cover every element, possibly at the same
// time on several goroutines (each with a part of its own), and nothing else
// on the optimizer until the last StepRange returns. The elements are
// numbered as if the parameters of Params were laid end to end, in order:
// parameter i's element k is number off(i)+k, where off(i) is the sum of
// the lengths of parameters 0 to i−1. Step is BeginStep followed by one
// StepRange over everything.
type SplitStepper[T tensor.Float] interface {
	Optimizer[T]
	// NonFinitePolicy returns the policy chosen with the NonFinite option.
	NonFinitePolicy() NonFinitePolicy
	// BeginStep starts a step in parts: it decides whether the step is
	// made, notes each parameter's gradient (Grad; nil leaves the
	// parameter as Step does), advances the per-parameter state (step
	// counts, buffers allocated at the first gradient) and prepares scratch
	// space for parts concurrent StepRange calls. finite says whether
	// every gradient is finite, which the caller checks (for example each
	// goroutine over its range, with tensor.AllFinite); it is ignored under
	// PropagateNonFinite. It returns true if the step is to be made; false
	// when the policy skips it (counted in Skipped), with Step's error (a
	// *NonFiniteError under ErrorNonFinite, nil under SkipNonFinite).
	BeginStep(finite bool, parts int) (bool, error)
	// StepRange updates elements [lo, hi) (numbered as above) for the step
	// BeginStep started. part, from 0 to BeginStep's parts−1, picks the
	// scratch space: calls that run at the same time need different parts
	// and disjoint ranges. It panics if the range is out of bounds.
	StepRange(part, lo, hi int)
}

// The optimizers of this package implement SplitStepper.
var (
	_ SplitStepper[float32] = (*SGD[float32])(nil)
	_ SplitStepper[float32] = (*Adam[float32])(nil)
	_ SplitStepper[float32] = (*AdamW[float32])(nil)
	_ SplitStepper[float32] = (*RMSProp[float32])(nil)
	_ SplitStepper[float32] = (*Adagrad[float32])(nil)
	_ SplitStepper[float32] = (*NAdam[float32])(nil)
	_ SplitStepper[float32] = (*RAdam[float32])(nil)
	_ SplitStepper[float32] = (*Adamax[float32])(nil)
	_ SplitStepper[float32] = (*Adadelta[float32])(nil)
)

// parts is what a step in parts needs besides an optimizer's own state:
// where each parameter starts when they are laid end to end, and the
// gradients noted by BeginStep.
type parts[T tensor.Float] struct {
	offs  []int               // offs[i]: parameter i's first element; offs[len(params)] is the total
	grads []*tensor.Tensor[T] // each parameter's gradient for the step, nil to leave it
}

func newParts[T tensor.Float](params []*autograd.Var[T]) parts[T] {
	p := parts[T]{offs: make([]int, len(params)+1), grads: make([]*tensor.Tensor[T], len(params))}
	for i, v := range params {
		p.offs[i+1] = p.offs[i] + v.Value().Len()
	}
	return p
}

// total is the number of elements of all the parameters.
func (p *parts[T]) total() int { return p.offs[len(p.offs)-1] }

// note records every parameter's gradient for the step.
func (p *parts[T]) note(params []*autograd.Var[T]) {
	for i, v := range params {
		// Mostly the same buffer as last step: storing it again would
		// only cost a write barrier while the collector marks.
		if g := v.Grad(); p.grads[i] != g {
			p.grads[i] = g
		}
	}
}

// first returns the parameter that holds element lo, after checking that
// [lo, hi) is a range of elements and part one of those BeginStep
// prepared; name is the optimizer's, for the panic.
func (p *parts[T]) first(name string, part, parts, lo, hi int) int {
	switch {
	case lo < 0 || hi > p.total() || lo > hi:
		panic(&ArgError{Op: name + ".StepRange", Arg: "[lo, hi)", Value: [2]int{lo, hi}, Reason: "must be a range of the parameters' elements"})
	case part < 0 || part >= parts:
		panic(&ArgError{Op: name + ".StepRange", Arg: "part", Value: part, Reason: "must be below BeginStep's parts"})
	}
	return sort.SearchInts(p.offs[1:], lo+1)
}

// span returns the part of parameter i in [lo, hi), as element offsets in
// the parameter (a >= b when there is none).
func (p *parts[T]) span(i, lo, hi int) (a, b int) {
	return max(lo, p.offs[i]) - p.offs[i], min(hi, p.offs[i+1]) - p.offs[i]
}

// beginStep is BeginStep's decision under the guard's policy, given
// whether every gradient of params is finite: whether to make the step,
// and Step's error when not.
func beginStep[T tensor.Float](g *nonFiniteGuard, op string, finite bool, params []*autograd.Var[T]) (bool, error) {
	if g.policy == PropagateNonFinite || finite {
		return true, nil
	}
	g.skipped++
	if g.policy == SkipNonFinite {
		return false, nil
	}
	if err := firstNonFiniteGrad(op, params); err != nil {
		return false, err
	}
	return false, nil
}

// finiteFor is Step's check before BeginStep: true under
// PropagateNonFinite (which checks nothing), else whether every gradient of
// params is finite.
func finiteFor[T tensor.Float](g *nonFiniteGuard, params []*autograd.Var[T]) bool {
	return g.policy == PropagateNonFinite || allGradsFinite(params)
}
