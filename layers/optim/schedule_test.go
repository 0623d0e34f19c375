package optim_test

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
)

func mustSchedule[S optim.Schedule](t *testing.T) func(S, error) S {
	return func(s S, err error) S {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

// TestScheduleValues works the closed forms by hand at steps 0, 1, 2, ...
// (a negative step counts as 0).
func TestScheduleValues(t *testing.T) {
	cos := func(x float64) float64 { return (1 + math.Cos(math.Pi*x)) / 2 }
	tests := []struct {
		name  string
		sched optim.Schedule
		want  []float64 // at steps -1, 0, 1, ...
	}{
		{"step", mustSchedule[*optim.StepLR](t)(optim.NewStepLR(1, 2, 0.5)),
			[]float64{1, 1, 1, 0.5, 0.5, 0.25, 0.25, 0.125}},
		{"step size 1", mustSchedule[*optim.StepLR](t)(optim.NewStepLR(3, 1, 0.1)),
			[]float64{3, 3, 0.3, 0.03, 0.003}},
		{"exponential", mustSchedule[*optim.ExponentialLR](t)(optim.NewExponentialLR(2, 0.5)),
			[]float64{2, 2, 1, 0.5, 0.25}},
		{"constant", mustSchedule[*optim.ExponentialLR](t)(optim.NewExponentialLR(0.1, 1)),
			[]float64{0.1, 0.1, 0.1, 0.1}},
		// From 0, as torch's LinearLR cannot: 0, 1/2, then the cosine from 1
		// down to 0 over 4 steps, then held at 0.
		{"warm-up from zero", mustSchedule[*optim.WarmupCosineLR](t)(optim.NewWarmupCosineLR(optim.WarmupCosineConfig{
			Base: 1, Warmup: 2, Decay: 4})),
			[]float64{0, 0, 0.5, 1, cos(0.25), 0.5, cos(0.75), 0, 0, 0}},
		{"no warm-up, minimum held", mustSchedule[*optim.WarmupCosineLR](t)(optim.NewWarmupCosineLR(optim.WarmupCosineConfig{
			Base: 0.5, Min: 0.1, Decay: 2})),
			[]float64{0.5, 0.5, 0.3, 0.1, 0.1, 0.1}},
		{"start factor", mustSchedule[*optim.WarmupCosineLR](t)(optim.NewWarmupCosineLR(optim.WarmupCosineConfig{
			Base: 0.8, StartFactor: 0.5, Warmup: 4, Decay: 1, Min: 0.2})),
			[]float64{0.4, 0.4, 0.5, 0.6, 0.7, 0.8, 0.2, 0.2}},
		// torch's defaults: from 1/25 up to 1 over the first 30% (ending
		// at step 0.3·10−1 = 2, up to rounding), then down to 1/25/1e4 at
		// step 9, held after.
		{"one cycle, defaults", mustSchedule[*optim.OneCycleLR](t)(optim.NewOneCycleLR(optim.OneCycleConfig{Max: 1, Total: 10})),
			[]float64{0.04, 0.04, 0.52, 1, 4e-6 + (1-4e-6)*cos(1.0/7), 4e-6 + (1-4e-6)*cos(2.0/7), 4e-6 + (1-4e-6)*cos(3.0/7),
				4e-6 + (1-4e-6)*cos(4.0/7), 4e-6 + (1-4e-6)*cos(5.0/7), 4e-6 + (1-4e-6)*cos(6.0/7), 4e-6, 4e-6, 4e-6}},
		// A rise of no length (torch divides by zero): the peak at step 0.
		{"one cycle, no rise", mustSchedule[*optim.OneCycleLR](t)(optim.NewOneCycleLR(optim.OneCycleConfig{
			Max: 1, Total: 10, PctStart: 0.1, Linear: true})),
			[]float64{1, 1, 1 - (1-4e-6)/9, 1 - 2*(1-4e-6)/9}},
		{"one cycle, three phases", mustSchedule[*optim.OneCycleLR](t)(optim.NewOneCycleLR(optim.OneCycleConfig{
			Max: 1, Total: 8, PctStart: 0.25, DivFactor: 4, FinalDivFactor: 2, Linear: true, ThreePhase: true})),
			[]float64{0.25, 0.25, 1, 0.25, 0.225, 0.2, 0.175, 0.15, 0.125, 0.125}},
		{"one cycle, one step", mustSchedule[*optim.OneCycleLR](t)(optim.NewOneCycleLR(optim.OneCycleConfig{Max: 1, Total: 1})),
			[]float64{4e-6, 4e-6, 4e-6}},
		{"func", optim.ScheduleFunc(func(step int) float64 { return 1 / float64(step+2) }),
			[]float64{1, 0.5, 1.0 / 3, 0.25}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make([]float64, len(tt.want))
			for i := range got {
				got[i] = tt.sched.LR(i - 1)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateApprox(1e-15, 1e-16)); diff != "" {
				t.Errorf("LR at steps -1, 0, 1, ... (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScheduleValidation(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	errOf := func(_ any, err error) error { return err }
	wc := func(c optim.WarmupCosineConfig) error { return errOf(optim.NewWarmupCosineLR(c)) }
	oc := func(c optim.OneCycleConfig) error { return errOf(optim.NewOneCycleLR(c)) }
	tests := []struct {
		name string
		err  error
		want string // "" for success
	}{
		{"step ok", errOf(optim.NewStepLR(0.1, 30, 0.1)), ""},
		{"step zero base", errOf(optim.NewStepLR(0, 30, 0.1)), ""},
		{"step negative base", errOf(optim.NewStepLR(-0.1, 30, 0.1)), "NewStepLR: base learning rate must be finite and non-negative, got -0.1"},
		{"step NaN gamma", errOf(optim.NewStepLR(0.1, 30, nan)), "NewStepLR: gamma must be finite and non-negative, got NaN"},
		{"step zero size", errOf(optim.NewStepLR(0.1, 0, 0.1)), "NewStepLR: step size must be at least 1, got 0"},
		{"exponential ok", errOf(optim.NewExponentialLR(0.1, 0.95)), ""},
		{"exponential infinite base", errOf(optim.NewExponentialLR(inf, 0.95)), "NewExponentialLR: base learning rate must be finite and non-negative, got +Inf"},
		{"exponential negative gamma", errOf(optim.NewExponentialLR(0.1, -0.5)), "NewExponentialLR: gamma must be finite and non-negative, got -0.5"},
		{"cosine ok", wc(optim.WarmupCosineConfig{Base: 1, Min: 1, StartFactor: 1, Decay: 1}), ""},
		{"cosine NaN base", wc(optim.WarmupCosineConfig{Base: nan, Decay: 1}), "NewWarmupCosineLR: base learning rate must be finite and non-negative, got NaN"},
		{"cosine min above base", wc(optim.WarmupCosineConfig{Base: 0.1, Min: 0.2, Decay: 1}), "NewWarmupCosineLR: minimum learning rate must be in [0, base 0.1], got 0.2"},
		{"cosine negative min", wc(optim.WarmupCosineConfig{Base: 0.1, Min: -1e-3, Decay: 1}), "NewWarmupCosineLR: minimum learning rate must be in [0, base 0.1], got -0.001"},
		{"cosine start factor", wc(optim.WarmupCosineConfig{Base: 0.1, StartFactor: 1.5, Decay: 1}), "NewWarmupCosineLR: start factor must be in [0, 1], got 1.5"},
		{"cosine negative warm-up", wc(optim.WarmupCosineConfig{Base: 0.1, Warmup: -1, Decay: 1}), "NewWarmupCosineLR: warm-up steps must be non-negative, got -1"},
		{"one cycle ok", oc(optim.OneCycleConfig{Max: 0.1, Total: 1, PctStart: 1}), ""},
		{"one cycle NaN max", oc(optim.OneCycleConfig{Max: nan, Total: 10}), "NewOneCycleLR: maximum learning rate must be finite and non-negative, got NaN"},
		{"one cycle no steps", oc(optim.OneCycleConfig{Max: 0.1}), "NewOneCycleLR: total steps must be at least 1, got 0"},
		{"one cycle pct above 1", oc(optim.OneCycleConfig{Max: 0.1, Total: 10, PctStart: 1.5}), "NewOneCycleLR: PctStart must be in (0, 1] (0 for the default 0.3), got 1.5"},
		{"one cycle negative pct", oc(optim.OneCycleConfig{Max: 0.1, Total: 10, PctStart: -0.1}), "NewOneCycleLR: PctStart must be in (0, 1] (0 for the default 0.3), got -0.1"},
		{"one cycle negative div", oc(optim.OneCycleConfig{Max: 0.1, Total: 10, DivFactor: -1}), "NewOneCycleLR: DivFactor must be positive and finite (0 for the default 25), got -1"},
		{"one cycle infinite final div", oc(optim.OneCycleConfig{Max: 0.1, Total: 10, FinalDivFactor: inf}), "NewOneCycleLR: FinalDivFactor must be positive and finite (0 for the default 10000), got +Inf"},
		{"cosine no decay", wc(optim.WarmupCosineConfig{Base: 0.1, Warmup: 10}), "NewWarmupCosineLR: decay steps must be at least 1, got 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			switch {
			case tt.want == "" && tt.err != nil:
				t.Errorf("unexpected error: %v", tt.err)
			case tt.want != "" && tt.err == nil:
				t.Errorf("succeeded, want an error %q", tt.want)
			case tt.want != "" && !strings.Contains(tt.err.Error(), "optim: "+tt.want):
				t.Errorf("error %q, want one containing %q", tt.err, tt.want)
			}
		})
	}
}

// TestScheduler checks the torch convention (the step-0 rate is set at
// construction, each Step moves on by one) and what happens when the
// optimizer rejects a rate.
func TestScheduler(t *testing.T) {
	p := param[float32](1)
	opt, err := optim.NewAdam([]*autograd.Var[float32]{p}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	lrs := []float64{0.1, 0.2, -1, 0.4}
	sched, err := optim.NewScheduler(opt, optim.ScheduleFunc(func(step int) float64 { return lrs[step] }))
	if err != nil {
		t.Fatal(err)
	}
	if opt.LR() != 0.1 || sched.Steps() != 0 {
		t.Fatalf("after NewScheduler: LR() = %v, Steps() = %d; want 0.1, 0", opt.LR(), sched.Steps())
	}
	if err := sched.Step(); err != nil || opt.LR() != 0.2 || sched.Steps() != 1 {
		t.Fatalf("after Step: %v, LR() = %v, Steps() = %d; want nil, 0.2, 1", err, opt.LR(), sched.Steps())
	}
	err = sched.Step()
	if err == nil || !strings.Contains(err.Error(), "optim: Scheduler.Step: step 2: optim: Adam.SetLR: learning rate") {
		t.Errorf("Step to a rate of -1: %v, want an error naming the step and the rate", err)
	}
	if opt.LR() != 0.2 || sched.Steps() != 1 {
		t.Errorf("after a rejected Step: LR() = %v, Steps() = %d; want them unchanged at 0.2, 1", opt.LR(), sched.Steps())
	}

	for _, bad := range []optim.Schedule{
		optim.ScheduleFunc(func(int) float64 { return math.NaN() }),
		mustSchedule[*optim.StepLR](t)(optim.NewStepLR(1e39, 1, 0.5)), // +Inf in float32
	} {
		if _, err := optim.NewScheduler(opt, bad); err == nil || !strings.Contains(err.Error(), "optim: NewScheduler: step 0:") {
			t.Errorf("NewScheduler with a bad step-0 rate: %v, want an error", err)
		}
		if opt.LR() != 0.2 {
			t.Errorf("a rejected NewScheduler changed LR() to %v", opt.LR())
		}
	}
}

// TestScheduleNilAndZero: NewScheduler refuses a nil optimizer or schedule
// (a nil *StepLR included) with an error, not a crash, and the zero value
// of every schedule type is a schedule of rate 0.
func TestScheduleNilAndZero(t *testing.T) {
	opt, err := optim.NewSGD([]*autograd.Var[float64]{param[float64](1)}, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	var nilStep *optim.StepLR
	var nilOpt *optim.SGD[float64]
	for name, newSched := range map[string]func() (*optim.Scheduler[float64], error){
		"nil schedule": func() (*optim.Scheduler[float64], error) { return optim.NewScheduler[float64](opt, nil) },
		"nil *StepLR":  func() (*optim.Scheduler[float64], error) { return optim.NewScheduler[float64](opt, nilStep) },
		"nil optimizer": func() (*optim.Scheduler[float64], error) {
			return optim.NewScheduler[float64](nil, optim.ScheduleFunc(nil))
		},
		"nil *SGD": func() (*optim.Scheduler[float64], error) { return optim.NewScheduler[float64](nilOpt, &optim.StepLR{}) },
		"nil ScheduleFunc too": func() (*optim.Scheduler[float64], error) {
			return optim.NewScheduler[float64](opt, optim.ScheduleFunc(nil))
		},
	} {
		if s, err := newSched(); s != nil || err == nil || err.Error() != "optim: NewScheduler: the optimizer and the schedule must not be nil" {
			t.Errorf("%s: %v, %v; want the nil error", name, s, err)
		}
	}
	if _, err := optim.NewReduceLROnPlateau[float64](nil, optim.DefaultPlateauConfig()); err == nil {
		t.Error("NewReduceLROnPlateau of a nil optimizer succeeded")
	}
	for _, s := range []optim.Schedule{&optim.StepLR{}, &optim.ExponentialLR{}, &optim.WarmupCosineLR{}, &optim.OneCycleLR{}} {
		for _, step := range []int{-1, 0, 1, 7} {
			if lr := s.LR(step); lr != 0 {
				t.Errorf("zero %T: LR(%d) = %v, want 0", s, step, lr)
			}
		}
	}
}
