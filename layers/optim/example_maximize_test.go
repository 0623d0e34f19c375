package optim_test

import (
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// ExampleMaximize climbs an objective instead of descending a loss: NAdam
// with Maximize finds the top of the concave f(w) = −Σ(w − c)², at w = c,
// from the gradient of f itself (torch's maximize=True).
func ExampleMaximize() {
	c := autograd.Const(tensor.MustNew([]float64{3, -1}, 2))
	w := autograd.Param(tensor.Zeros[float64](2))
	opt, err := optim.NewNAdam([]*autograd.Var[float64]{w}, 0.1, optim.Maximize())
	if err != nil {
		fmt.Println(err)
		return
	}
	var f float64
	for range 500 {
		d := autograd.Sub(w, c)
		obj := autograd.Neg(autograd.Sum(autograd.Mul(d, d)))
		f = obj.Item()
		obj.Backward()
		if err := opt.Step(); err != nil {
			fmt.Println(err)
			return
		}
		opt.ZeroGrad()
	}
	fmt.Printf("w = [%.3f %.3f]\n", w.Value().Data()[0], w.Value().Data()[1])
	fmt.Println("f within 1e-6 of its maximum 0:", f > -1e-6)
	// Output:
	// w = [3.000 -1.000]
	// f within 1e-6 of its maximum 0: true
}
