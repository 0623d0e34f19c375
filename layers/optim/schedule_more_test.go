package optim_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/layers/optim"
)

// TestMoreScheduleValues works MultiStepLR, LinearLR, ConstantLR,
// PolynomialLR, CosineAnnealingWarmRestarts and SequentialLR by hand at
// steps -1, 0, 1, ..., including what torch cannot do (a warm-up from 0, a
// constant factor of 0) and each schedule's own base in a SequentialLR.
// torch's own rates are in TestTorchSchedules.
func TestMoreScheduleValues(t *testing.T) {
	cos := func(x float64) float64 { return (1 + math.Cos(math.Pi*x)) / 2 }
	seq := func(s []optim.Schedule, m []int) optim.Schedule {
		return mustSchedule[*optim.SequentialLR](t)(optim.NewSequentialLR(s, m))
	}
	count := func(from float64) optim.Schedule {
		return optim.ScheduleFunc(func(step int) float64 { return from + float64(step) })
	}
	tests := []struct {
		name  string
		sched optim.Schedule
		want  []float64 // at steps -1, 0, 1, ...
	}{
		// Milestones unsorted and one repeated: sorted, 3 decays twice.
		{"multistep", mustSchedule[*optim.MultiStepLR](t)(optim.NewMultiStepLR(1, []int{3, 1, 3}, 0.5)),
			[]float64{1, 1, 0.5, 0.5, 0.125, 0.125}},
		{"multistep at 0", mustSchedule[*optim.MultiStepLR](t)(optim.NewMultiStepLR(1, []int{0}, 0.1)),
			[]float64{0.1, 0.1, 0.1}}, // a negative step counts as 0
		{"multistep none", mustSchedule[*optim.MultiStepLR](t)(optim.NewMultiStepLR(0.3, nil, 0.1)),
			[]float64{0.3, 0.3, 0.3}},
		{"linear from zero", mustSchedule[*optim.LinearLR](t)(optim.NewLinearLR(2, 0, 1, 4)),
			[]float64{0, 0, 0.5, 1, 1.5, 2, 2}},
		{"linear decay", mustSchedule[*optim.LinearLR](t)(optim.NewLinearLR(1, 1, 0.5, 2)),
			[]float64{1, 1, 0.75, 0.5, 0.5}},
		{"constant zero factor", mustSchedule[*optim.ConstantLR](t)(optim.NewConstantLR(0.4, 0, 2)),
			[]float64{0, 0, 0, 0.4, 0.4}},
		{"polynomial", mustSchedule[*optim.PolynomialLR](t)(optim.NewPolynomialLR(1, 4, 2)),
			[]float64{1, 1, 0.5625, 0.25, 0.0625, 0, 0}},
		{"polynomial power 0", mustSchedule[*optim.PolynomialLR](t)(optim.NewPolynomialLR(0.3, 2, 0)),
			[]float64{0.3, 0.3, 0.3, 0.3, 0.3}},
		// Periods 1, 2, 4: restarts at steps 1, 3 and 7.
		{"warm restarts doubling", mustSchedule[*optim.CosineAnnealingWarmRestarts](t)(optim.NewCosineAnnealingWarmRestarts(1, 1, 2, 0)),
			[]float64{1, 1, 1, 0.5, 1, cos(0.25), 0.5, cos(0.75), 1, cos(1.0 / 8)}},
		{"warm restarts fixed", mustSchedule[*optim.CosineAnnealingWarmRestarts](t)(optim.NewCosineAnnealingWarmRestarts(1, 3, 1, 0.25)),
			[]float64{1, 1, 0.8125, 0.4375, 1, 0.8125, 0.4375, 1}},
		// Each schedule with its own base, the first cut before its total.
		{"sequential", seq([]optim.Schedule{
			mustSchedule[*optim.ConstantLR](t)(optim.NewConstantLR(1, 0.1, 5)),
			mustSchedule[*optim.ExponentialLR](t)(optim.NewExponentialLR(2, 0.5)),
			mustSchedule[*optim.StepLR](t)(optim.NewStepLR(8, 1, 0.5)),
		}, []int{2, 4}),
			[]float64{0.1, 0.1, 0.1, 2, 1, 8, 4, 2}},
		{"sequential nested", seq([]optim.Schedule{seq([]optim.Schedule{count(10), count(20)}, []int{2}), count(30)}, []int{3}),
			[]float64{10, 10, 11, 20, 30, 31}},
		{"sequential of one", seq([]optim.Schedule{count(5)}, nil),
			[]float64{5, 5, 6, 7}},
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

// TestWarmRestartsLongRuns compares CosineAnnealingWarmRestarts with torch's
// step-by-step recurrence (T_cur += 1, and a restart when it reaches T_i)
// over 5000 steps, and checks that a step near math.MaxInt neither loops
// for ever nor overflows a period.
func TestWarmRestartsLongRuns(t *testing.T) {
	for _, c := range []struct{ t0, tMult int }{{1, 1}, {7, 1}, {1, 2}, {3, 3}, {10, 2}} {
		s := mustSchedule[*optim.CosineAnnealingWarmRestarts](t)(optim.NewCosineAnnealingWarmRestarts(1, c.t0, c.tMult, 0.1))
		var want, got []float64
		cur, ti := 0, c.t0
		for step := range 5000 {
			want = append(want, 0.1+0.9*(1+math.Cos(math.Pi*float64(cur)/float64(ti)))/2)
			got = append(got, s.LR(step))
			if cur++; cur >= ti {
				cur, ti = cur-ti, ti*c.tMult
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("t0 %d, tMult %d: LR(0..4999) differs from torch's recurrence (-want +got):\n%s", c.t0, c.tMult, diff)
		}
	}
	for _, c := range []struct{ t0, tMult int }{{1, 1}, {1, 2}, {3, 1 << 40}, {1 << 62, 1 << 62}} {
		s := mustSchedule[*optim.CosineAnnealingWarmRestarts](t)(optim.NewCosineAnnealingWarmRestarts(1, c.t0, c.tMult, 0.1))
		for _, step := range []int{math.MaxInt - 1, math.MaxInt} {
			if lr := s.LR(step); !(lr >= 0.1 && lr <= 1) {
				t.Errorf("t0 %d, tMult %d: LR(%d) = %v, want a rate in [0.1, 1]", c.t0, c.tMult, step, lr)
			}
		}
	}
}

func TestMoreScheduleValidation(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	errOf := func(_ any, err error) error { return err }
	one := optim.ScheduleFunc(func(int) float64 { return 1 })
	var nilStep *optim.StepLR
	tests := []struct {
		name string
		err  error
		want string // "" for success
	}{
		{"multistep ok", errOf(optim.NewMultiStepLR(0.1, []int{0, 30, 30}, 0.1)), ""},
		{"multistep none", errOf(optim.NewMultiStepLR(0.1, nil, 0.1)), ""},
		{"multistep negative base", errOf(optim.NewMultiStepLR(-1, nil, 0.1)), "NewMultiStepLR: base learning rate must be finite and non-negative, got -1"},
		{"multistep NaN gamma", errOf(optim.NewMultiStepLR(0.1, nil, nan)), "NewMultiStepLR: gamma must be finite and non-negative, got NaN"},
		{"multistep negative milestone", errOf(optim.NewMultiStepLR(0.1, []int{5, -1}, 0.1)), "NewMultiStepLR: milestones must be non-negative, got -1"},
		{"linear ok", errOf(optim.NewLinearLR(0.1, 0, 1, 1)), ""},
		{"linear infinite base", errOf(optim.NewLinearLR(inf, 0.5, 1, 5)), "NewLinearLR: base learning rate must be finite and non-negative, got +Inf"},
		{"linear start above 1", errOf(optim.NewLinearLR(0.1, 1.5, 1, 5)), "NewLinearLR: start factor must be in [0, 1], got 1.5"},
		{"linear NaN end", errOf(optim.NewLinearLR(0.1, 0.5, nan, 5)), "NewLinearLR: end factor must be in [0, 1], got NaN"},
		{"linear negative end", errOf(optim.NewLinearLR(0.1, 0.5, -0.1, 5)), "NewLinearLR: end factor must be in [0, 1], got -0.1"},
		{"linear no iterations", errOf(optim.NewLinearLR(0.1, 0.5, 1, 0)), "NewLinearLR: total iterations must be at least 1, got 0"},
		{"constant ok", errOf(optim.NewConstantLR(0.1, 1, 1)), ""},
		{"constant NaN base", errOf(optim.NewConstantLR(nan, 0.5, 5)), "NewConstantLR: base learning rate must be finite and non-negative, got NaN"},
		{"constant negative factor", errOf(optim.NewConstantLR(0.1, -0.5, 5)), "NewConstantLR: factor must be in [0, 1], got -0.5"},
		{"constant no iterations", errOf(optim.NewConstantLR(0.1, 0.5, -3)), "NewConstantLR: total iterations must be at least 1, got -3"},
		{"polynomial ok", errOf(optim.NewPolynomialLR(0.1, 1, 0)), ""},
		{"polynomial negative base", errOf(optim.NewPolynomialLR(-0.1, 5, 1)), "NewPolynomialLR: base learning rate must be finite and non-negative, got -0.1"},
		{"polynomial no iterations", errOf(optim.NewPolynomialLR(0.1, 0, 1)), "NewPolynomialLR: total iterations must be at least 1, got 0"},
		{"polynomial negative power", errOf(optim.NewPolynomialLR(0.1, 5, -1)), "NewPolynomialLR: power must be finite and non-negative, got -1"},
		{"polynomial infinite power", errOf(optim.NewPolynomialLR(0.1, 5, inf)), "NewPolynomialLR: power must be finite and non-negative, got +Inf"},
		{"restarts ok", errOf(optim.NewCosineAnnealingWarmRestarts(0.1, 1, 1, 0.1)), ""},
		{"restarts NaN base", errOf(optim.NewCosineAnnealingWarmRestarts(nan, 10, 1, 0)), "NewCosineAnnealingWarmRestarts: base learning rate must be finite and non-negative, got NaN"},
		{"restarts no period", errOf(optim.NewCosineAnnealingWarmRestarts(0.1, 0, 1, 0)), "NewCosineAnnealingWarmRestarts: first period t0 must be at least 1, got 0"},
		{"restarts zero factor", errOf(optim.NewCosineAnnealingWarmRestarts(0.1, 10, 0, 0)), "NewCosineAnnealingWarmRestarts: period factor tMult must be at least 1, got 0"},
		{"restarts min above base", errOf(optim.NewCosineAnnealingWarmRestarts(0.1, 10, 1, 0.2)), "NewCosineAnnealingWarmRestarts: minimum learning rate must be in [0, base 0.1], got 0.2"},
		{"restarts NaN min", errOf(optim.NewCosineAnnealingWarmRestarts(0.1, 10, 1, nan)), "NewCosineAnnealingWarmRestarts: minimum learning rate must be in [0, base 0.1], got NaN"},
		{"sequential ok", errOf(optim.NewSequentialLR([]optim.Schedule{one, one, one}, []int{1, 2})), ""},
		{"sequential none", errOf(optim.NewSequentialLR(nil, nil)), "NewSequentialLR: no schedules"},
		{"sequential nil", errOf(optim.NewSequentialLR([]optim.Schedule{one, nil}, []int{1})), "NewSequentialLR: schedule 1 is nil"},
		{"sequential nil pointer", errOf(optim.NewSequentialLR([]optim.Schedule{nilStep}, nil)), "NewSequentialLR: schedule 0 is nil"},
		{"sequential milestones short", errOf(optim.NewSequentialLR([]optim.Schedule{one, one, one}, []int{3})), "NewSequentialLR: 3 schedules need 2 milestones, got 1"},
		{"sequential milestone 0", errOf(optim.NewSequentialLR([]optim.Schedule{one, one}, []int{0})), "NewSequentialLR: milestones must be strictly increasing and at least 1, got [0]"},
		{"sequential milestones repeated", errOf(optim.NewSequentialLR([]optim.Schedule{one, one, one}, []int{4, 4})), "NewSequentialLR: milestones must be strictly increasing and at least 1, got [4 4]"},
		{"sequential milestones decreasing", errOf(optim.NewSequentialLR([]optim.Schedule{one, one, one}, []int{5, 2})), "NewSequentialLR: milestones must be strictly increasing and at least 1, got [5 2]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			switch {
			case tt.want == "" && tt.err != nil:
				t.Errorf("unexpected error: %v", tt.err)
			case tt.want != "" && tt.err == nil:
				t.Errorf("succeeded, want an error %q", tt.want)
			case tt.want != "" && tt.err.Error() != "optim: "+tt.want:
				t.Errorf("error %q, want %q", tt.err, "optim: "+tt.want)
			}
		})
	}
}

// TestMoreScheduleZero: the zero value of every new schedule type is a
// schedule of rate 0, as for the others (TestScheduleNilAndZero).
func TestMoreScheduleZero(t *testing.T) {
	for _, s := range []optim.Schedule{&optim.MultiStepLR{}, &optim.LinearLR{}, &optim.ConstantLR{},
		&optim.PolynomialLR{}, &optim.CosineAnnealingWarmRestarts{}, &optim.SequentialLR{}} {
		for _, step := range []int{-1, 0, 1, 7} {
			if lr := s.LR(step); lr != 0 {
				t.Errorf("zero %T: LR(%d) = %v, want 0", s, step, lr)
			}
		}
	}
}

// TestScheduleSlicesCopied: MultiStepLR and SequentialLR keep copies of the
// slices they were given, so that a schedule stays immutable.
func TestScheduleSlicesCopied(t *testing.T) {
	ms := []int{2}
	multi := mustSchedule[*optim.MultiStepLR](t)(optim.NewMultiStepLR(1, ms, 0.5))
	scheds := []optim.Schedule{optim.ScheduleFunc(func(int) float64 { return 1 }), optim.ScheduleFunc(func(int) float64 { return 2 })}
	seqMs := []int{2}
	seq := mustSchedule[*optim.SequentialLR](t)(optim.NewSequentialLR(scheds, seqMs))
	ms[0], seqMs[0] = 0, 1
	scheds[1] = optim.ScheduleFunc(func(int) float64 { return 3 })
	if got := []float64{multi.LR(1), multi.LR(2), seq.LR(1), seq.LR(2)}; !cmp.Equal(got, []float64{1, 0.5, 1, 2}) {
		t.Errorf("after changing the slices given: MultiStepLR at 1, 2 and SequentialLR at 1, 2 = %v, want [1 0.5 1 2]", got)
	}
}
