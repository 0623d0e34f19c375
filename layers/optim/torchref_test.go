package optim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file replays torch.optim. testdata/torch_ref.json comes from
// testdata/gen_torch_ref.py (Debian's python3-torch; see the comment at its
// top): parameters after each of six steps (twelve for one RAdam case, to
// cover its rectified steps) of every optimizer on a fixed
// quadratic loss, the learning rates of the schedules, and gradient
// clipping. The test rebuilds each case with Adjoint and needs no Python.

const torchRefFile = "testdata/torch_ref.json"

// torchRefTol64 compares float64 runs with torch's float64 runs. Both sides
// make the same few elementwise operations per step, in the same order (the
// optimizers copy torch's expressions, down to where ε sits), so they differ
// only by rounding: another libm's pow for βᵗ, a fused multiply-add in
// torch's vectorised kernels, the summation order in a norm. Each is an ulp
// of an operand of order 1, and six steps of these contracting updates do
// not amplify them: the largest difference measured is 9e-16 absolute,
// which is 3e-14 relative for a parameter that has moved close to zero. A
// relative 1e-12 with an absolute 1e-14 leaves a factor of ten to thirty
// over that and still catches any real difference in a formula, which moves
// some parameter by far more within six steps: ε inside instead of outside
// the square root, a missing bias correction, dampening on the first step,
// a step count shared between parameters, clipping by maxNorm/total instead
// of maxNorm/(total+1e-6) (each of these was tried and fails the test).
var torchRefTol64 = cmpopts.EquateApprox(1e-12, 1e-14)

// torchRefTol32 compares float32 runs with the same float64 references: each
// operation rounds to 2⁻²⁴ ≈ 6e-8 relative, and the largest difference
// measured after six steps is 3.4e-7 absolute (parameters are of order 1).
// An absolute 1e-6, or a relative 2e-6 for larger values, is three times
// that, and still fails every formula change listed above except the ones
// below float32's resolution (ε = 1e-8 inside the square root, the 1e-6 in
// the clipping factor).
var torchRefTol32 = cmpopts.EquateApprox(2e-6, 1e-6)

type torchRef struct {
	Generator    string `json:"generator"`
	TorchVersion string `json:"torch_version"`
	Problem      struct {
		Steps    int                        `json:"steps"`
		Late     string                     `json:"late"`
		LateFrom int                        `json:"late_from"`
		Order    []string                   `json:"order"`
		Params   map[string]torchRefProblem `json:"params"`
	} `json:"problem"`
	Optimizers []torchRefOptimizer `json:"optimizers"`
	Schedules  []torchRefSchedule  `json:"schedules"`
	// PlateauMetrics are strings so that nan and inf fit in JSON.
	PlateauMetrics []string            `json:"plateau_metrics"`
	Plateau        []torchRefPlateau   `json:"plateau"`
	ClipNorm       []torchRefClipNorm  `json:"clip_norm"`
	ClipValue      []torchRefClipValue `json:"clip_value"`
}

// torchRefProblem is one parameter of the loss Σ sum(A∘p∘p + B∘p).
type torchRefProblem struct {
	Shape []int     `json:"shape"`
	Init  []float64 `json:"init"`
	A     []float64 `json:"a"`
	B     []float64 `json:"b"`
}

type torchRefOptimizer struct {
	Name   string                 `json:"name"`
	Class  string                 `json:"class"`
	Kwargs torchRefKwargs         `json:"kwargs"`
	Groups []torchRefGroup        `json:"groups"` // torch's param_groups; none: one group of every parameter
	StepLR *torchRefStepLR        `json:"steplr"`
	Steps  []map[string][]float64 `json:"steps"` // parameter values after each step
}

// torchRefGroup is one of torch's parameter groups: its parameters by name,
// and the keyword arguments it sets (nil: the optimizer's).
type torchRefGroup struct {
	Params      []string `json:"params"`
	LR          *float64 `json:"lr"`
	WeightDecay *float64 `json:"weight_decay"`
}

