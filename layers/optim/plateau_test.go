package optim_test

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
)

// plateauConfig is torch's keyword arguments as a PlateauConfig.
func plateauConfig(t *testing.T, c torchRefPlateau) optim.PlateauConfig {
	t.Helper()
	cfg := optim.DefaultPlateauConfig()
	k := c.Kwargs
	if k.Mode != nil {
		cfg.Maximize = *k.Mode == "max"
	}
	if k.ThresholdMode != nil {
		cfg.AbsThreshold = *k.ThresholdMode == "abs"
	}
	for _, f := range []struct {
		from *float64
		to   *float64
	}{{k.Factor, &cfg.Factor}, {k.Threshold, &cfg.Threshold}, {k.MinLR, &cfg.MinLR}, {k.Eps, &cfg.Eps}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	if k.Patience != nil {
		cfg.Patience = *k.Patience
	}
	if k.Cooldown != nil {
		cfg.Cooldown = *k.Cooldown
	}
	return cfg
}

// TestTorchPlateau replays torch's ReduceLROnPlateau over one sequence of
// metrics (with a NaN and an infinity) for several configurations, and
// resumes each halfway from its State into a fresh one.
func TestTorchPlateau(t *testing.T) {
	ref := loadTorchRef(t)
	metrics := make([]float64, len(ref.PlateauMetrics))
	for i, m := range ref.PlateauMetrics {
		var err error
		if metrics[i], err = strconv.ParseFloat(m, 64); err != nil {
			t.Fatal(err)
		}
	}
	if len(ref.Plateau) == 0 {
		t.Fatal("no ReduceLROnPlateau cases in the reference")
	}
	for i, c := range ref.Plateau {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			cfg := plateauConfig(t, c)
			newPair := func() (*optim.SGD[float64], *optim.ReduceLROnPlateau[float64]) {
				opt, err := optim.NewSGD([]*autograd.Var[float64]{param[float64](1)}, c.LR)
				if err != nil {
					t.Fatal(err)
				}
				p, err := optim.NewReduceLROnPlateau(opt, cfg)
				if err != nil {
					t.Fatal(err)
				}
				return opt, p
			}
			opt, p := newPair()
			var got []float64
			reductions := 0
			for _, m := range metrics {
				lowered, err := p.Step(m)
				if err != nil {
					t.Fatal(err)
				}
				if lowered {
					reductions++
				}
				if lowered != (len(got) > 0 && opt.LR() != got[len(got)-1] || len(got) == 0 && opt.LR() != c.LR) {
					t.Errorf("step %d: Step returned %v but the rate went from %v to %v", len(got), lowered, c.LR, opt.LR())
				}
				got = append(got, opt.LR())
			}
			if diff := cmp.Diff(c.LRs, got, torchRefTol64); diff != "" {
				t.Errorf("rate after each Step (-torch +adjoint) for %+v:\n%s", cfg, diff)
			}
			if st := p.State(); st.Steps != len(metrics) || st.Reductions != reductions {
				t.Errorf("State() = %+v, want %d steps and %d reductions", st, len(metrics), reductions)
			}

			// Resume at the halfway point: the optimizer's rate and the
			// scheduler's state carry over, the rest must follow torch.
			half := len(metrics) / 2
			opt, p = newPair()
			for _, m := range metrics[:half] {
				if _, err := p.Step(m); err != nil {
					t.Fatal(err)
				}
			}
			opt2, p2 := newPair()
			if err := opt2.SetLR(opt.LR()); err != nil {
				t.Fatal(err)
			}
			if err := p2.SetState(p.State()); err != nil {
				t.Fatal(err)
			}
			resumed := append([]float64(nil), got[:half]...)
			for _, m := range metrics[half:] {
				if _, err := p2.Step(m); err != nil {
					t.Fatal(err)
				}
				resumed = append(resumed, opt2.LR())
			}
			if diff := cmp.Diff(c.LRs, resumed, torchRefTol64); diff != "" {
				t.Errorf("rates of a run resumed at step %d (-torch +adjoint):\n%s", half, diff)
			}
		})
	}
}

