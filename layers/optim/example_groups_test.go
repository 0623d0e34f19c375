package optim_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// ExampleParamGroup is the usual recipe for transformers (GPT's): AdamW
// decays the weight matrices but not the biases and the normalization
// weights, torch's
//
//	AdamW([{"params": decay, "weight_decay": 0.1},
//	       {"params": no_decay, "weight_decay": 0.0}], lr=1e-3)
//
// A step with zero gradients shows it: only the decay moves the weights,
// which shrink by 1 − lr·λ, and the others stay as they were.
func ExampleParamGroup() {
	rng := rand.New(rand.NewPCG(1, 2))
	net := layers.NewSequential[float64](
		layers.NewLinear[float64](rng, 4, 8, nil),
		layers.NewLayerNorm[float64](8),
		layers.ReLU[float64]{},
		layers.NewLinear[float64](rng, 8, 1, nil),
	)
	var noDecay []*autograd.Var[float64] // biases, LayerNorm's weight and bias
	for _, p := range net.Parameters() {
		if p.Value().Dims() < 2 {
			noDecay = append(noDecay, p)
		}
	}
	opt, err := optim.NewAdamW(net.Parameters(), 1e-3, optim.WeightDecay(0.1),
		optim.ParamGroup(noDecay, optim.WeightDecay(0)))
	if err != nil {
		fmt.Println(err)
		return
	}
	for k, g := range opt.Groups() {
		fmt.Printf("group %d: %d tensors, weight decay %g\n", k, len(g.Params), g.WeightDecay)
	}

	before := make([]float64, len(opt.Params()))
	for i, p := range opt.Params() {
		before[i] = p.Value().Data()[0]
		p.SetGrad(tensor.Zeros[float64](p.Shape()...))
	}
	if err := opt.Step(); err != nil {
		fmt.Println(err)
		return
	}
	for i, p := range opt.Params() {
		if now := p.Value().Data()[0]; now == before[i] {
			fmt.Printf("%v: unchanged\n", p.Shape())
		} else {
			fmt.Printf("%v: ×%.4f\n", p.Shape(), now/before[i])
		}
	}
	// Output:
	// group 0: 2 tensors, weight decay 0.1
	// group 1: 4 tensors, weight decay 0
	// [8 4]: ×0.9999
	// [8]: unchanged
	// [8]: unchanged
	// [8]: unchanged
	// [1 8]: ×0.9999
	// [1]: unchanged
}

// ExampleLRScale trains a pretrained part (the backbone) at a tenth of the
// rate of a new head, torch's
//
//	AdamW([{"params": backbone, "lr": 1e-4}, {"params": head}], lr=1e-3)
//
// A schedule sets the optimizer's rate, and every group follows in
// proportion, as torch's schedulers scale each group's own rate.
func ExampleLRScale() {
	rng := rand.New(rand.NewPCG(1, 2))
	backbone := layers.NewLinear[float64](rng, 4, 8, nil)
	head := layers.NewLinear[float64](rng, 8, 1, nil)
	net := layers.NewSequential[float64](backbone, layers.ReLU[float64]{}, head)

	opt, err := optim.NewAdamW(net.Parameters(), 1e-3,
		optim.ParamGroup(backbone.Parameters(), optim.LRScale(0.1)))
	if err != nil {
		fmt.Println(err)
		return
	}
	step, err := optim.NewStepLR(1e-3, 1, 0.1) // ×0.1 every epoch
	if err != nil {
		fmt.Println(err)
		return
	}
	sched, err := optim.NewScheduler(opt, step)
	if err != nil {
		fmt.Println(err)
		return
	}
	for epoch := range 3 {
		gs := opt.Groups()
		fmt.Printf("epoch %d: head %.0e, backbone %.0e\n", epoch, gs[0].LR, gs[1].LR)
		// ... the epoch's steps ...
		if err := sched.Step(); err != nil {
			fmt.Println(err)
			return
		}
	}
	// Output:
	// epoch 0: head 1e-03, backbone 1e-04
	// epoch 1: head 1e-04, backbone 1e-05
	// epoch 2: head 1e-05, backbone 1e-06
}