// torchRefKwargs are torch.optim's keyword arguments; nil means torch's
// default. Unknown keys make decoding fail, so that no argument the script
// gains is silently ignored here.
type torchRefKwargs struct {
	LR          *float64  `json:"lr"`
	Momentum    *float64  `json:"momentum"`
	Dampening   *float64  `json:"dampening"`
	Nesterov    bool      `json:"nesterov"`
	WeightDecay *float64  `json:"weight_decay"`
	Betas       []float64 `json:"betas"`
	Eps         *float64  `json:"eps"`
	AMSGrad     bool      `json:"amsgrad"`
	Alpha       *float64  `json:"alpha"`
	Centered    bool      `json:"centered"`
	LRDecay     *float64  `json:"lr_decay"`
	InitAcc     *float64  `json:"initial_accumulator_value"`
	MomDecay    *float64  `json:"momentum_decay"`
	Rho         *float64  `json:"rho"`
	Maximize    bool      `json:"maximize"`
}

type torchRefStepLR struct {
	StepSize int     `json:"step_size"`
	Gamma    float64 `json:"gamma"`
}

type torchRefSchedule struct {
	Name        string  `json:"name"`
	Base        float64 `json:"base"`
	Gamma       float64 `json:"gamma"`
	StepSize    int     `json:"step_size"`
	StartFactor float64 `json:"start_factor"`
	Warmup      int     `json:"warmup"`
	Decay       int     `json:"decay"`
	EtaMin      float64 `json:"eta_min"`
	// OneCycleLR's.
	Total          int       `json:"total"`
	PctStart       float64   `json:"pct_start"`
	DivFactor      float64   `json:"div_factor"`
	FinalDivFactor float64   `json:"final_div_factor"`
	Linear         bool      `json:"linear"`
	ThreePhase     bool      `json:"three_phase"`
	LRs            []float64 `json:"lrs"`

	// MultiStepLR's, LinearLR's, ConstantLR's, PolynomialLR's,
	// CosineAnnealingWarmRestarts' and SequentialLR's.
	Milestones []int   `json:"milestones"`
	EndFactor  float64 `json:"end_factor"`
	Factor     float64 `json:"factor"`
	TotalIters int     `json:"total_iters"`
	Power      float64 `json:"power"`
	T0         int     `json:"t_0"`
	TMult      int     `json:"t_mult"`
	// Schedules are a SequentialLR's, each with the same base (torch's
	// share the optimizer's initial rate) and no LRs.
	Schedules []torchRefSchedule `json:"schedules"`
}

// torchRefPlateau is one ReduceLROnPlateau: its keyword arguments (those
// not given keep torch's defaults), the starting rate, and the rate after
// each step over the metrics.
type torchRefPlateau struct {
	Kwargs struct {
		Mode          *string  `json:"mode"`
		Factor        *float64 `json:"factor"`
		Patience      *int     `json:"patience"`
		Threshold     *float64 `json:"threshold"`
		ThresholdMode *string  `json:"threshold_mode"`
		Cooldown      *int     `json:"cooldown"`
		MinLR         *float64 `json:"min_lr"`
		Eps           *float64 `json:"eps"`
	} `json:"kwargs"`
	LR  float64   `json:"lr"`
	LRs []float64 `json:"lrs"`
}

type torchRefClipNorm struct {
	MaxNorm   float64              `json:"max_norm"`
	NormType  string               `json:"norm_type"` // a string, so that "inf" fits in JSON
	Grads     map[string][]float64 `json:"grads"`
	TotalNorm float64              `json:"total_norm"`
	Clipped   map[string][]float64 `json:"clipped"`
}

type torchRefClipValue struct {
	Clip    float64              `json:"clip"`
	Grads   map[string][]float64 `json:"grads"`
	Clipped map[string][]float64 `json:"clipped"`
}

