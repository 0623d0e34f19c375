package autograd_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// plainStep is one plain (no Arena) step through the ops whose buffers
// are recycled between passes: Conv2D's columns and MaxPool2D's arg from
// the scratch stash, intermediate gradients through the pooled pass. It
// returns the loss, the pooled output's value, the input's gradient and the
// weight's gradient, as tensors the caller holds.
type plainStepResult struct {
	loss, pooled, dx, dw []float32
}

func plainStep(x *tensor.Tensor[float32], w *autograd.Var[float32]) (plainStepResult, *autograd.Var[float32]) {
	xv := autograd.Param(x)
	y := autograd.Conv2D(xv, w, nil, autograd.Conv2DOptions{Padding: [2]int{1, 1}})
	p := autograd.MaxPool2D(autograd.ReLU(y), [2]int{2, 2}, [2]int{2, 2}, [2]int{})
	loss := autograd.Sum(autograd.Mul(p, p))
	loss.Backward()
	r := plainStepResult{
		loss:   slices.Clone(loss.Value().Data()),
		pooled: slices.Clone(p.Value().Data()),
		dx:     slices.Clone(xv.Grad().Data()),
		dw:     slices.Clone(w.Grad().Data()),
	}
	w.ZeroGrad()
	return r, p
}

// TestPlainStepsReuseNothingACallerHolds runs plain steps on different
// inputs, whose later passes reuse the earlier ones' recycled buffers, and
// checks that (1) every step gives the bits of the same step run first in
// a fresh process state (its own weight), and (2) the values and gradients
// of an earlier step that a caller still holds are not changed by later
// steps.
func TestPlainStepsReuseNothingACallerHolds(t *testing.T) {
	rng := newRand(7)
	// Large enough that the columns (2·9·64·64) and the argmax and the
	// pooled output (2·4·32·32 = 8192 each) are past the stash's minimum
	// size (4096 elements), so that a result wrongly stashed would be
	// handed out again and overwritten by a later step.
	w := autograd.Param(tensor.RandNormal[float32](rng, 0, 0.5, 4, 1, 3, 3))
	xs := make([]*tensor.Tensor[float32], 4)
	for i := range xs {
		xs[i] = tensor.RandNormal[float32](rng, 0, 1, 2, 1, 64, 64)
	}
	want := make([]plainStepResult, len(xs))
	for i, x := range xs {
		// A fresh weight per reference step, so that the stash and the
		// pass pool hold only other shapes' buffers or none.
		wi := autograd.Param(w.Value().Clone())
		want[i], _ = plainStep(x, wi)
	}
	held, heldVar := plainStep(xs[0], w)
	heldValue := heldVar.Value()
	for i, x := range xs {
		got, _ := plainStep(x, w)
		for name, pair := range map[string][2][]float32{
			"loss": {got.loss, want[i].loss}, "pooled": {got.pooled, want[i].pooled},
			"dx": {got.dx, want[i].dx}, "dw": {got.dw, want[i].dw},
		} {
			if !slices.Equal(pair[0], pair[1]) {
				t.Errorf("step %d: %s differs from the same step run alone", i, name)
			}
		}
	}
	if !slices.Equal(heldValue.Data(), held.pooled) {
		t.Errorf("the pooled output of the first step changed after later steps")
	}
}

// TestPlainStepsConcurrent runs plain steps on separate graphs in several
// goroutines at once (under -race: no data race through the pools) and
// checks each result against the same step run alone.
func TestPlainStepsConcurrent(t *testing.T) {
	rng := newRand(11)
	wt := tensor.RandNormal[float32](rng, 0, 0.5, 4, 1, 3, 3)
	xs := make([]*tensor.Tensor[float32], 4)
	want := make([]plainStepResult, len(xs))
	for i := range xs {
		xs[i] = tensor.RandNormal[float32](rng, 0, 1, 2, 1, 24, 24)
		want[i], _ = plainStep(xs[i], autograd.Param(wt.Clone()))
	}
	var wg sync.WaitGroup
	errs := make([]bool, len(xs))
	for i := range xs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := autograd.Param(wt.Clone())
			for range 20 {
				got, _ := plainStep(xs[i], w)
				if !slices.Equal(got.loss, want[i].loss) || !slices.Equal(got.dx, want[i].dx) || !slices.Equal(got.dw, want[i].dw) {
					errs[i] = true
				}
			}
		}()
	}
	wg.Wait()
	for i, bad := range errs {
		if bad {
			t.Errorf("goroutine %d: a concurrent plain step differs from the same step run alone", i)
		}
	}
}
