package optim

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// This file holds the rest of torch.optim.lr_scheduler's fixed schedules:
// MultiStepLR, LinearLR, ConstantLR, PolynomialLR and
// CosineAnnealingWarmRestarts. torch's CosineAnnealingLR is WarmupCosineLR
// with no warm-up; SequentialLR is in schedule_sequential.go.
//
// torch steps most of these in a chainable form (each step multiplies the
// optimizer's current rate by a ratio); every schedule here is torch's
// closed form, a function of the step alone, so the two differ by rounding
// only (at most a few ulps over the 120 steps the reference test replays).

// MultiStepLR decays the learning rate by gamma at each milestone, like
// torch.optim.lr_scheduler.MultiStepLR: lr(t) = base·gamma^k, where k is the
// number of milestones ≤ t. Milestones may come in any order, and a milestone
// listed twice decays twice, as with torch's Counter of milestones.
type MultiStepLR struct {
	base, gamma float64
	milestones  []int // sorted, repeats kept
}

// NewMultiStepLR returns a MultiStepLR schedule. It returns an error for a
// base rate or gamma that is negative, NaN or infinite, and for a negative
// milestone (torch's chainable form never reaches one, its closed form
// counts it: the two disagree). No milestones make a constant rate. The
// schedule keeps a sorted copy of milestones.
func NewMultiStepLR(base float64, milestones []int, gamma float64) (*MultiStepLR, error) {
	const op = "NewMultiStepLR"
	if err := checkHyper[float64](op, "base learning rate", base); err != nil {
		return nil, err
	}
	if err := checkHyper[float64](op, "gamma", gamma); err != nil {
		return nil, err
	}
	for _, m := range milestones {
		if m < 0 {
			return nil, fmt.Errorf("optim: %s: milestones must be non-negative, got %d", op, m)
		}
	}
	ms := slices.Clone(milestones)
	slices.Sort(ms)
	return &MultiStepLR{base: base, gamma: gamma, milestones: ms}, nil
}

// LR returns base·gamma^k, k the number of milestones ≤ step (0 for the zero
// MultiStepLR: make one with NewMultiStepLR).
func (s *MultiStepLR) LR(step int) float64 {
	t := max(step, 0)
	k := sort.Search(len(s.milestones), func(i int) bool { return s.milestones[i] > t })
	return s.base * math.Pow(s.gamma, float64(k))
}

// LinearLR moves the learning rate's factor in a straight line from
// startFactor to endFactor over totalIters steps and holds it there, like
// torch.optim.lr_scheduler.LinearLR, the usual linear warm-up:
//
//	lr(t) = base·(start + (end−start)·min(t, totalIters)/totalIters)
//
// One intended difference: the start factor may be 0, a warm-up from a rate
// of 0, where torch's chainable form divides by it (torch 1.13 accepts 0
// and fails with ZeroDivisionError at the first step).
type LinearLR struct {
	base, start, end float64
	total            int
}

// NewLinearLR returns a LinearLR schedule. It returns an error for a base
// rate that is negative, NaN or infinite, a start or end factor outside
// [0, 1] (torch's range), and totalIters < 1 (torch divides by it).
func NewLinearLR(base, startFactor, endFactor float64, totalIters int) (*LinearLR, error) {
	const op = "NewLinearLR"
	if err := checkHyper[float64](op, "base learning rate", base); err != nil {
		return nil, err
	}
	if err := checkFactor(op, "start factor", startFactor); err != nil {
		return nil, err
	}
	if err := checkFactor(op, "end factor", endFactor); err != nil {
		return nil, err
	}
	if totalIters < 1 {
		return nil, fmt.Errorf("optim: %s: total iterations must be at least 1, got %d", op, totalIters)
	}
	return &LinearLR{base: base, start: startFactor, end: endFactor, total: totalIters}, nil
}

// LR returns the rate at step, as in the type's documentation (0 for the
// zero LinearLR: make one with NewLinearLR).
func (s *LinearLR) LR(step int) float64 {
	if s.total < 1 {
		return 0
	}
	u := min(max(step, 0), s.total)
	return s.base * (s.start + (s.end-s.start)*float64(u)/float64(s.total))
}

// ConstantLR multiplies the learning rate by factor for the first totalIters
// steps, then uses the base rate, like torch.optim.lr_scheduler.ConstantLR:
// lr(t) = base·factor for t < totalIters, base after. The factor may be 0
// (no updates at all during those steps), where torch's chainable form
// divides by it at step totalIters.
type ConstantLR struct {
	base, factor float64
	total        int
}

// NewConstantLR returns a ConstantLR schedule. It returns an error for a
// base rate that is negative, NaN or infinite, a factor outside [0, 1]
// (torch's range), and totalIters < 1 (torch's ConstantLR with
// total_iters=0 applies the factor for ever in its chainable form and never
// in its closed form).
func NewConstantLR(base, factor float64, totalIters int) (*ConstantLR, error) {
	const op = "NewConstantLR"
	if err := checkHyper[float64](op, "base learning rate", base); err != nil {
		return nil, err
	}
	if err := checkFactor(op, "factor", factor); err != nil {
		return nil, err
	}
	if totalIters < 1 {
		return nil, fmt.Errorf("optim: %s: total iterations must be at least 1, got %d", op, totalIters)
	}
	return &ConstantLR{base: base, factor: factor, total: totalIters}, nil
}

