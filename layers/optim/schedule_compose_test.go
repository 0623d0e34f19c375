package optim_test

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
)

// TestSchedulerOverwrites checks what the Scheduler's doc says: each Step
// sets the schedule's rate whatever the optimizer's rate was, so a manual
// SetLR and a ReduceLROnPlateau reduction last until the next Step only,
// and SetSteps resumes a SequentialLR like any schedule.
func TestSchedulerOverwrites(t *testing.T) {
	opt, err := optim.NewSGD([]*autograd.Var[float64]{param[float64](1)}, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	s := mustSchedule[*optim.SequentialLR](t)(optim.NewSequentialLR([]optim.Schedule{
		mustSchedule[*optim.LinearLR](t)(optim.NewLinearLR(1, 0.5, 1, 2)),
		mustSchedule[*optim.MultiStepLR](t)(optim.NewMultiStepLR(1, []int{2}, 0.1)),
	}, []int{2}))
	sched, err := optim.NewScheduler(opt, s)
	if err != nil {
		t.Fatal(err)
	}
	if err := opt.SetLR(7); err != nil {
		t.Fatal(err)
	}
	if err := sched.Step(); err != nil || opt.LR() != 0.75 {
		t.Errorf("SetLR(7), then Step: %v, LR() = %v; want nil, the schedule's 0.75", err, opt.LR())
	}
	plateau, err := optim.NewReduceLROnPlateau(opt, optim.PlateauConfig{Factor: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	for _, metric := range []float64{1, 1} {
		if _, err := plateau.Step(metric); err != nil {
			t.Fatal(err)
		}
	}
	if opt.LR() != 0.375 {
		t.Fatalf("after a stalled metric, ReduceLROnPlateau left LR() = %v, want 0.375", opt.LR())
	}
	if err := sched.Step(); err != nil || opt.LR() != 1 {
		t.Errorf("after the reduction, Step: %v, LR() = %v; want nil, the schedule's 1", err, opt.LR())
	}
	if err := sched.SetSteps(4); err != nil || math.Abs(opt.LR()-0.1) > 1e-17 || sched.Steps() != 4 {
		t.Errorf("SetSteps(4): %v, LR() = %v, Steps() = %d; want nil, 0.1, 4", err, opt.LR(), sched.Steps())
	}
}
