package optim_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// anyOption is an option every constructor takes, as a ParamGroupOption is.
type anyOption interface {
	optim.SGDOption
	optim.AdamOption
	optim.RMSPropOption
	optim.AdagradOption
	optim.NAdamOption
	optim.RAdamOption
	optim.AdamaxOption
	optim.AdadeltaOption
}

// withGroups appends the ParamGroup options groups to opts, options of one
// constructor.
func withGroups[O any, T tensor.Float](opts []O, groups []optim.ParamGroupOption[T]) []O {
	for _, g := range groups {
		opts = append(opts, any(g).(O))
	}
	return opts
}

// pick returns the parameters of ps whose index i has i%m == r.
func pick[T tensor.Float](ps []*autograd.Var[T], m, r int) []*autograd.Var[T] {
	var out []*autograd.Var[T]
	for i, p := range ps {
		if i%m == r {
			out = append(out, p)
		}
	}
	return out
}

// groupMakers lists every optimizer, with its state-carrying options, over
// two parameter groups besides group 0: the odd parameters without weight
// decay at half the rate, and every fourth from 2 at three times the rate
// with a weight decay of their own.
func groupMakers[T tensor.Float]() []maker[T] {
	type ps = []*autograd.Var[T]
	type opt = optim.Optimizer[T]
	groups := func(p ps) []optim.ParamGroupOption[T] {
		return []optim.ParamGroupOption[T]{
			optim.ParamGroup(pick(p, 2, 1), optim.WeightDecay(0), optim.LRScale(0.5)),
			optim.ParamGroup(pick(p, 4, 2), optim.LRScale(3), optim.WeightDecay(0.2)),
		}
	}
	return []maker[T]{
		{"SGD groups", func(p ps, lr float64) (opt, error) {
			return optim.NewSGD(p, lr, withGroups([]optim.SGDOption{optim.WeightDecay(0.1)}, groups(p))...)
		}},
		{"SGD momentum groups", func(p ps, lr float64) (opt, error) {
			return optim.NewSGD(p, lr, withGroups([]optim.SGDOption{optim.Momentum(0.9), optim.Dampening(0.1), optim.WeightDecay(0.1)}, groups(p))...)
		}},
		{"SGD Nesterov groups", func(p ps, lr float64) (opt, error) {
			return optim.NewSGD(p, lr, withGroups([]optim.SGDOption{optim.Momentum(0.9), optim.Nesterov()}, groups(p))...)
		}},
		{"Adam AMSGrad groups", func(p ps, lr float64) (opt, error) {
			return optim.NewAdam(p, lr, withGroups([]optim.AdamOption{optim.AMSGrad(), optim.WeightDecay(0.1)}, groups(p))...)
		}},
		{"AdamW groups", func(p ps, lr float64) (opt, error) {
			return optim.NewAdamW(p, lr, withGroups([]optim.AdamOption{optim.WeightDecay(0.1)}, groups(p))...)
		}},
		{"RMSProp centered momentum groups", func(p ps, lr float64) (opt, error) {
			return optim.NewRMSProp(p, lr, withGroups([]optim.RMSPropOption{optim.Centered(), optim.Momentum(0.9), optim.WeightDecay(0.1)}, groups(p))...)
		}},
		{"Adagrad groups", func(p ps, lr float64) (opt, error) {
			return optim.NewAdagrad(p, lr, withGroups([]optim.AdagradOption{optim.LRDecay(0.1), optim.InitialAccumulator(0.2)}, groups(p))...)
		}},
		{"NAdam groups", func(p ps, lr float64) (opt, error) {
			return optim.NewNAdam(p, lr, withGroups([]optim.NAdamOption{optim.MomentumDecay(0.1), optim.WeightDecay(0.1)}, groups(p))...)
		}},
		{"RAdam groups", func(p ps, lr float64) (opt, error) {
			return optim.NewRAdam(p, lr, withGroups([]optim.RAdamOption{optim.WeightDecay(0.1)}, groups(p))...)
		}},
		{"Adamax groups", func(p ps, lr float64) (opt, error) {
			return optim.NewAdamax(p, lr, withGroups([]optim.AdamaxOption{optim.WeightDecay(0.1)}, groups(p))...)
		}},
		{"Adadelta groups", func(p ps, lr float64) (opt, error) {
			return optim.NewAdadelta(p, lr, withGroups([]optim.AdadeltaOption{optim.Rho(0.8), optim.WeightDecay(0.1)}, groups(p))...)
		}},
	}
}

