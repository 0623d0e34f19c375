package autograd_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// infMLP is a small trainable network: tanh(x·W1 + b1)·W2 + b2, softmax.
type infMLP struct{ w1, b1, w2, b2 *autograd.Var[float32] }

func newInfMLP(rng *rand.Rand) *infMLP {
	p := func(shape ...int) *autograd.Var[float32] {
		return autograd.Param(tensor.RandNormal[float32](rng, 0, 0.5, shape...))
	}
	return &infMLP{w1: p(6, 8), b1: p(8), w2: p(8, 3), b2: p(3)}
}

func (m *infMLP) forward(x *autograd.Var[float32]) *autograd.Var[float32] {
	h := autograd.Tanh(autograd.Add(autograd.MatMul(x, m.w1), m.b1))
	return autograd.Softmax(autograd.Add(autograd.MatMul(h, m.w2), m.b2), -1)
}

func TestInferenceArenaRecordsNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 9))
	m := newInfMLP(rng)
	x := tensor.RandNormal[float32](rng, 0, 1, 5, 6)
	want := m.forward(autograd.Const(x)) // records a graph: the parameters are trainable
	if !want.RequiresGrad() {
		t.Fatal("the plain forward pass recorded nothing; the test would prove nothing")
	}
	ar := autograd.NewInferenceArena[float32]()
	if !ar.Inference() || autograd.NewArena[float32]().Inference() {
		t.Error("Inference() does not tell the two kinds of Arena apart")
	}
	for range 3 {
		ar.Reset()
		got := m.forward(ar.Const(x))
		if got.RequiresGrad() || !got.IsLeaf() {
			t.Fatalf("the inference forward pass recorded a graph (op %q)", got.Op())
		}
		if d := cmp.Diff(want.Value().Data(), got.Value().Data()); d != "" {
			t.Fatalf("inference values differ from the plain forward pass (-plain +inference):\n%s", d)
		}
	}
	allocs := testing.AllocsPerRun(20, func() {
		ar.Reset()
		m.forward(ar.Const(x))
	})
	if allocs != 0 && !raceEnabled {
		t.Errorf("a warm inference step allocates %v times, want 0", allocs)
	}

	// The parameters stay trainable: a training step under a plain Arena
	// after the evaluations records and gives gradients.
	tr := autograd.NewArena[float32]()
	loss := autograd.Sum(m.forward(tr.Const(x)))
	loss.Backward()
	if m.w1.Grad() == nil {
		t.Error("training after inference: w1 got no gradient")
	}

	defer func() {
		var ue *autograd.UsageError
		if err, _ := recover().(error); !errors.As(err, &ue) || !strings.Contains(err.Error(), "inference Arena") {
			t.Errorf("Backward on an inference result: panic %v, want a *UsageError naming the inference Arena", err)
		}
	}()
	ar.Reset()
	autograd.Sum(m.forward(ar.Const(x))).Backward()
}

// Evaluating a trainable model without recording a graph: operations on a
// batch from an inference Arena record nothing (PyTorch's torch.no_grad()),
// and a warm loop allocates nothing. The parameters stay trainable.
func ExampleNewInferenceArena() {
	w := autograd.Param(tensor.MustNew([]float64{2}, 1, 1))
	b := autograd.Param(tensor.MustNew([]float64{1}, 1))
	ar := autograd.NewInferenceArena[float64]()
	for _, xs := range [][]float64{{0, 1}, {2, 3}} {
		ar.Reset()
		y := autograd.Linear(ar.Const(tensor.MustNew(xs, 2, 1)), w, b)
		fmt.Println(y.Value().Data(), "recorded:", y.RequiresGrad())
	}
	// Output:
	// [1 3] recorded: false
	// [5 7] recorded: false
}
