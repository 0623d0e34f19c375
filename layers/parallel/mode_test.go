package parallel_test

import (
	"fmt"
	"testing"

	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/parallel"
)

// trainSwitching runs 2 steps in training mode, puts Model() in
// evaluation mode with layers.SetTraining, runs 2 more steps, puts it
// back in training mode and runs 2 more, and returns the final state.
func trainSwitching(t *testing.T, model func(uint64) (layers.Module[float32], error), workers int) [][]float32 {
	t.Helper()
	tr, err := parallel.New(config(model, workers))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	for s := range 6 {
		switch s {
		case 2:
			layers.SetTraining(tr.Model(), false)
		case 4:
			layers.SetTraining(tr.Model(), true)
		}
		if _, err := tr.Step(digitBatch(uint64(s%4), testRows)); err != nil {
			t.Fatalf("step %d: %v", s, err)
		}
	}
	return state(tr.Model())
}

// TestModeReachesEveryReplica checks that layers.SetTraining on Model()
// between steps reaches every replica: with dropout (the digits MLP) and
// BatchNorm (bnMLP) switched to evaluation mode for two steps and back,
// the weights and buffers are the same bits for 1, 2 and 3 workers.
func TestModeReachesEveryReplica(t *testing.T) {
	for _, name := range []string{"mlp", "bn"} {
		want := trainSwitching(t, models[name], 1)
		for _, w := range []int{2, 3} {
			t.Run(fmt.Sprintf("%s/workers=%d", name, w), func(t *testing.T) {
				got := trainSwitching(t, models[name], w)
				if i, k := sameBits(want, got); i >= 0 {
					t.Errorf("tensor %d element %d: %v, 1 worker: %v", i, k, got[i][k], want[i][k])
				}
			})
		}
	}
}
