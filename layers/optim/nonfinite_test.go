package optim_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/internal/allocs"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// policyMakers builds every optimizer with a given non-finite policy, each
// with state that a skipped step would visibly advance (momentum, moments).
func policyMakers() []struct {
	name string
	make func([]*autograd.Var[float64], optim.NonFinitePolicy) (optim.Optimizer[float64], error)
} {
	type ps = []*autograd.Var[float64]
	type pol = optim.NonFinitePolicy
	type opt = optim.Optimizer[float64]
	return []struct {
		name string
		make func([]*autograd.Var[float64], optim.NonFinitePolicy) (optim.Optimizer[float64], error)
	}{
		{"SGD", func(p ps, q pol) (opt, error) { return optim.NewSGD(p, 0.1, optim.Momentum(0.9), optim.NonFinite(q)) }},
		{"Adam", func(p ps, q pol) (opt, error) { return optim.NewAdam(p, 0.1, optim.NonFinite(q)) }},
		{"AdamW", func(p ps, q pol) (opt, error) { return optim.NewAdamW(p, 0.1, optim.NonFinite(q)) }},
		{"RMSProp", func(p ps, q pol) (opt, error) {
			return optim.NewRMSProp(p, 0.1, optim.Centered(), optim.Momentum(0.5), optim.NonFinite(q))
		}},
		{"Adagrad", func(p ps, q pol) (opt, error) {
			return optim.NewAdagrad(p, 0.1, optim.LRDecay(0.1), optim.NonFinite(q))
		}},
		{"NAdam", func(p ps, q pol) (opt, error) { return optim.NewNAdam(p, 0.1, optim.NonFinite(q)) }},
		{"RAdam", func(p ps, q pol) (opt, error) { return optim.NewRAdam(p, 0.1, optim.NonFinite(q)) }},
		{"Adamax", func(p ps, q pol) (opt, error) { return optim.NewAdamax(p, 0.1, optim.NonFinite(q)) }},
		{"Adadelta", func(p ps, q pol) (opt, error) { return optim.NewAdadelta(p, 1, optim.NonFinite(q)) }},
	}
}

// TestNonFinitePolicy runs three steps whose second gradient holds a NaN (or
// an Inf) in the second parameter. Under SkipNonFinite and ErrorNonFinite
// the result must equal two clean steps with the first and third gradients
// (the skipped step advanced no state at all), Skipped must be 1, and only
// ErrorNonFinite returns an error, naming the parameter. Under the default
// the NaN reaches the weights, as in torch.
func TestNonFinitePolicy(t *testing.T) {
	g1 := [][]float64{{0.5, -1}, {2}}
	g3 := [][]float64{{-0.25, 0.75}, {1}}
	for _, bad := range []float64{math.NaN(), math.Inf(-1)} {
		g2 := [][]float64{{1, 1}, {bad}}
		for _, m := range policyMakers() {
			run := func(policy optim.NonFinitePolicy, grads ...[][]float64) ([][]float64, optim.Optimizer[float64], []error) {
				ps := []*autograd.Var[float64]{param[float64](1, 2), param[float64](3)}
				ps[1].SetName("fc.bias")
				o, err := m.make(ps, policy)
				if err != nil {
					t.Fatal(err)
				}
				var errs []error
				for _, g := range grads {
					o.ZeroGrad()
					setGrad(ps[0], g[0]...)
					setGrad(ps[1], g[1]...)
					errs = append(errs, o.Step())
				}
				return [][]float64{values(ps[0].Value()), values(ps[1].Value())}, o, errs
			}
			want, _, _ := run(optim.PropagateNonFinite, g1, g3)
			t.Run(m.name+"/skip", func(t *testing.T) {
				got, o, errs := run(optim.SkipNonFinite, g1, g2, g3)
				if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-15)); diff != "" {
					t.Errorf("weights after a skipped step (-two clean steps +got):\n%s", diff)
				}
				if o.Skipped() != 1 || errs[0] != nil || errs[1] != nil || errs[2] != nil {
					t.Errorf("Skipped() = %d, errors %v: want 1 and no errors", o.Skipped(), errs)
				}
			})
			t.Run(m.name+"/error", func(t *testing.T) {
				got, o, errs := run(optim.ErrorNonFinite, g1, g2, g3)
				if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-15)); diff != "" {
					t.Errorf("weights after a refused step (-two clean steps +got):\n%s", diff)
				}
				var nf *optim.NonFiniteError
				if !errors.As(errs[1], &nf) || errs[0] != nil || errs[2] != nil {
					t.Fatalf("errors %v: want a *NonFiniteError from the second step only", errs)
				}
				wantErr := optim.NonFiniteError{Op: m.name + ".Step", Param: 1, Name: "fc.bias", Value: map[bool]string{true: "NaN", false: "-Inf"}[math.IsNaN(bad)]}
				if *nf != wantErr || o.Skipped() != 1 {
					t.Errorf("error %+v, Skipped %d: want %+v, 1", *nf, o.Skipped(), wantErr)
				}
				if !strings.HasSuffix(nf.Error(), "; step skipped") {
					t.Errorf("message %q does not say the step was skipped", nf.Error())
				}
			})
			t.Run(m.name+"/propagate", func(t *testing.T) {
				got, o, errs := run(optim.PropagateNonFinite, g1, g2, g3)
				if tensor.AllFiniteSlice(got[1]) || o.Skipped() != 0 || errs[1] != nil {
					t.Errorf("default policy: bias %v, Skipped %d, error %v: want NaN or Inf, 0, nil (torch's behaviour)", got[1], o.Skipped(), errs[1])
				}
			})
		}
	}
}

