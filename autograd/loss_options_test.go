package autograd_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestCrossEntropyWithDefaultsIsCrossEntropy checks that the zero options
// give CrossEntropy's values and gradients, for every reduction.
func TestCrossEntropyWithDefaultsIsCrossEntropy(t *testing.T) {
	x := t64([]float64{0.3, -1.2, 2.0, 0.5, 0.1, -0.4, 1.5, 0.7, -2.1}, 3, 3)
	labels := []int{2, 0, 1}
	for _, r := range []autograd.Reduction{autograd.ReduceMean, autograd.ReduceSum, autograd.ReduceNone} {
		p1, p2 := autograd.Param(x.Clone()), autograd.Param(x.Clone())
		want := autograd.CrossEntropy(p1, labels, r)
		got := autograd.CrossEntropyWith(p2, labels, autograd.CrossEntropyOptions[float64]{Reduction: r})
		autograd.Sum(want).Backward()
		autograd.Sum(got).Backward()
		opt := cmpopts.EquateApprox(1e-14, 1e-15)
		if d := cmp.Diff(want.Value().Data(), got.Value().Data(), opt); d != "" {
			t.Errorf("%v: value (-CrossEntropy +CrossEntropyWith):\n%s", r, d)
		}
		if d := cmp.Diff(p1.Grad().Data(), p2.Grad().Data(), opt); d != "" {
			t.Errorf("%v: gradient (-CrossEntropy +CrossEntropyWith):\n%s", r, d)
		}
	}
}

// TestClassificationLossOptionValues pins values worked out by hand:
// the weighted mean divides by the weights of the labels not ignored.
func TestClassificationLossOptionValues(t *testing.T) {
	lp := t64([]float64{-1, -2, -3, -0.5, -1.5, -2.5}, 2, 3)
	w := t64([]float64{2, 1, 4}, 3)
	ignore := 1
	cases := []struct {
		name string
		got  func() *V
		want []float64
	}{
		{"NLLWith weighted mean", func() *V {
			// (2·1 + 4·2.5) / (2 + 4)
			return autograd.NLLWith(autograd.Const(lp), []int{0, 2}, autograd.NLLOptions[float64]{Weight: w})
		}, []float64{12.0 / 6}},
		{"NLLWith ignored none", func() *V {
			return autograd.NLLWith(autograd.Const(lp), []int{1, 2}, autograd.NLLOptions[float64]{IgnoreIndex: &ignore, Reduction: autograd.ReduceNone})
		}, []float64{0, 2.5}},
		{"NLLWith every label ignored: mean NaN as in PyTorch", func() *V {
			return autograd.NLLWith(autograd.Const(lp), []int{1, 1}, autograd.NLLOptions[float64]{IgnoreIndex: &ignore})
		}, []float64{math.NaN()}},
		{"CrossEntropySoft one-hot target equals CrossEntropy", func() *V {
			q := t64([]float64{0, 0, 1, 1, 0, 0}, 2, 3)
			return autograd.Sub(autograd.CrossEntropySoft(autograd.Const(lp), autograd.Const(q), autograd.CrossEntropyOptions[float64]{}),
				autograd.CrossEntropy(autograd.Const(lp), []int{2, 0}))
		}, []float64{0}},
	}
	for _, c := range cases {
		got := c.got().Value().Data()
		if d := cmp.Diff(c.want, got, cmpopts.EquateApprox(1e-12, 1e-12), cmpopts.EquateNaNs()); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, d)
		}
	}
}

