package autograd_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

func TestReductionString(t *testing.T) {
	for r, want := range map[autograd.Reduction]string{
		autograd.ReduceMean:      "ReduceMean",
		autograd.ReduceSum:       "ReduceSum",
		autograd.ReduceNone:      "ReduceNone",
		autograd.ReduceBatchMean: "ReduceBatchMean",
		autograd.Reduction(42):   "Reduction(42)",
		autograd.Reduction(-1):   "Reduction(-1)",
		autograd.Reduction(0x4):  "Reduction(4)",
	} {
		if got := r.String(); got != want {
			t.Errorf("Reduction(%d).String() = %q, want %q", int(r), got, want)
		}
	}
	var zero autograd.Reduction
	if zero != autograd.ReduceMean {
		t.Errorf("the zero Reduction is %v, want ReduceMean", zero)
	}
}

// redLossCase is one loss evaluation with exact expected values: the loss
// and the gradients of its sum with respect to both operands.
type redLossCase struct {
	name         string
	loss         func(a, b *V) *V
	a, b         *tensor.Tensor[float64]
	want         tensorView
	gradA, gradB tensorView
}

func redRunLossCases(t *testing.T, tests []redLossCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := autograd.Param(tc.a.Clone()), autograd.Param(tc.b.Clone())
			l := tc.loss(a, b)
			checkTensor(t, "loss", l.Value(), tc.want, 1e-12)
			autograd.Sum(l).Backward()
			checkTensor(t, "gradient of the first operand", a.Grad(), tc.gradA, 1e-12)
			checkTensor(t, "gradient of the second operand", b.Grad(), tc.gradB, 1e-12)
		})
	}
}

func TestElementwiseLosses(t *testing.T) {
	pred, target := t64([]float64{1, 2, 3}, 3), t64([]float64{0, 0, 1}, 3)    // d = [1 2 2]
	l1p, l1t := t64([]float64{1, 2, 3, -1}, 4), t64([]float64{0, 2, 5, 1}, 4) // d = [1 0 -2 -2]
	hp, ht := t64([]float64{0.5, -2, 1, 3}, 4), t64([]float64{0, 0, 0, 0}, 4)
	third := 1.0 / 3
	redRunLossCases(t, []redLossCase{
		{"MSE default is the mean", func(a, b *V) *V { return autograd.MSE(a, b) }, pred, target,
			view([]int{}, 3), view([]int{3}, 2*third, 4*third, 4*third), view([]int{3}, -2*third, -4*third, -4*third)},
		{"MSE ReduceMean", func(a, b *V) *V { return autograd.MSE(a, b, autograd.ReduceMean) }, pred, target,
			view([]int{}, 3), view([]int{3}, 2*third, 4*third, 4*third), view([]int{3}, -2*third, -4*third, -4*third)},
		{"MSE ReduceSum", func(a, b *V) *V { return autograd.MSE(a, b, autograd.ReduceSum) }, pred, target,
			view([]int{}, 9), view([]int{3}, 2, 4, 4), view([]int{3}, -2, -4, -4)},
		{"MSE ReduceNone", func(a, b *V) *V { return autograd.MSE(a, b, autograd.ReduceNone) }, pred, target,
			view([]int{3}, 1, 4, 4), view([]int{3}, 2, 4, 4), view([]int{3}, -2, -4, -4)},
		// The subgradient at d = 0 (the second element) is 0.
		{"L1 mean", func(a, b *V) *V { return autograd.L1(a, b) }, l1p, l1t,
			view([]int{}, 1.25), view([]int{4}, 0.25, 0, -0.25, -0.25), view([]int{4}, -0.25, 0, 0.25, 0.25)},
		{"L1 ReduceSum", func(a, b *V) *V { return autograd.L1(a, b, autograd.ReduceSum) }, l1p, l1t,
			view([]int{}, 5), view([]int{4}, 1, 0, -1, -1), view([]int{4}, -1, 0, 1, 1)},
		{"L1 ReduceNone", func(a, b *V) *V { return autograd.L1(a, b, autograd.ReduceNone) }, l1p, l1t,
			view([]int{4}, 1, 0, 2, 2), view([]int{4}, 1, 0, -1, -1), view([]int{4}, -1, 0, 1, 1)},
		// delta 1: ½d² inside, |d| - ½ outside; |d| = delta is on both branches.
		{"Huber ReduceNone", func(a, b *V) *V { return autograd.Huber(a, b, 1, autograd.ReduceNone) }, hp, ht,
			view([]int{4}, 0.125, 1.5, 0.5, 2.5), view([]int{4}, 0.5, -1, 1, 1), view([]int{4}, -0.5, 1, -1, -1)},
		{"Huber mean", func(a, b *V) *V { return autograd.Huber(a, b, 1) }, hp, ht,
			view([]int{}, 4.625/4), view([]int{4}, 0.125, -0.25, 0.25, 0.25), view([]int{4}, -0.125, 0.25, -0.25, -0.25)},
		{"Huber delta 2 sum", func(a, b *V) *V { return autograd.Huber(a, b, 2, autograd.ReduceSum) }, hp, ht,
			view([]int{}, 0.125+2+0.5+4), view([]int{4}, 0.5, -2, 1, 2), view([]int{4}, -0.5, 2, -1, -2)},
	})
}