// LR returns base·factor before step totalIters and base from there on (0
// for the zero ConstantLR: make one with NewConstantLR).
func (s *ConstantLR) LR(step int) float64 {
	if step < s.total {
		return s.base * s.factor
	}
	return s.base
}

// PolynomialLR decays the learning rate to 0 along a polynomial over
// totalIters steps and holds it at 0, like
// torch.optim.lr_scheduler.PolynomialLR:
//
//	lr(t) = base·(1 − min(t, totalIters)/totalIters)^power
//
// A power of 1 is a linear decay to 0; a power of 0 is a constant rate
// (0⁰ = 1, in Go as in Python).
type PolynomialLR struct {
	base, power float64
	total       int
}

// NewPolynomialLR returns a PolynomialLR schedule. It returns an error for a
// base rate or power that is negative, NaN or infinite (a negative power
// would make the last rate infinite; torch fails there with
// ZeroDivisionError), and totalIters < 1 (torch divides by it).
func NewPolynomialLR(base float64, totalIters int, power float64) (*PolynomialLR, error) {
	const op = "NewPolynomialLR"
	if err := checkHyper[float64](op, "base learning rate", base); err != nil {
		return nil, err
	}
	if totalIters < 1 {
		return nil, fmt.Errorf("optim: %s: total iterations must be at least 1, got %d", op, totalIters)
	}
	if err := checkHyper[float64](op, "power", power); err != nil {
		return nil, err
	}
	return &PolynomialLR{base: base, power: power, total: totalIters}, nil
}

// LR returns the rate at step, as in the type's documentation (0 for the
// zero PolynomialLR: make one with NewPolynomialLR).
func (s *PolynomialLR) LR(step int) float64 {
	if s.total < 1 {
		return 0
	}
	u := min(max(step, 0), s.total)
	return s.base * math.Pow(1-float64(u)/float64(s.total), s.power)
}

// CosineAnnealingWarmRestarts is SGDR, the cosine annealing with warm
// restarts of Loshchilov and Hutter (2016), like
// torch.optim.lr_scheduler.CosineAnnealingWarmRestarts: the rate follows a
// half cosine from base down towards etaMin over a period of T_i steps,
// then restarts at base; the first period is t0 steps and each next one is
// tMult times longer. With T_cur the steps since the last restart,
//
//	lr(t) = etaMin + (base−etaMin)·(1 + cos(π·T_cur/T_i))/2
//
// The step is an integer, counting epochs or batches, whichever the
// Scheduler steps: torch's step(epoch + i/iters) with a fractional epoch
// has no counterpart, but stepping per batch with t0 counted in batches
// gives the same rates at the batches.
type CosineAnnealingWarmRestarts struct {
	base, etaMin float64
	t0, tMult    int
}

// NewCosineAnnealingWarmRestarts returns a CosineAnnealingWarmRestarts
// schedule with a first period of t0 steps, each next one tMult times
// longer. It returns an error for a base rate that is negative, NaN or
// infinite, an etaMin outside [0, base] (as WarmupCosineLR's Min), t0 < 1
// and tMult < 1 (torch's ranges).
func NewCosineAnnealingWarmRestarts(base float64, t0, tMult int, etaMin float64) (*CosineAnnealingWarmRestarts, error) {
	const op = "NewCosineAnnealingWarmRestarts"
	if err := checkHyper[float64](op, "base learning rate", base); err != nil {
		return nil, err
	}
	if t0 < 1 {
		return nil, fmt.Errorf("optim: %s: first period t0 must be at least 1, got %d", op, t0)
	}
	if tMult < 1 {
		return nil, fmt.Errorf("optim: %s: period factor tMult must be at least 1, got %d", op, tMult)
	}
	if !(etaMin >= 0 && etaMin <= base) {
		return nil, fmt.Errorf("optim: %s: minimum learning rate must be in [0, base %g], got %g", op, base, etaMin)
	}
	return &CosineAnnealingWarmRestarts{base: base, etaMin: etaMin, t0: t0, tMult: tMult}, nil
}

// LR returns the rate at step, as in the type's documentation (0 for the
// zero CosineAnnealingWarmRestarts: make one with
// NewCosineAnnealingWarmRestarts).
func (s *CosineAnnealingWarmRestarts) LR(step int) float64 {
	if s.t0 < 1 {
		return 0
	}
	cur, period := max(step, 0), float64(s.t0)
	if s.tMult == 1 {
		cur %= s.t0
	} else {
		// The periods grow geometrically: a few dozen turns at most. A
		// period too long for an int is longer than any step left.
		for ti := s.t0; cur >= ti; {
			cur -= ti
			period = float64(ti) * float64(s.tMult)
			if ti > math.MaxInt/s.tMult {
				break
			}
			ti *= s.tMult
		}
	}
	return s.etaMin + (s.base-s.etaMin)*(1+math.Cos(math.Pi*float64(cur)/period))/2
}

// checkFactor rejects a multiplicative factor outside [0, 1].
func checkFactor(op, name string, v float64) error {
	if !(v >= 0 && v <= 1) {
		return fmt.Errorf("optim: %s: %s must be in [0, 1], got %g", op, name, v)
	}
	return nil
}
