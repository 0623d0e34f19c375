package parallel_test

import (
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/parallel"
	"github.com/adjoint-go/adjoint/layers/parallel/internal/digitsnet"
)

// stepOn runs tr.Step(b) on a goroutine of its own and reports whether it
// returned (false: the goroutine exited) and its error; it fails the test
// if Step has done neither within a minute.
func stepOn(t *testing.T, tr *parallel.Trainer[float32], b parallel.Batch[float32]) (bool, error) {
	t.Helper()
	var err error
	returned := false
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, err = tr.Step(b)
		returned = true
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("Step still running after a minute")
	}
	return returned, err
}

// exitingLoss is cross-entropy whose micro-batch exit calls
// runtime.Goexit (as t.Fatal does), after waiting, in micro-batch wait,
// for exit to start (so that the worker that takes wait first, its
// owner, cannot take exit too).
func exitingLoss(wait, exit int) parallel.LossFunc[float32] {
	started := make(chan struct{})
	return func(out *autograd.Var[float32], mb parallel.MicroBatch[float32]) *autograd.Var[float32] {
		switch mb.Index {
		case wait:
			select {
			case <-started:
			case <-time.After(10 * time.Second):
			}
		case exit:
			close(started)
			runtime.Goexit()
		}
		return autograd.CrossEntropy(out, mb.Labels)
	}
}

// TestGoexitInLoss checks a runtime.Goexit in Config.Loss: on worker 1's
// goroutine, Step returns a *GoexitError naming it instead of waiting for
// ever for the worker; on worker 0's, the caller's, Step cannot return,
// but the trainer is closed and its goroutines end. Either way the next
// Step returns ErrClosed.
func TestGoexitInLoss(t *testing.T) {
	b := digitBatch(1, testRows)
	t.Run("worker 1", func(t *testing.T) {
		cfg := config(digitsnet.MLP, 2)
		cfg.Loss = exitingLoss(0, 4) // the first micro-batches of workers 0 and 1
		tr, err := parallel.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		returned, err := stepOn(t, tr, b)
		var ge *parallel.GoexitError
		if !returned || !errors.As(err, &ge) || ge.Worker != 1 {
			t.Errorf("Step returned %v (%v), want a *GoexitError naming worker 1", returned, err)
		}
		if _, err := tr.Step(b); !errors.Is(err, parallel.ErrClosed) {
			t.Errorf("the next Step: %v, want ErrClosed", err)
		}
	})
	for _, w := range []int{1, 2} {
		t.Run(fmt.Sprintf("worker 0 of %d", w), func(t *testing.T) {
			before := runtime.NumGoroutine()
			cfg := config(digitsnet.MLP, w)
			cfg.Loss = exitingLoss(4, 0)
			tr, err := parallel.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			if returned, err := stepOn(t, tr, b); returned {
				t.Errorf("Step returned %v; its goroutine called runtime.Goexit", err)
			}
			if _, err := tr.Step(b); !errors.Is(err, parallel.ErrClosed) {
				t.Errorf("the next Step: %v, want ErrClosed", err)
			}
			for end := time.Now().Add(10 * time.Second); runtime.NumGoroutine() > before; {
				if time.Now().After(end) {
					t.Fatalf("%d goroutines, %d before New: the workers did not end", runtime.NumGoroutine(), before)
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
}
