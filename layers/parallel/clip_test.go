package parallel_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/layers/parallel"
	"github.com/adjoint-go/adjoint/layers/parallel/internal/digitsnet"
	"github.com/adjoint-go/adjoint/tensor"
)

const clipMax = 0.05 // far below the gradients' norm on regressionBatches

// regressionBatches returns n batches of 16 rows for linear3 (4 inputs, 3
// targets), with targets large enough that the gradients' norm is well
// above clipMax.
func regressionBatches(n int) []parallel.Batch[float64] {
	rng := rand.New(rand.NewPCG(11, 12))
	var bs []parallel.Batch[float64]
	for range n {
		bs = append(bs, parallel.Batch[float64]{
			X: tensor.RandUniform[float64](rng, -1, 1, 16, 4),
			Y: tensor.RandUniform[float64](rng, -5, 5, 16, 3),
		})
	}
	return bs
}

// clipReference trains linear3 with SGD (sgd's rate) in one process, one
// Backward over each whole batch, clipping the gradients with
// optim.ClipGradNorm(maxNorm, p) before each step when clip is set, and
// returns the weights and each step's total norm.
func clipReference(t *testing.T, bs []parallel.Batch[float64], clip bool, maxNorm, p float64) ([][]float64, []float64) {
	t.Helper()
	m, _ := linear3()
	o, _ := sgd(m.Parameters())
	var norms []float64
	for _, b := range bs {
		autograd.MSE(m.Forward(autograd.Const(b.X)), autograd.Const(b.Y)).Backward()
		if clip {
			total, err := optim.ClipGradNorm(m.Parameters(), maxNorm, p)
			if err != nil {
				t.Fatal(err)
			}
			norms = append(norms, total)
		}
		if err := o.Step(); err != nil {
			t.Fatal(err)
		}
		o.ZeroGrad()
	}
	return stateOf(m), norms
}

// clipConfig is a Config training linear3 on MSE with the given optimizer.
func clipConfig(workers int, opt func([]*autograd.Var[float64]) (optim.Optimizer[float64], error)) parallel.Config[float64] {
	return parallel.Config[float64]{
		Model: linear3, Optimizer: opt, Workers: workers, Checksum: true,
		Loss: func(out *autograd.Var[float64], mb parallel.MicroBatch[float64]) *autograd.Var[float64] {
			return autograd.MSE(out, mb.Y)
		},
	}
}

// clipped is an optimizer of one's own that clips the gradients in its
// Step before SGD's. It embeds *optim.SGD, so it also has SGD's BeginStep
// and StepRange: it is an optim.SplitStepper whose Step is not theirs.
type clipped struct{ *optim.SGD[float64] }

func (c clipped) Step() error {
	if _, err := optim.ClipGradNorm(c.Params(), clipMax); err != nil {
		return err
	}
	return c.SGD.Step()
}

// clipping is clipped over any optimizer, forwarding the methods of
// optim.Optimizer only.
type clipping struct{ optim.Optimizer[float64] }

func (c clipping) Step() error {
	if _, err := optim.ClipGradNorm(c.Params(), clipMax); err != nil {
		return err
	}
	return c.Optimizer.Step()
}

// TestOptimizerOfOnesOwnSteps checks that the trainer runs the Step of an
// optimizer of one's own, even one that embeds one of package optim's (and
// so has its BeginStep and StepRange), and gives every replica gradients of
// its own to write into: an optimizer that clips the gradients in its Step
// trains as one process that clips then steps, to rounding, with 1, 2 and 3
// workers, without a race (the replicas' optimizers used to clip one
// shared gradient at the same time).
func TestOptimizerOfOnesOwnSteps(t *testing.T) {
	bs := regressionBatches(4)
	want, _ := clipReference(t, bs, true, clipMax, 2)
	unclipped, _ := clipReference(t, bs, false, 0, 2)
	approx := cmpopts.EquateApprox(0, 1e-12)
	if cmp.Equal(want, unclipped, approx) {
		t.Fatal("clipping changes nothing on these batches: the test would prove nothing")
	}
	opts := map[string]func([]*autograd.Var[float64]) (optim.Optimizer[float64], error){
		"embeds *optim.SGD": func(ps []*autograd.Var[float64]) (optim.Optimizer[float64], error) {
			o, err := optim.NewSGD(ps, 0.5)
			return clipped{o}, err
		},
		"wraps an optim.Optimizer": func(ps []*autograd.Var[float64]) (optim.Optimizer[float64], error) {
			o, err := optim.NewSGD(ps, 0.5)
			return clipping{o}, err
		},
	}
	for name, opt := range opts {
		for _, w := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/workers=%d", name, w), func(t *testing.T) {
				tr, err := parallel.New(clipConfig(w, opt))
				if err != nil {
					t.Fatal(err)
				}
				defer tr.Close()
				for s, b := range bs {
					if _, err := tr.Step(b); err != nil {
						t.Fatalf("step %d: %v", s, err)
					}
				}
				if diff := cmp.Diff(want, stateOf(tr.Model()), approx); diff != "" {
					t.Errorf("weights (-one process, clipped +trainer):\n%s", diff)
				}
			})
		}
	}
}

