package parallel_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/layers/parallel"
	"github.com/adjoint-go/adjoint/layers/parallel/internal/digitsnet"
	"github.com/adjoint-go/adjoint/tensor"
)

// distBatches are the batches of the tests below: step s is batch s%4.
func distBatch(s int) parallel.Batch[float32] { return digitBatch(uint64(s%4), testRows) }

// distRun trains 4 steps over ranks loopback ranks, rank r's step s on
// batch(r, s), with cfg(r) and returns each rank's state, Step errors and
// Steps(); a step's panic is recovered and returned as its error.
func distRun(t *testing.T, ranks int, cfg func(r int) parallel.Config[float32], batch func(r, s int) parallel.Batch[float32]) ([][][]float32, [][]error, []int) {
	t.Helper()
	got := make([][][]float32, ranks)
	errs := make([][]error, ranks)
	steps := make([]int, ranks)
	runErrs := runRanks(t, ranks, func(r int, tp parallel.Transport) error {
		tr, err := parallel.NewDistributed(cfg(r), tp)
		if err != nil {
			return err
		}
		for s := range 4 {
			errs[r] = append(errs[r], nil)
			func() {
				defer func() {
					if p := recover(); p != nil {
						errs[r][s] = p.(error)
					}
				}()
				_, errs[r][s] = tr.Step(batch(r, s))
			}()
		}
		got[r], steps[r] = state(tr.Model()), tr.Steps()
		return nil
	})
	for r, err := range runErrs {
		if err != nil {
			t.Fatalf("rank %d: %v", r, err)
		}
	}
	return got, errs, steps
}

// goroutineState is the state of New's trainer with 2 workers after a step
// on each of batches.
func goroutineState(t *testing.T, batches ...parallel.Batch[float32]) [][]float32 {
	t.Helper()
	tr, err := parallel.New(config(digitsnet.MLP, 2))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	for _, b := range batches {
		if _, err := tr.Step(b); err != nil {
			t.Fatal(err)
		}
	}
	return state(tr.Model())
}

// TestDistributedBadBatch checks a step at which one rank of 2 or 3 is
// given a batch Step refuses (too few rows), or another batch than rank
// 0's (a shard of the data, say): every rank returns the same
// *BatchError, naming the rank, none runs ahead into the next step's
// exchanges (nor waits for ever), and the step is not taken: afterwards
// every rank holds the weights of the goroutine trainer that never saw it.
func TestDistributedBadBatch(t *testing.T) {
	tests := []struct {
		name, want string
		bad        parallel.Batch[float32]
	}{
		{"too few rows", "rank %d: the batch has 7 rows, fewer than its 8 micro-batches", digitBatch(1, 7)},
		{"another batch", "rank %d was given another batch than rank 0", digitBatch(9, testRows)},
		{"another batch of other rows", "rank %d was given another batch than rank 0", digitBatch(1, testRows+8)},
		{"the same batch with other labels", "rank %d was given another batch than rank 0", func() parallel.Batch[float32] {
			b := distBatch(1)
			b.Labels = append([]int(nil), b.Labels...)
			b.Labels[7] = (b.Labels[7] + 1) % 10
			return b
		}()},
	}
	want := goroutineState(t, distBatch(0), distBatch(2), distBatch(3))
	for _, tc := range tests {
		for _, ranks := range []int{2, 3} {
			t.Run(fmt.Sprintf("%s/ranks=%d", tc.name, ranks), func(t *testing.T) {
				badRank := ranks - 1
				got, errs, steps := distRun(t, ranks, func(int) parallel.Config[float32] { return config(digitsnet.MLP, 0) },
					func(r, s int) parallel.Batch[float32] {
						if s == 1 && r == badRank {
							return tc.bad
						}
						return distBatch(s)
					})
				msg := "parallel: Step: " + fmt.Sprintf(tc.want, badRank)
				for r := range ranks {
					var be *parallel.BatchError
					if err := errs[r][1]; !errors.As(err, &be) || !strings.HasPrefix(err.Error(), msg) || err.Error() != errs[0][1].Error() {
						t.Errorf("rank %d: step 1: %v, want a *BatchError %q..., the same on every rank", r, err, msg)
					}
					for _, s := range []int{0, 2, 3} {
						if errs[r][s] != nil {
							t.Errorf("rank %d: step %d: %v", r, s, errs[r][s])
						}
					}
					if steps[r] != 3 {
						t.Errorf("rank %d: Steps() = %d, want 3", r, steps[r])
					}
					if i, k := sameBits(want, got[r]); i >= 0 {
						t.Errorf("rank %d: tensor %d element %d: %v, goroutines without the bad step: %v", r, i, k, got[r][i][k], want[i][k])
					}
				}
			})
		}
	}
}