// groupedCase builds one optimizer configuration with weight decay wd and
// the given ParamGroup options.
type groupedCase[T tensor.Float] struct {
	name string
	make func(ps []*autograd.Var[T], lr, wd float64, groups ...optim.ParamGroupOption[T]) (optim.Optimizer[T], error)
}

func groupedCases[T tensor.Float]() []groupedCase[T] {
	type ps = []*autograd.Var[T]
	type opt = optim.Optimizer[T]
	return []groupedCase[T]{
		{"SGD", func(p ps, lr, wd float64, g ...optim.ParamGroupOption[T]) (opt, error) {
			return optim.NewSGD(p, lr, withGroups([]optim.SGDOption{optim.WeightDecay(wd)}, g)...)
		}},
		{"SGD momentum dampening", func(p ps, lr, wd float64, g ...optim.ParamGroupOption[T]) (opt, error) {
			return optim.NewSGD(p, lr, withGroups([]optim.SGDOption{optim.Momentum(0.9), optim.Dampening(0.2), optim.WeightDecay(wd)}, g)...)
		}},
		{"SGD Nesterov", func(p ps, lr, wd float64, g ...optim.ParamGroupOption[T]) (opt, error) {
			return optim.NewSGD(p, lr, withGroups([]optim.SGDOption{optim.Momentum(0.9), optim.Nesterov(), optim.WeightDecay(wd)}, g)...)
		}},
		{"Adam", func(p ps, lr, wd float64, g ...optim.ParamGroupOption[T]) (opt, error) {
			return optim.NewAdam(p, lr, withGroups([]optim.AdamOption{optim.WeightDecay(wd)}, g)...)
		}},
		{"Adam AMSGrad", func(p ps, lr, wd float64, g ...optim.ParamGroupOption[T]) (opt, error) {
			return optim.NewAdam(p, lr, withGroups([]optim.AdamOption{optim.AMSGrad(), optim.Betas(0.5, 0.6), optim.WeightDecay(wd)}, g)...)
		}},
		{"AdamW", func(p ps, lr, wd float64, g ...optim.ParamGroupOption[T]) (opt, error) {
			return optim.NewAdamW(p, lr, withGroups([]optim.AdamOption{optim.WeightDecay(wd)}, g)...)
		}},
		{"AdamW AMSGrad", func(p ps, lr, wd float64, g ...optim.ParamGroupOption[T]) (opt, error) {
			return optim.NewAdamW(p, lr, withGroups([]optim.AdamOption{optim.AMSGrad(), optim.WeightDecay(wd)}, g)...)
		}},
		{"RMSProp", func(p ps, lr, wd float64, g ...optim.ParamGroupOption[T]) (opt, error) {
			return optim.NewRMSProp(p, lr, withGroups([]optim.RMSPropOption{optim.WeightDecay(wd)}, g)...)
		}},
		{"RMSProp centered momentum", func(p ps, lr, wd float64, g ...optim.ParamGroupOption[T]) (opt, error) {
			return optim.NewRMSProp(p, lr, withGroups([]optim.RMSPropOption{optim.Centered(), optim.Momentum(0.5), optim.WeightDecay(wd)}, g)...)
		}},
		{"Adagrad", func(p ps, lr, wd float64, g ...optim.ParamGroupOption[T]) (opt, error) {
			return optim.NewAdagrad(p, lr, withGroups([]optim.AdagradOption{optim.LRDecay(0.1), optim.InitialAccumulator(0.2), optim.WeightDecay(wd)}, g)...)
		}},
		{"NAdam", func(p ps, lr, wd float64, g ...optim.ParamGroupOption[T]) (opt, error) {
			return optim.NewNAdam(p, lr, withGroups([]optim.NAdamOption{optim.Betas(0.5, 0.6), optim.MomentumDecay(0.1), optim.WeightDecay(wd)}, g)...)
		}},
		{"RAdam", func(p ps, lr, wd float64, g ...optim.ParamGroupOption[T]) (opt, error) {
			return optim.NewRAdam(p, lr, withGroups([]optim.RAdamOption{optim.Betas(0.9, 0.9), optim.WeightDecay(wd)}, g)...)
		}},
		{"Adamax", func(p ps, lr, wd float64, g ...optim.ParamGroupOption[T]) (opt, error) {
			return optim.NewAdamax(p, lr, withGroups([]optim.AdamaxOption{optim.Betas(0.8, 0.9), optim.Eps(0.1), optim.WeightDecay(wd)}, g)...)
		}},
		{"Adadelta", func(p ps, lr, wd float64, g ...optim.ParamGroupOption[T]) (opt, error) {
			return optim.NewAdadelta(p, lr, withGroups([]optim.AdadeltaOption{optim.Rho(0.8), optim.Eps(1e-2), optim.WeightDecay(wd)}, g)...)
		}},
	}
}

