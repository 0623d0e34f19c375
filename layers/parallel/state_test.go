package parallel_test

import (
	"bytes"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/layers/parallel"
)

// TestResumeFromSavedState checks that a Trainer resumes: after 3 steps
// the weights (layers.Save of Model) and the optimizer state
// (optim.SaveState of Optimizer, a Wrapper) go to files, a new Trainer
// loads both, and 3 more steps give the weights and losses of 6
// uninterrupted steps bit for bit, with 1 and 2 workers, for the BatchNorm
// MLP (whose buffers travel in the model file too).
func TestResumeFromSavedState(t *testing.T) {
	const total, at = 6, 3
	for _, workers := range []int{1, 2} {
		want, wantLosses := train(t, bnMLP, workers, total)

		first, err := parallel.New(config(bnMLP, workers))
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
		first.Close()

		resumed, err := parallel.New(config(bnMLP, workers))
		if err != nil {
			t.Fatal(err)
		}
		if err := layers.Load(&weights, resumed.Model()); err != nil {
			t.Fatal(err)
		}
		if err := optim.LoadState(&opt, resumed.Optimizer()); err != nil {
			t.Fatal(err)
		}
		for s := at; s < total; s++ {
			loss, err := resumed.Step(digitBatch(uint64(s%4), testRows))
			if err != nil {
				t.Fatal(err)
			}
			if loss != wantLosses[s] {
				t.Errorf("%d workers: step %d loss %v, %v without the interruption", workers, s, loss, wantLosses[s])
			}
		}
		if i, k := sameBits(want, state(resumed.Model())); i >= 0 {
			t.Errorf("%d workers: tensor %d element %d differs from the uninterrupted run", workers, i, k)
		}
		resumed.Close()
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