func loadTorchRef(t *testing.T) *torchRef {
	t.Helper()
	data, err := os.ReadFile(torchRefFile)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var ref torchRef
	if err := dec.Decode(&ref); err != nil {
		t.Fatalf("%s: %v", torchRefFile, err)
	}
	if len(ref.Optimizers) == 0 || len(ref.Schedules) == 0 || len(ref.ClipNorm) == 0 || len(ref.ClipValue) == 0 {
		t.Fatalf("%s has an empty section", torchRefFile)
	}
	return &ref
}

// or returns *p, or def when p is nil (torch's default).
func or(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
}

// newTorchOptimizer makes the Adjoint optimizer for a torch.optim class and
// its keyword arguments, with torch's defaults for the missing ones, and
// the ParamGroup options groups.
func newTorchOptimizer[T tensor.Float](c torchRefOptimizer, params []*autograd.Var[T], groups ...optim.ParamGroupOption[T]) (optim.Optimizer[T], error) {
	k := c.Kwargs
	switch c.Class {
	case "SGD":
		opts := []optim.SGDOption{optim.Momentum(or(k.Momentum, 0)), optim.Dampening(or(k.Dampening, 0)),
			optim.WeightDecay(or(k.WeightDecay, 0))}
		if k.Nesterov {
			opts = append(opts, optim.Nesterov())
		}
		if k.Maximize {
			opts = append(opts, optim.Maximize())
		}
		for _, g := range groups {
			opts = append(opts, g)
		}
		if k.LR == nil {
			return nil, fmt.Errorf("torch's SGD needs lr")
		}
		return optim.NewSGD(params, *k.LR, opts...)
	case "Adam", "AdamW":
		var opts []optim.AdamOption
		if k.Betas != nil {
			opts = append(opts, optim.Betas(k.Betas[0], k.Betas[1]))
		}
		if k.Eps != nil {
			opts = append(opts, optim.Eps(*k.Eps))
		}
		if k.WeightDecay != nil {
			opts = append(opts, optim.WeightDecay(*k.WeightDecay))
		}
		if k.AMSGrad {
			opts = append(opts, optim.AMSGrad())
		}
		if k.Maximize {
			opts = append(opts, optim.Maximize())
		}
		for _, g := range groups {
			opts = append(opts, g)
		}
		if c.Class == "Adam" {
			return optim.NewAdam(params, or(k.LR, 1e-3), opts...)
		}
		return optim.NewAdamW(params, or(k.LR, 1e-3), opts...)
	case "RMSprop":
		var opts []optim.RMSPropOption
		if k.Alpha != nil {
			opts = append(opts, optim.Alpha(*k.Alpha))
		}
		if k.Eps != nil {
			opts = append(opts, optim.Eps(*k.Eps))
		}
		if k.Momentum != nil {
			opts = append(opts, optim.Momentum(*k.Momentum))
		}
		if k.WeightDecay != nil {
			opts = append(opts, optim.WeightDecay(*k.WeightDecay))
		}
		if k.Centered {
			opts = append(opts, optim.Centered())
		}
		if k.Maximize {
			opts = append(opts, optim.Maximize())
		}
		for _, g := range groups {
			opts = append(opts, g)
		}
		return optim.NewRMSProp(params, or(k.LR, 1e-2), opts...)
	case "Adagrad":
		var opts []optim.AdagradOption
		if k.LRDecay != nil {
			opts = append(opts, optim.LRDecay(*k.LRDecay))
		}
		if k.InitAcc != nil {
			opts = append(opts, optim.InitialAccumulator(*k.InitAcc))
		}
		if k.Eps != nil {
			opts = append(opts, optim.Eps(*k.Eps))
		}
		if k.WeightDecay != nil {
			opts = append(opts, optim.WeightDecay(*k.WeightDecay))
		}
		if k.Maximize {
			opts = append(opts, optim.Maximize())
		}
		for _, g := range groups {
			opts = append(opts, g)
		}
		return optim.NewAdagrad(params, or(k.LR, 1e-2), opts...)
	case "RAdam":
		var opts []optim.RAdamOption
		if k.Betas != nil {
			opts = append(opts, optim.Betas(k.Betas[0], k.Betas[1]))
		}
		if k.Eps != nil {
			opts = append(opts, optim.Eps(*k.Eps))
		}
		if k.WeightDecay != nil {
			opts = append(opts, optim.WeightDecay(*k.WeightDecay))
		}
		if k.Maximize {
			opts = append(opts, optim.Maximize())
		}
		for _, g := range groups {
			opts = append(opts, g)
		}
		return optim.NewRAdam(params, or(k.LR, 1e-3), opts...)
	case "Adamax":
		var opts []optim.AdamaxOption
		if k.Betas != nil {
			opts = append(opts, optim.Betas(k.Betas[0], k.Betas[1]))
		}
		if k.Eps != nil {
			opts = append(opts, optim.Eps(*k.Eps))
		}
		if k.WeightDecay != nil {
			opts = append(opts, optim.WeightDecay(*k.WeightDecay))
		}
		if k.Maximize {
			opts = append(opts, optim.Maximize())
		}
		for _, g := range groups {
			opts = append(opts, g)
		}
		return optim.NewAdamax(params, or(k.LR, 2e-3), opts...)
	case "Adadelta":
		var opts []optim.AdadeltaOption
		if k.Rho != nil {
			opts = append(opts, optim.Rho(*k.Rho))
		}
		if k.Eps != nil {
			opts = append(opts, optim.Eps(*k.Eps))
		}
		if k.WeightDecay != nil {
			opts = append(opts, optim.WeightDecay(*k.WeightDecay))
		}
		if k.Maximize {
			opts = append(opts, optim.Maximize())
		}
		for _, g := range groups {
			opts = append(opts, g)
		}
		return optim.NewAdadelta(params, or(k.LR, 1.0), opts...)
	case "NAdam":
		var opts []optim.NAdamOption
		if k.Betas != nil {
			opts = append(opts, optim.Betas(k.Betas[0], k.Betas[1]))
		}
		if k.Eps != nil {
			opts = append(opts, optim.Eps(*k.Eps))
		}
		if k.WeightDecay != nil {
			opts = append(opts, optim.WeightDecay(*k.WeightDecay))
		}
		if k.MomDecay != nil {
			opts = append(opts, optim.MomentumDecay(*k.MomDecay))
		}
		if k.Maximize {
			opts = append(opts, optim.Maximize())
		}
		for _, g := range groups {
			opts = append(opts, g)
		}
		return optim.NewNAdam(params, or(k.LR, 2e-3), opts...)
	}
	return nil, fmt.Errorf("no Adjoint optimizer for torch.optim.%s", c.Class)
}