// whole64 hides an optimizer's optim.SplitStepper methods, so that every
// replica makes the whole step with an optimizer of its own.
type whole64 struct{ optim.Optimizer[float64] }

// TestClipGradNorm checks Config.ClipGradNorm against one process that
// clips with optim.ClipGradNorm then steps: the same weights and norms to
// rounding, for the L2, L1 and max norms, with the step shared among the
// workers (optim.SGD) or made whole by each replica (an optimizer of one's
// own), and the same bits for any number of workers.
func TestClipGradNorm(t *testing.T) {
	bs := regressionBatches(4)
	approx := cmpopts.EquateApprox(0, 1e-12)
	for _, p := range []float64{0, 1, math.Inf(1)} {
		norm := p
		if p == 0 {
			norm = 2
		}
		want, wantNorms := clipReference(t, bs, true, clipMax, norm)
		var first [][]float64
		for _, hide := range []bool{false, true} {
			for _, w := range []int{1, 2, 3} {
				cfg := clipConfig(w, func(ps []*autograd.Var[float64]) (optim.Optimizer[float64], error) {
					o, err := optim.NewSGD(ps, 0.5)
					if hide {
						return whole64{o}, err
					}
					return o, err
				})
				cfg.ClipGradNorm, cfg.ClipNormType = clipMax, p
				tr, err := parallel.New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				var norms []float64
				for s, b := range bs {
					if _, err := tr.Step(b); err != nil {
						t.Fatalf("p=%v, whole %v, %d workers, step %d: %v", p, hide, w, s, err)
					}
					norms = append(norms, tr.GradNorm())
				}
				got := stateOf(tr.Model())
				tr.Close()
				if diff := cmp.Diff(want, got, approx); diff != "" {
					t.Errorf("p=%v, whole %v, %d workers: weights (-one process +trainer):\n%s", p, hide, w, diff)
				}
				if diff := cmp.Diff(wantNorms, norms, approx); diff != "" {
					t.Errorf("p=%v, whole %v, %d workers: GradNorm (-one process +trainer):\n%s", p, hide, w, diff)
				}
				if hide {
					continue
				}
				if first == nil {
					first = got
				} else if diff := cmp.Diff(first, got); diff != "" {
					t.Errorf("p=%v, %d workers: not the bits of 1 worker:\n%s", p, w, diff)
				}
			}
		}
	}
}

// clipDigits is config with Config.ClipGradNorm set low enough to clip the
// digits models' gradients, with Adam made in parts or whole.
func clipDigits(model func(uint64) (layers.Module[float32], error), workers int, whole32 bool) parallel.Config[float32] {
	cfg := config(model, workers)
	cfg.ClipGradNorm = 0.1
	if whole32 {
		cfg.Optimizer = func(ps []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
			o, err := optim.NewAdam(ps, 3e-3)
			return whole{o}, err
		}
	}
	return cfg
}