func TestPlateauValidation(t *testing.T) {
	opt, err := optim.NewSGD([]*autograd.Var[float64]{param[float64](1)}, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	with := func(f func(*optim.PlateauConfig)) optim.PlateauConfig {
		c := optim.DefaultPlateauConfig()
		f(&c)
		return c
	}
	tests := []struct {
		name string
		cfg  optim.PlateauConfig
		want string // "" for success
	}{
		{"default", optim.DefaultPlateauConfig(), ""},
		{"zero config", optim.PlateauConfig{}, "factor must be in (0, 1), got 0 (start from DefaultPlateauConfig)"},
		{"factor 1", with(func(c *optim.PlateauConfig) { c.Factor = 1 }), "factor must be in (0, 1), got 1"},
		{"NaN factor", with(func(c *optim.PlateauConfig) { c.Factor = math.NaN() }), "factor must be in (0, 1), got NaN"},
		{"patience 0", with(func(c *optim.PlateauConfig) { c.Patience = 0 }), ""},
		{"negative patience", with(func(c *optim.PlateauConfig) { c.Patience = -1 }), "patience and cooldown must be non-negative, got -1 and 0"},
		{"negative cooldown", with(func(c *optim.PlateauConfig) { c.Cooldown = -2 }), "patience and cooldown must be non-negative, got 10 and -2"},
		{"negative threshold", with(func(c *optim.PlateauConfig) { c.Threshold = -1e-4 }), "threshold must be finite and non-negative, got -0.0001"},
		{"infinite min", with(func(c *optim.PlateauConfig) { c.MinLR = math.Inf(1) }), "minimum learning rate must be finite and non-negative, got +Inf"},
		{"NaN eps", with(func(c *optim.PlateauConfig) { c.Eps = math.NaN() }), "eps must be finite and non-negative, got NaN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := optim.NewReduceLROnPlateau(opt, tt.cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), "optim: NewReduceLROnPlateau: "+tt.want)):
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}

	p, err := optim.NewReduceLROnPlateau(opt, optim.DefaultPlateauConfig())
	if err != nil {
		t.Fatal(err)
	}
	if st := p.State(); st != (optim.PlateauState{Best: math.Inf(1)}) {
		t.Errorf("initial State() = %+v, want Best +Inf and zero counts", st)
	}
	for _, bad := range []optim.PlateauState{{Steps: -1}, {BadSteps: -1}, {CooldownLeft: -1}, {Reductions: -1}, {Best: math.NaN()}} {
		var ae *optim.ArgError
		if err := p.SetState(bad); !errors.As(err, &ae) {
			t.Errorf("SetState(%+v) = %v, want an *ArgError", bad, err)
		}
	}
	if st := p.State(); st != (optim.PlateauState{Best: math.Inf(1)}) {
		t.Errorf("State() after rejected SetStates = %+v, want it unchanged", st)
	}
}

// refusingOptimizer is an Optimizer whose SetLR always fails, as one of
// a user's own might.
type refusingOptimizer struct{ optim.Optimizer[float64] }

func (refusingOptimizer) SetLR(float64) error { return errors.New("no") }

// TestPlateauRejectedRate: when the optimizer refuses the lowered rate,
// Step says so, counts the step, and reports no reduction.
func TestPlateauRejectedRate(t *testing.T) {
	sgd, err := optim.NewSGD([]*autograd.Var[float64]{param[float64](1)}, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	c := optim.DefaultPlateauConfig()
	c.Patience = 0
	p, err := optim.NewReduceLROnPlateau[float64](refusingOptimizer{sgd}, c)
	if err != nil {
		t.Fatal(err)
	}
	if lowered, err := p.Step(1); lowered || err != nil {
		t.Fatalf("first Step = %v, %v; want false, nil", lowered, err)
	}
	lowered, err := p.Step(2)
	if lowered || err == nil || err.Error() != "optim: ReduceLROnPlateau.Step: step 2: no" {
		t.Fatalf("second Step = %v, %v; want false and the optimizer's error", lowered, err)
	}
	if st := p.State(); st.Steps != 2 || st.Reductions != 0 || sgd.LR() != 0.1 {
		t.Errorf("after a refused rate: State() = %+v, LR %v; want 2 steps, 0 reductions, LR 0.1", st, sgd.LR())
	}
}