// torchGroups turns torch's parameter groups of c into Adjoint's: torch's
// group 0 is the optimizer's own hyperparameters (its lr and weight decay
// replace the keyword arguments in the returned case), and every other
// group a ParamGroup with its weight decay and its rate as an LRScale of
// group 0's. order names params. Without groups it returns c as it is.
func torchGroups[T tensor.Float](c torchRefOptimizer, order []string, params []*autograd.Var[T]) (torchRefOptimizer, []optim.ParamGroupOption[T], error) {
	if len(c.Groups) == 0 {
		return c, nil, nil
	}
	if c.Kwargs.LR == nil {
		return c, nil, fmt.Errorf("%s: a case with groups needs lr", c.Name)
	}
	byName := make(map[string]*autograd.Var[T], len(order))
	for i, name := range order {
		byName[name] = params[i]
	}
	lrKw, wdKw := *c.Kwargs.LR, or(c.Kwargs.WeightDecay, 0) // what a group's missing keys take
	lr0, wd0 := or(c.Groups[0].LR, lrKw), or(c.Groups[0].WeightDecay, wdKw)
	c.Kwargs.LR, c.Kwargs.WeightDecay = &lr0, &wd0
	var groups []optim.ParamGroupOption[T]
	for _, g := range c.Groups[1:] {
		var ps []*autograd.Var[T]
		for _, name := range g.Params {
			p, ok := byName[name]
			if !ok {
				return c, nil, fmt.Errorf("%s: no parameter %q", c.Name, name)
			}
			ps = append(ps, p)
		}
		lr, wd := or(g.LR, lrKw), or(g.WeightDecay, wdKw)
		groups = append(groups, optim.ParamGroup(ps, optim.WeightDecay(wd), optim.LRScale(lr/lr0)))
	}
	return c, groups, nil
}

