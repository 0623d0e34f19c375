package autograd_test

import (
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Arena tests with several goroutines, each with its own Arena.

// TestArenaConcurrentTraining trains copies of a model in several goroutines
// at once, each under its own Arena, and requires the numbers of sequential
// runs without one. Run it with -race.
func TestArenaConcurrentTraining(t *testing.T) {
	const workers, steps, in, hidden, classes = 4, 6, 5, 6, 4
	base := newArenaModel[float64](17, in, hidden, classes, arenaOpts{fallback: true, penalty: true})
	data := make([][]arenaBatch[float64], workers)
	want := make([]arenaRecord[float64], workers)
	for w := range workers {
		sizes := make([]int, steps)
		for i := range sizes {
			sizes[i] = 4 + (w+i)%3
		}
		data[w] = arenaBatches[float64](uint64(100*w), sizes, in, classes)
		want[w] = trainArena(t, base.clone(), nil, data[w], false)
	}
	got := make([]arenaRecord[float64], workers)
	models := make([]*arenaModel[float64], workers)
	for w := range workers {
		models[w] = base.clone()
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { got[w] = trainArena(t, models[w], autograd.NewArena[float64](), data[w], w%2 == 0) })
	}
	wg.Wait()
	for w := range workers {
		if d := cmp.Diff(want[w], got[w]); d != "" {
			t.Errorf("worker %d: concurrent training under an Arena differs from sequential (-sequential +concurrent):\n%s", w, d)
		}
	}
}

// TestArenaConcurrentGradSharedParams computes gradients of one model's
// shared, read-only parameters with Grad in several goroutines, each with
// its own Arena, and requires the numbers of a sequential run.
func TestArenaConcurrentGradSharedParams(t *testing.T) {
	const workers, steps, in, hidden, classes = 4, 5, 5, 6, 4
	m := newArenaModel[float64](19, in, hidden, classes, arenaOpts{fallback: true, penalty: true})
	grads := func(ar *autograd.Arena[float64], batches []arenaBatch[float64]) [][][]float64 {
		var out [][][]float64
		for _, b := range batches {
			if ar != nil {
				ar.Reset()
			}
			x, tg := b.inputs(ar)
			out = append(out, values(autograd.Grad([]*V{m.loss(x, tg, b.labels)}, m.params())))
		}
		return out
	}
	data := make([][]arenaBatch[float64], workers)
	want := make([][][][]float64, workers)
	for w := range workers {
		data[w] = arenaBatches[float64](uint64(1000+10*w), []int{5, 5, 2, 5, 7}[:steps], in, classes)
		want[w] = grads(nil, data[w])
	}
	got := make([][][][]float64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { got[w] = grads(autograd.NewArena[float64](), data[w]) })
	}
	wg.Wait()
	for w := range workers {
		if d := cmp.Diff(want[w], got[w]); d != "" {
			t.Errorf("worker %d: concurrent Grad under an Arena differs from sequential (-sequential +concurrent):\n%s", w, d)
		}
	}
	for _, p := range m.params() {
		if p.Grad() != nil {
			t.Errorf("Grad wrote into a shared parameter's .Grad()")
		}
	}
}

// TestInferenceDuringFirstBackward evaluates a model under an inference
// Arena in one goroutine while another runs the model's first Backward,
// which gives the parameters their gradients: the forward pass reads what
// anomaly detection keeps beside each parameter, so that must not be what
// Backward writes. Run it with -race.
func TestInferenceDuringFirstBackward(t *testing.T) {
	w := autograd.Param(tensor.Full(0.5, 4, 3))
	b := autograd.Param(tensor.Full(0.25, 3))
	x := tensor.Full(1.0, 2, 4)
	model := func(in *V) *V { return autograd.Add(autograd.MatMul(in, w), b) }
	var wg sync.WaitGroup
	var got float64
	wg.Go(func() {
		ar := autograd.NewInferenceArena[float64]()
		for range 200 {
			ar.Reset()
			got = model(ar.Const(x)).Value().Data()[0]
		}
	})
	wg.Go(func() { autograd.Sum(model(autograd.Const(x))).Backward() })
	wg.Wait()
	if got != 2.25 {
		t.Errorf("inference gave %v, want 2.25", got)
	}
	if g := w.Grad(); g == nil || g.Data()[0] != 2 {
		t.Errorf("w's gradient is %v, want 2 in every element", g)
	}
}
