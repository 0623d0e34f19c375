package parallel_test

import (
	"fmt"
	"testing"

	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/parallel"
	"github.com/adjoint-go/adjoint/tensor"
)

// frozenBN is bnMLP with its BatchNorm1d in evaluation mode from the
// start and running means 0.1 (running variances 1): no Forward changes
// its buffers.
func frozenBN(seed uint64) (layers.Module[float32], error) {
	m, err := bnMLP(seed)
	if err != nil {
		return nil, err
	}
	bn := m.(*layers.Sequential[float32]).Layers[2].(*layers.BatchNorm1d[float32])
	bn.SetTraining(false)
	bn.RunningMean().Fill(0.1)
	return m, nil
}

// TestUnchangedBuffersStayExact checks that buffers no micro-batch
// changes keep their bits: a BatchNorm1d in evaluation mode, 20 steps on
// batches of 61 rows (micro-batch weights 8/61 and 7/61, which do not sum
// to exactly 1 in float32), with 1, 2 and 3 workers.
func TestUnchangedBuffersStayExact(t *testing.T) {
	want := [][]float32{tensor.Full[float32](0.1, 32).Data(), tensor.Ones[float32](32).Data()}
	for _, w := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("workers=%d", w), func(t *testing.T) {
			tr, err := parallel.New(config(frozenBN, w))
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			for s := range testSteps {
				if _, err := tr.Step(digitBatch(uint64(s%4), 61)); err != nil {
					t.Fatalf("step %d: %v", s, err)
				}
			}
			bn := tr.Model().(*layers.Sequential[float32]).Children()[2].Module.(*layers.BatchNorm1d[float32])
			got := [][]float32{bn.RunningMean().Data(), bn.RunningVar().Data()}
			if i, k := sameBits(want, got); i >= 0 {
				t.Errorf("buffer %d element %d: %v after %d steps in evaluation mode, want %v", i, k, got[i][k], testSteps, want[i][k])
			}
		})
	}
}
