package layers_test

import (
	"sync"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// twoTowers is a module of one's own that holds layers in fields and
// implements Container, so that SetTraining and BuffersOf reach them.
type twoTowers struct {
	left, right layers.Module[float64]
}

func (m *twoTowers) Forward(x *autograd.Var[float64]) *autograd.Var[float64] {
	return autograd.Add(m.left.Forward(x), m.right.Forward(x))
}

func (m *twoTowers) Children() []layers.NamedModule[float64] {
	return []layers.NamedModule[float64]{{Name: "left", Module: m.left}, {Name: "right", Module: m.right}}
}

func (m *twoTowers) NamedParameters() []layers.NamedParam[float64] { return nil }

func (m *twoTowers) Parameters() []*autograd.Var[float64] { return nil }

// modeNet is a network with Dropout and BatchNorm1d at several depths,
// including inside a custom container; it returns the layers with a mode.
func modeNet() (layers.Module[float64], []layers.Trainable) {
	rng := newRNG(4)
	d1, d2 := layers.NewDropout[float64](rng, 0.5), layers.NewDropout[float64](rng, 0.3)
	b1, b2 := layers.NewBatchNorm1d[float64](6), layers.NewBatchNorm1d[float64](6)
	towers := &twoTowers{left: layers.NewSequential[float64](b2, layers.Tanh[float64]{}), right: d2}
	net := layers.NewSequential[float64](
		layers.NewLinear[float64](rng, 3, 6, nil),
		b1,
		layers.NewNamed(layers.NamedModule[float64]{Name: "drop", Module: d1}),
		towers,
		layers.NewLinear[float64](rng, 6, 2, nil),
	)
	return net, []layers.Trainable{d1, d2, b1, b2}
}

func TestSetTrainingWalksTheTree(t *testing.T) {
	net, modal := modeNet()
	for i, m := range modal {
		if !m.Training() {
			t.Errorf("layer %d: a new layer is not training", i)
		}
	}
	layers.SetTraining(net, false)
	for i, m := range modal {
		if m.Training() {
			t.Errorf("layer %d: still training after SetTraining(net, false)", i)
		}
	}
	layers.SetTraining(net, true)
	for i, m := range modal {
		if !m.Training() {
			t.Errorf("layer %d: not training after SetTraining(net, true)", i)
		}
	}
	// Another model is unaffected: there is no global switch.
	other, _ := modeNet()
	layers.SetTraining(other, false)
	for i, m := range modal {
		if !m.Training() {
			t.Errorf("layer %d: switched by SetTraining on another model", i)
		}
	}
	// BuffersOf reaches into the custom container through Children.
	want := []string{"1.running_mean", "1.running_var", "3.left.0.running_mean", "3.left.0.running_var"}
	if diff := cmp.Diff(want, bufferNames(layers.BuffersOf(net))); diff != "" {
		t.Errorf("BuffersOf (-want +got):\n%s", diff)
	}
}

// TestEvalForwardConcurrent evaluates one model with Dropout and BatchNorm1d
// from many goroutines while others flip the mode of a second model and
// train a third; every evaluation must equal the serial one. Run with -race.
func TestEvalForwardConcurrent(t *testing.T) {
	net, _ := modeNet()
	x := autograd.Const(randTensor(newRNG(5), 8, 3))
	net.Forward(x) // one training step moves the running statistics
	layers.SetTraining(net, false)
	want := net.Forward(x).Value()
	if again := net.Forward(x).Value(); !bitsEqual(want, again) {
		t.Fatalf("evaluation is not deterministic")
	}

	flipped, _ := modeNet()
	trained, _ := modeNet()
	const workers, rounds = 6, 20
	results := make([][]*tensor.Tensor[float64], workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				results[w] = append(results[w], net.Forward(x).Value())
				// Half the workers also use the other two models.
				if w%2 == 0 {
					layers.SetTraining(flipped, r%2 == 0)
					flipped.Forward(x)
				} else {
					trained.Forward(x)
				}
			}
		}()
	}
	wg.Wait()
	for w, rs := range results {
		for r, got := range rs {
			if !bitsEqual(want, got) {
				t.Fatalf("worker %d round %d: %v, want %v", w, r, got, want)
			}
		}
	}
}

// TestTrainingForwardConcurrent checks that concurrent training Forward calls
// on one BatchNorm1d and Dropout are race-free and lose no update.
func TestTrainingForwardConcurrent(t *testing.T) {
	bn := layers.NewBatchNorm1d[float64](3)
	drop := layers.NewDropout[float64](newRNG(1), 0.5)
	x := autograd.Const(randTensor(newRNG(2), 4, 3))
	const workers, rounds = 4, 25
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				drop.Forward(bn.Forward(x))
			}
		}()
	}
	wg.Wait()
	if n := bn.NumBatchesTracked(); n != workers*rounds {
		t.Errorf("NumBatchesTracked %d, want %d", n, workers*rounds)
	}
	// Every update used the same batch, so the order does not matter: the
	// running mean is (1 - 0.9^100) of the batch mean.
	mean := tensor.Mean(x.Value(), 0)
	f := 1.0
	for range workers * rounds {
		f *= 0.9
	}
	if diff := cmp.Diff(viewOf(tensor.Scale(mean, 1-f)), viewOf(bn.RunningMean()), approx(1e-12)); diff != "" {
		t.Errorf("running mean (-want +got):\n%s", diff)
	}
}