func tensorOf[T tensor.Float](data []float64, shape []int) *tensor.Tensor[T] {
	d := make([]T, len(data))
	for i, x := range data {
		d[i] = T(x)
	}
	return tensor.MustNew(d, shape...)
}

// replayTorch runs one optimizer case in T and returns the parameter values
// after each step, widened to float64.
func replayTorch[T tensor.Float](t *testing.T, ref *torchRef, c torchRefOptimizer) []map[string][]float64 {
	t.Helper()
	pr := ref.Problem
	params := make([]*autograd.Var[T], len(pr.Order))
	as := make([]*autograd.Var[T], len(pr.Order))
	bs := make([]*autograd.Var[T], len(pr.Order))
	for i, name := range pr.Order {
		p := pr.Params[name]
		params[i] = autograd.Param(tensorOf[T](p.Init, p.Shape))
		as[i] = autograd.Const(tensorOf[T](p.A, p.Shape))
		bs[i] = autograd.Const(tensorOf[T](p.B, p.Shape))
	}
	c, groups, err := torchGroups(c, pr.Order, params)
	if err != nil {
		t.Fatal(err)
	}
	opt, err := newTorchOptimizer(c, params, groups...)
	if err != nil {
		t.Fatal(err)
	}
	var sched *optim.Scheduler[T]
	if c.StepLR != nil {
		s, err := optim.NewStepLR(opt.LR(), c.StepLR.StepSize, c.StepLR.Gamma)
		if err != nil {
			t.Fatal(err)
		}
		if sched, err = optim.NewScheduler(opt, s); err != nil {
			t.Fatal(err)
		}
	}
	var got []map[string][]float64
	for step := 1; step <= len(c.Steps); step++ {
		var loss *autograd.Var[T]
		for i, name := range pr.Order {
			if name == pr.Late && step < pr.LateFrom {
				continue
			}
			p := params[i] // the loss torch computes: sum(A*p*p + B*p)
			term := autograd.Sum(autograd.Add(autograd.Mul(autograd.Mul(as[i], p), p), autograd.Mul(bs[i], p)))
			if loss == nil {
				loss = term
			} else {
				loss = autograd.Add(loss, term)
			}
		}
		loss.Backward()
		opt.Step()
		opt.ZeroGrad()
		if sched != nil {
			if err := sched.Step(); err != nil {
				t.Fatal(err)
			}
		}
		vals := make(map[string][]float64, len(params))
		for i, name := range pr.Order {
			vals[name] = values(params[i].Value())
		}
		got = append(got, vals)
	}
	return got
}

