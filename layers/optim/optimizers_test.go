package optim_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/internal/allocs"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// Every optimizer implements Optimizer, in both element types.
var (
	_ optim.Optimizer[float64] = (*optim.SGD[float64])(nil)
	_ optim.Optimizer[float32] = (*optim.SGD[float32])(nil)
	_ optim.Optimizer[float64] = (*optim.Adam[float64])(nil)
	_ optim.Optimizer[float32] = (*optim.Adam[float32])(nil)
	_ optim.Optimizer[float64] = (*optim.AdamW[float64])(nil)
	_ optim.Optimizer[float32] = (*optim.AdamW[float32])(nil)
	_ optim.Optimizer[float64] = (*optim.RMSProp[float64])(nil)
	_ optim.Optimizer[float32] = (*optim.RMSProp[float32])(nil)
	_ optim.Optimizer[float64] = (*optim.Adagrad[float64])(nil)
	_ optim.Optimizer[float32] = (*optim.Adagrad[float32])(nil)
	_ optim.Optimizer[float64] = (*optim.NAdam[float64])(nil)
	_ optim.Optimizer[float32] = (*optim.NAdam[float32])(nil)
	_ optim.Optimizer[float64] = (*optim.RAdam[float64])(nil)
	_ optim.Optimizer[float32] = (*optim.RAdam[float32])(nil)
	_ optim.Optimizer[float64] = (*optim.Adamax[float64])(nil)
	_ optim.Optimizer[float32] = (*optim.Adamax[float32])(nil)
	_ optim.Optimizer[float64] = (*optim.Adadelta[float64])(nil)
	_ optim.Optimizer[float32] = (*optim.Adadelta[float32])(nil)
)

// maker builds one optimizer configuration over params with learning rate lr.
type maker[T tensor.Float] struct {
	name string
	make func(params []*autograd.Var[T], lr float64) (optim.Optimizer[T], error)
}

// makers lists every optimizer with every state-carrying option on, so that
// the tests below cover each code path of each Step.
func makers[T tensor.Float]() []maker[T] {
	type ps = []*autograd.Var[T]
	type opt = optim.Optimizer[T]
	return []maker[T]{
		{"SGD", func(p ps, lr float64) (opt, error) { return optim.NewSGD(p, lr) }},
		{"SGD weight decay", func(p ps, lr float64) (opt, error) { return optim.NewSGD(p, lr, optim.WeightDecay(0.1)) }},
		{"SGD momentum", func(p ps, lr float64) (opt, error) { return optim.NewSGD(p, lr, optim.Momentum(0.9)) }},
		{"SGD momentum dampening", func(p ps, lr float64) (opt, error) {
			return optim.NewSGD(p, lr, optim.Momentum(0.9), optim.Dampening(0.1))
		}},
		{"SGD Nesterov", func(p ps, lr float64) (opt, error) {
			return optim.NewSGD(p, lr, optim.Momentum(0.9), optim.Nesterov(), optim.WeightDecay(0.1))
		}},
		{"Adam", func(p ps, lr float64) (opt, error) { return optim.NewAdam(p, lr) }},
		{"Adam AMSGrad", func(p ps, lr float64) (opt, error) {
			return optim.NewAdam(p, lr, optim.AMSGrad(), optim.WeightDecay(0.1), optim.Betas(0.5, 0.6), optim.Eps(1e-3))
		}},
		{"AdamW", func(p ps, lr float64) (opt, error) { return optim.NewAdamW(p, lr) }},
		{"AdamW AMSGrad", func(p ps, lr float64) (opt, error) { return optim.NewAdamW(p, lr, optim.AMSGrad()) }},
		{"RMSProp", func(p ps, lr float64) (opt, error) { return optim.NewRMSProp(p, lr) }},
		{"RMSProp momentum", func(p ps, lr float64) (opt, error) { return optim.NewRMSProp(p, lr, optim.Momentum(0.9)) }},
		{"RMSProp centered", func(p ps, lr float64) (opt, error) { return optim.NewRMSProp(p, lr, optim.Centered()) }},
		{"RMSProp centered momentum", func(p ps, lr float64) (opt, error) {
			return optim.NewRMSProp(p, lr, optim.Centered(), optim.Momentum(0.9), optim.WeightDecay(0.1), optim.Alpha(0.9))
		}},
		{"Adagrad", func(p ps, lr float64) (opt, error) { return optim.NewAdagrad(p, lr) }},
		{"Adagrad all options", func(p ps, lr float64) (opt, error) {
			return optim.NewAdagrad(p, lr, optim.LRDecay(0.1), optim.InitialAccumulator(0.2), optim.WeightDecay(0.1), optim.Eps(1e-6))
		}},
		{"NAdam", func(p ps, lr float64) (opt, error) { return optim.NewNAdam(p, lr) }},
		{"NAdam all options", func(p ps, lr float64) (opt, error) {
			return optim.NewNAdam(p, lr, optim.Betas(0.5, 0.6), optim.Eps(1e-3), optim.WeightDecay(0.1), optim.MomentumDecay(0.1))
		}},
		{"RAdam", func(p ps, lr float64) (opt, error) { return optim.NewRAdam(p, lr) }},
		// Rectified from a parameter's sixth step on, whatever β₂ > 2/3.
		{"RAdam all options", func(p ps, lr float64) (opt, error) {
			return optim.NewRAdam(p, lr, optim.Betas(0.5, 0.999), optim.Eps(1e-3), optim.WeightDecay(0.1))
		}},
		{"Adamax", func(p ps, lr float64) (opt, error) { return optim.NewAdamax(p, lr) }},
		{"Adamax all options", func(p ps, lr float64) (opt, error) {
			return optim.NewAdamax(p, lr, optim.Betas(0.5, 0.6), optim.Eps(0.3), optim.WeightDecay(0.1))
		}},
		{"Adam maximize", func(p ps, lr float64) (opt, error) {
			return optim.NewAdam(p, lr, optim.Maximize(), optim.WeightDecay(0.1))
		}},
		{"Adagrad maximize", func(p ps, lr float64) (opt, error) { return optim.NewAdagrad(p, lr, optim.Maximize()) }},
		{"Adadelta", func(p ps, lr float64) (opt, error) { return optim.NewAdadelta(p, lr) }},
		{"Adadelta all options", func(p ps, lr float64) (opt, error) {
			return optim.NewAdadelta(p, lr, optim.Rho(0.5), optim.Eps(1e-2), optim.WeightDecay(0.1))
		}},
	}
}