// TestGroupsAreSeparateOptimizers checks, for every optimizer and option,
// in both precisions, that an optimizer with parameter groups updates each
// group, bit for bit, as an optimizer of its own over the group's
// parameters with the group's weight decay and rate would, over six steps
// at a changing rate (set with SetLR), with parameters that have no
// gradient on some of them. The groups list their parameters out of order,
// and an empty group is harmless.
func TestGroupsAreSeparateOptimizers(t *testing.T) {
	testGroupsAreSeparateOptimizers[float32](t)
	testGroupsAreSeparateOptimizers[float64](t)
}

func testGroupsAreSeparateOptimizers[T tensor.Float](t *testing.T) {
	const wd = 0.1
	for _, c := range groupedCases[T]() {
		whole, parts := splitParams[T](1), splitParams[T](1)
		grouped, err := c.make(whole, 0.01, wd,
			optim.ParamGroup([]*autograd.Var[T]{whole[3], whole[1]}, optim.WeightDecay(0), optim.LRScale(0.5)),
			optim.ParamGroup([]*autograd.Var[T]{whole[2]}, optim.LRScale(2)),
			optim.ParamGroup[T](nil, optim.LRScale(7)))
		if err != nil {
			t.Fatal(err)
		}
		separate := []struct {
			ps        []*autograd.Var[T]
			scale, wd float64
		}{
			{[]*autograd.Var[T]{parts[0], parts[4]}, 1, wd},
			{[]*autograd.Var[T]{parts[1], parts[3]}, 0.5, 0},
			{[]*autograd.Var[T]{parts[2]}, 2, wd},
		}
		opts := make([]optim.Optimizer[T], len(separate))
		for k, s := range separate {
			if opts[k], err = c.make(s.ps, 0.01*s.scale, s.wd); err != nil {
				t.Fatal(err)
			}
		}
		for s := range 6 {
			lr := 0.01 * math.Pow(0.7, float64(s))
			if err := grouped.SetLR(lr); err != nil {
				t.Fatal(err)
			}
			setGrads(whole, s)
			setGrads(parts, s)
			if err := grouped.Step(); err != nil {
				t.Fatal(err)
			}
			for k, o := range opts {
				if err := o.SetLR(lr * separate[k].scale); err != nil {
					t.Fatal(err)
				}
				if err := o.Step(); err != nil {
					t.Fatal(err)
				}
			}
			for i := range whole {
				a, b := whole[i].Value().Data(), parts[i].Value().Data()
				for k := range a {
					if math.Float64bits(float64(a[k])) != math.Float64bits(float64(b[k])) {
						t.Fatalf("%s %T, step %d: parameter %d element %d: %v grouped, %v by an optimizer of its own", c.name, T(0), s, i, k, a[k], b[k])
					}
				}
			}
		}
	}
}

// TestStepRangeSameBitsGroups is TestStepRangeSameBits with parameter groups.
func TestStepRangeSameBitsGroups(t *testing.T) {
	testStepRangeSameBits(t, groupMakers[float32]())
	testStepRangeSameBits(t, groupMakers[float64]())
}

// TestAllocsGroups is TestAllocs with parameter groups.
func TestAllocsGroups(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testAllocs(t, groupMakers[float64]()) })
	t.Run("float32", func(t *testing.T) { testAllocs(t, groupMakers[float32]()) })
}

