package layers_test

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

func TestNamedParameters(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	inner := layers.NewSequential[float64](layers.NewLinear[float64](rng, 3, 4, nil), layers.Tanh[float64]{})
	net := layers.NewSequential(layers.NewLinear[float64](rng, 2, 3, nil), layers.ReLU[float64]{}, layers.Module[float64](inner))
	named := net.NamedParameters()
	var names []string
	for _, n := range named {
		names = append(names, n.Name)
	}
	want := []string{"0.weight", "0.bias", "2.0.weight", "2.0.bias"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	ps := net.Parameters()
	if len(ps) != len(named) {
		t.Fatalf("Parameters has %d entries, NamedParameters %d", len(ps), len(named))
	}
	for i := range ps {
		if ps[i] != named[i].Param {
			t.Errorf("Parameters()[%d] is not NamedParameters()[%d].Param", i, i)
		}
	}
}

// names lists the names of a NamedParameters or NamedBuffers result.
func names[E any](items []E, name func(E) string) []string {
	var out []string
	for _, it := range items {
		out = append(out, name(it))
	}
	return out
}

func paramNames[T tensor.Float](ps []layers.NamedParam[T]) []string {
	return names(ps, func(p layers.NamedParam[T]) string { return p.Name })
}

func bufferNames[T tensor.Float](bs []layers.NamedBuffer[T]) []string {
	return names(bs, func(b layers.NamedBuffer[T]) string { return b.Name })
}

type nm = layers.NamedModule[float64]

// autoencoder builds encoder/decoder Nameds around Linear, BatchNorm1d and
// Dropout layers.
func autoencoder(rng *rand.Rand) *layers.Named[float64] {
	encoder := layers.NewNamed(
		nm{Name: "fc1", Module: layers.NewLinear[float64](rng, 4, 3, nil)},
		nm{Name: "bn", Module: layers.NewBatchNorm1d[float64](3)},
		nm{Name: "act", Module: layers.Tanh[float64]{}},
		nm{Name: "drop", Module: layers.NewDropout[float64](rng, 0.5)},
	)
	decoder := layers.NewSequential[float64](
		layers.NewLinear[float64](rng, 3, 4, nil),
		layers.NewBatchNorm1d[float64](4),
	)
	return layers.NewNamed(nm{Name: "encoder", Module: encoder}, nm{Name: "decoder", Module: decoder})
}

func TestNamedNesting(t *testing.T) {
	net := autoencoder(newRNG(1))
	wantParams := []string{
		"encoder.fc1.weight", "encoder.fc1.bias", "encoder.bn.weight", "encoder.bn.bias",
		"decoder.0.weight", "decoder.0.bias", "decoder.1.weight", "decoder.1.bias",
	}
	if diff := cmp.Diff(wantParams, paramNames(net.NamedParameters())); diff != "" {
		t.Errorf("parameter names (-want +got):\n%s", diff)
	}
	// Every parameter Var is labelled with its full name.
	for _, p := range net.NamedParameters() {
		if p.Param.Name() != p.Name {
			t.Errorf("Var labelled %q, want %q", p.Param.Name(), p.Name)
		}
	}
	wantBufs := []string{"encoder.bn.running_mean", "encoder.bn.running_var", "decoder.1.running_mean", "decoder.1.running_var"}
	if diff := cmp.Diff(wantBufs, bufferNames(net.NamedBuffers())); diff != "" {
		t.Errorf("buffer names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantBufs, bufferNames(layers.BuffersOf[float64](net))); diff != "" {
		t.Errorf("BuffersOf names (-want +got):\n%s", diff)
	}
	bn := net.Child("encoder").(*layers.Named[float64]).Child("bn").(*layers.BatchNorm1d[float64])
	if net.NamedBuffers()[0].Buffer != bn.RunningMean() {
		t.Errorf("encoder.bn.running_mean is not the layer's live tensor")
	}
	if net.Child("nope") != nil {
		t.Errorf("Child of an unknown name is not nil")
	}
	ps := net.Parameters()
	for i, p := range net.NamedParameters() {
		if ps[i] != p.Param {
			t.Errorf("Parameters()[%d] is not NamedParameters()[%d].Param", i, i)
		}
	}
	if got := len(net.Children()); got != 2 {
		t.Errorf("%d children, want 2", got)
	}
}

// TestNamedForward checks that Named applies its children in order, as a
// Sequential of the same layers does.
func TestNamedForward(t *testing.T) {
	double := linearOf[float64](mat([]float64{2}), vec(0))
	shift := linearOf[float64](mat([]float64{1}), vec(-3))
	x := autograd.Const(mat([]float64{-1}, []float64{1}, []float64{4}))
	a := layers.NewNamed(nm{Name: "double", Module: double}, nm{Name: "shift", Module: shift})
	b := layers.NewNamed(nm{Name: "shift", Module: shift}, nm{Name: "double", Module: double})
	if diff := cmp.Diff(view([]int{3, 1}, -5, -1, 5), viewOf(a.Forward(x).Value())); diff != "" {
		t.Errorf("double then shift (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(view([]int{3, 1}, -8, -4, 2), viewOf(b.Forward(x).Value())); diff != "" {
		t.Errorf("shift then double (-want +got):\n%s", diff)
	}
}

func TestNewNamedBadChildren(t *testing.T) {
	relu := layers.ReLU[float64]{}
	tests := []struct {
		name     string
		children []nm
		arg      string
	}{
		{"empty name", []nm{{Name: "", Module: relu}}, "children[0].Name"},
		{"dotted name", []nm{{Name: "a", Module: relu}, {Name: "b.c", Module: relu}}, "children[1].Name"},
		{"repeated name", []nm{{Name: "a", Module: relu}, {Name: "b", Module: relu}, {Name: "a", Module: relu}}, "children[2].Name"},
		{"nil module", []nm{{Name: "a"}}, "children[0].Module"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ae := argPanic(t, func() { layers.NewNamed(tt.children...) })
			if ae.Op != "NewNamed" || ae.Arg != tt.arg {
				t.Errorf("%q: Op %q Arg %q, want NewNamed %s", ae, ae.Op, ae.Arg, tt.arg)
			}
		})
	}
}

func TestSequentialBuffersAndChildren(t *testing.T) {
	net := layers.NewSequential[float64](
		layers.NewLinear[float64](newRNG(1), 2, 3, nil),
		layers.NewBatchNorm1d[float64](3),
		layers.NewSequential[float64](layers.NewBatchNorm1d[float64](3)),
	)
	want := []string{"1.running_mean", "1.running_var", "2.0.running_mean", "2.0.running_var"}
	if diff := cmp.Diff(want, bufferNames(net.NamedBuffers())); diff != "" {
		t.Errorf("buffer names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"0", "1", "2"}, names(net.Children(), func(c nm) string { return c.Name })); diff != "" {
		t.Errorf("children (-want +got):\n%s", diff)
	}
	if got := layers.BuffersOf[float64](layers.NewLinear[float64](newRNG(1), 2, 3, nil)); got != nil {
		t.Errorf("BuffersOf(Linear) = %v, want none", got)
	}
}

func TestNewSequentialNilLayer(t *testing.T) {
	ae := argPanic(t, func() { layers.NewSequential[float64](layers.ReLU[float64]{}, nil) })
	if ae.Error() != "layers: NewSequential: layers[1] = <nil>: must not be nil" {
		t.Errorf("got %q", ae)
	}
}
