package layers_test

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/internal/allocs"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// TestSharedModuleListedOnce: a module used twice in a container has its
// parameters listed once, at its first place, by Parameters,
// AppendParameters and NamedParameters, as PyTorch's parameters() and
// named_parameters() do, also when the sharing is one level down. So an
// optimizer accepts the model and ClipGradNorm counts the shared gradient
// once: torch 1.13 for nn.Sequential(l, nn.Tanh(), l), l a Linear(2, 2)
// with weight [[1 2] [3 4]] and bias [0.5 -0.5], input [[0.1 -0.2] [0.3
// 0.4]] and the loss the sum of the output, gives a total norm of 8.438
// and weight.grad[0][0] 0.01996 after clip_grad_norm_(params, 0.1).
func TestSharedModuleListedOnce(t *testing.T) {
	l := &layers.Linear[float64]{
		Weight: autograd.Param(tensor.MustNew([]float64{1, 2, 3, 4}, 2, 2)),
		Bias:   autograd.Param(tensor.MustNew([]float64{0.5, -0.5}, 2)),
	}
	seq := layers.NewSequential[float64](l, layers.Tanh[float64]{}, l)
	nested := layers.NewSequential[float64](layers.NewSequential[float64](l), layers.NewSequential[float64](l))
	for _, m := range []layers.Module[float64]{seq, nested} {
		want := []*autograd.Var[float64]{l.Weight, l.Bias}
		if got := m.Parameters(); !slices.Equal(got, want) {
			t.Errorf("%T Parameters: %d parameters, want the shared weight and bias once", m, len(got))
		}
		var names []string
		for _, p := range m.NamedParameters() {
			names = append(names, p.Name)
		}
		if want := []string{"0.weight", "0.bias"}; m == seq && !cmp.Equal(names, want) {
			t.Errorf("NamedParameters = %v, want %v", names, want)
		}
		buf := make([]*autograd.Var[float64], 0, 8)
		if n := allocs.Count(10, func() { buf = layers.AppendParameters(buf[:0], m) }); n != 0 || len(buf) != 2 {
			t.Errorf("%T AppendParameters: %d parameters with %d allocations, want 2 and 0", m, len(buf), n)
		}
	}

	if _, err := optim.NewAdam(seq.Parameters(), 0.01); err != nil {
		t.Errorf("NewAdam on a model with a shared module: %v", err)
	}
	x := autograd.Const(tensor.MustNew([]float64{0.1, -0.2, 0.3, 0.4}, 2, 2))
	autograd.Sum(seq.Forward(x)).Backward()
	total, err := optim.ClipGradNorm(seq.Parameters(), 0.1)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(total-8.438) > 1e-3 || math.Abs(l.Weight.Grad().Data()[0]-0.01996) > 1e-5 {
		t.Errorf("ClipGradNorm: total norm %.4f, weight.grad[0] %.5f; torch gives 8.438 and 0.01996", total, l.Weight.Grad().Data()[0])
	}

	// A model file holds the shared tensors once, under their first names,
	// and loads back.
	var file bytes.Buffer
	if err := layers.Save(&file, seq); err != nil {
		t.Fatal(err)
	}
	if err := layers.Load(bytes.NewReader(file.Bytes()), seq); err != nil {
		t.Errorf("Load of the saved shared model: %v", err)
	}
}

// TestSharedModuleBuffersListedOnce checks that a module used twice has its
// buffers listed once, at its first place, as its parameters are, so that
// a model file does not hold them under a second name that would win on
// Load.
func TestSharedModuleBuffersListedOnce(t *testing.T) {
	bn := layers.NewBatchNorm1d[float64](2)
	seq := layers.NewSequential[float64](bn, layers.Tanh[float64]{}, bn)
	nested := layers.NewSequential[float64](layers.NewSequential[float64](bn), bn)
	for _, m := range []layers.Module[float64]{seq, nested} {
		var names []string
		for _, b := range layers.BuffersOf(m) {
			names = append(names, b.Name)
		}
		want := []string{"0.running_mean", "0.running_var"}
		if m == nested {
			want = []string{"0.0.running_mean", "0.0.running_var"}
		}
		if !cmp.Equal(names, want) {
			t.Errorf("BuffersOf = %v, want %v", names, want)
		}
	}
}
