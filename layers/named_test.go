package layers_test

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/layers"
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
