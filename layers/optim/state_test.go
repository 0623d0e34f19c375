package optim_test

import (
	"bytes"
	"errors"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/layers/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
)

// stateCase builds an optimizer of one configuration over params.
type stateCase[T tensor.Float] struct {
	name string
	make func(ps []*autograd.Var[T]) (optim.Optimizer[T], error)
}

func stateCases[T tensor.Float]() []stateCase[T] {
	type O = optim.Optimizer[T]
	return []stateCase[T]{
		{"SGD", func(ps []*autograd.Var[T]) (O, error) { return optim.NewSGD(ps, 0.1) }},
		{"SGD momentum Nesterov", func(ps []*autograd.Var[T]) (O, error) {
			return optim.NewSGD(ps, 0.1, optim.Momentum(0.9), optim.Nesterov())
		}},
		{"Adam", func(ps []*autograd.Var[T]) (O, error) { return optim.NewAdam(ps, 0.05) }},
		{"AdamW AMSGrad", func(ps []*autograd.Var[T]) (O, error) { return optim.NewAdamW(ps, 0.05, optim.AMSGrad()) }},
		{"RMSProp centered momentum", func(ps []*autograd.Var[T]) (O, error) {
			return optim.NewRMSProp(ps, 0.01, optim.Centered(), optim.Momentum(0.5))
		}},
		{"RMSProp", func(ps []*autograd.Var[T]) (O, error) { return optim.NewRMSProp(ps, 0.01) }},
		{"Adagrad", func(ps []*autograd.Var[T]) (O, error) {
			return optim.NewAdagrad(ps, 0.1, optim.LRDecay(0.2), optim.InitialAccumulator(0.1))
		}},
		{"NAdam", func(ps []*autograd.Var[T]) (O, error) { return optim.NewNAdam(ps, 0.05, optim.MomentumDecay(0.1)) }},
		{"RAdam", func(ps []*autograd.Var[T]) (O, error) { return optim.NewRAdam(ps, 0.05, optim.Betas(0.9, 0.9)) }},
		{"Adamax", func(ps []*autograd.Var[T]) (O, error) { return optim.NewAdamax(ps, 0.05, optim.Eps(0.1)) }},
		{"Adadelta", func(ps []*autograd.Var[T]) (O, error) { return optim.NewAdadelta(ps, 1, optim.Eps(1e-3)) }},
		{"AdamW groups", func(ps []*autograd.Var[T]) (O, error) {
			return optim.NewAdamW(ps, 0.05, optim.ParamGroup(ps[1:], optim.WeightDecay(0), optim.LRScale(0.5)))
		}},
		{"SGD momentum groups", func(ps []*autograd.Var[T]) (O, error) {
			return optim.NewSGD(ps, 0.1, optim.Momentum(0.9), optim.WeightDecay(0.1), optim.ParamGroup(ps[:1], optim.WeightDecay(0), optim.LRScale(2)))
		}},
	}
}

// stateParams returns two parameters [2 3] and [4] with fixed values.
func stateParams[T tensor.Float]() []*autograd.Var[T] {
	a := tensor.MustNew([]T{0.5, -1, 2, 0.25, -0.75, 1.5}, 2, 3)
	b := tensor.MustNew([]T{1, -2, 0.3, 0.6}, 4)
	return []*autograd.Var[T]{autograd.Param(a), autograd.Param(b)}
}

// stateStep is training step s: a loss whose gradient depends on the
// weights and the step. The second parameter takes part from step 2 on, so
// that a state saved after steps 0 and 1 has none for it.
func stateStep[T tensor.Float](t *testing.T, o optim.Optimizer[T], s int) {
	t.Helper()
	ps := o.Params()
	c := autograd.Const(tensor.Full(T(s+1)/4, 1))
	loss := autograd.Sum(autograd.Mul(autograd.Tanh(ps[0]), c))
	if s >= 2 && len(ps) > 1 {
		loss = autograd.Add(loss, autograd.Sum(autograd.Mul(ps[1], ps[1])))
	}
	loss.Backward()
	if err := o.Step(); err != nil {
		t.Fatal(err)
	}
	o.ZeroGrad()
}

// TestStateResumes checks, for every optimizer, both precisions and a save
// after 1, 2 (before the second parameter has state) and 4 steps, that
// training resumed from SaveState and LoadState into a new optimizer over
// parameters with the saved values gives, bit for bit, the weights of 7
// uninterrupted steps.
func TestStateResumes(t *testing.T) {
	testStateResumes[float32](t)
	testStateResumes[float64](t)
}

