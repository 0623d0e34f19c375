package parallel_test

import (
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/layers/parallel"
	"github.com/adjoint-go/adjoint/layers/parallel/internal/digitsnet"
)

// TestSplitStepSameBitsEveryOptimizer trains the digits MLP on 2 workers
// with each of package optim's optimizers (plain Adam is
// TestSplitStepSameBits'), with their defaults and again with weight decay
// and Maximize, once stepped in parts by the workers and once whole
// (hidden in a type of one's own), and checks that the weights are the
// same bits and that they moved.
func TestSplitStepSameBitsEveryOptimizer(t *testing.T) {
	// Each builds its optimizer with its defaults, or with extra options:
	// weight decay and Maximize.
	ctors := map[string]func(p []*autograd.Var[float32], extra bool) (optim.Optimizer[float32], error){
		"SGD": func(p []*autograd.Var[float32], extra bool) (optim.Optimizer[float32], error) {
			if extra {
				return optim.NewSGD(p, 0.1, optim.Momentum(0.9), optim.WeightDecay(0.01), optim.Maximize())
			}
			return optim.NewSGD(p, 0.1, optim.Momentum(0.9))
		},
		"AdamW": func(p []*autograd.Var[float32], extra bool) (optim.Optimizer[float32], error) {
			if extra {
				return optim.NewAdamW(p, 3e-3, optim.WeightDecay(0.01), optim.Maximize())
			}
			return optim.NewAdamW(p, 3e-3)
		},
		"RMSProp": func(p []*autograd.Var[float32], extra bool) (optim.Optimizer[float32], error) {
			if extra {
				return optim.NewRMSProp(p, 1e-3, optim.WeightDecay(0.01), optim.Maximize())
			}
			return optim.NewRMSProp(p, 1e-3)
		},
		"Adagrad": func(p []*autograd.Var[float32], extra bool) (optim.Optimizer[float32], error) {
			if extra {
				return optim.NewAdagrad(p, 0.05, optim.WeightDecay(0.01), optim.Maximize())
			}
			return optim.NewAdagrad(p, 0.05)
		},
		"NAdam": func(p []*autograd.Var[float32], extra bool) (optim.Optimizer[float32], error) {
			if extra {
				return optim.NewNAdam(p, 3e-3, optim.WeightDecay(0.01), optim.Maximize())
			}
			return optim.NewNAdam(p, 3e-3)
		},
		"RAdam": func(p []*autograd.Var[float32], extra bool) (optim.Optimizer[float32], error) {
			if extra {
				return optim.NewRAdam(p, 3e-3, optim.WeightDecay(0.01), optim.Maximize())
			}
			return optim.NewRAdam(p, 3e-3)
		},
		"Adamax": func(p []*autograd.Var[float32], extra bool) (optim.Optimizer[float32], error) {
			if extra {
				return optim.NewAdamax(p, 3e-3, optim.WeightDecay(0.01), optim.Maximize())
			}
			return optim.NewAdamax(p, 3e-3)
		},
		"Adadelta": func(p []*autograd.Var[float32], extra bool) (optim.Optimizer[float32], error) {
			if extra {
				return optim.NewAdadelta(p, 1, optim.WeightDecay(0.01), optim.Maximize())
			}
			return optim.NewAdadelta(p, 1)
		},
	}
	variants := map[string]bool{"defaults": false, "decay+maximize": true}
	for name, ctor := range ctors {
		for vname, extra := range variants {
			t.Run(name+"/"+vname, func(t *testing.T) {
				var got [2][][]float32
				var start [][]float32
				for i, hide := range []bool{false, true} {
					cfg := config(digitsnet.MLP, 2)
					cfg.Optimizer = func(ps []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
						o, err := ctor(ps, extra)
						if hide {
							return whole{o}, err
						}
						return o, err
					}
					tr, err := parallel.New(cfg)
					if err != nil {
						t.Fatal(err)
					}
					start = state(tr.Model())
					for s := range 8 {
						if _, err := tr.Step(digitBatch(uint64(s%4), testRows)); err != nil {
							t.Fatalf("step %d: %v", s, err)
						}
					}
					got[i] = state(tr.Model())
					tr.Close()
				}
				if i, k := sameBits(got[1], got[0]); i >= 0 {
					t.Errorf("tensor %d element %d: %v in parts, %v whole", i, k, got[0][i][k], got[1][i][k])
				}
				if i, _ := sameBits(start, got[0]); i < 0 {
					t.Error("no weight moved")
				}
			})
		}
	}
}
