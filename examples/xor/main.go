// Xor is the smallest complete Adjoint program: a 2-8-1 network learns
// exclusive or, which no network without a hidden layer can.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"

	ag "github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// truthTable returns the four inputs (a, b), row after row, and a XOR b.
func truthTable() (ab, xor []float64) {
	return []float64{0, 0, 0, 1, 1, 0, 1, 1}, []float64{0, 1, 1, 0}
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run trains the network and prints its predictions. It returns the exit
// status: 0, and for -h, which prints the usage; 2 for a bad flag or an
// argument, which it takes none of.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("xor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Uint64("seed", 1, "seed of the initial weights")
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil: // the flag package has printed it
		return 2
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "xor: unexpected arguments %q\n", fs.Args())
		fs.Usage()
		return 2
	}
	ab, xor := truthTable()
	for i, p := range train(*seed) {
		fmt.Fprintf(stdout, "%v xor %v = %v: predicted %.3f\n", ab[2*i], ab[2*i+1], xor[i], p)
	}
	return 0
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
