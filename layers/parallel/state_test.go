package parallel_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/layers/parallel"
	"github.com/adjoint-go/adjoint/layers/parallel/internal/digitsnet"
)

// resume trains model for at steps, saves the weights (layers.Save of
// Model) and the optimizer state (optim.SaveState of Optimizer, a
// Wrapper), loads both into a new Trainer, sets its step count with
// SetSteps when setSteps, trains it up to total steps, and returns its
// state and the losses of the resumed steps.
func resume(t *testing.T, model func(uint64) (layers.Module[float32], error), workers, at, total int, setSteps bool) ([][]float32, []float64) {
	t.Helper()
	first, err := parallel.New(config(model, workers))
	if err != nil {
		t.Fatal(err)
	}
	for s := range at {
		if _, err := first.Step(digitBatch(uint64(s%4), testRows)); err != nil {
			t.Fatal(err)
		}
	}
	var weights, opt bytes.Buffer
	if err := layers.Save(&weights, first.Model()); err != nil {
		t.Fatal(err)
	}
	if err := optim.SaveState(&opt, first.Optimizer()); err != nil {
		t.Fatal(err)
	}
	steps := first.Steps()
	first.Close()

	resumed, err := parallel.New(config(model, workers))
	if err != nil {
		t.Fatal(err)
	}
	defer resumed.Close()
	if err := layers.Load(&weights, resumed.Model()); err != nil {
		t.Fatal(err)
	}
	if err := optim.LoadState(&opt, resumed.Optimizer()); err != nil {
		t.Fatal(err)
	}
	if setSteps {
		if err := resumed.SetSteps(steps); err != nil {
			t.Fatal(err)
		}
	}
	var losses []float64
	for s := at; s < total; s++ {
		loss, err := resumed.Step(digitBatch(uint64(s%4), testRows))
		if err != nil {
			t.Fatal(err)
		}
		losses = append(losses, loss)
	}
	return state(resumed.Model()), losses
}

// TestResumeFromSavedState checks that a Trainer resumes: after 3 steps
// the weights and the optimizer state go to files, a new Trainer loads
// both (and, for the random layers' seeds, is told the step count with
// SetSteps), and 3 more steps give the weights and losses of 6
// uninterrupted steps bit for bit, with 1 and 2 workers, for the BatchNorm
// MLP (whose buffers travel in the model file too) and the digits MLP
// (whose parallel.Dropout is reseeded from the step count). Without
// SetSteps the dropout MLP's masks, and so its weights, differ.
func TestResumeFromSavedState(t *testing.T) {
	const total, at = 6, 3
	for _, name := range []string{"bn", "mlp"} {
		for _, workers := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/workers=%d", name, workers), func(t *testing.T) {
				want, wantLosses := train(t, models[name], workers, total)
				got, losses := resume(t, models[name], workers, at, total, true)
				if diff := cmp.Diff(wantLosses[at:], losses); diff != "" {
					t.Errorf("losses of the resumed steps (-uninterrupted +resumed):\n%s", diff)
				}
				if i, k := sameBits(want, got); i >= 0 {
					t.Errorf("tensor %d element %d: %v, %v without the interruption", i, k, got[i][k], want[i][k])
				}
				if name == "mlp" {
					// slices.Equal, not cmp.Equal: the same == verdict, where
					// cmp's search for a shortest diff of the different
					// slices was 2 s of the race run.
					if got, _ := resume(t, models[name], workers, at, total, false); slices.EqualFunc(want, got, slices.Equal[[]float32]) {
						t.Error("without SetSteps the dropout MLP resumed with the uninterrupted run's masks: the test cannot tell")
					}
				}
			})
		}
	}
}

// TestSetSteps checks Steps after SetSteps and Step, and that SetSteps
// refuses a negative count with a *layers.ArgError, changing nothing.
func TestSetSteps(t *testing.T) {
	tr, err := parallel.New(config(digitsnet.MLP, 2))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if err := tr.SetSteps(41); err != nil || tr.Steps() != 41 {
		t.Fatalf("SetSteps(41): %v, Steps() = %d", err, tr.Steps())
	}
	if _, err := tr.Step(digitBatch(0, testRows)); err != nil || tr.Steps() != 42 {
		t.Fatalf("Step after SetSteps(41): %v, Steps() = %d, want 42", err, tr.Steps())
	}
	var ae *layers.ArgError
	if err := tr.SetSteps(-1); !errors.As(err, &ae) || ae.Arg != "n" || tr.Steps() != 42 {
		t.Errorf("SetSteps(-1): %v, Steps() = %d; want a *layers.ArgError on n and 42", err, tr.Steps())
	}
}

// TestLoadReachesEveryReplica loads a model file into Model() of a fresh
// trainer, with an optimizer that is an optim.SplitStepper (the replicas
// share one copy of the weights) and one that is not (each replica has a
// copy of its own), and checks that 3 steps then give the same bits with
// 1, 2 and 3 workers (and no *DivergedError: Config.Checksum is set).
func TestLoadReachesEveryReplica(t *testing.T) {
	src, err := bnMLP(99)
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	if err := layers.Save(&file, src); err != nil {
		t.Fatal(err)
	}
	for _, hide := range []bool{false, true} {
		var want [][]float32
		for _, workers := range []int{1, 2, 3} {
			cfg := config(bnMLP, workers)
			if hide {
				cfg.Optimizer = func(ps []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
					o, err := optim.NewAdam(ps, 3e-3)
					return whole{o}, err
				}
			}
			tr, err := parallel.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := layers.Load(bytes.NewReader(file.Bytes()), tr.Model()); err != nil {
				t.Fatal(err)
			}
			for s := range 3 {
				if _, err := tr.Step(digitBatch(uint64(s), testRows)); err != nil {
					t.Fatalf("whole %v, %d workers, step %d: %v", hide, workers, s, err)
				}
			}
			got := state(tr.Model())
			tr.Close()
			if want == nil {
				want = got
			} else if i, k := sameBits(want, got); i >= 0 {
				t.Errorf("whole %v, %d workers: tensor %d element %d: %v, 1 worker: %v", hide, workers, i, k, got[i][k], want[i][k])
			}
		}
	}
}
