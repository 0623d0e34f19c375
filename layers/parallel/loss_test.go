package parallel_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/layers/parallel"
	"github.com/adjoint-go/adjoint/tensor"
)

const pad = -100 // the ignored label

// linear3 is the model of TestLossNotAMeanOverRows: Linear(4→3) in float64.
func linear3() (layers.Module[float64], error) {
	return layers.NewLinear(rand.New(rand.NewPCG(5, 6)), 4, 3, layers.XavierUniform[float64]), nil
}

func sgd(ps []*autograd.Var[float64]) (optim.Optimizer[float64], error) { return optim.NewSGD(ps, 0.5) }

// TestLossNotAMeanOverRows checks the Config.Loss recipe for a loss that is
// not a mean over the rows (CrossEntropyWith with IgnoreIndex or class
// weights): each micro-batch returns its sum scaled by N/(n_i·K), with K the
// batch's divisor (the labels not ignored, or the sum of their weights),
// and one SGD step then gives the loss and the weights of one Backward over
// the whole batch, with the padding in one micro-batch or across two. It
// also checks what the Loss doc warns of: the micro-batches' means
// (ReduceMean) give a NaN loss for a micro-batch that is all padding and
// a wrong step for padding across micro-batches.
func TestLossNotAMeanOverRows(t *testing.T) {
	const n = 16 // 8 micro-batches of 2 rows
	x := tensor.RandUniform[float64](rand.New(rand.NewPCG(1, 2)), -1, 1, n, 4)
	base := []int{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0}
	padded := func(rows ...int) []int {
		l := append([]int(nil), base...)
		for _, r := range rows {
			l[r] = pad
		}
		return l
	}
	weights := tensor.MustNew([]float64{1, 2, 0.5}, 3)
	tests := []struct {
		name      string
		labels    []int
		opts      autograd.CrossEntropyOptions[float64]
		meanIsNaN bool // the micro-batches' means make a NaN loss
	}{
		{"padding fills micro-batch 0", padded(0, 1), autograd.CrossEntropyOptions[float64]{IgnoreIndex: new(pad)}, true},
		{"padding across micro-batches 1 and 2", padded(3, 4), autograd.CrossEntropyOptions[float64]{IgnoreIndex: new(pad)}, false},
		{"class weights", base, autograd.CrossEntropyOptions[float64]{Weight: weights}, false},
		{"class weights and padding", padded(3, 4, 9), autograd.CrossEntropyOptions[float64]{Weight: weights, IgnoreIndex: new(pad)}, false},
	}
	approx := cmpopts.EquateApprox(0, 1e-12)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// One Backward over the whole batch, one SGD step.
			m, _ := linear3()
			o, _ := sgd(m.Parameters())
			loss := autograd.CrossEntropyWith(m.Forward(autograd.Const(x)), tc.labels, tc.opts)
			loss.Backward()
			if err := o.Step(); err != nil {
				t.Fatal(err)
			}
			wantLoss, want := loss.Item(), stateOf(m)

			// k is the batch's divisor: the labels not ignored, weighted.
			k := 0.0
			for _, y := range tc.labels {
				switch {
				case y == pad:
				case tc.opts.Weight != nil:
					k += tc.opts.Weight.Data()[y]
				default:
					k++
				}
			}
			sum := tc.opts
			sum.Reduction = autograd.ReduceSum
			for _, mean := range []bool{false, true} {
				tr, err := parallel.New(parallel.Config[float64]{
					Model: linear3, Optimizer: sgd, Workers: 2,
					Loss: func(out *autograd.Var[float64], mb parallel.MicroBatch[float64]) *autograd.Var[float64] {
						if mean {
							return autograd.CrossEntropyWith(out, mb.Labels, tc.opts)
						}
						return autograd.Scale(autograd.CrossEntropyWith(out, mb.Labels, sum), n/(float64(mb.Hi-mb.Lo)*k))
					},
				})
				if err != nil {
					t.Fatal(err)
				}
				gotLoss, err := tr.Step(parallel.Batch[float64]{X: x, Labels: tc.labels})
				got := stateOf(tr.Model())
				tr.Close()
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case !mean:
					if !cmp.Equal(wantLoss, gotLoss, approx) {
						t.Errorf("loss %v, one Backward: %v", gotLoss, wantLoss)
					}
					if diff := cmp.Diff(want, got, approx); diff != "" {
						t.Errorf("weights after the step (-one Backward +trainer):\n%s", diff)
					}
				case tc.meanIsNaN:
					if !math.IsNaN(gotLoss) {
						t.Errorf("the micro-batches' means: loss %v, want NaN (the Loss doc says so)", gotLoss)
					}
				default:
					if cmp.Equal(want, got, approx) {
						t.Error("the micro-batches' means gave the step of one Backward: the Loss doc says they do not")
					}
				}
			}
		})
	}
}

// stateOf returns every parameter's values of m, in order.
func stateOf(m layers.Module[float64]) [][]float64 {
	var out [][]float64
	for _, p := range m.Parameters() {
		out = append(out, append([]float64(nil), p.Value().Data()...))
	}
	return out
}