func testStateResumes[T tensor.Float](t *testing.T) {
	for _, c := range stateCases[T]() {
		const total = 7
		straight, err := c.make(stateParams[T]())
		if err != nil {
			t.Fatal(err)
		}
		for s := range total {
			stateStep(t, straight, s)
		}
		for _, at := range []int{1, 2, 4} {
			first, _ := c.make(stateParams[T]())
			for s := range at {
				stateStep(t, first, s)
			}
			var file bytes.Buffer
			if err := optim.SaveState(&file, first); err != nil {
				t.Fatalf("%s: SaveState: %v", c.name, err)
			}
			// A new process: the weights from the model file, a new optimizer.
			ps := stateParams[T]()
			for i, p := range ps {
				p.Value().CopyFrom(first.Params()[i].Value())
			}
			resumed, _ := c.make(ps)
			if err := optim.LoadState(bytes.NewReader(file.Bytes()), resumed); err != nil {
				t.Fatalf("%s: LoadState: %v", c.name, err)
			}
			for s := at; s < total; s++ {
				stateStep(t, resumed, s)
			}
			for i, p := range resumed.Params() {
				if want := straight.Params()[i].Value().Data(); !slices.Equal(p.Value().Data(), want) {
					t.Errorf("%s %T, saved after %d steps: parameter %d is %v, %v without the interruption", c.name, T(0), at, i, p.Value().Data(), want)
				}
			}
		}
	}
}

// TestStateFileAndPrecision checks SaveStateFile and LoadStateFile, a
// float64 state loaded into a float32 optimizer (rounded), and that the
// learning rate comes from the file.
func TestStateFileAndPrecision(t *testing.T) {
	o64, _ := optim.NewAdam(stateParams[float64](), 0.05)
	for s := range 3 {
		stateStep(t, o64, s)
	}
	path := filepath.Join(t.TempDir(), "adam.safetensors")
	if err := optim.SaveStateFile(path, o64); err != nil {
		t.Fatal(err)
	}
	o32, _ := optim.NewAdam(stateParams[float32](), 0.5)
	for i, p := range o32.Params() { // the weights, as a float32 model loads them
		for k, v := range o64.Params()[i].Value().Data() {
			p.Value().Data()[k] = float32(v)
		}
	}
	if err := optim.LoadStateFile(path, o32); err != nil {
		t.Fatal(err)
	}
	if o32.LR() != 0.05 {
		t.Errorf("learning rate after LoadState %v, want the file's 0.05", o32.LR())
	}
	// The next step of each differs only by float32 rounding.
	stateStep(t, o64, 3)
	stateStep(t, o32, 3)
	for i, p := range o32.Params() {
		want := o64.Params()[i].Value().Data()
		for k, v := range p.Value().Data() {
			if d := float64(v) - want[k]; d > 1e-5 || d < -1e-5 {
				t.Errorf("parameter %d element %d: %v in float32, %v in float64", i, k, v, want[k])
			}
		}
	}
}

