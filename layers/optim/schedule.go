package optim

import (
	"errors"
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// Schedule maps a step number (0, 1, 2, ...: how many times the schedule has
// been stepped, usually once per epoch or per batch) to a learning rate. The
// schedules here are closed forms, immutable, and safe for concurrent use; a
// negative step is treated as 0. A Scheduler applies one to an optimizer.
type Schedule interface {
	LR(step int) float64
}

// ScheduleFunc adapts a function to a Schedule, for a schedule of your own
// (like torch's LambdaLR, but returning the rate itself, not a factor).
type ScheduleFunc func(step int) float64

// LR returns f(step).
func (f ScheduleFunc) LR(step int) float64 { return f(step) }

// StepLR decays the learning rate by gamma every stepSize steps, like
// torch.optim.lr_scheduler.StepLR: lr(t) = base·gamma^⌊t/stepSize⌋.
type StepLR struct {
	base, gamma float64
	stepSize    int
}

// NewStepLR returns a StepLR schedule. It returns an error for a base rate or
// gamma that is negative, NaN or infinite, and for stepSize < 1.
func NewStepLR(base float64, stepSize int, gamma float64) (*StepLR, error) {
	const op = "NewStepLR"
	if err := checkHyper[float64](op, "base learning rate", base); err != nil {
		return nil, err
	}
	if err := checkHyper[float64](op, "gamma", gamma); err != nil {
		return nil, err
	}
	if stepSize < 1 {
		return nil, fmt.Errorf("optim: %s: step size must be at least 1, got %d", op, stepSize)
	}
	return &StepLR{base: base, gamma: gamma, stepSize: stepSize}, nil
}

// LR returns base·gamma^⌊step/stepSize⌋ (0 for the zero StepLR: make one
// with NewStepLR).
func (s *StepLR) LR(step int) float64 {
	return s.base * math.Pow(s.gamma, float64(max(step, 0)/max(s.stepSize, 1)))
}

// ExponentialLR decays the learning rate by gamma every step, like
// torch.optim.lr_scheduler.ExponentialLR: lr(t) = base·gammaᵗ.
type ExponentialLR struct{ base, gamma float64 }

// NewExponentialLR returns an ExponentialLR schedule. It returns an error for
// a base rate or gamma that is negative, NaN or infinite.
func NewExponentialLR(base, gamma float64) (*ExponentialLR, error) {
	const op = "NewExponentialLR"
	if err := checkHyper[float64](op, "base learning rate", base); err != nil {
		return nil, err
	}
	if err := checkHyper[float64](op, "gamma", gamma); err != nil {
		return nil, err
	}
	return &ExponentialLR{base: base, gamma: gamma}, nil
}

// LR returns base·gamma^step.
func (s *ExponentialLR) LR(step int) float64 {
	return s.base * math.Pow(s.gamma, float64(max(step, 0)))
}

// WarmupCosineConfig describes a WarmupCosineLR schedule.
type WarmupCosineConfig struct {
	// Base is the peak learning rate, reached at the end of the warm-up.
	Base float64
	// StartFactor is the fraction of Base at step 0, in [0, 1]. The zero
	// value starts from a learning rate of 0.
	StartFactor float64
	// Warmup is the number of warm-up steps W (0 for none).
	Warmup int
	// Decay is the number of cosine steps C after the warm-up, at least 1.
	Decay int
	// Min is the final learning rate, in [0, Base].
	Min float64
}

// WarmupCosineLR is a linear warm-up followed by cosine annealing, the usual
// schedule for training transformers. With s = StartFactor, W = Warmup and
// C = Decay, the rate at step t is
//
//	t < W:          Base·(s + (1−s)·t/W)                        (linear, from s·Base to Base)
//	W ≤ t ≤ W+C:    Min + (Base−Min)·(1 + cos(π·(t−W)/C))/2      (cosine, from Base to Min)
//	t > W+C:        Min
//
// For t ≤ W+C and W ≥ 1 this is, up to rounding, torch's
//
//	SequentialLR(opt, [LinearLR(opt, start_factor=s, total_iters=W),
//	                   CosineAnnealingLR(opt, T_max=C, eta_min=Min)], milestones=[W])
//
// (a test compares them), and with W = 0 it is CosineAnnealingLR alone up
// to T_max (a test compares them too; torch's SequentialLR with milestone 0
// is not: it holds its first rate, s·Base, for two steps and anneals from
// there). Two differences: torch's LinearLR cannot start from 0 (its
// recursive form divides by the start factor; LinearLR here can), and
// torch's cosine keeps going after T_max, climbing back towards Base, where
// this schedule holds Min.
type WarmupCosineLR struct{ c WarmupCosineConfig }

// NewWarmupCosineLR returns a WarmupCosineLR schedule. It returns an error for
// a Base that is negative, NaN or infinite, a Min outside [0, Base], a
// StartFactor outside [0, 1], a negative Warmup, and a Decay below 1.
func NewWarmupCosineLR(c WarmupCosineConfig) (*WarmupCosineLR, error) {
	const op = "NewWarmupCosineLR"
	if err := checkHyper[float64](op, "base learning rate", c.Base); err != nil {
		return nil, err
	}
	if !(c.Min >= 0 && c.Min <= c.Base) {
		return nil, fmt.Errorf("optim: %s: minimum learning rate must be in [0, base %g], got %g", op, c.Base, c.Min)
	}
	if !(c.StartFactor >= 0 && c.StartFactor <= 1) {
		return nil, fmt.Errorf("optim: %s: start factor must be in [0, 1], got %g", op, c.StartFactor)
	}
	if c.Warmup < 0 {
		return nil, fmt.Errorf("optim: %s: warm-up steps must be non-negative, got %d", op, c.Warmup)
	}
	if c.Decay < 1 {
		return nil, fmt.Errorf("optim: %s: decay steps must be at least 1, got %d", op, c.Decay)
	}
	return &WarmupCosineLR{c: c}, nil
}

// LR returns the rate at step, as in the type's documentation.
func (s *WarmupCosineLR) LR(step int) float64 {
	c := s.c
	if c.Decay < 1 {
		return 0 // the zero WarmupCosineLR: make one with NewWarmupCosineLR
	}
	t := max(step, 0)
	if t < c.Warmup {
		return c.Base * (c.StartFactor + (1-c.StartFactor)*float64(t)/float64(c.Warmup))
	}
	u := min(t-c.Warmup, c.Decay)
	return c.Min + (c.Base-c.Min)*(1+math.Cos(math.Pi*float64(u)/float64(c.Decay)))/2
}

// Scheduler applies a Schedule to an optimizer, like a torch learning-rate
// scheduler: NewScheduler sets the rate for step 0, and each Step sets the
// rate for the next step. The usual place for Step is after opt.Step, once
// per epoch or once per batch, whichever the schedule counts. A Scheduler
// belongs to one goroutine at a time, as its optimizer does, whose rate it
// writes (a Schedule, a pure function of the step, may be shared). With
// parameter groups (ParamGroup) the rate it sets is group 0's, and every
// group's is its LRScale times it, as torch's schedulers scale each group's
// own base rate by the same factor.
//
// Each Step sets the optimizer's rate to the schedule's rate for the new
// step, whatever the rate was before, so a rate set in between by a manual
// SetLR or by a ReduceLROnPlateau on the same optimizer is overwritten at
// the next Step, and of two Schedulers on one optimizer the last to step
// wins. torch's chainable schedulers multiply the current rate and so
// compose; these do not. To combine schedules, make one Schedule of them:
// a SequentialLR runs them one after another (a warm-up, then a decay),
// and a ScheduleFunc can multiply them or apply a factor of your own. To
// follow a schedule with ReduceLROnPlateau, stop stepping the Scheduler
// when its part is done: the plateau starts from the optimizer's rate.
//
// A Scheduler counts its own Steps, not the optimizer's: when the
// optimizer skipped a step under SkipNonFinite (its Skipped grew), the
// Scheduler's Step still moves to the next rate, as torch's
// scheduler.step() does after a GradScaler skipped optimizer.step()
// (torch warns; this says nothing). To hold the schedule back over the
// skipped steps, step it only when Skipped did not grow:
//
//	before := opt.Skipped()
//	if err := opt.Step(); err != nil {
//		return err
//	}
//	if opt.Skipped() == before {
//		if err := sched.Step(); err != nil {
//			return err
//		}
//	}
//
// Skipped is not saved with the optimizer's state (SaveState), and Steps
// is not either: a resumed run sets the Scheduler's count with SetSteps.
type Scheduler[T tensor.Float] struct {
	opt   Optimizer[T]
	sched Schedule
	step  int
}

// NewScheduler binds s to opt and sets opt's learning rate to s.LR(0),
// replacing the rate opt was made with. It returns an error if either is
// nil or opt rejects that rate (a ScheduleFunc may return anything).
func NewScheduler[T tensor.Float](opt Optimizer[T], s Schedule) (*Scheduler[T], error) {
	if isNil(opt) || isNil(s) {
		return nil, errors.New("optim: NewScheduler: the optimizer and the schedule must not be nil")
	}
	if err := opt.SetLR(s.LR(0)); err != nil {
		return nil, fmt.Errorf("optim: NewScheduler: step 0: %w", err)
	}
	return &Scheduler[T]{opt: opt, sched: s}, nil
}

// Step advances the schedule by one step and sets the optimizer's learning
// rate to the new step's rate. If the optimizer rejects the rate, Step
// returns the error and neither the step count nor the rate changes.
func (s *Scheduler[T]) Step() error {
	if err := s.opt.SetLR(s.sched.LR(s.step + 1)); err != nil {
		return fmt.Errorf("optim: Scheduler.Step: step %d: %w", s.step+1, err)
	}
	s.step++
	return nil
}

// Steps returns how many times Step has succeeded: the step number whose
// rate the optimizer now has.
func (s *Scheduler[T]) Steps() int { return s.step }

// SetSteps puts the schedule at step n, as after n calls of Step, and sets
// the optimizer's learning rate to the schedule's rate for step n: for
// resuming training (with LoadState) where it stopped. It returns an error,
// and changes nothing, for a negative n or a rate the optimizer rejects.
func (s *Scheduler[T]) SetSteps(n int) error {
	if n < 0 {
		return &ArgError{Op: "Scheduler.SetSteps", Arg: "n", Value: n, Reason: "must not be negative"}
	}
	if err := s.opt.SetLR(s.sched.LR(n)); err != nil {
		return fmt.Errorf("optim: Scheduler.SetSteps: step %d: %w", n, err)
	}
	s.step = n
	return nil
}
