package bench

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/layers/parallel"
)

// parallelMLP is a data-parallel trainer of the 784-256-128-10 ReLU MLP of
// mlp_test.go with Adam (lr 1e-3) on cross-entropy, in the given number of
// micro-batches (0: the default, 8).
func parallelMLP(workers, micro int) (*parallel.Trainer[float32], error) {
	return parallel.New(parallel.Config[float32]{
		Model: func() (layers.Module[float32], error) { return newMLP(1), nil },
		Optimizer: func(ps []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
			return optim.NewAdam(ps, workloadLR)
		},
		Loss: func(out *autograd.Var[float32], mb parallel.MicroBatch[float32]) *autograd.Var[float32] {
			return autograd.CrossEntropy(out, mb.Labels)
		},
		Workers:      workers,
		MicroBatches: micro,
	})
}

// BenchmarkParallelMLP times one data-parallel training step of the
// 784-256-128-10 MLP at batch 256 with 1 and 2 goroutine workers, in 8
// micro-batches of 32 (the default, bit-identical for 1, 2, 4 and 8
// workers) and in 4 of 64 (bit-identical for 1, 2 and 4 workers, with
// larger products), and reports steps per second; "single" is the same
// step without the trainer (one Backward over the whole batch under an
// Arena, BenchmarkMLPAdamStep's arena case), for the trainer's overhead.
// The weights after any number of steps are the same bits for every
// worker count (layers/parallel's tests check it). Each case collects the
// previous one's garbage before its warm-up, not after: a collection
// empties the sync.Pools, and the first timed steps would refill them. The
// warm-up steps' losses must be BenchmarkMLPAdamStep/batch=256's
// (golden_test.go; the micro-batched trainer's agree to 1e-7).
func BenchmarkParallelMLP(b *testing.B) {
	const batch = 256
	const name = "MLPAdamStep/batch=256"
	x, labels := mlpBatch(2, batch)
	b.Run("single", func(b *testing.B) {
		r := newRunner(newMLPAdam(batch), true)
		runtime.GC()
		checkGolden(b, name, r.values(goldenSteps))
		b.ReportAllocs()
		m := startRate()
		b.ResetTimer()
		for range b.N { // not b.Loop: see benchGemm
			r.step()
		}
		m.report(b)
	})
	for _, c := range []struct{ micro, workers int }{{8, 1}, {8, 2}, {4, 1}, {4, 2}} {
		b.Run("micro="+strconv.Itoa(c.micro)+"/workers="+strconv.Itoa(c.workers), func(b *testing.B) {
			tr, err := parallelMLP(c.workers, c.micro)
			if err != nil {
				b.Fatal(err)
			}
			defer tr.Close()
			bt := parallel.Batch[float32]{X: x, Labels: labels}
			runtime.GC()
			losses := make([]float64, goldenSteps)
			for i := range losses {
				l, err := tr.Step(bt)
				if err != nil {
					b.Fatal(err)
				}
				losses[i] = l
			}
			checkGolden(b, name, losses)
			b.ReportAllocs()
			m := startRate()
			b.ResetTimer()
			for range b.N { // not b.Loop: see benchGemm
				if _, err := tr.Step(bt); err != nil {
					b.Fatal(err)
				}
			}
			m.report(b)
		})
	}
}

// TestParallelMLPTrains checks the benchmark's trainer: 1 and 2 workers
// give the same losses bit for bit, and the loss falls.
func TestParallelMLPTrains(t *testing.T) {
	x, labels := mlpBatch(2, 64)
	var runs [2][]float64
	for i, w := range []int{1, 2} {
		tr, err := parallelMLP(w, 0)
		if err != nil {
			t.Fatal(err)
		}
		for range 10 {
			l, err := tr.Step(parallel.Batch[float32]{X: x, Labels: labels})
			if err != nil {
				t.Fatal(err)
			}
			runs[i] = append(runs[i], l)
		}
		tr.Close()
	}
	for s := range runs[0] {
		if runs[0][s] != runs[1][s] {
			t.Errorf("step %d: loss %v with 1 worker, %v with 2", s, runs[0][s], runs[1][s])
		}
	}
	checkTrains(t, runs[0], 0.5)
}

// rate measures a benchmark's steps per second and CPU time per step.
type rate struct {
	wall time.Time
	cpu  time.Duration
}

func startRate() rate { return rate{time.Now(), cpuTime()} }

// report adds the metrics steps/s and cpu-ms/step to b.
func (r rate) report(b *testing.B) {
	b.ReportMetric(float64(b.N)/time.Since(r.wall).Seconds(), "steps/s")
	if c := cpuTime() - r.cpu; r.cpu > 0 {
		b.ReportMetric(c.Seconds()*1e3/float64(b.N), "cpu-ms/step")
	}
}