// TestParamGroupValidation checks that every constructor refuses a group
// it cannot apply, naming the group, the parameter and the value.
func TestParamGroupValidation(t *testing.T) {
	a, b := param[float64](1, 2), param[float64](3)
	other := param[float64](4)
	ps := []*autograd.Var[float64]{a, b}
	group := func(p ...*autograd.Var[float64]) []*autograd.Var[float64] { return p }
	nan, inf := math.NaN(), math.Inf(1)
	ctors := map[string]func(...anyOption) error{
		"NewSGD":  func(o ...anyOption) error { _, err := optim.NewSGD(ps, 0.1, conv[optim.SGDOption](o)...); return err },
		"NewAdam": func(o ...anyOption) error { _, err := optim.NewAdam(ps, 0.1, conv[optim.AdamOption](o)...); return err },
		"NewAdamW": func(o ...anyOption) error {
			_, err := optim.NewAdamW(ps, 0.1, conv[optim.AdamOption](o)...)
			return err
		},
		"NewRMSProp": func(o ...anyOption) error {
			_, err := optim.NewRMSProp(ps, 0.1, conv[optim.RMSPropOption](o)...)
			return err
		},
		"NewAdagrad": func(o ...anyOption) error {
			_, err := optim.NewAdagrad(ps, 0.1, conv[optim.AdagradOption](o)...)
			return err
		},
		"NewAdadelta": func(o ...anyOption) error {
			_, err := optim.NewAdadelta(ps, 0.1, conv[optim.AdadeltaOption](o)...)
			return err
		},
		"NewAdamax": func(o ...anyOption) error {
			_, err := optim.NewAdamax(ps, 0.1, conv[optim.AdamaxOption](o)...)
			return err
		},
		"NewRAdam": func(o ...anyOption) error {
			_, err := optim.NewRAdam(ps, 0.1, conv[optim.RAdamOption](o)...)
			return err
		},
		"NewNAdam": func(o ...anyOption) error {
			_, err := optim.NewNAdam(ps, 0.1, conv[optim.NAdamOption](o)...)
			return err
		},
	}
	for _, tt := range []struct {
		name   string
		groups []anyOption
		want   string // "" for success
	}{
		{"empty group", []anyOption{optim.ParamGroup[float64](nil)}, ""},
		{"every parameter", []anyOption{optim.ParamGroup(group(b, a), optim.LRScale(0))}, ""},
		{"not among", []anyOption{optim.ParamGroup(group(b, other))}, "group 1's parameter 1 is not among the optimizer's parameters"},
		{"nil", []anyOption{optim.ParamGroup(group(nil))}, "group 1's parameter 0 = <nil>: must not be nil"},
		{"twice in a group", []anyOption{optim.ParamGroup(group(b, a, b))}, "group 1 lists parameter 1 of the optimizer twice (its parameter 2)"},
		{"in two groups", []anyOption{optim.ParamGroup(group(a)), optim.ParamGroup(group(b)), optim.ParamGroup(group(b))},
			"group 3's parameter 0 (parameter 1 of the optimizer) is in group 2 already"},
		{"another precision", []anyOption{optim.ParamGroup([]*autograd.Var[float32]{param[float32](3)})},
			"group 1 holds parameters of type []*autograd.Var[float32], the optimizer's are []*autograd.Var[float64]"},
		{"negative weight decay", []anyOption{optim.ParamGroup(group(b), optim.WeightDecay(-1))}, "group 1's weight decay must be finite and non-negative, got -1"},
		{"NaN weight decay", []anyOption{optim.ParamGroup(group(b), optim.WeightDecay(nan))}, "group 1's weight decay must be finite and non-negative, got NaN"},
		{"negative LRScale", []anyOption{optim.ParamGroup(group(a)), optim.ParamGroup(group(b), optim.LRScale(-0.5))}, "group 2's LRScale must be finite and non-negative, got -0.5"},
		{"infinite LRScale", []anyOption{optim.ParamGroup(group(b), optim.LRScale(inf))}, "group 1's LRScale must be finite and non-negative, got +Inf"},
		{"NaN LRScale", []anyOption{optim.ParamGroup(group(b), optim.LRScale(nan))}, "group 1's LRScale must be finite and non-negative, got NaN"},
	} {
		for name, ctor := range ctors {
			err := ctor(tt.groups...)
			if tt.want == "" {
				if err != nil {
					t.Errorf("%s, %s: %v", name, tt.name, err)
				}
				continue
			}
			prefix := "optim: " + name + ": "
			if err == nil || !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s, %s: error %v, want one that starts with %q and says %q", name, tt.name, err, prefix, tt.want)
			}
		}
	}

	// A nil parameter in a group is an *ArgError, as one in the list is.
	var ae *optim.ArgError
	if _, err := optim.NewSGD(ps, 0.1, optim.ParamGroup(group(nil))); !errors.As(err, &ae) {
		t.Errorf("a nil parameter in a group: error %v (%T), want an *optim.ArgError", err, err)
	}

	// float32: an LRScale or a group's rate that is +Inf in float32.
	p32 := []*autograd.Var[float32]{param[float32](1), param[float32](2)}
	if _, err := optim.NewSGD(p32, 1, optim.ParamGroup(p32[1:], optim.LRScale(1e39))); err == nil || !strings.Contains(err.Error(), "group 1's LRScale must be finite") {
		t.Errorf("LRScale(1e39) in float32: error %v", err)
	}
	if _, err := optim.NewAdam(p32, 1e30, optim.ParamGroup(p32[1:], optim.LRScale(1e10))); err == nil || !strings.Contains(err.Error(), "group 1's learning rate, LRScale 1e+10 times 1e+30, must be finite and non-negative in float32") {
		t.Errorf("a group rate of 1e40 in float32: error %v", err)
	}
}

