package parallel_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/layers/parallel"
	"github.com/adjoint-go/adjoint/tensor"
)

const clipMax = 0.05 // far below the gradients' norm on regressionBatches

// regressionBatches returns n batches of 16 rows for linear3 (4 inputs, 3
// targets), with targets large enough that the gradients' norm is well
// above clipMax.
func regressionBatches(n int) []parallel.Batch[float64] {
	rng := rand.New(rand.NewPCG(11, 12))
	var bs []parallel.Batch[float64]
	for range n {
		bs = append(bs, parallel.Batch[float64]{
			X: tensor.RandUniform[float64](rng, -1, 1, 16, 4),
			Y: tensor.RandUniform[float64](rng, -5, 5, 16, 3),
		})
	}
	return bs
}

// clipReference trains linear3 with SGD (sgd's rate) in one process, one
// Backward over each whole batch, clipping the gradients with
// optim.ClipGradNorm(maxNorm, p) before each step when clip is set, and
// returns the weights and each step's total norm.
func clipReference(t *testing.T, bs []parallel.Batch[float64], clip bool, maxNorm, p float64) ([][]float64, []float64) {
	t.Helper()
	m, _ := linear3()
	o, _ := sgd(m.Parameters())
	var norms []float64
	for _, b := range bs {
		autograd.MSE(m.Forward(autograd.Const(b.X)), autograd.Const(b.Y)).Backward()
		if clip {
			total, err := optim.ClipGradNorm(m.Parameters(), maxNorm, p)
			if err != nil {
				t.Fatal(err)
			}
			norms = append(norms, total)
		}
		if err := o.Step(); err != nil {
			t.Fatal(err)
		}
		o.ZeroGrad()
	}
	return stateOf(m), norms
}

// clipConfig is a Config training linear3 on MSE with the given optimizer.
func clipConfig(workers int, opt func([]*autograd.Var[float64]) (optim.Optimizer[float64], error)) parallel.Config[float64] {
	return parallel.Config[float64]{
		Model: linear3, Optimizer: opt, Workers: workers, Checksum: true,
		Loss: func(out *autograd.Var[float64], mb parallel.MicroBatch[float64]) *autograd.Var[float64] {
			return autograd.MSE(out, mb.Y)
		},
	}
}

// clipped is an optimizer of one's own that clips the gradients in its
// Step before SGD's. It embeds *optim.SGD, so it also has SGD's BeginStep
// and StepRange: it is an optim.SplitStepper whose Step is not theirs.
type clipped struct{ *optim.SGD[float64] }

func (c clipped) Step() error {
	if _, err := optim.ClipGradNorm(c.Params(), clipMax); err != nil {
		return err
	}
	return c.SGD.Step()
}

// clipping is clipped over any optimizer, forwarding the methods of
// optim.Optimizer only.
type clipping struct{ optim.Optimizer[float64] }

func (c clipping) Step() error {
	if _, err := optim.ClipGradNorm(c.Params(), clipMax); err != nil {
		return err
	}
	return c.Optimizer.Step()
}

// TestOptimizerOfOnesOwnSteps checks that the trainer runs the Step of an
// optimizer of one's own, even one that embeds one of package optim's (and
// so has its BeginStep and StepRange), and gives every replica gradients of
// its own to write into: an optimizer that clips the gradients in its Step
// trains as one process that clips then steps, to rounding, with 1, 2 and 3
// workers, without a race (the replicas' optimizers used to clip one
// shared gradient at the same time).
func TestOptimizerOfOnesOwnSteps(t *testing.T) {
	bs := regressionBatches(4)
	want, _ := clipReference(t, bs, true, clipMax, 2)
	unclipped, _ := clipReference(t, bs, false, 0, 2)
	approx := cmpopts.EquateApprox(0, 1e-12)
	if cmp.Equal(want, unclipped, approx) {
		t.Fatal("clipping changes nothing on these batches: the test would prove nothing")
	}
	opts := map[string]func([]*autograd.Var[float64]) (optim.Optimizer[float64], error){
		"embeds *optim.SGD": func(ps []*autograd.Var[float64]) (optim.Optimizer[float64], error) {
			o, err := optim.NewSGD(ps, 0.5)
			return clipped{o}, err
		},
		"wraps an optim.Optimizer": func(ps []*autograd.Var[float64]) (optim.Optimizer[float64], error) {
			o, err := optim.NewSGD(ps, 0.5)
			return clipping{o}, err
		},
	}
	for name, opt := range opts {
		for _, w := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/workers=%d", name, w), func(t *testing.T) {
				tr, err := parallel.New(clipConfig(w, opt))
				if err != nil {
					t.Fatal(err)
				}
				defer tr.Close()
				for s, b := range bs {
					if _, err := tr.Step(b); err != nil {
						t.Fatalf("step %d: %v", s, err)
					}
				}
				if diff := cmp.Diff(want, stateOf(tr.Model()), approx); diff != "" {
					t.Errorf("weights (-one process, clipped +trainer):\n%s", diff)
				}
			})
		}
	}
}
