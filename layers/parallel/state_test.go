package parallel_test

import (
	"bytes"
	"testing"

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