// conv returns os as options of one constructor.
func conv[O any](os []anyOption) []O {
	out := make([]O, len(os))
	for i, o := range os {
		out[i] = o.(O)
	}
	return out
}

// TestGroups checks what Groups reports: group 0 first, the parameters of
// each in the order of Params whatever the order given, each group's
// LRScale, rate and weight decay, with the optimizer's weight decay (given
// after the groups, or AdamW's default) for a group without its own.
func TestGroups(t *testing.T) {
	w, b, ln, head := param[float64](1, 2), param[float64](3), param[float64](4), param[float64](5, 6)
	ps := []*autograd.Var[float64]{w, b, ln, head}
	type group struct {
		params        []*autograd.Var[float64]
		scale, lr, wd float64
	}
	for _, c := range []struct {
		name string
		opts []optim.AdamOption
		want []group
	}{
		{"weight decay after the groups", []optim.AdamOption{
			optim.ParamGroup([]*autograd.Var[float64]{ln, b}, optim.WeightDecay(0)),
			optim.ParamGroup([]*autograd.Var[float64]{head}, optim.LRScale(0.1)),
			optim.WeightDecay(0.1),
		}, []group{{ps[:1], 1, 1e-3, 0.1}, {ps[1:3], 1, 1e-3, 0}, {ps[3:], 0.1, 1e-4, 0.1}}},
		{"AdamW's default weight decay", []optim.AdamOption{
			optim.ParamGroup([]*autograd.Var[float64]{w}, optim.LRScale(2)),
		}, []group{{ps[1:], 1, 1e-3, 0.01}, {ps[:1], 2, 2e-3, 0.01}}},
		{"no groups", nil, []group{{ps, 1, 1e-3, 0.01}}},
	} {
		o, err := optim.NewAdamW(ps, 1e-3, c.opts...)
		if err != nil {
			t.Fatal(err)
		}
		got := o.Groups()
		if len(got) != len(c.want) {
			t.Fatalf("%s: %d groups, want %d", c.name, len(got), len(c.want))
		}
		for k, g := range got {
			if !slicesEqualPtr(g.Params, c.want[k].params) {
				t.Errorf("%s: group %d has %d parameters, not the %d expected in Params' order", c.name, k, len(g.Params), len(c.want[k].params))
			}
			want := []float64{c.want[k].scale, c.want[k].lr, c.want[k].wd}
			if diff := cmp.Diff(want, []float64{g.LRScale, g.LR, g.WeightDecay}, cmpopts.EquateApprox(1e-15, 0)); diff != "" {
				t.Errorf("%s: group %d's LRScale, LR, WeightDecay (-want +got):\n%s", c.name, k, diff)
			}
		}
	}
}

func slicesEqualPtr[T tensor.Float](a, b []*autograd.Var[T]) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// moves makes one plain SGD step with a gradient of 1 from weights of 0
// and returns how far each parameter moved: its group's rate.
func moves(t *testing.T, o optim.Optimizer[float64]) []float64 {
	t.Helper()
	var out []float64
	o.ZeroGrad()
	for _, p := range o.Params() {
		p.Value().Data()[0] = 0
		setGrad(p, 1)
	}
	if err := o.Step(); err != nil {
		t.Fatal(err)
	}
	for _, p := range o.Params() {
		out = append(out, -p.Value().Data()[0])
	}
	return out
}

