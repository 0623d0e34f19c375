package optim_test

import (
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// ExampleNewSequentialLR chains a linear warm-up over 3 epochs with cosine
// annealing with warm restarts (SGDR, periods of 4 and 8 epochs), torch's
//
//	SequentialLR(opt, [LinearLR(opt, start_factor=0.1, total_iters=3),
//	                   CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2, eta_min=0.001)],
//	             milestones=[3])
func ExampleNewSequentialLR() {
	w := autograd.Param(tensor.Zeros[float32](3))
	opt, err := optim.NewSGD([]*autograd.Var[float32]{w}, 0.1, optim.Momentum(0.9))
	if err != nil {
		fmt.Println(err)
		return
	}
	warmup, err := optim.NewLinearLR(0.1, 0.1, 1, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	restarts, err := optim.NewCosineAnnealingWarmRestarts(0.1, 4, 2, 0.001)
	if err != nil {
		fmt.Println(err)
		return
	}
	schedule, err := optim.NewSequentialLR([]optim.Schedule{warmup, restarts}, []int{3})
	if err != nil {
		fmt.Println(err)
		return
	}
	sched, err := optim.NewScheduler(opt, schedule)
	if err != nil {
		fmt.Println(err)
		return
	}
	for epoch := range 16 {
		fmt.Printf("epoch %2d: lr %.4f\n", epoch, opt.LR())
		// ... train one epoch: Backward, opt.Step, opt.ZeroGrad per batch ...
		if err := sched.Step(); err != nil {
			fmt.Println(err)
			return
		}
	}
	// Output:
	// epoch  0: lr 0.0100
	// epoch  1: lr 0.0400
	// epoch  2: lr 0.0700
	// epoch  3: lr 0.1000
	// epoch  4: lr 0.0855
	// epoch  5: lr 0.0505
	// epoch  6: lr 0.0155
	// epoch  7: lr 0.1000
	// epoch  8: lr 0.0962
	// epoch  9: lr 0.0855
	// epoch 10: lr 0.0694
	// epoch 11: lr 0.0505
	// epoch 12: lr 0.0316
	// epoch 13: lr 0.0155
	// epoch 14: lr 0.0048
	// epoch 15: lr 0.1000
}
