package optim_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
)

// A validation loss that stops improving after epoch 3: with a patience of
// 2, the rate drops tenfold at the third epoch without progress, and again
// three epochs later.
func ExampleNewReduceLROnPlateau() {
	net := layers.NewLinear[float32](rand.New(rand.NewPCG(1, 2)), 4, 1, nil)
	opt, err := optim.NewSGD(net.Parameters(), 0.1)
	if err != nil {
		fmt.Println(err)
		return
	}
	c := optim.DefaultPlateauConfig()
	c.Patience = 2
	sched, err := optim.NewReduceLROnPlateau(opt, c)
	if err != nil {
		fmt.Println(err)
		return
	}
	for epoch, valLoss := range []float64{0.9, 0.7, 0.6, 0.61, 0.6, 0.62, 0.6, 0.6, 0.6} {
		// ... train one epoch with opt, then measure valLoss ...
		lowered, err := sched.Step(valLoss)
		if err != nil {
			fmt.Println(err)
			return
		}
		if lowered {
			fmt.Printf("epoch %d: lr lowered to %.3g\n", epoch, opt.LR())
		}
	}
	// Output:
	// epoch 5: lr lowered to 0.01
	// epoch 8: lr lowered to 0.001
}