// TestGroupsFollowSchedules checks the rates a group's parameters are
// updated with as a Scheduler, a ReduceLROnPlateau and SetLR change the
// optimizer's: each group keeps its ratio to group 0, torch's behaviour for
// schedules that scale the base rate. The first numbers are torch's
// example: rates 1e-3 and 1e-4, and after StepLR's gamma of 0.1, 1e-4 and
// 1e-5.
func TestGroupsFollowSchedules(t *testing.T) {
	a, b := param[float64](0), param[float64](0)
	o, err := optim.NewSGD([]*autograd.Var[float64]{a, b}, 1e-3,
		optim.ParamGroup([]*autograd.Var[float64]{b}, optim.LRScale(0.1)))
	if err != nil {
		t.Fatal(err)
	}
	approx := cmpopts.EquateApprox(1e-14, 0)
	check := func(what string, want ...float64) {
		t.Helper()
		if diff := cmp.Diff(want, moves(t, o), approx); diff != "" {
			t.Errorf("%s: each group's rate (-want +got):\n%s", what, diff)
		}
	}
	check("as made", 1e-3, 1e-4)

	step, err := optim.NewStepLR(1e-3, 1, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	sched, err := optim.NewScheduler(o, step)
	if err != nil {
		t.Fatal(err)
	}
	check("StepLR, step 0", 1e-3, 1e-4)
	if err := sched.Step(); err != nil {
		t.Fatal(err)
	}
	check("StepLR, step 1", 1e-4, 1e-5)

	c := optim.DefaultPlateauConfig()
	c.Patience, c.Factor = 0, 0.5
	plateau, err := optim.NewReduceLROnPlateau(o, c)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := plateau.Step(1); err != nil {
			t.Fatal(err)
		}
	}
	check("ReduceLROnPlateau's reduction", 5e-5, 5e-6)

	cycle, err := optim.NewOneCycleLR(optim.OneCycleConfig{Max: 0.1, Total: 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := optim.NewScheduler(o, cycle); err != nil {
		t.Fatal(err)
	}
	check("OneCycleLR, step 0", 0.004, 0.0004)

	if err := o.SetLR(0.5); err != nil {
		t.Fatal(err)
	}
	check("SetLR(0.5)", 0.5, 0.05)
}

// TestGroupsSetLR checks that SetLR refuses a rate that makes a group's
// overflow T, and then changes no group's rate.
func TestGroupsSetLR(t *testing.T) {
	ps := []*autograd.Var[float32]{param[float32](0), param[float32](0)}
	o, err := optim.NewSGD(ps, 1, optim.ParamGroup(ps[1:], optim.LRScale(1e10)))
	if err != nil {
		t.Fatal(err)
	}
	if err := o.SetLR(1e30); err == nil || !strings.Contains(err.Error(), "optim: SGD.SetLR: group 1's learning rate") {
		t.Errorf("SetLR(1e30) with an LRScale of 1e10 in float32: error %v, want one naming group 1's rate", err)
	}
	for _, p := range ps {
		setGrad(p, 1)
	}
	if err := o.Step(); err != nil {
		t.Fatal(err)
	}
	if got := []float32{ps[0].Value().Data()[0], ps[1].Value().Data()[0]}; o.LR() != 1 || got[0] != -1 || got[1] != -1e10 {
		t.Errorf("after a refused SetLR: LR() = %v, the groups moved by %v; want 1, [-1 -1e10]", o.LR(), got)
	}
}

// TestGroupsSkipNonFinite checks that a step the non-finite policy skips is
// skipped for every group: a NaN in one group's gradient leaves the other
// group, whose gradients are finite, as it was too, state included.
func TestGroupsSkipNonFinite(t *testing.T) {
	for _, policy := range []optim.NonFinitePolicy{optim.SkipNonFinite, optim.ErrorNonFinite} {
		run := func(grads ...[2]float64) ([]float64, optim.Optimizer[float64]) {
			a, b := param[float64](1), param[float64](2)
			o, err := optim.NewAdamW([]*autograd.Var[float64]{a, b}, 0.1, optim.NonFinite(policy),
				optim.ParamGroup([]*autograd.Var[float64]{b}, optim.WeightDecay(0), optim.LRScale(0.5)))
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range grads {
				o.ZeroGrad()
				setGrad(a, g[0])
				setGrad(b, g[1])
				_ = o.Step()
			}
			return []float64{a.Value().Data()[0], b.Value().Data()[0]}, o
		}
		want, _ := run([2]float64{0.5, -1}, [2]float64{2, 0.25})
		got, o := run([2]float64{0.5, -1}, [2]float64{1, math.NaN()}, [2]float64{2, 0.25})
		if diff := cmp.Diff(want, got); diff != "" || o.Skipped() != 1 {
			t.Errorf("%v: weights after a skipped step (-two clean steps +got), Skipped %d:\n%s", policy, o.Skipped(), diff)
		}
	}
}
