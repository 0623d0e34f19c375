package optim_test

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/layers/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
)

// groupedAdamW is an AdamW over stateParams with the second parameter in a
// group without weight decay at scale times the rate.
func groupedAdamW[T tensor.Float](t *testing.T, ps []*autograd.Var[T], lr, scale float64) *optim.AdamW[T] {
	t.Helper()
	o, err := optim.NewAdamW(ps, lr, optim.WeightDecay(0.1), optim.ParamGroup(ps[1:], optim.WeightDecay(0), optim.LRScale(scale)))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func saveBytes[T tensor.Float](t *testing.T, o optim.Optimizer[T]) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := optim.SaveState(&b, o); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGroupsResumeWithSchedule trains a grouped AdamW under StepLR for
// seven steps, and again with a save after 1, 2 and 4 steps and a resumed
// run (LoadState, then Scheduler.SetSteps) in a new optimizer: the weights
// must be the bits of the uninterrupted run.
func TestGroupsResumeWithSchedule(t *testing.T) {
	const total = 7
	step, err := optim.NewStepLR(0.05, 2, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	run := func(o optim.Optimizer[float64], from, to int) {
		sched, err := optim.NewScheduler(o, step)
		if err != nil {
			t.Fatal(err)
		}
		if err := sched.SetSteps(from); err != nil {
			t.Fatal(err)
		}
		for s := from; s < to; s++ {
			stateStep(t, o, s)
			if err := sched.Step(); err != nil {
				t.Fatal(err)
			}
		}
	}
	straight := groupedAdamW(t, stateParams[float64](), 0.05, 0.5)
	run(straight, 0, total)
	for _, at := range []int{1, 2, 4} {
		first := groupedAdamW(t, stateParams[float64](), 0.05, 0.5)
		run(first, 0, at)
		file := saveBytes(t, first)
		ps := stateParams[float64]()
		for i, p := range ps {
			p.Value().CopyFrom(first.Params()[i].Value())
		}
		resumed := groupedAdamW(t, ps, 1, 0.5)
		if err := optim.LoadState(bytes.NewReader(file), resumed); err != nil {
			t.Fatal(err)
		}
		run(resumed, at, total)
		for i, p := range resumed.Params() {
			if want := straight.Params()[i].Value().Data(); !slices.Equal(p.Value().Data(), want) {
				t.Errorf("saved after %d steps: parameter %d is %v, %v without the interruption", at, i, p.Value().Data(), want)
			}
		}
	}
}

// TestGroupsStateFile checks the groups' entries in a state file and what
// LoadState restores: the LRScales with the rate, not the weight decays;
// and that a file without groups loads into a grouped optimizer, leaving
// its groups as they are.
func TestGroupsStateFile(t *testing.T) {
	saved := groupedAdamW(t, stateParams[float64](), 0.05, 0.5)
	for s := range 3 {
		stateStep(t, saved, s)
	}
	file := saveBytes(t, saved)
	f, err := safetensors.Read(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"groups": "0,1", "lr_scales": "1,0.5", "weight_decays": "0.1,0"}
	got := maps.Clone(f.Metadata())
	maps.DeleteFunc(got, func(k, _ string) bool { _, ok := want[k]; return !ok })
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the groups' metadata (-want +got):\n%s", diff)
	}

	// Another LRScale and another weight decay: the file's LRScale wins,
	// the optimizer's weight decay stays.
	ps := stateParams[float64]()
	for i, p := range ps {
		p.Value().CopyFrom(saved.Params()[i].Value())
	}
	into, err := optim.NewAdamW(ps, 1, optim.WeightDecay(0.1), optim.ParamGroup(ps[1:], optim.WeightDecay(0.3), optim.LRScale(0.25)))
	if err != nil {
		t.Fatal(err)
	}
	if err := optim.LoadState(bytes.NewReader(file), into); err != nil {
		t.Fatal(err)
	}
	if g := into.Groups()[1]; into.LR() != 0.05 || g.LRScale != 0.5 || g.LR != 0.025 || g.WeightDecay != 0.3 {
		t.Errorf("after LoadState: LR %v, group 1's LRScale %v, LR %v, weight decay %v; want 0.05, 0.5, 0.025 and its own 0.3", into.LR(), g.LRScale, g.LR, g.WeightDecay)
	}

	// A file without groups, into a grouped optimizer: the rate only.
	plain, err := optim.NewAdamW(stateParams[float64](), 0.05)
	if err != nil {
		t.Fatal(err)
	}
	for s := range 3 {
		stateStep(t, plain, s)
	}
	plainFile := saveBytes(t, plain)
	if f, err := safetensors.Read(bytes.NewReader(plainFile)); err != nil {
		t.Fatal(err)
	} else if _, ok := f.Metadata()["groups"]; ok {
		t.Errorf("the state of an optimizer without groups records groups: %v", f.Metadata())
	}
	grouped := groupedAdamW(t, stateParams[float64](), 1, 0.25)
	if err := optim.LoadState(bytes.NewReader(plainFile), grouped); err != nil {
		t.Fatal(err)
	}
	if g := grouped.Groups()[1]; grouped.LR() != 0.05 || g.LRScale != 0.25 {
		t.Errorf("a file without groups: LR %v, group 1's LRScale %v; want the file's 0.05 and its own 0.25", grouped.LR(), g.LRScale)
	}
}

// TestGroupsStateLoadErrors checks that a file whose groups do not fit is
// refused with an error wrapping ErrState, and leaves the optimizer as it
// was.
func TestGroupsStateLoadErrors(t *testing.T) {
	trained := func(o optim.Optimizer[float64], err error) []byte {
		if err != nil {
			t.Fatal(err)
		}
		for s := range 3 {
			stateStep(t, o, s)
		}
		return saveBytes(t, o)
	}
	ps := stateParams[float64]
	grouped := trained(groupedAdamW(t, ps(), 0.05, 0.5), nil)
	swapped := func() []byte {
		p := ps()
		return trained(optim.NewAdamW(p, 0.05, optim.ParamGroup(p[:1], optim.LRScale(0.5))))
	}()
	// By hand: the metadata of a grouped AdamW over stateParams, no state.
	good := map[string]string{"optimizer": "AdamW", "params": "2", "lr": "0.05", "buffers": "exp_avg,exp_avg_sq,step",
		"groups": "0,1", "lr_scales": "1,0.5", "weight_decays": "0.1,0"}
	with := func(key, value string) []byte {
		m := maps.Clone(good)
		if m[key] = value; value == "" {
			delete(m, key)
		}
		var b bytes.Buffer
		if err := safetensors.Write(&b, nil, m); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	for _, c := range []struct {
		name string
		file []byte
		into func() (optim.Optimizer[float64], error)
		text string
	}{
		{"into an optimizer without groups", grouped, func() (optim.Optimizer[float64], error) { return optim.NewAdamW(ps(), 0.01) },
			`the file's parameters are in groups "0,1", the optimizer has no ParamGroup`},
		{"other groups", swapped, func() (optim.Optimizer[float64], error) { return groupedAdamW(t, ps(), 0.01, 0.5), nil },
			`the file's parameters are in groups "1,0", the optimizer's in "0,1"`},
		{"one group more", grouped, func() (optim.Optimizer[float64], error) {
			p := ps()
			return optim.NewAdamW(p, 0.01, optim.ParamGroup(p[1:]), optim.ParamGroup[float64](nil))
		}, `the file's LRScales "1,0.5" are for 2 groups, the optimizer has 3`},
		{"a damaged LRScale", with("lr_scales", "1,x"), func() (optim.Optimizer[float64], error) { return groupedAdamW(t, ps(), 0.01, 0.5), nil },
			`the file's LRScale of group 1 is "x"`},
		{"a negative LRScale", with("lr_scales", "1,-2"), func() (optim.Optimizer[float64], error) { return groupedAdamW(t, ps(), 0.01, 0.5), nil },
			`the file's LRScale of group 1 is "-2"`},
		{"a NaN LRScale", with("lr_scales", "1,NaN"), func() (optim.Optimizer[float64], error) { return groupedAdamW(t, ps(), 0.01, 0.5), nil },
			`the file's LRScale of group 1 is "NaN"`},
		{"group 0's LRScale not 1", with("lr_scales", "2,0.5"), func() (optim.Optimizer[float64], error) { return groupedAdamW(t, ps(), 0.01, 0.5), nil },
			`the file's LRScale of group 0 is "2"`},
		{"an infinite group rate", with("lr_scales", "1,Inf"), func() (optim.Optimizer[float64], error) { return groupedAdamW(t, ps(), 0.01, 0.5), nil },
			`group 1's learning rate, LRScale +Inf times 0.05`},
		{"no lr_scales", with("lr_scales", ""), func() (optim.Optimizer[float64], error) { return groupedAdamW(t, ps(), 0.01, 0.5), nil },
			`the file records "groups" but no "lr_scales"`},
	} {
		o, err := c.into()
		if err != nil {
			t.Fatal(err)
		}
		stateStep(t, o, 0)
		before, groups := saveBytes(t, o), o.(interface {
			Groups() []optim.GroupInfo[float64]
		}).Groups()
		err = optim.LoadState(bytes.NewReader(c.file), o)
		if !errors.Is(err, optim.ErrState) || !strings.Contains(errString(err), c.text) {
			t.Errorf("%s: LoadState error %v, want one wrapping ErrState that says %q", c.name, err, c.text)
		}
		after := o.(interface {
			Groups() []optim.GroupInfo[float64]
		}).Groups()
		if !bytes.Equal(saveBytes(t, o), before) || o.LR() != 0.01 || !cmp.Equal(scales(after), scales(groups)) {
			t.Errorf("%s: a failed LoadState changed the optimizer", c.name)
		}
	}
}

func scales[T tensor.Float](gs []optim.GroupInfo[T]) []float64 {
	var out []float64
	for _, g := range gs {
		out = append(out, g.LRScale)
	}
	return out
}