// TestDistributedFailedRank checks a step at which Config.Loss panics, or
// calls runtime.Goexit, on one rank of 2 only: that rank raises its own
// failure, the other raises a *WorkerPanic, or returns a *GoexitError,
// naming it, instead of waiting for ever in the step's exchanges, and
// every rank's trainer is closed (Step returns ErrClosed, at once).
func TestDistributedFailedRank(t *testing.T) {
	for _, exit := range []bool{false, true} {
		t.Run(fmt.Sprintf("goexit=%v", exit), func(t *testing.T) {
			boom := errors.New("boom")
			exited := make([]bool, 2)
			cfg := func(r int) parallel.Config[float32] {
				c := config(digitsnet.MLP, 0)
				calls := 0
				c.Loss = func(out *autograd.Var[float32], mb parallel.MicroBatch[float32]) *autograd.Var[float32] {
					if calls++; r == 1 && calls == 5 { // rank 1's first micro-batch of step 1
						if exit {
							exited[r] = true
							runtime.Goexit()
						}
						panic(boom)
					}
					return autograd.CrossEntropy(out, mb.Labels)
				}
				return c
			}
			_, errs, _ := distRun(t, 2, cfg, func(r, s int) parallel.Batch[float32] { return distBatch(s) })
			if exit {
				if !exited[1] || len(errs[1]) != 2 {
					t.Fatalf("rank 1 started %d steps, want its goroutine to end in step 1, the second", len(errs[1]))
				}
				var ge *parallel.GoexitError
				if !errors.As(errs[0][1], &ge) || ge.Worker != 1 {
					t.Errorf("rank 0: step 1: %v, want a *GoexitError naming rank 1", errs[0][1])
				}
			} else {
				for r := range 2 {
					var wp *parallel.WorkerPanic
					if !errors.As(errs[r][1], &wp) || wp.Worker != 1 {
						t.Errorf("rank %d: step 1: %v, want a *WorkerPanic naming rank 1", r, errs[r][1])
					}
				}
				if !errors.Is(errs[1][1], boom) {
					t.Errorf("rank 1: step 1: %v, want its own panic value", errs[1][1])
				}
				if !errors.Is(errs[1][2], parallel.ErrClosed) || !errors.Is(errs[1][3], parallel.ErrClosed) {
					t.Errorf("rank 1: steps 2 and 3: %v, %v, want ErrClosed", errs[1][2], errs[1][3])
				}
			}
			if errs[0][0] != nil || !errors.Is(errs[0][2], parallel.ErrClosed) || !errors.Is(errs[0][3], parallel.ErrClosed) {
				t.Errorf("rank 0: steps 0, 2, 3: %v, %v, %v; want nil, then ErrClosed", errs[0][0], errs[0][2], errs[0][3])
			}
		})
	}
}

// solo is a Transport of one rank, whose collectives move nothing, and
// allocate nothing.
type solo struct{}

func (solo) Rank() int                                  { return 0 }
func (solo) Size() int                                  { return 1 }
func (solo) AllgatherInPlace(buf []byte, c []int) error { return nil }
func (solo) Broadcast(buf []byte, root int) error       { return nil }
func (solo) Alltoallv(send []byte, sc []int, recv []byte, rc []int) error {
	copy(recv, send)
	return nil
}

// TestDistributedStepAllocatesNothing checks a warm step over a Transport
// (one that allocates nothing), with the checksum and clipping: the
// agreement on the batch allocates nothing either.
func TestDistributedStepAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	cfg := config(digitsnet.MLP, 0)
	cfg.ClipGradNorm = 0.1
	tr, err := parallel.NewDistributed(cfg, solo{})
	if err != nil {
		t.Fatal(err)
	}
	b := digitBatch(1, testRows)
	b.Y = tensor.Zeros[float32](testRows, 2) // hashed too
	wantWarmStepsAllocateNothing(t, tr, b)
}

// TestDistributedDroppedStepLeavesNoGradient checks that a step the ranks
// drop leaves no trace in which parameters have a gradient: at step 0 rank
// 0 is given too few rows and rank 1 a batch whose micro-batches reach the
// parameter extra, which the later steps never reach. extra must stay
// untouched by SGD's weight decay, as in a trainer that never saw step 0
// (review: it kept a zero gradient from the dropped step, and decayed).
func TestDistributedDroppedStepLeavesNoGradient(t *testing.T) {
	cfg := func(int) parallel.Config[float32] {
		c := config(sometimesMLP, 0)
		c.Optimizer = func(ps []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
			return optim.NewSGD(ps, 0.1, optim.WeightDecay(0.5))
		}
		return c
	}
	got, errs, _ := distRun(t, 2, cfg, func(r, s int) parallel.Batch[float32] {
		switch {
		case s > 0:
			return digitBatch(uint64(s), 48) // micro-batches of 6 rows: extra unused
		case r == 0:
			return digitBatch(0, 7) // refused: fewer rows than micro-batches
		}
		return digitBatch(0, 56) // micro-batches of 7 rows: extra used
	})
	for r := range 2 {
		var be *parallel.BatchError
		if !errors.As(errs[r][0], &be) {
			t.Fatalf("rank %d: step 0: %v, want a *BatchError", r, errs[r][0])
		}
		extra := got[r][len(got[r])-1]
		for i, v := range extra {
			if v != 1 {
				t.Fatalf("rank %d: extra[%d] = %v after the dropped step and 3 steps that never reach it, want 1", r, i, v)
			}
		}
	}
}
