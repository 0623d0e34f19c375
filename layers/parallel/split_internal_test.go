package parallel

import (
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestSplitStepperTypes checks which optimizers the trainer steps in parts:
// every one of package optim's own over the replica's parameters, and not
// one of a type of one's own that embeds them, nor one over other
// parameters.
func TestSplitStepperTypes(t *testing.T) {
	ps := []*autograd.Var[float32]{autograd.Param(tensor.Zeros[float32](3)), autograd.Param(tensor.Zeros[float32](2, 2))}
	type ctor func([]*autograd.Var[float32]) (optim.Optimizer[float32], error)
	wrap := func(o optim.Optimizer[float32], err error) (optim.Optimizer[float32], error) { return o, err }
	ctors := map[string]ctor{
		"SGD":  func(p []*autograd.Var[float32]) (optim.Optimizer[float32], error) { return wrap(optim.NewSGD(p, 0.1)) },
		"Adam": func(p []*autograd.Var[float32]) (optim.Optimizer[float32], error) { return wrap(optim.NewAdam(p, 0.1)) },
		"AdamW": func(p []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
			return wrap(optim.NewAdamW(p, 0.1))
		},
		"RMSProp": func(p []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
			return wrap(optim.NewRMSProp(p, 0.1))
		},
		"Adagrad": func(p []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
			return wrap(optim.NewAdagrad(p, 0.1))
		},
		"NAdam": func(p []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
			return wrap(optim.NewNAdam(p, 0.1))
		},
		"RAdam": func(p []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
			return wrap(optim.NewRAdam(p, 0.1))
		},
		"Adamax": func(p []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
			return wrap(optim.NewAdamax(p, 0.1))
		},
		"Adadelta": func(p []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
			return wrap(optim.NewAdadelta(p, 1))
		},
	}
	for name, c := range ctors {
		o, err := c(ps)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if splitStepper(&replica[float32]{opt: o, params: ps}) == nil {
			t.Errorf("%s over the replica's parameters is not stepped in parts", name)
		}
		if splitStepper(&replica[float32]{opt: o, params: ps[:1]}) != nil {
			t.Errorf("%s over other parameters is stepped in parts", name)
		}
		if splitStepper(&replica[float32]{opt: own{o}, params: ps}) != nil {
			t.Errorf("a type of one's own around %s is stepped in parts", name)
		}
	}
}

// own is an optimizer type of one's own around one of package optim's.
type own struct{ optim.Optimizer[float32] }
