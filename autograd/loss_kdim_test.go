package autograd_test

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// kdimLogits is [N C L] = [2 3 2] (sample 0, position 0 has the class
// scores 0.5, 2, 1.5: the elements 0, 2 and 4).
func kdimLogits() *tensor.Tensor[float64] {
	return t64([]float64{0.5, -1.0, 2.0, 0.25, 1.5, 0.0, -0.5, 1.0, -2.0, 0.75, 1.25, -0.25}, 2, 3, 2)
}

// TestCrossEntropyKDim: logits [N C L] with one label per position of
// [N L] give torch 1.13's F.cross_entropy(x, t) for
// t = [[0 2] [1 0]]: the mean, its gradient, the per-position losses as
// [N L] (reduction='none'), the same through NLL of LogSoftmax over the
// class axis, and with weight [0.5 2 1], ignore_index and label smoothing
// 0.1 (t = [[0 2] [1 -100]]).
func TestCrossEntropyKDim(t *testing.T) {
	labels := []int{0, 2, 1, 0}
	x := autograd.Param(kdimLogits())
	loss := autograd.CrossEntropy(x, labels)
	checkTensor(t, "mean", loss.Value(), view([]int{}, 1.8118527632245254), 1e-14)
	loss.Backward()
	checkTensor(t, "gradient", x.Grad(), view([]int{2, 3, 2}, -0.2195120869225678, 0.03468067869037562, 0.1366373468165449,
		0.12104746262694949, 0.08287474010602287, -0.15572814131732512, 0.03582825623598821, -0.1289525373730505,
		-0.24200563544822498, 0.09427185868267488, 0.20617737921223675, 0.03468067869037562), 1e-14)
	none := autograd.CrossEntropy(autograd.Const(kdimLogits()), labels, autograd.ReduceNone)
	checkTensor(t, "none", none.Value(), view([]int{2, 2}, 2.1041306053367284, 0.9752781960613618, 3.4427240554386485, 0.7252781960613618), 1e-14)
	nll := autograd.NLL(autograd.LogSoftmax(autograd.Const(kdimLogits()), 1), labels)
	checkTensor(t, "NLL", nll.Value(), view([]int{}, 1.8118527632245254), 1e-14)

	ignore := -100
	xw := autograd.Param(kdimLogits())
	with := autograd.CrossEntropyWith(xw, []int{0, 2, 1, -100}, autograd.CrossEntropyOptions[float64]{
		Weight: t64([]float64{0.5, 2, 1}, 3), IgnoreIndex: &ignore, LabelSmoothing: 0.1})
	checkTensor(t, "with options", with.Value(), view([]int{}, 2.433074651983983), 1e-14)
	with.Backward()
	checkTensor(t, "with options, gradient", xw.Grad(), view([]int{2, 3, 2}, -0.1135887801022344, 0.035533740954531684,
		0.06944132936690528, 0.1215980041951223, 0.0441474507353291, -0.15713174514965397, 0.07371903746930752, 0,
		-0.5158218681246833, 0, 0.44210283065537576, 0), 1e-14)

	q := t64([]float64{0.1628071674674988, 0.1628071674674988, 0.2966540006808555, 0.2966540006808555, 0.5405388318516458, 0.5405388318516458,
		0.1628071674674987, 0.1628071674674988, 0.2966540006808555, 0.29665400068085546, 0.5405388318516458, 0.5405388318516456}, 2, 3, 2)
	soft := autograd.CrossEntropySoft(autograd.Const(kdimLogits()), autograd.Const(q), autograd.CrossEntropyOptions[float64]{})
	checkTensor(t, "soft targets", soft.Value(), view([]int{}, 1.2748524931470326), 1e-14)

	// [N C d1 d2], gradchecked; a wrong number of labels is refused.
	gradcheck.Assert(t, func(in []*autograd.Var[float64]) *autograd.Var[float64] {
		return autograd.CrossEntropy(in[0], []int{0, 2, 1, 1, 0, 2, 2, 1})
	}, []*tensor.Tensor[float64]{randTensorAG(rand.New(rand.NewPCG(5, 1)), 2, 3, 2, 2)})
	se := mustShapeError(t, func() { autograd.CrossEntropy(autograd.Const(kdimLogits()), []int{0, 1}) })
	if se.Op != "CrossEntropy" {
		t.Errorf("error %v, want CrossEntropy's", se)
	}
	// A label out of range is named with the input's own shape.
	se = mustShapeError(t, func() {
		autograd.NLLWith(autograd.Const(kdimLogits()), []int{0, 7, 1, 0}, autograd.NLLOptions[float64]{})
	})
	if want := "autograd: NLLWith: labels[1] = 7 is out of range for C = 3 classes: [2 3 2]"; se.Error() != want {
		t.Errorf("error %q, want %q", se, want)
	}
}

// TestCrossEntropyKDimAllocatesNothing: under a warm Arena the
// K-dimensional loss (its Permute and Reshape included) allocates nothing.
func TestCrossEntropyKDimAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	w := autograd.Param(kdimLogits())
	x := kdimLogits()
	labels := []int{0, 2, 1, 0}
	ar := autograd.NewArena[float64]()
	step := func() {
		ar.Reset()
		autograd.CrossEntropy(autograd.Add(ar.Const(x), w), labels).Backward()
		w.ZeroGrad()
	}
	for range 3 {
		step()
	}
	if n := testing.AllocsPerRun(20, step); n != 0 {
		t.Errorf("%v allocations per warm step, want 0", n)
	}
}