// TestCosineSimilarityClampedNorm checks torch 1.13's treatment of a norm
// below eps: each vector is divided by its own clamped norm, and the
// gradient is (v - cos·u)/max(‖a‖, eps) (values from torch).
func TestCosineSimilarityClampedNorm(t *testing.T) {
	a := autograd.Param(t64([]float64{1e-5, 0}, 1, 2))
	b := autograd.Param(t64([]float64{1e3, 0}, 1, 2))
	c := autograd.CosineSimilarity(a, b, 1, 1e-2)
	autograd.Sum(c).Backward()
	opt := cmpopts.EquateApprox(1e-9, 1e-12)
	for _, chk := range []struct {
		what      string
		got, want []float64
	}{
		{"value", c.Value().Data(), []float64{1e-3}},
		{"d/da", a.Grad().Data(), []float64{99.9999, 0}},
		{"d/db", b.Grad().Data(), []float64{0, 0}},
	} {
		if d := cmp.Diff(chk.want, chk.got, opt); d != "" {
			t.Errorf("%s (-torch +adjoint):\n%s", chk.what, d)
		}
	}
	zero := autograd.CosineSimilarity(autograd.Const(t64([]float64{0, 0}, 2)), autograd.Const(t64([]float64{1, 2}, 2)), 0, 1e-8)
	if v := zero.Item(); v != 0 {
		t.Errorf("cosine similarity with a zero vector = %v, want 0", v)
	}
}

// TestLossOptionPanics checks that misuse panics with a typed error naming
// the op.
func TestLossOptionPanics(t *testing.T) {
	x := autograd.Param(t64(make([]float64, 6), 2, 3))
	y := autograd.Param(t64(make([]float64, 6), 2, 3))
	m100 := -100
	cases := []struct {
		op    string
		f     func()
		usage bool
	}{
		{"CrossEntropyWith", func() { autograd.CrossEntropyWith(x, []int{0, 3}, autograd.CrossEntropyOptions[float64]{}) }, false},
		{"CrossEntropyWith", func() {
			autograd.CrossEntropyWith(x, []int{0, -1}, autograd.CrossEntropyOptions[float64]{IgnoreIndex: &m100})
		}, false},
		{"CrossEntropyWith", func() {
			autograd.CrossEntropyWith(x, []int{0, 1}, autograd.CrossEntropyOptions[float64]{Weight: t64([]float64{1, 2}, 2)})
		}, false},
		{"CrossEntropyWith", func() {
			autograd.CrossEntropyWith(x, []int{0, 1}, autograd.CrossEntropyOptions[float64]{LabelSmoothing: 1.5})
		}, false},
		{"CrossEntropyWith", func() {
			autograd.CrossEntropyWith(x, []int{0, 1}, autograd.CrossEntropyOptions[float64]{Reduction: autograd.ReduceBatchMean})
		}, false},
		{"CrossEntropySoft", func() {
			autograd.CrossEntropySoft(x, y, autograd.CrossEntropyOptions[float64]{IgnoreIndex: &m100})
		}, true},
		{"CrossEntropySoft", func() { autograd.CrossEntropySoft(x, autograd.Transpose(y), autograd.CrossEntropyOptions[float64]{}) }, false},
		{"NLLWith", func() { autograd.NLLWith(x, []int{0}, autograd.NLLOptions[float64]{}) }, false},
		{"BCEWithLogitsWith", func() {
			autograd.BCEWithLogitsWith(x, y, autograd.BCEWithLogitsOptions[float64]{PosWeight: t64([]float64{1, 2}, 2)})
		}, false},
		{"MSE", func() { autograd.MSE(x, y, autograd.ReduceBatchMean) }, false},
		{"KLDiv", func() { autograd.KLDiv(x, autograd.Transpose(y), false) }, false},
		{"SmoothL1", func() { autograd.SmoothL1(x, y, -1) }, false},
		{"MarginRanking", func() { autograd.MarginRanking(x, y, autograd.Transpose(y), 0) }, false},
		{"CosineSimilarity", func() { autograd.CosineSimilarity(x, y, 2, 1e-8) }, false},
		{"CosineSimilarity", func() { autograd.CosineSimilarity(x, autograd.Param(t64(make([]float64, 2), 2)), 0, 1e-8) }, false},
		{"CosineEmbedding", func() { autograd.CosineEmbedding(x, y, []int{1, 0}, 0) }, false},
		{"CosineEmbedding", func() { autograd.CosineEmbedding(x, y, []int{1}, 0) }, false},
		{"TripletMargin", func() { autograd.TripletMargin(x, y, y, 1, 0, 1e-6, false) }, false},
		{"PoissonNLL", func() { autograd.PoissonNLL(x, autograd.Transpose(y), true, false, 1e-8) }, false},
		{"PoissonNLL", func() { autograd.PoissonNLL(x, y, false, false, -1) }, false},
		{"GaussianNLL", func() { autograd.GaussianNLL(x, y, autograd.Param(t64(make([]float64, 3), 3)), false, 1e-6) }, false},
		{"GaussianNLL", func() { autograd.GaussianNLL(x, y, y, false, -1) }, false},
		{"MultiMargin", func() { autograd.MultiMargin(autograd.Param(t64(nil, 2, 0)), []int{0, 0}, 1, 1, nil) }, false},
		{"SoftMargin", func() { autograd.SoftMargin(x, autograd.Transpose(y)) }, false},
		{"HingeEmbedding", func() { autograd.HingeEmbedding(x, y, 1, autograd.ReduceBatchMean) }, false},
		{"MultiLabelSoftMargin", func() { autograd.MultiLabelSoftMargin(x, y, t64([]float64{1, 2}, 2)) }, false},
		{"MultiLabelSoftMargin", func() { autograd.MultiLabelSoftMargin(autograd.Reshape(x, 1, 2, 3), autograd.Reshape(y, 1, 2, 3), nil) }, false},
		{"MultiMargin", func() { autograd.MultiMargin(x, []int{0, 3}, 1, 1, nil) }, false},
		{"MultiMargin", func() { autograd.MultiMargin(x, []int{0}, 1, 1, nil) }, false},
		{"MultiMargin", func() { autograd.MultiMargin(x, []int{0, 1}, 3, 1, nil) }, false},
		{"MultiMargin", func() { autograd.MultiMargin(x, []int{0, 1}, 1, 1, t64([]float64{1, 2}, 2)) }, false},
	}
	for _, c := range cases {
		err := mustPanicError(t, c.f)
		var se *tensor.ShapeError
		var ue *autograd.UsageError
		switch {
		case c.usage && !errors.As(err, &ue), !c.usage && !errors.As(err, &se):
			t.Errorf("%s: panicked with %T (%v), want usage error %t", c.op, err, err, c.usage)
		case !strings.Contains(err.Error(), c.op):
			t.Errorf("%s: error %q does not name the op", c.op, err)
		}
	}
}