func TestBCE(t *testing.T) {
	p := t64([]float64{0.5, 0.9, 0.2, 0.75}, 4)
	y := t64([]float64{1, 0, 0.5, 0.75}, 4)
	want := []float64{
		math.Ln2,
		-math.Log(0.1),
		-(0.5*math.Log(0.2) + 0.5*math.Log(0.8)),
		-(0.75*math.Log(0.75) + 0.25*math.Log(0.25)),
	}
	// (p - t)/(p(1 - p)) and log(1 - p) - log(p).
	gp := []float64{-2, 10, -0.3 / 0.16, 0}
	gt := []float64{0, math.Log(0.1 / 0.9), math.Log(0.8 / 0.2), math.Log(0.25 / 0.75)}
	redRunLossCases(t, []redLossCase{
		{"ReduceNone", func(a, b *V) *V { return autograd.BCE(a, b, autograd.ReduceNone) }, p, y,
			view([]int{4}, want...), view([]int{4}, gp...), view([]int{4}, gt...)},
		{"ReduceSum", func(a, b *V) *V { return autograd.BCE(a, b, autograd.ReduceSum) }, p, y,
			view([]int{}, want[0]+want[1]+want[2]+want[3]), view([]int{4}, gp...), view([]int{4}, gt...)},
		{"mean", func(a, b *V) *V { return autograd.BCE(a, b) }, p, y,
			view([]int{}, (want[0]+want[1]+want[2]+want[3])/4),
			view([]int{4}, gp[0]/4, gp[1]/4, gp[2]/4, gp[3]/4), view([]int{4}, gt[0]/4, gt[1]/4, gt[2]/4, gt[3]/4)},
	})

	// At p = 0 and 1 each log is clamped to -100, as in PyTorch, so the loss
	// is at most 100; the derivative's denominator p(1-p) is clamped to 1e-12.
	edge := autograd.Param(t64([]float64{0, 1, 0, 1}, 4))
	l := autograd.BCE(edge, autograd.Const(t64([]float64{1, 0, 0, 1}, 4)), autograd.ReduceNone)
	checkTensor(t, "clamped loss", l.Value(), view([]int{4}, 100, 100, 0, 0), 0)
	autograd.Sum(l).Backward()
	checkTensor(t, "clamped gradient", edge.Grad(), view([]int{4}, -1e12, 1e12, 0, 0), 1e-12)
}

