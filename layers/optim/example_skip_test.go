package optim_test

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// ExampleScheduler_Step_skipped holds a schedule back over the steps that
// SkipNonFinite skipped: the Scheduler is stepped only when the
// optimizer's Skipped did not grow, so that the rate follows the steps
// actually made. Stepped unconditionally, as torch's scheduler is, it
// would have moved on at batch 2 as well.
func ExampleScheduler_Step_skipped() {
	w := autograd.Param(tensor.MustNew([]float64{1}, 1))
	opt, err := optim.NewAdam([]*autograd.Var[float64]{w}, 0.1, optim.NonFinite(optim.SkipNonFinite))
	if err != nil {
		fmt.Println(err)
		return
	}
	schedule, err := optim.NewExponentialLR(0.1, 0.5)
	if err != nil {
		fmt.Println(err)
		return
	}
	sched, err := optim.NewScheduler(opt, schedule)
	if err != nil {
		fmt.Println(err)
		return
	}
	for batch, x := range []float64{1, 2, math.Inf(1), 3} { // batch 2 overflows
		loss := autograd.Sum(autograd.Mul(w, autograd.Scalar(x)))
		loss.Backward()
		before := opt.Skipped()
		if err := opt.Step(); err != nil {
			fmt.Println(err)
			return
		}
		opt.ZeroGrad()
		if opt.Skipped() == before {
			if err := sched.Step(); err != nil {
				fmt.Println(err)
				return
			}
		}
		fmt.Printf("batch %d: skipped %d, schedule at step %d, next lr %.4f\n", batch, opt.Skipped(), sched.Steps(), opt.LR())
	}
	// Output:
	// batch 0: skipped 0, schedule at step 1, next lr 0.0500
	// batch 1: skipped 0, schedule at step 2, next lr 0.0250
	// batch 2: skipped 1, schedule at step 2, next lr 0.0250
	// batch 3: skipped 1, schedule at step 3, next lr 0.0125
}
