package parallel_test

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/layers/parallel"
	"github.com/adjoint-go/adjoint/tensor"
)

// Train a small regression MLP in float64 with 1 and with 3 workers: the
// weights come out the same bits.
func ExampleNew() {
	rng := rand.New(rand.NewPCG(1, 2))
	x := tensor.RandUniform[float64](rng, -1, 1, 40, 3)
	y := tensor.Zeros[float64](40, 1)
	for i := range 40 {
		r := x.Data()[3*i : 3*i+3]
		y.Data()[i] = r[0] - 2*r[1] + r[0]*r[2]
	}
	train := func(workers int) ([]float64, float64) {
		tr, err := parallel.New(parallel.Config[float64]{
			Model: func() (layers.Module[float64], error) {
				return layers.NewMLP[float64](rand.New(rand.NewPCG(3, 4)), []int{3, 16, 1}, nil), nil
			},
			Optimizer: func(ps []*autograd.Var[float64]) (optim.Optimizer[float64], error) {
				return optim.NewAdam(ps, 0.01)
			},
			Loss: func(out *autograd.Var[float64], mb parallel.MicroBatch[float64]) *autograd.Var[float64] {
				return autograd.MSE(out, mb.Y)
			},
			Workers: workers,
		})
		if err != nil {
			panic(err)
		}
		defer tr.Close()
		var first, last float64
		for step := range 200 {
			loss, err := tr.Step(parallel.Batch[float64]{X: x, Y: y})
			if err != nil {
				panic(err)
			}
			if step == 0 {
				first = loss
			}
			last = loss
		}
		var w []float64
		for _, p := range tr.Model().Parameters() {
			w = append(w, p.Value().Data()...)
		}
		return w, last / first
	}
	w1, ratio := train(1)
	w3, _ := train(3)
	fmt.Println("loss fell below a tenth:", ratio < 0.1)
	fmt.Println("same weights with 1 and 3 workers:", slices.Equal(w1, w3))
	// Output:
	// loss fell below a tenth: true
	// same weights with 1 and 3 workers: true
}
