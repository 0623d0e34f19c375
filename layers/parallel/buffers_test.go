package parallel_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
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

// TestBatchNormOneRowMicroBatches checks a batch of 9 to 15 rows in 8
// micro-batches, some of one row, on which BatchNorm in training mode
// cannot compute its statistics: Step returns a *BatchError that says so
// and changes nothing, and the trainer goes on (it panicked in a worker
// and closed), with 1 and 2 workers; in evaluation mode the batch trains.
func TestBatchNormOneRowMicroBatches(t *testing.T) {
	for _, w := range []int{1, 2} {
		t.Run(fmt.Sprintf("workers=%d", w), func(t *testing.T) {
			tr, err := parallel.New(config(bnMLP, w))
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			for _, n := range []int{9, 15} {
				before := state(tr.Model())
				_, err := tr.Step(digitBatch(1, n))
				var be *parallel.BatchError
				if !errors.As(err, &be) || !strings.Contains(be.Reason, "BatchNorm") || !strings.Contains(be.Reason, "at least 16 rows") {
					t.Errorf("%d rows: got %v, want a *BatchError about BatchNorm asking for 16 rows", n, err)
				}
				if i, k := sameBits(before, state(tr.Model())); i >= 0 {
					t.Errorf("%d rows: tensor %d element %d changed", n, i, k)
				}
			}
			if _, err := tr.Step(digitBatch(1, 16)); err != nil {
				t.Errorf("16 rows, after: %v", err)
			}
			layers.SetTraining(tr.Model(), false)
			if _, err := tr.Step(digitBatch(1, 12)); err != nil {
				t.Errorf("12 rows in evaluation mode: %v", err)
			}
		})
	}
}

// bnCNN is a CNN for the digits with a BatchNorm2d layer, which has H·W
// values per channel in each row.
func bnCNN(seed uint64) (layers.Module[float32], error) {
	rng := rand.New(rand.NewPCG(seed, 9))
	return layers.NewSequential[float32](
		layers.NewConv2D[float32](rng, 1, 4, [2]int{3, 3}, layers.Conv2DOptions{Padding: [2]int{1, 1}}, nil),
		layers.NewBatchNorm2d[float32](4),
		layers.ReLU[float32]{},
		layers.Flatten[float32]{},
		layers.NewLinear(rng, 4*8*8, 10, layers.XavierUniform[float32]),
	), nil
}

// TestBatchNorm2dOneRowMicroBatches checks that micro-batches of one row
// train a BatchNorm2d, which has 64 values per channel in a row of 8×8
// images: only BatchNorm1d needs 2 rows (a review found 12 rows in 8
// micro-batches refused). The weights change and the running mean moves.
func TestBatchNorm2dOneRowMicroBatches(t *testing.T) {
	for _, w := range []int{1, 2} {
		t.Run(fmt.Sprintf("workers=%d", w), func(t *testing.T) {
			tr, err := parallel.New(config(bnCNN, w))
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			before := state(tr.Model())
			if _, err := tr.Step(digitBatch(1, 12)); err != nil {
				t.Fatalf("12 rows in 8 micro-batches: %v", err)
			}
			if i, _ := sameBits(before, state(tr.Model())); i < 0 {
				t.Error("the step changed nothing")
			}
			bn := tr.Model().(*layers.Sequential[float32]).Layers[1].(*layers.BatchNorm2d[float32])
			if bn.RunningMean().Data()[0] == 0 {
				t.Errorf("BatchNorm2d: running mean %v, want it moved from 0", bn.RunningMean().Data())
			}
		})
	}
}
