package optim

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// PlateauConfig describes a ReduceLROnPlateau. Start from
// DefaultPlateauConfig, which holds torch's defaults: several of them are
// not the zero value, and a zero Patience is a valid choice.
type PlateauConfig struct {
	// Maximize treats a larger metric as better (an accuracy, torch's
	// mode='max'); the default is smaller (a loss, mode='min').
	Maximize bool
	// Factor multiplies the learning rate at each reduction, in (0, 1).
	// Default 0.1.
	Factor float64
	// Patience is how many steps in a row without improvement are
	// tolerated: the rate is reduced at the next one. Default 10.
	Patience int
	// Threshold is how much better than the best so far a metric must be
	// to count as an improvement: relative (best·(1∓Threshold)) unless
	// AbsThreshold is set (best∓Threshold). Default 1e-4.
	Threshold float64
	// AbsThreshold makes Threshold an absolute margin (torch's
	// threshold_mode='abs'); the default is relative.
	AbsThreshold bool
	// Cooldown is how many steps after a reduction pass before steps
	// without improvement count again. Default 0.
	Cooldown int
	// MinLR is the rate below which no reduction goes. Default 0. With
	// parameter groups (ParamGroup) it bounds group 0's rate, LR(), and
	// each group keeps its LRScale times that, where torch clamps each
	// group's rate to min_lr itself (give its list of min_lr per group
	// in the ratios of the groups' rates to match).
	MinLR float64
	// Eps is the change of rate not worth making: a reduction of Eps or
	// less is skipped (torch's eps). Default 1e-8. It is weighed against
	// group 0's rate, and the groups are reduced together.
	Eps float64
}

// DefaultPlateauConfig returns torch's defaults: minimize, Factor 0.1,
// Patience 10, relative Threshold 1e-4, Cooldown 0, MinLR 0, Eps 1e-8.
func DefaultPlateauConfig() PlateauConfig {
	return PlateauConfig{Factor: 0.1, Patience: 10, Threshold: 1e-4, Eps: 1e-8}
}

// ReduceLROnPlateau lowers an optimizer's learning rate when a metric stops
// improving, like torch.optim.lr_scheduler.ReduceLROnPlateau: call Step
// with the metric (a validation loss, say) once per epoch, and after more
// than Patience steps in a row without improvement the rate is multiplied by
// Factor. A NaN metric never improves. Unlike a Scheduler it depends on the
// metrics, so it has State and SetState for resuming training. A test
// replays torch's rates. It belongs to one goroutine at a time. A
// Scheduler stepped on the same optimizer overwrites its reductions (see
// Scheduler).
type ReduceLROnPlateau[T tensor.Float] struct {
	opt Optimizer[T]
	c   PlateauConfig
	st  PlateauState
}

// PlateauState is what a ReduceLROnPlateau has counted, for saving with a
// checkpoint and restoring with SetState (the learning rate itself is the
// optimizer's, saved by SaveState).
type PlateauState struct {
	// Steps is how many times Step has been called.
	Steps int
	// Best is the best metric so far: +Inf (−Inf when maximizing) before
	// the first step.
	Best float64
	// BadSteps is how many steps in a row have not improved on Best.
	BadSteps int
	// CooldownLeft is how many steps of cooldown remain.
	CooldownLeft int
	// Reductions is how many times the rate was lowered.
	Reductions int
}

// NewReduceLROnPlateau binds a ReduceLROnPlateau to opt. The optimizer's
// current learning rate is the starting one. It returns an error for a nil
// opt, a Factor outside (0, 1), a negative Patience or Cooldown, and a Threshold,
// MinLR or Eps that is negative, NaN or infinite.
func NewReduceLROnPlateau[T tensor.Float](opt Optimizer[T], c PlateauConfig) (*ReduceLROnPlateau[T], error) {
	const op = "NewReduceLROnPlateau"
	if isNil(opt) {
		return nil, fmt.Errorf("optim: %s: nil optimizer", op)
	}
	if !(c.Factor > 0 && c.Factor < 1) {
		return nil, fmt.Errorf("optim: %s: factor must be in (0, 1), got %g (start from DefaultPlateauConfig)", op, c.Factor)
	}
	if c.Patience < 0 || c.Cooldown < 0 {
		return nil, fmt.Errorf("optim: %s: patience and cooldown must be non-negative, got %d and %d", op, c.Patience, c.Cooldown)
	}
	for _, h := range []struct {
		name string
		v    float64
	}{{"threshold", c.Threshold}, {"minimum learning rate", c.MinLR}, {"eps", c.Eps}} {
		if err := checkHyper[float64](op, h.name, h.v); err != nil {
			return nil, err
		}
	}
	p := &ReduceLROnPlateau[T]{opt: opt, c: c}
	p.st.Best = p.worst()
	return p, nil
}

// worst is the Best before any step.
func (p *ReduceLROnPlateau[T]) worst() float64 {
	if p.c.Maximize {
		return math.Inf(-1)
	}
	return math.Inf(1)
}

// better reports whether metric improves on the best so far by more than
// the threshold.
func (p *ReduceLROnPlateau[T]) better(metric float64) bool {
	best, th := p.st.Best, p.c.Threshold
	switch {
	case !p.c.Maximize && !p.c.AbsThreshold:
		return metric < best*(1-th)
	case !p.c.Maximize:
		return metric < best-th
	case !p.c.AbsThreshold:
		return metric > best*(th+1)
	default:
		return metric > best+th
	}
}

// Step records one epoch's metric and lowers the learning rate if the
// metric has not improved for more than Patience steps (and no cooldown is
// running): the new rate is max(rate·Factor, MinLR), set unless it differs
// from the old by Eps or less. It returns whether the rate was lowered, and
// an error if the optimizer rejects the new rate; the step is counted
// either way, as in torch.
func (p *ReduceLROnPlateau[T]) Step(metric float64) (bool, error) {
	st := &p.st
	st.Steps++
	if p.better(metric) {
		st.Best, st.BadSteps = metric, 0
	} else {
		st.BadSteps++
	}
	if st.CooldownLeft > 0 {
		st.CooldownLeft--
		st.BadSteps = 0
	}
	if st.BadSteps <= p.c.Patience {
		return false, nil
	}
	st.CooldownLeft, st.BadSteps = p.c.Cooldown, 0
	old := p.opt.LR()
	lr := max(old*p.c.Factor, p.c.MinLR)
	if !(old-lr > p.c.Eps) {
		return false, nil
	}
	if err := p.opt.SetLR(lr); err != nil {
		return false, fmt.Errorf("optim: ReduceLROnPlateau.Step: step %d: %w", st.Steps, err)
	}
	st.Reductions++
	return true, nil
}

// State returns what the scheduler has counted so far.
func (p *ReduceLROnPlateau[T]) State() PlateauState { return p.st }

// SetState restores counts saved with State, for resuming training. It
// returns an error, and changes nothing, for negative counts or a NaN Best.
func (p *ReduceLROnPlateau[T]) SetState(st PlateauState) error {
	if st.Steps < 0 || st.BadSteps < 0 || st.CooldownLeft < 0 || st.Reductions < 0 || math.IsNaN(st.Best) {
		return &ArgError{Op: "ReduceLROnPlateau.SetState", Arg: "st", Value: st, Reason: "counts must be non-negative and Best not NaN"}
	}
	p.st = st
	return nil
}
