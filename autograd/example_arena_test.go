package autograd_test

import (
	"errors"
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// A training loop under an Arena: every step Resets it and puts the batch
// in with Const, so that the step reuses the previous step's tensors, graph
// nodes and backward-pass buffers. Parameters and their gradients live
// outside the arena. Here a Linear layer learns y = 2x + 1.
func ExampleArena() {
	w := autograd.Param(tensor.MustNew([]float64{0}, 1, 1))
	b := autograd.Param(tensor.MustNew([]float64{0}, 1))
	x := tensor.MustNew([]float64{0, 1, 2, 3}, 4, 1)
	y := tensor.MustNew([]float64{1, 3, 5, 7}, 4, 1)

	ar := autograd.NewArena[float64]()
	var last *autograd.Var[float64]
	for step := range 100 {
		ar.Reset() // everything made under ar before this line is recycled
		loss := autograd.MSE(autograd.Linear(ar.Const(x), w, b), ar.Const(y))
		loss.Backward()
		if step%25 == 0 {
			fmt.Printf("step %d: loss %.4f\n", step, loss.Item()) // Item copies the number out
		}
		for _, p := range []*autograd.Var[float64]{w, b} {
			v, g := p.Value().Data(), p.Grad().Data()
			for i := range v {
				v[i] -= 0.02 * g[i]
			}
			p.ZeroGrad()
		}
		last = loss
	}
	fmt.Printf("w = %.3f, b = %.3f\n", w.Value().Item(), b.Value().Item())

	// The last loss is still live; after one more Reset it is not.
	ar.Reset()
	err := func() (err error) {
		defer func() { err, _ = recover().(error) }()
		last.Item()
		return nil
	}()
	fmt.Println(errors.Is(err, autograd.ErrArenaReset))
	// Output:
	// step 0: loss 21.0000
	// step 25: loss 0.0027
	// step 50: loss 0.0003
	// step 75: loss 0.0002
	// w = 2.007, b = 0.984
	// true
}
