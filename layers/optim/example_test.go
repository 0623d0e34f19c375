package optim_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// Example fits y = 2x + 1 with one Linear layer: the training loop is loss,
// Backward, Step, ZeroGrad.
func Example() {
	x := autograd.Const(tensor.MustNew([]float64{-1, -0.5, 0, 0.5, 1}, 5, 1))
	y := autograd.Const(tensor.MustNew([]float64{-1, 0, 1, 2, 3}, 5, 1))

	rng := rand.New(rand.NewPCG(1, 2))
	net := layers.NewLinear[float64](rng, 1, 1, nil)
	opt, err := optim.NewSGD(net.Parameters(), 0.1, optim.Momentum(0.9))
	if err != nil {
		fmt.Println(err)
		return
	}
	lossFn := layers.MSELoss[float64]{}

	var first, last float64
	for step := range 200 {
		loss := lossFn.Loss(net.Forward(x), y)
		if step == 0 {
			first = loss.Item()
		}
		last = loss.Item()
		loss.Backward()
		opt.Step()
		opt.ZeroGrad()
	}
	fmt.Printf("loss at step 0: %.4f\n", first)
	fmt.Printf("final loss: %.4f\n", last)
	fmt.Println("loss decreased:", last < first)
	fmt.Printf("w = %.3f, b = %.3f\n", net.Weight.Value().Item(), net.Bias.Value().Item())
	// Output:
	// loss at step 0: 1.9643
	// final loss: 0.0000
	// loss decreased: true
	// w = 2.000, b = 1.000
}
