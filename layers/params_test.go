package layers_test

import (
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/internal/allocs"
	"github.com/adjoint-go/adjoint/tensor"
)

// paramNets are networks with every kind of parameterized layer of this
// package, nested in both containers.
func paramNets() map[string]layers.Module[float32] {
	rng := newRNG(1)
	return map[string]layers.Module[float32]{
		"MLP": layers.NewMLP[float32](rng, []int{784, 128, 64, 10}, nil, layers.MLPDropout(0.1)),
		"Sequential": layers.NewSequential[float32](
			layers.NewConv2D[float32](rng, 1, 4, [2]int{3, 3}, layers.Conv2DOptions{}, nil),
			layers.NewBatchNorm2d[float32](4),
			layers.NewGroupNorm[float32](2, 4),
			layers.ReLU[float32]{},
			layers.Flatten[float32]{},
			layers.NewLinear[float32](rng, 4*6*6, 8, nil),
			layers.NewBatchNorm1d[float32](8),
			layers.NewLayerNorm[float32](8),
			layers.NewRMSNorm[float32](8),
		),
		"Named": layers.NewNamed(
			layers.NamedModule[float32]{Name: "emb", Module: layers.NewEmbedding[float32](rng, 10, 4, nil)},
			layers.NamedModule[float32]{Name: "enc", Module: layers.NewNamed(
				layers.NamedModule[float32]{Name: "conv1d", Module: layers.NewConv1D[float32](rng, 4, 4, 1, layers.Conv1DOptions{}, nil)},
				layers.NamedModule[float32]{Name: "up", Module: layers.NewConvTranspose2D[float32](rng, 4, 2, [2]int{2, 2}, layers.ConvTranspose2DOptions{}, nil)},
			)},
		),
	}
}

// TestAppendParametersAllocatesNothing checks the allocation-free way to
// collect a network's parameters in a loop, and that it lists exactly what
// Parameters and NamedParameters list, in their order.
func TestAppendParametersAllocatesNothing(t *testing.T) {
	for name, net := range paramNets() {
		t.Run(name, func(t *testing.T) {
			var named []*autograd.Var[float32]
			for _, np := range net.NamedParameters() {
				named = append(named, np.Param)
			}
			ps := layers.AppendParameters(nil, net)
			if len(ps) < 4 || !samePtrs(ps, named) || !samePtrs(net.Parameters(), named) {
				t.Fatalf("AppendParameters %d params, Parameters %d, NamedParameters %d: want the same list", len(ps), len(net.Parameters()), len(named))
			}
			if n := allocs.Count(100, func() { ps = layers.AppendParameters(ps[:0], net) }); n != 0 {
				t.Errorf("AppendParameters into a kept slice allocates %d times in 100 runs, want 0", n)
			}
			// Parameters makes a new slice each call: a few allocations
			// for its growth, never one per parameter (it used to build
			// every hierarchical name). The bound is per call, and every
			// call does the same work, so it is checked on the exact
			// total of 100 calls (at most 5·100) rather than on
			// testing.AllocsPerRun's floored mean, which would let up to
			// 5.99 allocations per call through.
			if n := allocs.Count(100, func() { _ = net.Parameters() }); n > 5*100 {
				t.Errorf("Parameters allocates %d times in 100 calls, want at most 5 per call (500)", n)
			}
			// A prefix already in dst is kept.
			pre := autograd.Param(tensor.Ones[float32](1))
			got := layers.AppendParameters([]*autograd.Var[float32]{pre}, net)
			if got[0] != pre || !samePtrs(got[1:], named) {
				t.Errorf("AppendParameters does not append after dst's elements")
			}
		})
	}
}

// customModule implements only Module: AppendParameters falls back to its
// Parameters.
type customModule struct{ w *autograd.Var[float32] }

func (m customModule) Forward(x *autograd.Var[float32]) *autograd.Var[float32] { return x }
func (m customModule) Parameters() []*autograd.Var[float32]                    { return []*autograd.Var[float32]{m.w} }
func (m customModule) NamedParameters() []layers.NamedParam[float32] {
	return []layers.NamedParam[float32]{{Name: "w", Param: m.w}}
}

func TestAppendParametersFallsBack(t *testing.T) {
	c := customModule{w: autograd.Param(tensor.Ones[float32](2))}
	lin := layers.NewLinear[float32](newRNG(2), 2, 2, nil)
	net := layers.NewSequential[float32](lin, c)
	want := []*autograd.Var[float32]{lin.Weight, lin.Bias, c.w}
	if got := layers.AppendParameters(nil, layers.Module[float32](net)); !samePtrs(got, want) {
		t.Errorf("AppendParameters with a custom module: %v, want %v", got, want)
	}
}

// samePtrs reports whether a and b hold the same Vars in the same order.
func samePtrs(a, b []*autograd.Var[float32]) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