// TestClipSameBits checks that Config.ClipGradNorm keeps the trainer's
// bits whoever computes what: on the digits MLP (thousands of gradient
// elements, so many pieces of the norm) and the BatchNorm MLP, 1, 2 and 3
// workers with Adam's step in parts or whole, and 1, 2 and 3 ranks, give
// the same weights, losses and norms; and that it clips (the weights
// differ from an unclipped run).
func TestClipSameBits(t *testing.T) {
	for _, name := range []string{"mlp", "bn"} {
		model := models[name]
		run := func(tr *parallel.Trainer[float32]) ([][]float32, []float64) {
			var norms []float64
			for s := range 6 {
				loss, err := tr.Step(digitBatch(uint64(s%4), testRows))
				if err != nil {
					t.Fatalf("%s: step %d: %v", name, s, err)
				}
				norms = append(norms, loss, tr.GradNorm())
			}
			return state(tr.Model()), norms
		}
		var want [][]float32
		var wantNorms []float64
		for _, whole32 := range []bool{false, true} {
			for _, w := range []int{1, 2, 3} {
				tr, err := parallel.New(clipDigits(model, w, whole32))
				if err != nil {
					t.Fatal(err)
				}
				got, norms := run(tr)
				tr.Close()
				if want == nil {
					want, wantNorms = got, norms
					if !(norms[1] > 0.1) {
						t.Fatalf("%s: norm %v: nothing to clip", name, norms[1])
					}
					continue
				}
				if i, k := sameBits(want, got); i >= 0 {
					t.Errorf("%s, whole %v, %d workers: tensor %d element %d: %v, 1 worker %v", name, whole32, w, i, k, got[i][k], want[i][k])
				}
				if diff := cmp.Diff(wantNorms, norms); diff != "" {
					t.Errorf("%s, whole %v, %d workers: losses and norms (-1 worker +got):\n%s", name, whole32, w, diff)
				}
			}
		}
		unclipped, _ := train(t, model, 1, 6)
		if i, _ := sameBits(want, unclipped); i < 0 {
			t.Errorf("%s: clipping changed nothing", name)
		}
		for _, ranks := range []int{1, 2, 3} {
			got := make([][][]float32, ranks)
			norms := make([][]float64, ranks)
			errs := runRanks(t, ranks, func(r int, tp parallel.Transport) error {
				tr, err := parallel.NewDistributed(clipDigits(model, 0, false), tp)
				if err != nil {
					return err
				}
				got[r], norms[r] = run(tr)
				return nil
			})
			for r := range ranks {
				if errs[r] != nil {
					t.Fatalf("%s, %d ranks: rank %d: %v", name, ranks, r, errs[r])
				}
				if i, k := sameBits(want, got[r]); i >= 0 {
					t.Errorf("%s, %d ranks: rank %d: tensor %d element %d: %v, goroutines %v", name, ranks, r, i, k, got[r][i][k], want[i][k])
				}
				if diff := cmp.Diff(wantNorms, norms[r]); diff != "" {
					t.Errorf("%s, %d ranks: rank %d: losses and norms (-goroutines +rank):\n%s", name, ranks, r, diff)
				}
			}
		}
	}
}

// TestClipNonFinite checks a step whose summed gradient is not finite
// under Config.ClipGradNorm: every replica skips it (no weight moves),
// Step returns optim.ClipGradNorm's *optim.NonFiniteError naming the
// first parameter, GradNorm is NaN, and the trainer goes on, with the same
// bits for any number of workers and ranks.
func TestClipNonFinite(t *testing.T) {
	poisoned := digitBatch(1, testRows)
	poisoned.X = poisoned.X.Clone()
	poisoned.X.Data()[5*64+3] = float32(math.NaN())
	check := func(t *testing.T, what string, tr *parallel.Trainer[float32]) [][]float32 {
		if _, err := tr.Step(digitBatch(0, testRows)); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		before := state(tr.Model())
		_, err := tr.Step(poisoned)
		var nf *optim.NonFiniteError
		if !errors.As(err, &nf) || nf.Op != "ClipGradNorm" || nf.Param != 0 || nf.Value != "NaN" || !math.IsNaN(nf.Norm) {
			t.Errorf("%s: Step returned %v, want ClipGradNorm's *optim.NonFiniteError for parameter 0", what, err)
		}
		if !math.IsNaN(tr.GradNorm()) {
			t.Errorf("%s: GradNorm() = %v, want NaN", what, tr.GradNorm())
		}
		if i, k := sameBits(before, state(tr.Model())); i >= 0 {
			t.Errorf("%s: tensor %d element %d moved on a skipped step", what, i, k)
		}
		if _, err := tr.Step(digitBatch(2, testRows)); err != nil {
			t.Errorf("%s: the step after: %v", what, err)
		}
		return state(tr.Model())
	}
	var want [][]float32
	for _, whole32 := range []bool{false, true} {
		for _, w := range []int{1, 2, 3} {
			what := fmt.Sprintf("whole %v, %d workers", whole32, w)
			tr, err := parallel.New(clipDigits(digitsnet.MLP, w, whole32))
			if err != nil {
				t.Fatal(err)
			}
			got := check(t, what, tr)
			tr.Close()
			if want == nil {
				want = got
			} else if i, k := sameBits(want, got); i >= 0 {
				t.Errorf("%s: tensor %d element %d differs from 1 worker's", what, i, k)
			}
		}
	}
	got := make([][][]float32, 2)
	errs := runRanks(t, 2, func(r int, tp parallel.Transport) error {
		tr, err := parallel.NewDistributed(clipDigits(digitsnet.MLP, 0, false), tp)
		if err != nil {
			return err
		}
		got[r] = check(t, fmt.Sprintf("rank %d of 2", r), tr)
		return nil
	})
	for r, err := range errs {
		if err != nil {
			t.Fatalf("rank %d: %v", r, err)
		}
		if i, k := sameBits(want, got[r]); i >= 0 {
			t.Errorf("rank %d: tensor %d element %d differs from the goroutines'", r, i, k)
		}
	}
}