// TestStateLoadErrors checks that a file that does not fit is refused with
// an error wrapping ErrState (or safetensors.ErrFormat for a damaged one),
// and that the optimizer is left as it was.
func TestStateLoadErrors(t *testing.T) {
	save := func(o optim.Optimizer[float64]) []byte {
		var b bytes.Buffer
		if err := optim.SaveState(&b, o); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	trained := func(o optim.Optimizer[float64], err error) optim.Optimizer[float64] {
		if err != nil {
			t.Fatal(err)
		}
		for s := range 3 {
			stateStep(t, o, s)
		}
		return o
	}
	adam := save(trained(optim.NewAdam(stateParams[float64](), 0.05)))
	ams := save(trained(optim.NewAdam(stateParams[float64](), 0.05, optim.AMSGrad())))
	one := save(trained(optim.NewAdam(stateParams[float64]()[:1], 0.05)))
	other := []*autograd.Var[float64]{autograd.Param(tensor.Zeros[float64](3, 2)), stateParams[float64]()[1]}
	reshaped := save(trained(optim.NewAdam(other, 0.05)))
	untrained, err := optim.NewAdam([]*autograd.Var[float64]{autograd.Param(tensor.Zeros[float64](7, 7)), stateParams[float64]()[1]}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	fresh := save(untrained)
	var model bytes.Buffer
	if err := layers.Save[float64](&model, layers.NewLinear[float64](rand.New(rand.NewPCG(1, 2)), 2, 3, nil)); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name string
		file []byte
		into func() (optim.Optimizer[float64], error)
		want error
		text string
	}{
		{"another optimizer", adam, func() (optim.Optimizer[float64], error) { return optim.NewRMSProp(stateParams[float64](), 0.01) }, optim.ErrState, `"Adam", not RMSProp`},
		{"AdamW for Adam", adam, func() (optim.Optimizer[float64], error) { return optim.NewAdamW(stateParams[float64](), 0.01) }, optim.ErrState, "not AdamW"},
		{"fewer parameters", one, func() (optim.Optimizer[float64], error) { return optim.NewAdam(stateParams[float64](), 0.01) }, optim.ErrState, "for 1 parameters"},
		{"another shape", reshaped, func() (optim.Optimizer[float64], error) { return optim.NewAdam(stateParams[float64](), 0.01) }, optim.ErrState, `shapes "3x2;`},
		{"another model, no state yet", fresh, func() (optim.Optimizer[float64], error) { return optim.NewAdam(stateParams[float64](), 0.01) }, optim.ErrState, `shapes "7x7;4", the optimizer's are "2x3;4"`},
		{"AMSGrad's buffer", ams, func() (optim.Optimizer[float64], error) { return optim.NewAdam(stateParams[float64](), 0.01) }, optim.ErrState, `buffers are "exp_avg,exp_avg_sq,max_exp_avg_sq,step", the optimizer's "exp_avg,exp_avg_sq,step"`},
		{"missing AMSGrad's buffer", adam, func() (optim.Optimizer[float64], error) {
			return optim.NewAdam(stateParams[float64](), 0.01, optim.AMSGrad())
		}, optim.ErrState, "buffers are"},
		{"a model file", model.Bytes(), func() (optim.Optimizer[float64], error) { return optim.NewAdam(stateParams[float64](), 0.01) }, optim.ErrState, "holds no optimizer's state"},
		{"damaged", adam[:len(adam)-3], func() (optim.Optimizer[float64], error) { return optim.NewAdam(stateParams[float64](), 0.01) }, safetensors.ErrFormat, ""},
	} {
		o, err := c.into()
		if err != nil {
			t.Fatal(err)
		}
		stateStep(t, o, 0)
		before := save(o)
		err = optim.LoadState(bytes.NewReader(c.file), o)
		if !errors.Is(err, c.want) || !strings.Contains(errString(err), c.text) {
			t.Errorf("%s: LoadState error %v, want one wrapping %v that says %q", c.name, err, c.want, c.text)
		}
		if after := save(o); !bytes.Equal(after, before) || o.LR() != 0.01 {
			t.Errorf("%s: a failed LoadState changed the optimizer", c.name)
		}
	}

	// Files written by hand, each wrong in one way, for an Adam over
	// stateParams: the metadata of a real one, and its tensors. Without
	// "shapes", as files written before it, shapes are checked only where
	// a parameter has state.
	good := map[string]string{"optimizer": "Adam", "params": "2", "lr": "0.05", "buffers": "exp_avg,exp_avg_sq,step"}
	with := func(key, value string) map[string]string {
		m := maps.Clone(good)
		if value == "" {
			delete(m, key)
		} else {
			m[key] = value
		}
		return m
	}
	buf := func(name string, shape ...int) safetensors.Named {
		return safetensors.Of(name, tensor.Zeros[float64](shape...))
	}
	step := func(v float64, shape ...int) safetensors.Named {
		return safetensors.Of("state.0.step", tensor.MustNew([]float64{v}, shape...))
	}
	state0 := []safetensors.Named{buf("state.0.exp_avg", 2, 3), buf("state.0.exp_avg_sq", 2, 3)}
	for _, c := range []struct {
		name    string
		meta    map[string]string
		tensors []safetensors.Named
		text    string
	}{
		{"no params key", with("params", ""), nil, `no "params"`},
		{"other shapes", with("shapes", "2x3;5"), nil, `shapes "2x3;5"`},
		{"NaN learning rate", with("lr", "NaN"), nil, "learning rate"},
		{"negative learning rate", with("lr", "-1"), nil, "learning rate"},
		{"a fractional step", good, append(state0, step(0.5)), "step is 0.5"},
		{"a step of 0", good, append(state0, step(0)), "step is 0"},
		{"a step of shape [1]", good, append(state0, step(3, 1)), "shape [1], want []"},
		{"a parameter without its step", good, state0, "has 2 of its 3 entries"},
		{"an extra tensor", good, append(append(state0, step(3)), buf("state.1.momentum_buffer", 4)), `unexpected tensor "state.1.momentum_buffer"`},
		{"a parameter beyond the count", good, []safetensors.Named{buf("state.2.exp_avg", 4)}, "unexpected tensor"},
		{"an F32 buffer among F64 ones (converted)", good, []safetensors.Named{state0[0], step(3), safetensors.Of("state.0.exp_avg_sq", tensor.Zeros[float32](2, 3))}, ""},
	} {
		var file bytes.Buffer
		if err := safetensors.Write(&file, c.tensors, c.meta); err != nil {
			t.Fatal(err)
		}
		o, _ := optim.NewAdam(stateParams[float64](), 0.01)
		stateStep(t, o, 0)
		before := save(o)
		err := optim.LoadState(bytes.NewReader(file.Bytes()), o)
		if c.text == "" { // an F32 buffer loads into float64: no error
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if !errors.Is(err, optim.ErrState) || !strings.Contains(errString(err), c.text) {
			t.Errorf("%s: LoadState error %v, want one wrapping ErrState that says %q", c.name, err, c.text)
		}
		if !bytes.Equal(save(o), before) || o.LR() != 0.01 {
			t.Errorf("%s: a failed LoadState changed the optimizer", c.name)
		}
	}

	// The state of an SGD without momentum (no tensors) does not fit one
	// with momentum, which would lose its buffers.
	plain := save(trained(optim.NewSGD(stateParams[float64](), 0.1)))
	mom, _ := optim.NewSGD(stateParams[float64](), 0.1, optim.Momentum(0.9))
	stateStep(t, mom, 0)
	if err := optim.LoadState(bytes.NewReader(plain), mom); !errors.Is(err, optim.ErrState) {
		t.Errorf("plain SGD's state into SGD with momentum: error %v, want ErrState", err)
	}

	var b bytes.Buffer
	if err := optim.SaveState[float64](&b, (*optim.Adam[float64])(nil)); err == nil {
		t.Error("SaveState of a nil *Adam: no error")
	}
	if err := optim.SaveState[float64](&b, foreign{}); err == nil {
		t.Error("SaveState of an optimizer of another package: no error")
	}
	if err := optim.LoadState[float64](bytes.NewReader(adam), foreign{}); err == nil {
		t.Error("LoadState into an optimizer of another package: no error")
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// foreign is an Optimizer of another package, whose state SaveState cannot
// reach.
type foreign struct{ optim.Optimizer[float64] }

// TestSchedulerSetSteps checks that SetSteps puts a schedule at step n with
// its rate, and refuses a negative n.
func TestSchedulerSetSteps(t *testing.T) {
	o, _ := optim.NewSGD(stateParams[float64](), 1)
	s, err := optim.NewScheduler[float64](o, optim.ScheduleFunc(func(step int) float64 { return 1 / float64(step+1) }))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetSteps(3); err != nil || s.Steps() != 3 || o.LR() != 0.25 {
		t.Errorf("SetSteps(3): error %v, steps %d, rate %v; want nil, 3, 0.25", err, s.Steps(), o.LR())
	}
	if err := s.Step(); err != nil || o.LR() != 0.2 {
		t.Errorf("Step after SetSteps(3): error %v, rate %v; want 0.2", err, o.LR())
	}
	var ae *optim.ArgError
	if err := s.SetSteps(-1); !errors.As(err, &ae) || s.Steps() != 4 {
		t.Errorf("SetSteps(-1): error %v, steps %d; want an *ArgError and 4 steps", err, s.Steps())
	}
}

// pair is a Wrapper of two optimizers that hold the same state.
type pair struct {
	optim.Optimizer[float64]
	second optim.Optimizer[float64]
}

func (p pair) Unwrap() []optim.Optimizer[float64] {
	return []optim.Optimizer[float64]{p.Optimizer, p.second}
}

// TestStateWrapper checks SaveState and LoadState through a Wrapper: the
// first optimizer's state is saved, and the file is loaded into each, which
// then step as the saved one does.
func TestStateWrapper(t *testing.T) {
	src, _ := optim.NewAdam(stateParams[float64](), 0.05)
	for s := range 3 {
		stateStep(t, src, s)
	}
	var file bytes.Buffer
	if err := optim.SaveState(&file, pair{src, src}); err != nil {
		t.Fatal(err)
	}
	newAdam := func() optim.Optimizer[float64] {
		ps := stateParams[float64]()
		for i, p := range ps {
			p.Value().CopyFrom(src.Params()[i].Value())
		}
		o, _ := optim.NewAdam(ps, 0.5)
		return o
	}
	dst := pair{newAdam(), newAdam()}
	if err := optim.LoadState(bytes.NewReader(file.Bytes()), dst); err != nil {
		t.Fatal(err)
	}
	for _, o := range []optim.Optimizer[float64]{src, dst.Optimizer, dst.second} {
		stateStep(t, o, 3)
	}
	for _, o := range []optim.Optimizer[float64]{dst.Optimizer, dst.second} {
		if o.LR() != 0.05 {
			t.Errorf("learning rate %v after LoadState, want the file's 0.05", o.LR())
		}
		for i, p := range o.Params() {
			if !slices.Equal(p.Value().Data(), src.Params()[i].Value().Data()) {
				t.Errorf("parameter %d after a step: %v, want %v", i, p.Value().Data(), src.Params()[i].Value().Data())
			}
		}
	}
	if err := optim.SaveState[float64](&file, pair{src, (*optim.Adam[float64])(nil)}); err == nil {
		t.Error("SaveState through a Wrapper holding a nil *Adam: no error")
	}
}