func TestNonFinitePolicyRejectsUnknown(t *testing.T) {
	for _, m := range policyMakers() {
		_, err := m.make([]*autograd.Var[float64]{param[float64](1)}, optim.NonFinitePolicy(7))
		if err == nil || !strings.Contains(err.Error(), "unknown non-finite policy NonFinitePolicy(7)") {
			t.Errorf("%s: error %v, want unknown policy", m.name, err)
		}
	}
	if got := optim.SkipNonFinite.String(); got != "SkipNonFinite" {
		t.Errorf("String() = %q", got)
	}
}

// TestNonFiniteCheckAllocatesNothing measures a guarded Step, clean and
// skipped.
func TestNonFiniteCheckAllocatesNothing(t *testing.T) {
	for _, m := range policyMakers() {
		w := param[float64](1, 2, 3)
		setGrad(w, 0.1, 0.2, 0.3)
		o, err := m.make([]*autograd.Var[float64]{w}, optim.SkipNonFinite)
		if err != nil {
			t.Fatal(err)
		}
		_ = o.Step()
		if n := allocs.Count(50, func() { _ = o.Step() }); n != 0 {
			t.Errorf("%s: guarded Step allocates %d times in 50 runs, want 0", m.name, n)
		}
		w.Grad().Data()[1] = math.NaN()
		if n := allocs.Count(50, func() { _ = o.Step() }); n != 0 {
			t.Errorf("%s: skipped Step allocates %d times in 50 runs, want 0", m.name, n)
		}
	}
}