// TestCrossEntropyMeanOverZeroWeight checks the mean when every counted
// label has weight 0, with label smoothing: torch's unsmoothed part is
// 0/0, so the loss is NaN (it was ±Inf, the smoothing part over 0), and so
// is the gradient of every row not ignored (+0 in an ignored row), by
// Backward and by the recorded backward, as torch 1.13 gives them.
func TestCrossEntropyMeanOverZeroWeight(t *testing.T) {
	ignore := 1
	for _, labels := range [][]int{{0, 0}, {0, 1}} {
		opts := autograd.CrossEntropyOptions[float64]{Weight: t64([]float64{0, 1, 2}, 3), LabelSmoothing: 0.2, IgnoreIndex: &ignore}
		x := autograd.Param(t64([]float64{1, 2, 3, 0.5, -1, 2}, 2, 3))
		loss := autograd.CrossEntropyWith(x, labels, opts)
		if v := loss.Item(); !math.IsNaN(v) {
			t.Errorf("labels %v: loss %v, want NaN", labels, v)
		}
		recorded := autograd.Grad([]*V{loss}, []*V{x}, autograd.CreateGraph())[0].Value().Data()
		loss.Backward()
		for i, g := range [][]float64{x.Grad().Data(), recorded} {
			for k, v := range g {
				ignored := labels[k/3] == ignore
				if math.IsNaN(v) == ignored || ignored && (v != 0 || math.Signbit(v)) {
					t.Errorf("labels %v, pass %d: gradient %v, want NaN, and +0 in an ignored row", labels, i, g)
					break
				}
			}
		}
	}
}

