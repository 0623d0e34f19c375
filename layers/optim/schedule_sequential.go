package optim

import (
	"fmt"
	"slices"
	"sort"
)

// SequentialLR runs schedules one after another, like
// torch.optim.lr_scheduler.SequentialLR: schedule 0 up to milestone 0,
// schedule i from milestone i−1 on, each counting its steps from 0 at its
// own milestone. With milestones m₁ < m₂ < ..., the rate at step t is
//
//	t < m₁:          schedules[0].LR(t)
//	mᵢ ≤ t < mᵢ₊₁:   schedules[i].LR(t − mᵢ)
//
// It is the way to compose schedules here (a warm-up, then a decay; a
// constant rate, then restarts): a Scheduler sets the optimizer's rate
// outright at each step, so two Schedulers on one optimizer do not combine
// as torch's chainable schedulers do (see Scheduler).
//
// A test replays torch's rates over 120 steps for chains of the schedules
// here. Two intended differences: each schedule keeps its own base rate
// (torch's share the optimizer's initial rate: give them all the same base
// to match torch), and the milestones must be strictly increasing and at
// least 1 (torch does not check their order, and with a milestone at 0 it
// mixes the first two schedules: it holds the first one's step-0 rate for
// two steps, then applies the second one's chainable updates to it).
//
// A SequentialLR is a Schedule, so it nests and resumes with
// Scheduler.SetSteps like any other; it is safe for concurrent use when its
// schedules are.
type SequentialLR struct {
	schedules  []Schedule
	milestones []int
}

// NewSequentialLR returns a SequentialLR of schedules switching at
// milestones. It returns an error for no schedules, a nil one, a number of
// milestones other than len(schedules)−1, and milestones that are not
// strictly increasing from at least 1. The schedule keeps copies of both
// slices.
func NewSequentialLR(schedules []Schedule, milestones []int) (*SequentialLR, error) {
	const op = "NewSequentialLR"
	if len(schedules) == 0 {
		return nil, fmt.Errorf("optim: %s: no schedules", op)
	}
	for i, s := range schedules {
		if isNil(s) {
			return nil, fmt.Errorf("optim: %s: schedule %d is nil", op, i)
		}
	}
	if len(milestones) != len(schedules)-1 {
		return nil, fmt.Errorf("optim: %s: %d schedules need %d milestones, got %d", op, len(schedules), len(schedules)-1, len(milestones))
	}
	prev := 0
	for _, m := range milestones {
		if m <= prev {
			return nil, fmt.Errorf("optim: %s: milestones must be strictly increasing and at least 1, got %v", op, milestones)
		}
		prev = m
	}
	return &SequentialLR{schedules: slices.Clone(schedules), milestones: slices.Clone(milestones)}, nil
}

// LR returns the rate of the schedule whose turn it is at step, at its own
// step count, as in the type's documentation (0 for the zero SequentialLR:
// make one with NewSequentialLR).
func (s *SequentialLR) LR(step int) float64 {
	if len(s.schedules) == 0 {
		return 0
	}
	t := max(step, 0)
	i := sort.Search(len(s.milestones), func(i int) bool { return s.milestones[i] > t })
	if i > 0 {
		t -= s.milestones[i-1]
	}
	return s.schedules[i].LR(t)
}