func TestBCEWithLogitsStable(t *testing.T) {
	x := t64([]float64{1000, -1000, 1000, -1000, 0, 2}, 6)
	y := t64([]float64{1, 1, 0, 0, 0.5, 0.25}, 6)
	sig2 := 1 / (1 + math.Exp(-2))
	l2 := -(0.25*math.Log(sig2) + 0.75*math.Log(1-sig2))
	redRunLossCases(t, []redLossCase{
		{"ReduceNone", func(a, b *V) *V { return autograd.BCEWithLogits(a, b, autograd.ReduceNone) }, x, y,
			view([]int{6}, 0, 1000, 1000, 0, math.Ln2, l2),
			view([]int{6}, 0, -1, 1, 0, 0, sig2-0.25),        // σ(x) - t
			view([]int{6}, -1000, 1000, -1000, 1000, 0, -2)}, // -x
		{"ReduceSum", func(a, b *V) *V { return autograd.BCEWithLogits(a, b, autograd.ReduceSum) }, x, y,
			view([]int{}, 2000+math.Ln2+l2),
			view([]int{6}, 0, -1, 1, 0, 0, sig2-0.25),
			view([]int{6}, -1000, 1000, -1000, 1000, 0, -2)},
	})

	// Away from saturation it agrees with BCE of the sigmoid, in value and
	// gradient.
	logits := in(anyReal, 3, 4).draw(21)
	targets := in(positive, 3, 4).draw(22)
	a, b := autograd.Param(logits), autograd.Param(logits.Clone())
	la := autograd.BCEWithLogits(a, autograd.Const(targets))
	lb := autograd.BCE(autograd.Sigmoid(b), autograd.Const(targets))
	checkTensor(t, "BCEWithLogits vs BCE∘Sigmoid", la.Value(), viewOf(lb.Value()), 1e-12)
	la.Backward()
	lb.Backward()
	checkTensor(t, "gradients", a.Grad(), viewOf(b.Grad()), 1e-10)
}

// redHandCrossEntropy computes the per-sample cross-entropy and the gradient
// of the mean by hand: loss_n = log Σ_c exp(x[n,c]) - x[n, label_n], and
// d mean / dx[n,c] = (softmax(x[n])_c - [c = label_n]) / N.
func redHandCrossEntropy(x []float64, n, c int, labels []int) (losses, grad []float64) {
	losses = make([]float64, n)
	grad = make([]float64, n*c)
	for i := range n {
		row := x[i*c : (i+1)*c]
		var z float64
		for _, v := range row {
			z += math.Exp(v)
		}
		losses[i] = math.Log(z) - row[labels[i]]
		for j, v := range row {
			grad[i*c+j] = math.Exp(v) / z / float64(n)
		}
		grad[i*c+labels[i]] -= 1 / float64(n)
	}
	return losses, grad
}

func TestCrossEntropyByHand(t *testing.T) {
	x := in(anyReal, 4, 5).draw(31)
	labels := []int{4, 0, 2, 2}
	losses, grad := redHandCrossEntropy(x.Data(), 4, 5, labels)
	var mean float64
	for _, l := range losses {
		mean += l / 4
	}

	p := autograd.Param(x.Clone())
	ce := autograd.CrossEntropy(p, labels)
	checkTensor(t, "mean", ce.Value(), view([]int{}, mean), 1e-12)
	ce.Backward()
	checkTensor(t, "gradient of the mean", p.Grad(), view([]int{4, 5}, grad...), 1e-12)

	// -mean(log softmax[label]), by LogSoftmax and picking.
	ls := autograd.LogSoftmax(autograd.Const(x), 1).Value()
	var picked float64
	for i, y := range labels {
		picked -= ls.At(i, y) / 4
	}
	checkTensor(t, "-mean(log softmax[label])", ce.Value(), view([]int{}, picked), 1e-12)

	none := autograd.CrossEntropy(autograd.Const(x), labels, autograd.ReduceNone)
	checkTensor(t, "ReduceNone", none.Value(), view([]int{4}, losses...), 1e-12)
	sum := autograd.CrossEntropy(autograd.Const(x), labels, autograd.ReduceSum)
	checkTensor(t, "ReduceSum", sum.Value(), view([]int{}, 4*mean), 1e-12)
	nll := autograd.NLL(autograd.LogSoftmax(autograd.Const(x), -1), labels, autograd.ReduceNone)
	checkTensor(t, "NLL of LogSoftmax", nll.Value(), view([]int{4}, losses...), 1e-12)

	// One sample of shape [C]: a 0-d loss.
	one := autograd.Param(t64(x.Data()[5:10], 5))
	l := autograd.CrossEntropy(one, []int{0}, autograd.ReduceNone)
	checkTensor(t, "one sample", l.Value(), view([]int{}, losses[1]), 1e-12)
	l.Backward()
	checkTensor(t, "one sample gradient", one.Grad(), view([]int{5}, scaleAll(grad[5:10], 4)...), 1e-12)
}

