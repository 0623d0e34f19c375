// Xor is the smallest complete Adjoint program: a 2-8-1 network learns
// exclusive or, which no network without a hidden layer can.
package main

import (
	"fmt"
	"math/rand/v2"

	ag "github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// truthTable returns the four inputs (a, b), row after row, and a XOR b.
func truthTable() (ab, xor []float64) {
	return []float64{0, 0, 0, 1, 1, 0, 1, 1}, []float64{0, 1, 1, 0}
}

func main() {
	ab, xor := truthTable()
	for i, p := range train(1) {
		fmt.Printf("%v xor %v = %v: predicted %.3f\n", ab[2*i], ab[2*i+1], xor[i], p)
	}
}

// train fits a seeded 2-8-1 tanh network to the truth table with Adam and
// returns its four predicted probabilities that a XOR b is 1.
func train(seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 0))
	ab, xor := truthTable()
	x, y := ag.Const(tensor.MustNew(ab, 4, 2)), ag.Const(tensor.MustNew(xor, 4, 1))
	tanh := func() layers.Module[float64] { return layers.Tanh[float64]{} }
	net := layers.NewMLP(rng, []int{2, 8, 1}, tanh)
	opt, err := optim.NewAdam(net.Parameters(), 0.05)
	if err != nil {
		panic(err) // only a bad learning rate can fail
	}
	for range 300 {
		loss := ag.BCEWithLogits(net.Forward(x), y) // sigmoid + cross-entropy
		loss.Backward()
		opt.Step()
		opt.ZeroGrad()
	}
	return ag.Sigmoid(net.Forward(x)).Value().Data()
}