// TestParamsValidation checks that every constructor rejects what it cannot
// update, naming the parameter, and keeps its own copy of a good list.
func TestParamsValidation(t *testing.T) {
	w := param[float64](1, 2)
	b := param[float64](3)
	c := autograd.Const(tensor.MustNew([]float64{1, 2}, 2))
	tests := []struct {
		name    string
		params  []*autograd.Var[float64]
		wantErr string // "" for success
	}{
		{"none", nil, ""},
		{"params", []*autograd.Var[float64]{w, b}, ""},
		{"nil", []*autograd.Var[float64]{w, nil}, "params[1] = <nil>: must not be nil"},
		{"const", []*autograd.Var[float64]{c}, "parameter 0 is not a trainable leaf"},
		{"non-leaf", []*autograd.Var[float64]{w, b, autograd.Add(w, w)}, "parameter 2 is not a trainable leaf"},
		{"detached", []*autograd.Var[float64]{autograd.Detach(w)}, "parameter 0 is not a trainable leaf"},
		{"duplicate", []*autograd.Var[float64]{w, b, w}, "parameter 2 is parameter 0 again"},
	}
	for _, m := range makers[float64]() {
		for _, tt := range tests {
			t.Run(m.name+"/"+tt.name, func(t *testing.T) {
				opt, err := m.make(tt.params, 0.1)
				if tt.wantErr != "" {
					if err == nil {
						t.Fatalf("succeeded, want an error naming %q", tt.wantErr)
					}
					if !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "optim: New") {
						t.Errorf("error %q: want it to start with \"optim: New\" and name %q", err, tt.wantErr)
					}
					if ae := new(optim.ArgError); tt.name == "nil" && !errors.As(err, &ae) {
						t.Errorf("error %q (%T): want an *optim.ArgError", err, err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				got := opt.Params()
				if len(got) != len(tt.params) {
					t.Fatalf("Params() has %d parameters, want %d", len(got), len(tt.params))
				}
				for i := range got {
					if got[i] != tt.params[i] {
						t.Errorf("Params()[%d] is not the parameter given", i)
					}
				}
				if len(tt.params) > 0 {
					given := tt.params[0]
					tt.params[0] = nil // the caller's slice is theirs
					if opt.Params()[0] != given {
						t.Errorf("Params() aliases the caller's slice")
					}
					tt.params[0] = given
				}
			})
		}
	}
}

// TestHyperparameters checks each constructor's range checks; the error
// must name the hyperparameter and the value.
func TestHyperparameters(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	p := []*autograd.Var[float64]{param[float64](1, 2)}
	p32 := []*autograd.Var[float32]{param[float32](1, 2)}
	sgd := func(lr float64, o ...optim.SGDOption) error { _, err := optim.NewSGD(p, lr, o...); return err }
	adam := func(lr float64, o ...optim.AdamOption) error { _, err := optim.NewAdam(p, lr, o...); return err }
	adamW := func(lr float64, o ...optim.AdamOption) error { _, err := optim.NewAdamW(p, lr, o...); return err }
	rms := func(lr float64, o ...optim.RMSPropOption) error { _, err := optim.NewRMSProp(p, lr, o...); return err }
	ada := func(lr float64, o ...optim.AdagradOption) error { _, err := optim.NewAdagrad(p, lr, o...); return err }
	nadam := func(lr float64, o ...optim.NAdamOption) error { _, err := optim.NewNAdam(p, lr, o...); return err }
	radam := func(lr float64, o ...optim.RAdamOption) error { _, err := optim.NewRAdam(p, lr, o...); return err }
	adamax := func(lr float64, o ...optim.AdamaxOption) error { _, err := optim.NewAdamax(p, lr, o...); return err }
	adadelta := func(lr float64, o ...optim.AdadeltaOption) error {
		_, err := optim.NewAdadelta(p, lr, o...)
		return err
	}
	tests := []struct {
		name string
		err  error
		want []string // nil for success, else the substrings the error must have
	}{
		{"SGD all options", sgd(0.1, optim.Momentum(0.9), optim.Nesterov(), optim.WeightDecay(1e-4)), nil},
		{"SGD dampening", sgd(0.1, optim.Momentum(0.9), optim.Dampening(0.5)), nil},
		{"SGD Nesterov without momentum", sgd(0.1, optim.Nesterov()), []string{"NewSGD", "Nesterov", "momentum 0"}},
		{"SGD Nesterov with dampening", sgd(0.1, optim.Momentum(0.9), optim.Dampening(0.1), optim.Nesterov()), []string{"Nesterov", "dampening 0.1"}},
		{"SGD negative dampening", sgd(0.1, optim.Momentum(0.9), optim.Dampening(-1)), []string{"dampening", "-1"}},
		{"SGD NaN weight decay", sgd(0.1, optim.WeightDecay(nan)), []string{"weight decay", "NaN"}},
		{"SGD negative weight decay", sgd(0.1, optim.WeightDecay(-1e-4)), []string{"weight decay", "-0.0001"}},

		{"Adam defaults", adam(1e-3), nil},
		{"Adam zero betas and eps", adam(1e-3, optim.Betas(0, 0), optim.Eps(0)), nil},
		{"Adam negative lr", adam(-1e-3), []string{"NewAdam", "learning rate", "-0.001"}},
		{"Adam NaN lr", adam(nan), []string{"learning rate", "NaN"}},
		{"Adam beta1 one", adam(1e-3, optim.Betas(1, 0.999)), []string{"beta1", "[0, 1)", "got 1"}},
		{"Adam beta1 negative", adam(1e-3, optim.Betas(-0.1, 0.999)), []string{"beta1", "-0.1"}},
		{"Adam beta2 NaN", adam(1e-3, optim.Betas(0.9, nan)), []string{"beta2", "NaN"}},
		{"Adam beta2 above one", adam(1e-3, optim.Betas(0.9, 1.5)), []string{"beta2", "1.5"}},
		{"Adam negative eps", adam(1e-3, optim.Eps(-1e-8)), []string{"eps", "-1e-08"}},
		{"Adam infinite eps", adam(1e-3, optim.Eps(inf)), []string{"eps", "+Inf"}},
		{"Adam infinite weight decay", adam(1e-3, optim.WeightDecay(inf)), []string{"weight decay", "+Inf"}},
		{"AdamW negative weight decay", adamW(1e-3, optim.WeightDecay(-0.01)), []string{"NewAdamW", "weight decay", "-0.01"}},
		{"AdamW beta2 one", adamW(1e-3, optim.Betas(0.9, 1)), []string{"NewAdamW", "beta2"}},
		{"AdamW infinite lr", adamW(inf), []string{"NewAdamW", "learning rate", "+Inf"}},

		{"RMSProp all options", rms(0.01, optim.Alpha(0), optim.Eps(0), optim.Momentum(0.9), optim.Centered(), optim.WeightDecay(0.1)), nil},
		{"RMSProp alpha one", rms(0.01, optim.Alpha(1)), []string{"NewRMSProp", "alpha", "got 1"}},
		{"RMSProp alpha negative", rms(0.01, optim.Alpha(-0.5)), []string{"alpha", "-0.5"}},
		{"RMSProp alpha NaN", rms(0.01, optim.Alpha(nan)), []string{"alpha", "NaN"}},
		{"RMSProp negative momentum", rms(0.01, optim.Momentum(-0.9)), []string{"momentum", "-0.9"}},
		{"RMSProp NaN eps", rms(0.01, optim.Eps(nan)), []string{"eps", "NaN"}},
		{"RMSProp negative lr", rms(-0.01), []string{"learning rate", "-0.01"}},

		{"Adagrad all options", ada(0.01, optim.LRDecay(0.5), optim.InitialAccumulator(0.1), optim.Eps(0), optim.WeightDecay(0.1)), nil},
		{"Adagrad negative lr decay", ada(0.01, optim.LRDecay(-0.1)), []string{"NewAdagrad", "lr decay", "-0.1"}},
		{"Adagrad NaN initial accumulator", ada(0.01, optim.InitialAccumulator(nan)), []string{"initial accumulator value", "NaN"}},
		{"Adagrad infinite eps", ada(0.01, optim.Eps(inf)), []string{"eps", "+Inf"}},
		{"Adagrad negative lr", ada(-0.01), []string{"NewAdagrad", "learning rate", "-0.01"}},

		{"NAdam all options", nadam(2e-3, optim.Betas(0, 0), optim.Eps(0), optim.WeightDecay(0.1), optim.MomentumDecay(0)), nil},
		{"NAdam negative lr", nadam(-2e-3), []string{"NewNAdam", "learning rate", "-0.002"}},
		{"NAdam beta1 one", nadam(2e-3, optim.Betas(1, 0.999)), []string{"NewNAdam", "beta1", "[0, 1)", "got 1"}},
		{"NAdam beta2 NaN", nadam(2e-3, optim.Betas(0.9, nan)), []string{"NewNAdam", "beta2", "NaN"}},
		{"NAdam negative eps", nadam(2e-3, optim.Eps(-1)), []string{"NewNAdam", "eps", "-1"}},
		{"NAdam infinite weight decay", nadam(2e-3, optim.WeightDecay(inf)), []string{"NewNAdam", "weight decay", "+Inf"}},
		{"NAdam negative momentum decay", nadam(2e-3, optim.MomentumDecay(-4e-3)), []string{"NewNAdam", "momentum decay", "-0.004"}},
		{"NAdam NaN momentum decay", nadam(2e-3, optim.MomentumDecay(nan)), []string{"NewNAdam", "momentum decay", "NaN"}},

		{"RAdam all options", radam(1e-3, optim.Betas(0, 0), optim.Eps(0), optim.WeightDecay(0.1)), nil},
		{"RAdam NaN lr", radam(nan), []string{"NewRAdam", "learning rate", "NaN"}},
		{"RAdam beta1 negative", radam(1e-3, optim.Betas(-0.1, 0.999)), []string{"NewRAdam", "beta1", "-0.1"}},
		{"RAdam beta2 one", radam(1e-3, optim.Betas(0.9, 1)), []string{"NewRAdam", "beta2", "got 1"}},
		{"RAdam infinite eps", radam(1e-3, optim.Eps(inf)), []string{"NewRAdam", "eps", "+Inf"}},
		{"RAdam negative weight decay", radam(1e-3, optim.WeightDecay(-0.5)), []string{"NewRAdam", "weight decay", "-0.5"}},

		{"Adamax all options", adamax(2e-3, optim.Betas(0, 0), optim.Eps(0), optim.WeightDecay(0.1)), nil},
		{"Adamax infinite lr", adamax(inf), []string{"NewAdamax", "learning rate", "+Inf"}},
		{"Adamax beta1 NaN", adamax(2e-3, optim.Betas(nan, 0.999)), []string{"NewAdamax", "beta1", "NaN"}},
		{"Adamax beta2 above one", adamax(2e-3, optim.Betas(0.9, 2)), []string{"NewAdamax", "beta2", "got 2"}},
		{"Adamax NaN eps", adamax(2e-3, optim.Eps(nan)), []string{"NewAdamax", "eps", "NaN"}},
		{"Adamax negative weight decay", adamax(2e-3, optim.WeightDecay(-1)), []string{"NewAdamax", "weight decay", "-1"}},
		{"Adadelta all options", adadelta(1, optim.Rho(0.5), optim.Eps(0), optim.WeightDecay(0.1)), nil},
		{"Adadelta rho one", adadelta(1, optim.Rho(1)), nil}, // torch allows it: nothing moves
		{"Adadelta rho zero", adadelta(1, optim.Rho(0)), nil},
		{"Adadelta rho above one", adadelta(1, optim.Rho(1.5)), []string{"NewAdadelta", "rho", "[0, 1]", "got 1.5"}},
		{"Adadelta rho negative", adadelta(1, optim.Rho(-0.1)), []string{"NewAdadelta", "rho", "-0.1"}},
		{"Adadelta rho NaN", adadelta(1, optim.Rho(nan)), []string{"NewAdadelta", "rho", "NaN"}},
		{"Adadelta negative lr", adadelta(-1), []string{"NewAdadelta", "learning rate", "-1"}},
		{"Adadelta infinite eps", adadelta(1, optim.Eps(inf)), []string{"NewAdadelta", "eps", "+Inf"}},
		{"Adadelta NaN weight decay", adadelta(1, optim.WeightDecay(nan)), []string{"NewAdadelta", "weight decay", "NaN"}},
		{"float32 Adamax eps", func() error { _, err := optim.NewAdamax(p32, 1e-3, optim.Eps(1e39)); return err }(), []string{"NewAdamax", "eps"}},

		// Finite in float64, +Inf once stored as float32.
		{"float32 Adam lr", func() error { _, err := optim.NewAdam(p32, 1e39); return err }(), []string{"learning rate", "1e+39"}},
		{"float32 Adam eps", func() error { _, err := optim.NewAdam(p32, 1e-3, optim.Eps(1e39)); return err }(), []string{"eps"}},
		{"float32 AdamW weight decay", func() error { _, err := optim.NewAdamW(p32, 1e-3, optim.WeightDecay(1e39)); return err }(), []string{"weight decay"}},
		{"float32 RMSProp momentum", func() error { _, err := optim.NewRMSProp(p32, 1e-3, optim.Momentum(1e39)); return err }(), []string{"momentum"}},
		{"float32 SGD weight decay", func() error { _, err := optim.NewSGD(p32, 1e-3, optim.WeightDecay(1e39)); return err }(), []string{"weight decay"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == nil {
				if tt.err != nil {
					t.Fatalf("unexpected error: %v", tt.err)
				}
				return
			}
			if tt.err == nil {
				t.Fatalf("succeeded, want an error mentioning %q", tt.want)
			}
			for _, w := range append([]string{"optim: "}, tt.want...) {
				if !strings.Contains(tt.err.Error(), w) {
					t.Errorf("error %q does not mention %q", tt.err, w)
				}
			}
		})
	}
}

// TestLRAndSetLR checks, for every optimizer, that LR reports the rate as
// given and that SetLR rejects a bad rate without changing anything.
func TestLRAndSetLR(t *testing.T) {
	for _, m := range makers[float32]() {
		t.Run(m.name, func(t *testing.T) {
			opt, err := m.make([]*autograd.Var[float32]{param[float32](1)}, 0.1)
			if err != nil {
				t.Fatal(err)
			}
			if opt.LR() != 0.1 { // the float64 as given, not float32(0.1)
				t.Errorf("LR() = %v, want 0.1", opt.LR())
			}
			if err := opt.SetLR(0.3); err != nil || opt.LR() != 0.3 {
				t.Errorf("SetLR(0.3) = %v, LR() = %v", err, opt.LR())
			}
			for _, bad := range []float64{-1, math.NaN(), math.Inf(1), 1e39} {
				if err := opt.SetLR(bad); err == nil || !strings.Contains(err.Error(), "SetLR") {
					t.Errorf("SetLR(%v) = %v, want an error naming SetLR", bad, err)
				}
				if opt.LR() != 0.3 {
					t.Errorf("LR() = %v after a rejected SetLR(%v), want 0.3", opt.LR(), bad)
				}
			}
		})
	}
}

// TestSkipNilGrad checks, for every optimizer, that a parameter that never
// gets a gradient does not move (AdamW does not decay it either), that
// ZeroGrad leaves its gradient nil, and that its state starts at its own
// first gradient: its first update equals that of a fresh optimizer.
func TestSkipNilGrad(t *testing.T) {
	for _, m := range makers[float64]() {
		t.Run(m.name, func(t *testing.T) {
			used, late := param[float64](1, -2), param[float64](3, -4)
			opt, err := m.make([]*autograd.Var[float64]{used, late}, 0.1)
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				setGrad(used, 0.5, 1)
				opt.Step()
				opt.ZeroGrad()
			}
			if late.Grad() != nil {
				t.Fatalf("ZeroGrad gave the unused parameter a gradient: %v", late.Grad())
			}
			if diff := cmp.Diff([]float64{3, -4}, values(late.Value())); diff != "" {
				t.Errorf("parameter with nil Grad changed (-want +got):\n%s", diff)
			}
			if got := values(used.Value()); got[0] == 1 || got[1] == -2 {
				t.Errorf("parameter with a gradient did not move: %v", got)
			}

			fresh := param[float64](3, -4)
			ref, err := m.make([]*autograd.Var[float64]{fresh}, 0.1)
			if err != nil {
				t.Fatal(err)
			}
			setGrad(late, 2, -1)
			setGrad(fresh, 2, -1)
			opt.Step()
			ref.Step()
			if diff := cmp.Diff(values(fresh.Value()), values(late.Value())); diff != "" {
				t.Errorf("first update of a late parameter differs from a fresh optimizer's (-fresh +late):\n%s", diff)
			}
		})
	}
}

// TestAdamFirstStep checks Adam's bias correction by hand: on the first
// step m̂ = g and v̂ = g², so with ε = 0 every element moves by exactly
// lr·sign(g), whatever the betas and the size of g.
func TestAdamFirstStep(t *testing.T) {
	for _, betas := range [][2]float64{{0.9, 0.999}, {0.5, 0.25}, {0, 0}} {
		t.Run(fmt.Sprint(betas), func(t *testing.T) {
			p := param[float64](1, 1, 1, 1)
			opt, err := optim.NewAdam([]*autograd.Var[float64]{p}, 0.25, optim.Betas(betas[0], betas[1]), optim.Eps(0))
			if err != nil {
				t.Fatal(err)
			}
			setGrad(p, 3, -1e-6, 1e6, -7)
			opt.Step()
			want := []float64{0.75, 1.25, 0.75, 1.25}
			if diff := cmp.Diff(want, values(p.Value()), cmpopts.EquateApprox(1e-15, 0)); diff != "" {
				t.Errorf("after one step (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAdamWDecoupled contrasts the two kinds of weight decay with a zero
// gradient. AdamW's decay bypasses the moments: the parameter shrinks by
// exactly 1 − lr·λ per step and nothing else happens. Adam's L2 decay goes
// through them: the gradient is λ·W, which Adam normalises into a step of
// about lr·sign(W), whatever λ.
func TestAdamWDecoupled(t *testing.T) {
	const lr, wd = 0.1, 0.5
	w := param[float64](2, -4)
	adamW, err := optim.NewAdamW([]*autograd.Var[float64]{w}, lr, optim.WeightDecay(wd))
	if err != nil {
		t.Fatal(err)
	}
	a := param[float64](2, -4)
	adam, err := optim.NewAdam([]*autograd.Var[float64]{a}, lr, optim.WeightDecay(wd), optim.Eps(0))
	if err != nil {
		t.Fatal(err)
	}
	setGrad(w, 0, 0)
	setGrad(a, 0, 0)
	want := []float64{2, -4}
	for step := 1; step <= 3; step++ {
		adamW.Step()
		adam.Step()
		for i := range want {
			want[i] *= 1 - lr*wd
		}
		if diff := cmp.Diff(want, values(w.Value()), cmpopts.EquateApprox(1e-15, 0)); diff != "" {
			t.Errorf("AdamW after step %d (-want +got):\n%s", step, diff)
		}
	}
	// Adam: three steps of (nearly) lr each, towards zero.
	if diff := cmp.Diff([]float64{1.7, -3.7}, values(a.Value()), cmpopts.EquateApprox(0, 0.01)); diff != "" {
		t.Errorf("Adam with L2 decay after 3 steps (-want +got):\n%s", diff)
	}
}

// TestNewAdamWDefaultDecay checks torch's default λ = 0.01 for AdamW, and
// that an explicit WeightDecay(0) turns it off.
func TestNewAdamWDefaultDecay(t *testing.T) {
	tests := []struct {
		name string
		opts []optim.AdamOption
		want float64
	}{
		{"default", nil, 10 * (1 - 0.5*0.01)},
		{"off", []optim.AdamOption{optim.WeightDecay(0)}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := param[float64](10)
			opt, err := optim.NewAdamW([]*autograd.Var[float64]{p}, 0.5, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			setGrad(p, 0)
			opt.Step()
			if got := p.Value().Data()[0]; math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("after a step with zero gradient: %v, want %v", got, tt.want)
			}
		})
	}
}

// TestNaNPropagates checks that a NaN gradient is not hidden: the parameter
// becomes NaN, in every optimizer.
func TestNaNPropagates(t *testing.T) {
	for _, m := range makers[float64]() {
		t.Run(m.name, func(t *testing.T) {
			p := param[float64](1, 2)
			opt, err := m.make([]*autograd.Var[float64]{p}, 0.1)
			if err != nil {
				t.Fatal(err)
			}
			setGrad(p, 1, 1)
			opt.Step()
			opt.ZeroGrad()
			p.Grad().Data()[0] = math.NaN()
			opt.Step()
			if got := p.Value().Data(); !math.IsNaN(got[0]) || math.IsNaN(got[1]) {
				t.Errorf("after a NaN gradient in element 0: %v, want [NaN finite]", got)
			}
		})
	}
}

// TestAllocs checks that a steady-state Step allocates nothing, for every
// optimizer and element type (the first step allocates the state), nor do
// SetLR, clipping and ZeroGrad. The weight spans several of the blocks in
// which weight decay is applied.
func TestAllocs(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testAllocs(t, makers[float64]()) })
	t.Run("float32", func(t *testing.T) { testAllocs(t, makers[float32]()) })
}

func testAllocs[T tensor.Float](t *testing.T, ms []maker[T]) {
	for _, m := range ms {
		t.Run(m.name, func(t *testing.T) {
			w := autograd.Param(tensor.Ones[T](40, 30))
			b := autograd.Param(tensor.Zeros[T](30))
			idle := autograd.Param(tensor.Ones[T](3)) // never gets a gradient
			autograd.Add(autograd.Sum(w), autograd.Sum(b)).Backward()
			opt, err := m.make([]*autograd.Var[T]{w, b, idle}, 1e-3)
			if err != nil {
				t.Fatal(err)
			}
			opt.Step()
			if n := allocs.Count(100, func() { _ = opt.Step() }); n != 0 {
				t.Errorf("Step allocates %d times in 100 calls, want 0", n)
			}
			if n := allocs.Count(100, func() { _ = opt.SetLR(2e-3) }); n != 0 {
				t.Errorf("SetLR allocates %d times in 100 calls, want 0", n)
			}
			if n := allocs.Count(100, func() { optim.ClipGradNorm(opt.Params(), 1) }); n != 0 {
				t.Errorf("ClipGradNorm allocates %d times in 100 calls, want 0", n)
			}
			if n := allocs.Count(100, func() { optim.ClipGradNorm(opt.Params(), 1, math.Inf(1)) }); n != 0 {
				t.Errorf("ClipGradNorm with a norm type allocates %d times in 100 calls, want 0", n)
			}
			if n := allocs.Count(100, func() { optim.ClipGradValue(opt.Params(), 1) }); n != 0 {
				t.Errorf("ClipGradValue allocates %d times in 100 calls, want 0", n)
			}
			if n := allocs.Count(100, opt.ZeroGrad); n != 0 {
				t.Errorf("ZeroGrad allocates %d times in 100 calls, want 0", n)
			}
		})
	}
}