func scaleAll(xs []float64, k float64) []float64 {
	out := make([]float64, len(xs))
	for i, v := range xs {
		out[i] = k * v
	}
	return out
}

func TestCrossEntropyStable(t *testing.T) {
	t.Run("float64", testCrossEntropyStable[float64])
	t.Run("float32", testCrossEntropyStable[float32])
}

func testCrossEntropyStable[T autograd.Float](t *testing.T) {
	x := autograd.Param(tensor.MustNew([]T{
		1000, -1000,
		-1000, 1000,
		1000, 1000,
	}, 3, 2))
	l := autograd.CrossEntropy(x, []int{0, 0, 1})
	checkTensor(t, "loss", l.Value(), view([]int{}, (2000+math.Ln2)/3), redTol[T]())
	l.Backward()
	// (softmax - onehot)/3.
	third := 1.0 / 3
	checkTensor(t, "gradient", x.Grad(), view([]int{3, 2}, 0, 0, -third, third, third/2, -third/2), redTol[T]())

	// A -Inf logit (a masked class) other than the label's is harmless.
	inf := T(math.Inf(1))
	m := autograd.Param(tensor.MustNew([]T{1000, -inf, 1000, -inf, 3, 3}, 2, 3))
	l = autograd.CrossEntropy(m, []int{0, 1}, autograd.ReduceSum)
	checkTensor(t, "loss with -Inf logits", l.Value(), view([]int{}, 2*math.Ln2), redTol[T]())
	l.Backward()
	checkTensor(t, "gradient with -Inf logits", m.Grad(), view([]int{2, 3}, -0.5, 0, 0.5, 0, -0.5, 0.5), redTol[T]())
}

func TestNLL(t *testing.T) {
	lp := autograd.Param(t64([]float64{
		-0.5, -1, math.Inf(-1),
		math.Inf(-1), -2, -0.25,
	}, 2, 3))
	l := autograd.NLL(lp, []int{1, 2})
	checkTensor(t, "mean", l.Value(), view([]int{}, 0.625), 0)
	l.Backward()
	// -1/N at each label, 0 elsewhere: no NaN from the -Inf entries.
	checkTensor(t, "gradient", lp.Grad(), view([]int{2, 3}, 0, -0.5, 0, 0, 0, -0.5), 0)

	none := autograd.NLL(lp, []int{0, 1}, autograd.ReduceNone)
	checkTensor(t, "ReduceNone", none.Value(), view([]int{2}, 0.5, 2), 0)
	sum := autograd.NLL(lp, []int{2, 2}, autograd.ReduceSum)
	checkTensor(t, "ReduceSum", sum.Value(), view([]int{}, math.Inf(1)), 0)
	one := autograd.NLL(autograd.Const(t64([]float64{-3, -0.1}, 2)), []int{1})
	checkTensor(t, "one sample", one.Value(), view([]int{}, 0.1), 0)
}

func ExampleCrossEntropy() {
	// Scores of 2 samples over 3 classes, and the true classes.
	logits := autograd.Param(tensor.MustNew([]float64{
		2, 1, 0.1,
		0.5, 2.5, 0.3,
	}, 2, 3))
	loss := autograd.CrossEntropy(logits, []int{0, 1}) // mean over the batch
	loss.Backward()
	fmt.Printf("loss %.4f\n", loss.Item())
	fmt.Printf("grad %.4f\n", logits.Grad().Data()) // (softmax - onehot)/2
	fmt.Println("predicted", autograd.Argmax(logits, -1))
	// Output:
	// loss 0.3185
	// grad [-0.1705 0.1212 0.0493 0.0543 -0.0988 0.0445]
	// predicted [0 1]
}
