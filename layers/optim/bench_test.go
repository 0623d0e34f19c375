package optim_test

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// mlpShapes are the parameter shapes of a 784-256-128-10 MLP: weights and
// biases, 235,146 elements in all.
var mlpShapes = [][]int{{784, 256}, {256}, {256, 128}, {128}, {128, 10}, {10}}

// mlpParams returns float32 parameters shaped like mlpShapes, with seeded
// random values and gradients, and their total number of elements.
func mlpParams(seed uint64) ([]*autograd.Var[float32], int) {
	rng := rand.New(rand.NewPCG(seed, 0x0b71))
	ps := make([]*autograd.Var[float32], len(mlpShapes))
	n := 0
	for i, s := range mlpShapes {
		p := autograd.Param(tensor.RandUniform[float32](rng, -0.1, 0.1, s...))
		autograd.Sum(p).Backward() // allocates p.Grad()
		for k, g := range tensor.RandNormal[float32](rng, 0, 0.01, s...).Data() {
			p.Grad().Data()[k] = g
		}
		ps[i] = p
		n += p.Value().Len()
	}
	return ps, n
}

// benchStep measures a steady-state Step over the MLP's parameters: the
// first Step, which allocates the state, is not timed. It reports the time
// per parameter element too.
func benchStep(b *testing.B, newOpt func([]*autograd.Var[float32]) (optim.Optimizer[float32], error)) {
	ps, n := mlpParams(1)
	opt, err := newOpt(ps)
	if err != nil {
		b.Fatal(err)
	}
	opt.Step()
	b.ReportAllocs()
	for b.Loop() {
		opt.Step()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
}

// BenchmarkSGDStep is SGD with momentum 0.9, as in the MLP benchmark of
// package bench.
func BenchmarkSGDStep(b *testing.B) {
	benchStep(b, func(ps []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
		return optim.NewSGD(ps, 0.01, optim.Momentum(0.9))
	})
}

// BenchmarkStep covers the other update rules over the same parameters.
func BenchmarkStep(b *testing.B) {
	type ps = []*autograd.Var[float32]
	type opt = optim.Optimizer[float32]
	for _, bc := range []struct {
		name   string
		newOpt func(ps) (opt, error)
	}{
		{"SGD", func(p ps) (opt, error) { return optim.NewSGD(p, 0.01) }},
		{"SGDNesterovDecay", func(p ps) (opt, error) {
			return optim.NewSGD(p, 0.01, optim.Momentum(0.9), optim.Nesterov(), optim.WeightDecay(1e-4))
		}},
		{"Adam", func(p ps) (opt, error) { return optim.NewAdam(p, 1e-3) }},
		{"AdamW", func(p ps) (opt, error) { return optim.NewAdamW(p, 1e-3) }},
		{"RMSProp", func(p ps) (opt, error) { return optim.NewRMSProp(p, 1e-3) }},
		{"NAdam", func(p ps) (opt, error) { return optim.NewNAdam(p, 2e-3) }},
		{"RAdam", func(p ps) (opt, error) { return optim.NewRAdam(p, 1e-3) }},
		{"Adamax", func(p ps) (opt, error) { return optim.NewAdamax(p, 2e-3) }},
		{"Adadelta", func(p ps) (opt, error) { return optim.NewAdadelta(p, 1) }},
		{"AdamMaximizeDecay", func(p ps) (opt, error) { return optim.NewAdam(p, 1e-3, optim.Maximize(), optim.WeightDecay(1e-4)) }},
		// The no-decay recipe: the biases in a group without weight decay.
		{"AdamWNoDecayGroup", func(p ps) (opt, error) {
			return optim.NewAdamW(p, 1e-3, optim.WeightDecay(0.1), optim.ParamGroup(vectors(p), optim.WeightDecay(0)))
		}},
		{"SGDMomentumNoDecayGroup", func(p ps) (opt, error) {
			return optim.NewSGD(p, 0.01, optim.Momentum(0.9), optim.WeightDecay(1e-4), optim.ParamGroup(vectors(p), optim.WeightDecay(0)))
		}},
	} {
		b.Run(bc.name, func(b *testing.B) { benchStep(b, bc.newOpt) })
	}
}

// vectors returns the parameters of ps with fewer than two dimensions: the
// biases and normalization weights that the usual recipe does not decay.
func vectors[T tensor.Float](ps []*autograd.Var[T]) []*autograd.Var[T] {
	var out []*autograd.Var[T]
	for _, p := range ps {
		if p.Value().Dims() < 2 {
			out = append(out, p)
		}
	}
	return out
}
