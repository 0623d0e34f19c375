// Package digitsnet builds the models of examples/digits for the tests of
// package parallel and its MPI transport: the same networks, with
// parallel.Dropout in place of layers.Dropout, so that both test suites
// train the very same models.
package digitsnet

import (
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/parallel"
)

// MLP is digits' multilayer perceptron on [N, 1, 8, 8] images: Flatten,
// Linear(64→256), ReLU, parallel.Dropout(0.2), Linear(256→10), its
// weights drawn from seed.
func MLP(seed uint64) (layers.Module[float32], error) {
	rng := rand.New(rand.NewPCG(seed, 7))
	return layers.NewSequential[float32](
		layers.Flatten[float32]{},
		layers.NewLinear(rng, 64, 256, layers.HeUniform[float32]),
		layers.ReLU[float32]{},
		parallel.NewDropout[float32](rng, 0.2),
		layers.NewLinear(rng, 256, 10, layers.XavierUniform[float32]),
	), nil
}

// CNN is digits' convolutional network on [N, 1, 8, 8] images: two 3×3
// convolutions (16 and 32 channels) with ReLU and 2×2 max pooling, Flatten,
// Linear(128→10), its weights drawn from seed.
func CNN(seed uint64) (layers.Module[float32], error) {
	rng := rand.New(rand.NewPCG(seed, 7))
	pad := layers.Conv2DOptions{Padding: [2]int{1, 1}}
	return layers.NewSequential[float32](
		layers.NewConv2D(rng, 1, 16, [2]int{3, 3}, pad, layers.HeUniform[float32]),
		layers.ReLU[float32]{},
		layers.NewMaxPool2D[float32](2),
		layers.NewConv2D(rng, 16, 32, [2]int{3, 3}, pad, layers.HeUniform[float32]),
		layers.ReLU[float32]{},
		layers.NewMaxPool2D[float32](2),
		layers.Flatten[float32]{},
		layers.NewLinear(rng, 128, 10, layers.XavierUniform[float32]),
	), nil
}