// TestTrainingSurvivesPoisonedBatch trains a small MLP with Adam for 40
// steps, the fourth batch of which holds a NaN input. Under SkipNonFinite
// the weights stay finite, one step is skipped and the loss still falls;
// under ErrorNonFinite the fourth Step reports the NaN (and so does
// ClipGradNorm); under the default every weight ends NaN.
func TestTrainingSurvivesPoisonedBatch(t *testing.T) {
	type result struct {
		finite      bool
		skipped     int
		stepErrs    []int // steps whose Step returned an error
		clipErrs    []int // steps whose ClipGradNorm returned an error
		first, last float64
	}
	train := func(policy optim.NonFinitePolicy) result {
		rng := rand.New(rand.NewPCG(3, 4))
		net := layers.NewMLP[float64](rng, []int{3, 8, 1}, nil)
		opt, err := optim.NewAdam(net.Parameters(), 0.05, optim.NonFinite(policy))
		if err != nil {
			t.Fatal(err)
		}
		var r result
		for step := range 40 {
			x := tensor.RandNormal(rng, 0.0, 1, 16, 3)
			y := tensor.Zeros[float64](16, 1)
			for i := range 16 { // y = x0 - 2·x1 + 0.5·x2
				y.Data()[i] = x.At(i, 0) - 2*x.At(i, 1) + 0.5*x.At(i, 2)
			}
			if step == 3 {
				x.Set(math.NaN(), 5, 1)
			}
			loss := layers.MSELoss[float64]{}.Loss(net.Forward(autograd.Const(x)), autograd.Const(y))
			if step == 0 {
				r.first = loss.Item()
			}
			if step != 3 {
				r.last = loss.Item()
			}
			loss.Backward()
			if _, err := optim.ClipGradNorm(opt.Params(), 10); err != nil {
				r.clipErrs = append(r.clipErrs, step)
			}
			if err := opt.Step(); err != nil {
				r.stepErrs = append(r.stepErrs, step)
			}
			opt.ZeroGrad()
		}
		r.finite = true
		for _, p := range net.Parameters() {
			r.finite = r.finite && tensor.AllFinite(p.Value())
		}
		r.skipped = opt.Skipped()
		return r
	}
	skip := train(optim.SkipNonFinite)
	if !skip.finite || skip.skipped != 1 || skip.stepErrs != nil || !cmp.Equal(skip.clipErrs, []int{3}) {
		t.Errorf("SkipNonFinite: %+v, want finite weights, 1 skipped, no Step error, ClipGradNorm error at step 3", skip)
	}
	if !(skip.last < skip.first) {
		t.Errorf("SkipNonFinite: loss %v -> %v, want it to fall", skip.first, skip.last)
	}
	fail := train(optim.ErrorNonFinite)
	if !fail.finite || fail.skipped != 1 || !cmp.Equal(fail.stepErrs, []int{3}) {
		t.Errorf("ErrorNonFinite: %+v, want finite weights and a Step error at step 3", fail)
	}
	if prop := train(optim.PropagateNonFinite); prop.finite || prop.skipped != 0 {
		t.Errorf("PropagateNonFinite: %+v, want NaN weights (torch's behaviour, nothing skipped)", prop)
	}
}

// TestSkippedIsNotSaved: Skipped counts the steps this optimizer skipped,
// as SkipNonFinite's doc says: SaveState does not save it, LoadState
// leaves it as it was, and a Scheduler stepped after a skipped step moves
// on all the same.
func TestSkippedIsNotSaved(t *testing.T) {
	w := autograd.Param(tensor.MustNew([]float64{1, 2}, 2))
	opt, err := optim.NewAdam([]*autograd.Var[float64]{w}, 0.1, optim.NonFinite(optim.SkipNonFinite))
	if err != nil {
		t.Fatal(err)
	}
	sched, err := optim.NewScheduler(opt, optim.ScheduleFunc(func(step int) float64 { return 0.1 / float64(step+1) }))
	if err != nil {
		t.Fatal(err)
	}
	w.SetGrad(tensor.MustNew([]float64{math.NaN(), 1}, 2))
	if err := opt.Step(); err != nil {
		t.Fatal(err)
	}
	if err := sched.Step(); err != nil {
		t.Fatal(err)
	}
	if got := []int{opt.Skipped(), sched.Steps()}; !cmp.Equal(got, []int{1, 1}) {
		t.Errorf("after a skipped step: Skipped, Steps = %v, want [1 1]", got)
	}
	if got, want := opt.LR(), 0.05; got != want {
		t.Errorf("lr after the Scheduler's step = %v, want %v", got, want)
	}
	var buf strings.Builder
	if err := optim.SaveState(&buf, opt); err != nil {
		t.Fatal(err)
	}
	fresh, err := optim.NewAdam([]*autograd.Var[float64]{w}, 0.1, optim.NonFinite(optim.SkipNonFinite))
	if err != nil {
		t.Fatal(err)
	}
	if err := optim.LoadState(strings.NewReader(buf.String()), fresh); err != nil {
		t.Fatal(err)
	}
	if err := optim.LoadState(strings.NewReader(buf.String()), opt); err != nil {
		t.Fatal(err)
	}
	if got := []int{fresh.Skipped(), opt.Skipped()}; !cmp.Equal(got, []int{0, 1}) {
		t.Errorf("Skipped after LoadState: fresh %d, the saved optimizer %d; want 0 and 1", got[0], got[1])
	}
}