// TestBCEWithLogitsTargetGradientAtInfiniteLogits checks the derivative in
// the target with PosWeight at logits ±Inf: pw·softplus(-x) - softplus(x),
// +Inf at -Inf and -Inf at +Inf for every pw > 0, as torch 1.13 gives
// (the form (pw - 1)·softplus(-x) - x made NaN at -Inf for pw ≤ 1), by
// Backward, the recorded backward and forward mode.
func TestBCEWithLogitsTargetGradientAtInfiniteLogits(t *testing.T) {
	inf := math.Inf(1)
	x := autograd.Const(t64([]float64{-inf, -inf, -inf, inf}, 4))
	opts := autograd.BCEWithLogitsOptions[float64]{PosWeight: t64([]float64{1, 0.5, 2, 0.5}, 4), Reduction: autograd.ReduceSum}
	want := []float64{inf, inf, inf, -inf}
	f := func(tv *V) *V { return autograd.BCEWithLogitsWith(x, tv, opts) }
	tv := autograd.Param(t64([]float64{0.5, 0.5, 0.5, 0.5}, 4))
	f(tv).Backward()
	recorded := autograd.Grad([]*V{f(tv)}, []*V{tv}, autograd.CreateGraph())[0].Value().Data()
	for name, got := range map[string][]float64{"Backward": tv.Grad().Data(), "recorded": recorded} {
		if !slices.Equal(got, want) {
			t.Errorf("%s: d/dtarget %v, want %v", name, got, want)
		}
	}
	// Forward mode without the reduction, whose sum would add Inf·0 = NaN
	// from the elements the tangent does not move.
	none := opts
	none.Reduction = autograd.ReduceNone
	for k := range want {
		tan := make([]float64, 4)
		tan[k] = 1
		_, jv := autograd.JVP(func(in ...*V) *V { return autograd.BCEWithLogitsWith(x, in[0], none) },
			[]*tensor.Tensor[float64]{t64([]float64{0.5, 0.5, 0.5, 0.5}, 4)}, []*tensor.Tensor[float64]{t64(tan, 4)})
		if got := jv.Data()[k]; got != want[k] {
			t.Errorf("JVP along target %d: %v, want %v", k, got, want[k])
		}
	}
}

// TestCrossEntropyWithAllIgnoredSecondOrder: with every sample ignored the
// mean is NaN (0/0, as in torch) and the gradient 0; the second derivative
// is 0 too, as torch 1.13's (it was NaN: the infinite mean factor met the
// softmax term's 0s).
func TestCrossEntropyWithAllIgnoredSecondOrder(t *testing.T) {
	x := autograd.Param(t64([]float64{0.5, 1, -1, 0.2, 0.3, 0.1}, 2, 3))
	ign := -100
	l := autograd.CrossEntropyWith(x, []int{-100, -100}, autograd.CrossEntropyOptions[float64]{IgnoreIndex: &ign})
	g := autograd.Grad([]*autograd.Var[float64]{l}, []*autograd.Var[float64]{x}, autograd.CreateGraph())[0]
	h := autograd.Grad([]*autograd.Var[float64]{autograd.Sum(g)}, []*autograd.Var[float64]{x})[0]
	checkTensor(t, "loss", l.Value(), view([]int{}, math.NaN()), 0)
	checkTensor(t, "gradient", g.Value(), view([]int{2, 3}, 0, 0, 0, 0, 0, 0), 0)
	checkTensor(t, "second derivative", h.Value(), view([]int{2, 3}, 0, 0, 0, 0, 0, 0), 0)
}
