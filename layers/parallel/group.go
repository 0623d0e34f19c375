package parallel

import (
	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
)

// group is Trainer.Optimizer's view of the replicas' optimizers.
type group[T Float] struct{ t *Trainer[T] }

// Step steps every replica's optimizer and returns the first error (under
// optim.ErrorNonFinite, a non-finite gradient; the replicas hold the same
// gradients, so they all skip or all step).
func (g group[T]) Step() error {
	var first error
	for _, r := range g.t.reps {
		if r.opt == nil {
			continue
		}
		if err := r.opt.Step(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Skipped is replica 0's count of steps skipped for a non-finite gradient.
func (g group[T]) Skipped() int { return g.t.reps[0].opt.Skipped() }

func (g group[T]) ZeroGrad() {
	for _, r := range g.t.reps {
		if r.opt != nil {
			r.opt.ZeroGrad()
		}
	}
}

func (g group[T]) LR() float64 { return g.t.reps[0].opt.LR() }

func (g group[T]) SetLR(lr float64) error {
	for _, r := range g.t.reps {
		if r.opt == nil {
			continue
		}
		if err := r.opt.SetLR(lr); err != nil {
			return err
		}
	}
	return nil
}

func (g group[T]) Params() []*autograd.Var[T] { return g.t.reps[0].opt.Params() }

// Unwrap returns the replicas' optimizers (replica 0's alone with one of
// package optim's, see Config.Optimizer), so that optim.SaveState saves the trainer's state
// and optim.LoadState loads it into every one (optim.Wrapper).
func (g group[T]) Unwrap() []optim.Optimizer[T] {
	var os []optim.Optimizer[T]
	for _, r := range g.t.reps {
		if r.opt != nil {
			os = append(os, r.opt)
		}
	}
	return os
}
