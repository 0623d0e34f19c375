package optim_test

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// maximizeCase builds one optimizer, with weight decay and its
// state-carrying options, with or without Maximize.
type maximizeCase[T tensor.Float] struct {
	name string
	make func(ps []*autograd.Var[T], max bool) (optim.Optimizer[T], error)
}

// maybe returns opts with o appended when on.
func maybe[O any](on bool, o O, opts ...O) []O {
	if on {
		return append(opts, o)
	}
	return opts
}

func maximizeCases[T tensor.Float]() []maximizeCase[T] {
	type ps = []*autograd.Var[T]
	type opt = optim.Optimizer[T]
	m := optim.Maximize()
	return []maximizeCase[T]{
		{"SGD", func(p ps, on bool) (opt, error) {
			return optim.NewSGD(p, 0.1, maybe[optim.SGDOption](on, m, optim.Momentum(0.9), optim.Nesterov(), optim.WeightDecay(0.1))...)
		}},
		{"SGD plain", func(p ps, on bool) (opt, error) { return optim.NewSGD(p, 0.1, maybe[optim.SGDOption](on, m)...) }},
		{"Adam", func(p ps, on bool) (opt, error) {
			return optim.NewAdam(p, 0.1, maybe[optim.AdamOption](on, m, optim.AMSGrad(), optim.WeightDecay(0.1))...)
		}},
		{"AdamW", func(p ps, on bool) (opt, error) { return optim.NewAdamW(p, 0.1, maybe[optim.AdamOption](on, m)...) }},
		{"RMSProp", func(p ps, on bool) (opt, error) {
			return optim.NewRMSProp(p, 0.01, maybe[optim.RMSPropOption](on, m, optim.Centered(), optim.Momentum(0.5), optim.WeightDecay(0.1))...)
		}},
		{"Adagrad", func(p ps, on bool) (opt, error) {
			return optim.NewAdagrad(p, 0.1, maybe[optim.AdagradOption](on, m, optim.LRDecay(0.1), optim.WeightDecay(0.1))...)
		}},
		{"NAdam", func(p ps, on bool) (opt, error) {
			return optim.NewNAdam(p, 0.1, maybe[optim.NAdamOption](on, m, optim.WeightDecay(0.1))...)
		}},
		{"RAdam", func(p ps, on bool) (opt, error) {
			return optim.NewRAdam(p, 0.1, maybe[optim.RAdamOption](on, m, optim.WeightDecay(0.1))...)
		}},
		{"Adamax", func(p ps, on bool) (opt, error) {
			return optim.NewAdamax(p, 0.1, maybe[optim.AdamaxOption](on, m, optim.WeightDecay(0.1))...)
		}},
		{"Adadelta", func(p ps, on bool) (opt, error) {
			return optim.NewAdadelta(p, 1, maybe[optim.AdadeltaOption](on, m, optim.WeightDecay(0.1))...)
		}},
	}
}

// TestMaximize checks, for every optimizer, in both precisions, that
// Maximize with gradients g updates the weights and the state, bit for
// bit, as the optimizer without it does with gradients −g, over eight
// steps (RAdam's rectified ones among them) of a loss whose gradient
// depends on the weights, and that it leaves the gradients as they were.
func TestMaximize(t *testing.T) {
	testMaximize[float32](t)
	testMaximize[float64](t)
}

func testMaximize[T tensor.Float](t *testing.T) {
	for _, c := range maximizeCases[T]() {
		up, down := splitParams[T](5), splitParams[T](5)
		om, err := c.make(up, true)
		if err != nil {
			t.Fatal(err)
		}
		on, err := c.make(down, false)
		if err != nil {
			t.Fatal(err)
		}
		for s := range 8 {
			setGrads(up, s)
			setGrads(down, s)
			for i, p := range up {
				if p.Grad() == nil {
					continue
				}
				// A gradient that follows the weights, so that a wrong
				// sign anywhere shows in the following steps.
				for k, w := range p.Value().Data() {
					p.Grad().Data()[k] += T(0.5) * w
					down[i].Grad().Data()[k] = -p.Grad().Data()[k]
				}
			}
			before := values(up[1].Grad())
			if err := om.Step(); err != nil {
				t.Fatal(err)
			}
			if err := on.Step(); err != nil {
				t.Fatal(err)
			}
			if after := values(up[1].Grad()); !equalBits(before, after) {
				t.Fatalf("%s %T: Maximize changed the gradient", c.name, T(0))
			}
			for i := range up {
				a, b := up[i].Value().Data(), down[i].Value().Data()
				for k := range a {
					if math.Float64bits(float64(a[k])) != math.Float64bits(float64(b[k])) {
						t.Fatalf("%s %T, step %d: parameter %d element %d: %v maximizing g, %v minimizing −g", c.name, T(0), s, i, k, a[k], b[k])
					}
				}
			}
		}
		if w := up[1].Value().Data()[0]; w == splitParams[T](5)[1].Value().Data()[0] {
			t.Errorf("%s %T: the weights did not move", c.name, T(0))
		}
	}
}

func equalBits(a, b []float64) bool {
	for k := range a {
		if math.Float64bits(a[k]) != math.Float64bits(b[k]) {
			return false
		}
	}
	return len(a) == len(b)
}
