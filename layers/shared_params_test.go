package layers_test

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/internal/allocs"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/layers/safetensors"
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

}

// TestSharedModuleModelFile: a model file holds the tensors of a module used
// twice under every name, as torch 1.13's state_dict does (for
// nn.Sequential(bn, nn.Tanh(), bn, lin, lin) its keys are 0.weight,
// 0.bias, 0.running_mean, 0.running_var, 0.num_batches_tracked, then the
// same under 2., then 3.weight, 3.bias, 4.weight, 4.bias), so that torch's
// strict load_state_dict takes it. Load takes such a file, one that keeps
// each shared tensor once under any of its names (Hugging Face's files,
// Adjoint's older ones), and refuses copies that differ.
func TestSharedModuleModelFile(t *testing.T) {
	model := func() (*layers.Sequential[float64], *layers.BatchNorm1d[float64], *layers.Linear[float64]) {
		bn := layers.NewBatchNorm1d[float64](2)
		lin := &layers.Linear[float64]{
			Weight: autograd.Param(tensor.MustNew([]float64{1, 2, 3, 4}, 2, 2)),
			Bias:   autograd.Param(tensor.MustNew([]float64{0.5, -0.5}, 2)),
		}
		copy(bn.RunningMean().Data(), []float64{0.25, -1})
		return layers.NewSequential[float64](bn, layers.Tanh[float64]{}, bn, lin, lin), bn, lin
	}
	m, _, _ := model()
	saved, f := saveRead(t, m)
	var torchKeys []string // torch's state_dict keys but num_batches_tracked
	for _, p := range []string{"0.", "2."} {
		for _, n := range []string{"weight", "bias", "running_mean", "running_var"} {
			torchKeys = append(torchKeys, p+n)
		}
	}
	torchKeys = append(torchKeys, "3.weight", "3.bias", "4.weight", "4.bias")
	if d := cmp.Diff(slices.Sorted(slices.Values(torchKeys)), slices.Sorted(slices.Values(f.Names()))); d != "" {
		t.Errorf("file names (-torch +adjoint):\n%s", d)
	}

	// write returns a file of the named tensors, values from m's.
	state := map[string]*tensor.Tensor[float64]{}
	for _, name := range f.Names() {
		v, err := f.Float64(name)
		if err != nil {
			t.Fatal(err)
		}
		state[name] = v
	}
	write := func(names ...string) []byte {
		var named []safetensors.Named
		for _, n := range names {
			named = append(named, safetensors.Of(n, state[n]))
		}
		var b bytes.Buffer
		if err := safetensors.Write(&b, named, nil); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	for _, c := range []struct {
		name string
		file []byte
	}{
		{"every name", saved},
		{"first names", write("0.weight", "0.bias", "0.running_mean", "0.running_var", "3.weight", "3.bias")},
		{"second names", write("2.weight", "2.bias", "2.running_mean", "2.running_var", "4.weight", "4.bias")},
		{"mixed", write("0.weight", "2.bias", "0.running_mean", "2.running_var", "2.running_mean", "4.weight", "3.bias")},
	} {
		fresh, bn, lin := model()
		bn.RunningMean().Fill(0)
		lin.Weight.Value().Fill(0)
		if err := layers.Load(bytes.NewReader(c.file), fresh); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if bn.RunningMean().Data()[1] != -1 || lin.Weight.Value().Data()[3] != 4 {
			t.Errorf("%s: running mean %v, weight %v not restored", c.name, bn.RunningMean().Data(), lin.Weight.Value().Data())
		}
	}

	state["4.weight"] = tensor.MustNew([]float64{1, 2, 3, 5}, 2, 2)
	state["2.running_mean"] = tensor.MustNew([]float64{0.25, -1, 0}, 3)
	bad := write(f.Names()...)
	fresh, _, lin := model()
	lin.Weight.Value().Fill(0)
	var le *layers.LoadError
	err := layers.Load(bytes.NewReader(bad), fresh)
	if !errors.As(err, &le) || !slices.Equal(le.Conflicting, []string{"4.weight"}) || len(le.Shapes) != 1 || le.Shapes[0].Name != "2.running_mean" {
		t.Errorf("Load of differing and mis-shaped copies: %v, want 4.weight conflicting and 2.running_mean mis-shaped", err)
	}
	if lin.Weight.Value().Data()[0] != 0 {
		t.Errorf("a refused Load changed the model")
	}
}

// gated is a container of one's own with a parameter of its own besides
// its child's: gate·inner(x).
type gated struct {
	inner *layers.Linear[float64]
	gate  *autograd.Var[float64]
}

func (g *gated) Forward(x *autograd.Var[float64]) *autograd.Var[float64] {
	return autograd.Mul(g.inner.Forward(x), g.gate)
}

func (g *gated) Children() []layers.NamedModule[float64] {
	return []layers.NamedModule[float64]{{Name: "inner", Module: g.inner}}
}

func (g *gated) NamedParameters() []layers.NamedParam[float64] {
	out := []layers.NamedParam[float64]{{Name: "gate", Param: g.gate}}
	for _, p := range g.inner.NamedParameters() {
		out = append(out, layers.NamedParam[float64]{Name: "inner." + p.Name, Param: p.Param})
	}
	return out
}

func (g *gated) Parameters() []*autograd.Var[float64] {
	return []*autograd.Var[float64]{g.gate, g.inner.Weight, g.inner.Bias}
}

// TestSharedContainerOwnParams: a container of one's own used twice has its
// own parameter, not only its child's, saved under both places (torch's
// state_dict lists both).
func TestSharedContainerOwnParams(t *testing.T) {
	g := &gated{inner: layers.NewLinear[float64](newRNG(2), 2, 2, nil), gate: autograd.Param(tensor.MustNew([]float64{0.5, 2}, 2))}
	m := layers.NewSequential[float64](g, layers.Tanh[float64]{}, g)
	saved, f := saveRead(t, m)
	want := []string{"0.gate", "0.inner.bias", "0.inner.weight", "2.gate", "2.inner.bias", "2.inner.weight"}
	if d := cmp.Diff(want, slices.Sorted(slices.Values(f.Names()))); d != "" {
		t.Errorf("file names (-want +got):\n%s", d)
	}
	if err := layers.Load(bytes.NewReader(saved), m); err != nil {
		t.Errorf("Load: %v", err)
	}
}

// TestSharedModuleBuffersListedOnce checks that a module used twice has its
// buffers listed once, at its first place, as its parameters are (model
// files name them at every place: TestSharedModuleModelFile).
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