// TestTorchOptimizers compares the parameters after every step with
// torch.optim's, for SGD (plain, momentum, dampening, Nesterov, weight
// decay), Adam (AMSGrad, weight decay, a StepLR schedule), AdamW, RMSProp
// (centered, momentum) and Adagrad, and for each of them with parameter
// groups of their own weight decay and rate under a StepLR schedule, in
// float64 and float32.
func TestTorchOptimizers(t *testing.T) {
	ref := loadTorchRef(t)
	for _, c := range ref.Optimizers {
		if len(c.Steps) < ref.Problem.Steps {
			t.Fatalf("%s: %d steps in the file, want at least %d", c.Name, len(c.Steps), ref.Problem.Steps)
		}
		for _, run := range []struct {
			dtype string
			tol   cmp.Option
			got   func(*testing.T) []map[string][]float64
		}{
			{"float64", torchRefTol64, func(t *testing.T) []map[string][]float64 { return replayTorch[float64](t, ref, c) }},
			{"float32", torchRefTol32, func(t *testing.T) []map[string][]float64 { return replayTorch[float32](t, ref, c) }},
		} {
			t.Run(c.Name+"/"+run.dtype, func(t *testing.T) {
				got := run.got(t)
				for i, want := range c.Steps {
					if diff := cmp.Diff(want, got[i], run.tol); diff != "" {
						t.Fatalf("parameters after step %d differ from torch.optim.%s(%s) (-torch +adjoint):\n%s",
							i+1, c.Class, kwargsString(c.Kwargs), diff)
					}
				}
			})
		}
	}
}

func kwargsString(k torchRefKwargs) string {
	b, _ := json.Marshal(k)
	return string(b)
}

// TestTorchSchedules compares every schedule's rate at each step with
// torch's scheduler, both as a closed form (LR) and as applied to an
// optimizer by a Scheduler.
func TestTorchSchedules(t *testing.T) {
	ref := loadTorchRef(t)
	for i, c := range ref.Schedules {
		t.Run(fmt.Sprintf("%d_%s", i, c.Name), func(t *testing.T) {
			s, err := torchSchedule(c)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]float64, len(c.LRs))
			for step := range got {
				got[step] = s.LR(step)
			}
			if diff := cmp.Diff(c.LRs, got, torchRefTol64); diff != "" {
				t.Errorf("LR(step) (-torch +adjoint):\n%s", diff)
			}

			opt, err := optim.NewSGD([]*autograd.Var[float64]{param[float64](1)}, 123)
			if err != nil {
				t.Fatal(err)
			}
			sched, err := optim.NewScheduler(opt, s)
			if err != nil {
				t.Fatal(err)
			}
			applied := []float64{opt.LR()}
			for range len(c.LRs) - 1 {
				if err := sched.Step(); err != nil {
					t.Fatal(err)
				}
				applied = append(applied, opt.LR())
			}
			if diff := cmp.Diff(c.LRs, applied, torchRefTol64); diff != "" {
				t.Errorf("optimizer's LR after each Scheduler.Step (-torch +adjoint):\n%s", diff)
			}
			if got, want := sched.Steps(), len(c.LRs)-1; got != want {
				t.Errorf("Steps() = %d, want %d", got, want)
			}
		})
	}
}

// torchSchedule makes the Adjoint schedule of a torch scheduler case.
func torchSchedule(c torchRefSchedule) (optim.Schedule, error) {
	switch c.Name {
	case "step":
		return optim.NewStepLR(c.Base, c.StepSize, c.Gamma)
	case "exponential":
		return optim.NewExponentialLR(c.Base, c.Gamma)
	case "warmup_cosine":
		return optim.NewWarmupCosineLR(optim.WarmupCosineConfig{
			Base: c.Base, StartFactor: c.StartFactor, Warmup: c.Warmup, Decay: c.Decay, Min: c.EtaMin})
	case "cosine": // torch's CosineAnnealingLR(T_max=Decay, eta_min=EtaMin), up to T_max
		return optim.NewWarmupCosineLR(optim.WarmupCosineConfig{Base: c.Base, Decay: c.Decay, Min: c.EtaMin})
	case "one_cycle":
		return optim.NewOneCycleLR(optim.OneCycleConfig{
			Max: c.Base, Total: c.Total, PctStart: c.PctStart, DivFactor: c.DivFactor,
			FinalDivFactor: c.FinalDivFactor, Linear: c.Linear, ThreePhase: c.ThreePhase})
	case "multistep":
		return optim.NewMultiStepLR(c.Base, c.Milestones, c.Gamma)
	case "linear":
		return optim.NewLinearLR(c.Base, c.StartFactor, c.EndFactor, c.TotalIters)
	case "constant":
		return optim.NewConstantLR(c.Base, c.Factor, c.TotalIters)
	case "polynomial":
		return optim.NewPolynomialLR(c.Base, c.TotalIters, c.Power)
	case "warm_restarts":
		return optim.NewCosineAnnealingWarmRestarts(c.Base, c.T0, c.TMult, c.EtaMin)
	case "sequential":
		subs := make([]optim.Schedule, len(c.Schedules))
		for i, sub := range c.Schedules {
			s, err := torchSchedule(sub)
			if err != nil {
				return nil, fmt.Errorf("schedule %d: %w", i, err)
			}
			subs[i] = s
		}
		return optim.NewSequentialLR(subs, c.Milestones)
	}
	return nil, fmt.Errorf("unknown schedule %q", c.Name)
}

