package layers_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

func ExampleLinear() {
	// A layer from 3 to 2 features with weights chosen by hand
	// (Weight is [out, in], as in PyTorch).
	l := &layers.Linear[float64]{
		Weight: autograd.Param(tensor.MustNew([]float64{1, 0, -1, 0.5, 0.5, 0.5}, 2, 3)),
		Bias:   autograd.Param(tensor.MustNew([]float64{10, -1}, 2)),
	}
	x := autograd.Const(tensor.MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3)) // a batch of 2
	y := l.Forward(x)                                                      // x·Wᵀ + b
	fmt.Println(y.Value())

	// NewLinear draws the weights from a seeded generator and zeroes the bias.
	rng := rand.New(rand.NewPCG(1, 2))
	l2 := layers.NewLinear[float64](rng, 3, 2, layers.HeNormal[float64])
	fmt.Println(l2.Weight.Shape(), l2.Bias.Value())

	// A batch with the wrong number of features panics with a *tensor.ShapeError.
	defer func() { fmt.Println(recover()) }()
	l.Forward(autograd.Const(tensor.Zeros[float64](2, 4)))
	// Output:
	// Tensor[2 2][[8 2] [8 6.5]]
	// [2 3] Tensor[2][0 0]
	// layers: Linear: input must be [batch 3]: [2 4] x [2 3]
}

func ExampleSequential() {
	rng := rand.New(rand.NewPCG(1, 2))
	net := layers.NewSequential(
		layers.NewLinear[float64](rng, 4, 5, nil), // nil: XavierUniform
		layers.Sigmoid[float64]{},
		layers.NewLinear[float64](rng, 5, 1, nil),
	)
	for _, p := range net.Parameters() {
		fmt.Println(p.Name(), p.Shape())
	}

	x := autograd.Const(tensor.Ones[float64](3, 4)) // a batch of 3
	y := autograd.Const(tensor.Zeros[float64](3, 1))
	loss := layers.MSELoss[float64]{}.Loss(net.Forward(x), y)
	loss.Backward()
	fmt.Println(net.Forward(x).Shape(), net.Parameters()[0].Grad().Shape())
	// Output:
	// weight [5 4]
	// bias [5]
	// weight [1 5]
	// bias [1]
	// [3 1] [5 4]
}
