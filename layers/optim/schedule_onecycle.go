package optim

import (
	"fmt"
	"math"
)

// OneCycleConfig describes a OneCycleLR schedule. Its zero fields other
// than Max and Total stand for torch's defaults, as noted on each.
type OneCycleConfig struct {
	// Max is the peak learning rate (torch's max_lr).
	Max float64
	// Total is the number of steps in the cycle, at least 1: the number of
	// batches of the whole run when the Scheduler steps once per batch
	// (torch's total_steps, or epochs·steps_per_epoch).
	Total int
	// PctStart is the fraction of the steps spent rising to Max, in (0, 1];
	// 0 means torch's default, 0.3.
	PctStart float64
	// DivFactor sets the starting rate, Max/DivFactor; 0 means torch's
	// default, 25.
	DivFactor float64
	// FinalDivFactor sets the final rate, Max/DivFactor/FinalDivFactor; 0
	// means torch's default, 1e4.
	FinalDivFactor float64
	// Linear anneals along straight lines instead of torch's default
	// half-cosines (anneal_strategy='linear').
	Linear bool
	// ThreePhase comes back down to the starting rate over as many steps as
	// the rise took before annealing to the final rate, as fastai's
	// schedule does (torch's three_phase=True).
	ThreePhase bool
}

// OneCycleLR is the 1cycle policy of Smith and Topin, "Super-Convergence"
// (2017), as torch.optim.lr_scheduler.OneCycleLR computes it: the rate rises
// from Max/DivFactor to Max over the first PctStart of the Total steps, then
// anneals to Max/DivFactor/FinalDivFactor at step Total−1 (ThreePhase
// inserts a descent back to the starting rate in between). A test replays
// torch's rates, both strategies and both phase counts.
//
// Two differences from torch. It schedules the learning rate only, like
// torch with cycle_momentum=False: torch's default also cycles SGD's
// momentum or Adam's beta1 between 0.85 and 0.95, which an Optimizer here
// cannot change after it is made. And past step Total−1 it holds the final
// rate, where torch raises an error (and, at step Total, which a loop that
// steps after every batch reaches, extrapolates past the final rate).
type OneCycleLR struct {
	initial, peak, final float64
	ends                 []float64 // the last step of each phase, as torch computes it
	linear               bool
	total                int
}

// NewOneCycleLR returns a OneCycleLR schedule. It returns an error for a Max
// that is negative, NaN or infinite, a Total below 1, a PctStart outside
// [0, 1] (0 meaning the default), and a DivFactor or FinalDivFactor that is
// negative, NaN or infinite (0 meaning the default).
func NewOneCycleLR(c OneCycleConfig) (*OneCycleLR, error) {
	const op = "NewOneCycleLR"
	if err := checkHyper[float64](op, "maximum learning rate", c.Max); err != nil {
		return nil, err
	}
	if c.Total < 1 {
		return nil, fmt.Errorf("optim: %s: total steps must be at least 1, got %d", op, c.Total)
	}
	if !(c.PctStart >= 0 && c.PctStart <= 1) {
		return nil, fmt.Errorf("optim: %s: PctStart must be in (0, 1] (0 for the default 0.3), got %g", op, c.PctStart)
	}
	for _, f := range []struct {
		name string
		v    *float64
		def  float64
	}{{"DivFactor", &c.DivFactor, 25}, {"FinalDivFactor", &c.FinalDivFactor, 1e4}} {
		if !(*f.v >= 0) || math.IsInf(*f.v, 0) {
			return nil, fmt.Errorf("optim: %s: %s must be positive and finite (0 for the default %g), got %g", op, f.name, f.def, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if c.PctStart == 0 {
		c.PctStart = 0.3
	}
	s := &OneCycleLR{peak: c.Max, linear: c.Linear, total: c.Total}
	s.initial = c.Max / c.DivFactor
	s.final = s.initial / c.FinalDivFactor
	n := float64(c.Total)
	if c.ThreePhase {
		s.ends = []float64{c.PctStart*n - 1, 2*c.PctStart*n - 2, n - 1}
	} else {
		s.ends = []float64{c.PctStart*n - 1, n - 1}
	}
	return s, nil
}

// LR returns the rate at step: torch's rate for steps 0 to Total−1, the
// final rate after (0 for the zero OneCycleLR: make one with
// NewOneCycleLR).
func (s *OneCycleLR) LR(step int) float64 {
	if len(s.ends) == 0 {
		return 0
	}
	t := float64(min(max(step, 0), s.total-1))
	var from, to [3]float64
	if len(s.ends) == 3 {
		from, to = [3]float64{s.initial, s.peak, s.initial}, [3]float64{s.peak, s.initial, s.final}
	} else {
		from, to = [3]float64{s.initial, s.peak}, [3]float64{s.peak, s.final}
	}
	i, start := 0, 0.0
	for i < len(s.ends)-1 && t > s.ends[i] {
		start = s.ends[i]
		i++
	}
	// A phase of no length (torch divides by zero there) is already at its
	// end.
	pct := 1.0
	if end := s.ends[i]; end != start {
		pct = (t - start) / (end - start)
	}
	if s.linear {
		return (to[i]-from[i])*pct + from[i]
	}
	return to[i] + (from[i]-to[i])/2*(math.Cos(math.Pi*pct)+1)
}