// clipParams returns the parameters of the clipping cases with the given
// gradients; the problem's parameters without one keep a nil gradient.
func clipParams[T tensor.Float](t *testing.T, ref *torchRef, grads map[string][]float64) []*autograd.Var[T] {
	t.Helper()
	var ps []*autograd.Var[T]
	for _, name := range ref.Problem.Order {
		p := ref.Problem.Params[name]
		v := autograd.Param(tensorOf[T](p.Init, p.Shape))
		if g, ok := grads[name]; ok {
			setGrad(v, g...)
		}
		ps = append(ps, v)
	}
	return ps
}

// gradsOf returns the gradients of ps by name, leaving out nil ones.
func gradsOf[T tensor.Float](ref *torchRef, ps []*autograd.Var[T]) map[string][]float64 {
	out := map[string][]float64{}
	for i, name := range ref.Problem.Order {
		if g := ps[i].Grad(); g != nil {
			out[name] = values(g)
		}
	}
	return out
}

func TestTorchClipGradNorm(t *testing.T) {
	ref := loadTorchRef(t)
	for _, c := range ref.ClipNorm {
		p, err := strconv.ParseFloat(c.NormType, 64)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(fmt.Sprintf("max %g norm %s/float64", c.MaxNorm, c.NormType), func(t *testing.T) {
			ps := clipParams[float64](t, ref, c.Grads)
			total, err := optim.ClipGradNorm(ps, c.MaxNorm, p)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.TotalNorm, total, torchRefTol64); diff != "" {
				t.Errorf("total norm (-torch +adjoint):\n%s", diff)
			}
			if diff := cmp.Diff(c.Clipped, gradsOf(ref, ps), torchRefTol64); diff != "" {
				t.Errorf("clipped gradients (-torch +adjoint):\n%s", diff)
			}
		})
		t.Run(fmt.Sprintf("max %g norm %s/float32", c.MaxNorm, c.NormType), func(t *testing.T) {
			ps := clipParams[float32](t, ref, c.Grads)
			total, err := optim.ClipGradNorm(ps, c.MaxNorm, p)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.TotalNorm, total, torchRefTol32); diff != "" {
				t.Errorf("total norm (-torch +adjoint):\n%s", diff)
			}
			if diff := cmp.Diff(c.Clipped, gradsOf(ref, ps), torchRefTol32); diff != "" {
				t.Errorf("clipped gradients (-torch +adjoint):\n%s", diff)
			}
		})
	}
}

func TestTorchClipGradValue(t *testing.T) {
	ref := loadTorchRef(t)
	for _, c := range ref.ClipValue {
		t.Run(fmt.Sprint("clip ", c.Clip), func(t *testing.T) {
			ps := clipParams[float64](t, ref, c.Grads)
			optim.ClipGradValue(ps, c.Clip)
			if diff := cmp.Diff(c.Clipped, gradsOf(ref, ps), torchRefTol64); diff != "" {
				t.Errorf("clipped gradients (-torch +adjoint):\n%s", diff)
			}
		})
	}
}
