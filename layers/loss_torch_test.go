package layers_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestTorchLossModules compares each loss module with the value of the
// PyTorch module of the same name on the same inputs (computed with torch
// 1.13), in float64 and float32.
func TestTorchLossModules(t *testing.T) {
	t.Run("float64", testTorchLossModules[float64])
	t.Run("float32", testTorchLossModules[float32])
}

func testTorchLossModules[T layers.Float](t *testing.T) {
	c := func(data []T, shape ...int) *autograd.Var[T] { return autograd.Const(tensor.MustNew(data, shape...)) }
	x := func() *autograd.Var[T] { return c([]T{0.3, -1.2, 2.0, 0.5, 0.1, -0.4}, 2, 3) }
	y := func() *autograd.Var[T] { return c([]T{0.1, 0.2, 0.3, 1.5, -1.0, 0.0}, 2, 3) }
	q := func() *autograd.Var[T] { return c([]T{0.2, 0.3, 0.5, 0.6, 0.1, 0.3}, 2, 3) }
	signs := func() *autograd.Var[T] { return c([]T{1, -1, 1, -1, 1, -1}, 2, 3) }
	w := tensor.MustNew([]T{1, 2, 0.5}, 3)
	labels := []int{2, 1}
	one := 1
	cases := []struct {
		name string
		got  func() *autograd.Var[T]
		want []float64
	}{
		{"CrossEntropyLoss(weight, label_smoothing=0.1)", func() *autograd.Var[T] {
			return layers.CrossEntropyLoss[T]{Weight: w, LabelSmoothing: 0.1}.Loss(x(), labels)
		}, []float64{1.0187135868214072}},
		{"CrossEntropyLoss(ignore_index=1)", func() *autograd.Var[T] {
			return layers.CrossEntropyLoss[T]{IgnoreIndex: &one}.Loss(x(), labels)
		}, []float64{0.20167124495279057}},
		{"CrossEntropyLoss(reduction=sum) soft", func() *autograd.Var[T] {
			return layers.CrossEntropyLoss[T]{Reduction: layers.Sum}.LossSoft(x(), q())
		}, []float64{2.542542685777279}},
		{"NLLLoss(weight)", func() *autograd.Var[T] {
			return layers.NLLLoss[T]{Weight: w}.Loss(autograd.LogSoftmax(x(), 1), labels)
		}, []float64{0.9450314016501491}},
		{"BCEWithLogitsLoss(pos_weight)", func() *autograd.Var[T] {
			return layers.BCEWithLogitsLoss[T]{PosWeight: tensor.MustNew([]T{2, 1, 0.5}, 3)}.Loss(x(), c([]T{1, 0, 1, 0, 1, 0.5}, 2, 3))
		}, []float64{0.589782007558369}},
		{"KLDivLoss(reduction=batchmean)", func() *autograd.Var[T] {
			return layers.KLDivLoss[T]{Reduction: layers.BatchMean}.Loss(autograd.LogSoftmax(x(), 1), q())
		}, []float64{0.30747197342796295}},
		{"SmoothL1Loss()", func() *autograd.Var[T] { return layers.NewSmoothL1Loss[T]().Loss(x(), y()) }, []float64{0.55}},
		{"MarginRankingLoss(margin=0.5)", func() *autograd.Var[T] {
			return layers.MarginRankingLoss[T]{Margin: 0.5}.Loss(c([]T{0.3, -1.2, 2.0}, 3), c([]T{0.5, 0.1, -0.4}, 3), c([]T{1, -1, 1}, 3))
		}, []float64{0.2333333333333333}},
		{"CosineEmbeddingLoss(margin=0.1)", func() *autograd.Var[T] {
			return layers.CosineEmbeddingLoss[T]{Margin: 0.1}.Loss(x(), y(), []int{1, -1})
		}, []float64{0.5065547909692918}},
		{"TripletMarginLoss()", func() *autograd.Var[T] {
			return layers.NewTripletMarginLoss[T]().Loss(x(), y(), autograd.Neg(x()))
		}, []float64{0.6216658943373472}},
		{"CosineSimilarity()", func() *autograd.Var[T] { return layers.NewCosineSimilarity[T]().Forward(x(), y()) },
			[]float64{0.44323905832647803, 0.5563486402641867}},
		{"PoissonNLLLoss()", func() *autograd.Var[T] {
			return layers.NewPoissonNLLLoss[T]().Loss(x(), c([]T{0.8, 1.2, 2, 2.4, 0.4, 1.2}, 2, 3))
		}, []float64{1.4840535588717119}},
		{"PoissonNLLLoss(log_input=False, full=True, reduction=sum)", func() *autograd.Var[T] {
			l := layers.PoissonNLLLoss[T]{RateInput: true, Full: true, Eps: 1e-8, Reduction: layers.Sum}
			return l.Loss(c([]T{0.4, 1.3, 2.1, 0.6, 0.2, 0.5}, 2, 3), c([]T{1, 1.5, 2.5, 3, 0.5, 1.5}, 2, 3))
		}, []float64{10.53644718947339}},
		{"GaussianNLLLoss() var [2 1]", func() *autograd.Var[T] {
			return layers.NewGaussianNLLLoss[T]().Loss(x(), y(), c([]T{0.2, 0.6}, 2, 1))
		}, []float64{1.8366007826166435}},
		{"GaussianNLLLoss(full=True) var [2] below eps", func() *autograd.Var[T] {
			l := layers.NewGaussianNLLLoss[T]()
			l.Full = true
			return l.Loss(x(), y(), c([]T{0.5, 1e-8}, 2))
		}, []float64{197498.1067740986}},
		{"SoftMarginLoss()", func() *autograd.Var[T] { return layers.SoftMarginLoss[T]{}.Loss(x(), signs()) },
			[]float64{0.5126757699171934}},
		{"HingeEmbeddingLoss()", func() *autograd.Var[T] { return layers.NewHingeEmbeddingLoss[T]().Loss(x(), signs()) },
			[]float64{1.0833333333333333}},
		{"MultiLabelSoftMarginLoss(weight)", func() *autograd.Var[T] {
			return layers.MultiLabelSoftMarginLoss[T]{Weight: w}.Loss(x(), q())
		}, []float64{0.8439603525322168}},
		{"MultiMarginLoss()", func() *autograd.Var[T] { return layers.NewMultiMarginLoss[T]().Loss(x(), labels) },
			[]float64{0.31666666666666665}},
		{"MultiMarginLoss(p=2, margin=0.5, weight, reduction=sum)", func() *autograd.Var[T] {
			return layers.MultiMarginLoss[T]{P: 2, Margin: 0.5, Weight: w, Reduction: layers.Sum}.Loss(x(), labels)
		}, []float64{0.54}},
	}
	tol := 1e-12
	if _, ok := any(T(0)).(float32); ok {
		tol = 2e-6
	}
	for _, tc := range cases {
		var got []float64
		for _, v := range tc.got().Value().Data() {
			got = append(got, float64(v))
		}
		if d := cmp.Diff(tc.want, got, cmpopts.EquateApprox(tol, tol)); d != "" {
			t.Errorf("%s (-torch +layers):\n%s", tc.name, d)
		}
	}
}

// TestTorchLossModuleDefaults checks that the New functions give
// PyTorch's defaults where they differ from Go's zero values.
func TestTorchLossModuleDefaults(t *testing.T) {
	if got, want := layers.NewSmoothL1Loss[float64](), (layers.SmoothL1Loss[float64]{Beta: 1}); got != want {
		t.Errorf("NewSmoothL1Loss = %+v, want %+v", got, want)
	}
	if got, want := layers.NewTripletMarginLoss[float64](), (layers.TripletMarginLoss[float64]{Margin: 1, P: 2, Eps: 1e-6}); got != want {
		t.Errorf("NewTripletMarginLoss = %+v, want %+v", got, want)
	}
	if got, want := layers.NewCosineSimilarity[float32](), (layers.CosineSimilarity[float32]{Dim: 1, Eps: 1e-8}); got != want {
		t.Errorf("NewCosineSimilarity = %+v, want %+v", got, want)
	}
	if got, want := layers.NewPoissonNLLLoss[float64](), (layers.PoissonNLLLoss[float64]{Eps: 1e-8}); got != want {
		t.Errorf("NewPoissonNLLLoss = %+v, want %+v", got, want)
	}
	if got, want := layers.NewGaussianNLLLoss[float64](), (layers.GaussianNLLLoss[float64]{Eps: 1e-6}); got != want {
		t.Errorf("NewGaussianNLLLoss = %+v, want %+v", got, want)
	}
	if got, want := layers.NewHingeEmbeddingLoss[float64](), (layers.HingeEmbeddingLoss[float64]{Margin: 1}); got != want {
		t.Errorf("NewHingeEmbeddingLoss = %+v, want %+v", got, want)
	}
	if got, want := layers.NewMultiMarginLoss[float64](), (layers.MultiMarginLoss[float64]{P: 1, Margin: 1}); got != want {
		t.Errorf("NewMultiMarginLoss = %+v, want %+v", got, want)
	}
	// P 0 means 1.
	x := autograd.Const(tensor.MustNew([]float64{0.3, -1.2, 2}, 3))
	p0 := layers.MultiMarginLoss[float64]{Margin: 1}.Loss(x, []int{1}).Item()
	if p1 := layers.NewMultiMarginLoss[float64]().Loss(x, []int{1}).Item(); p0 != p1 {
		t.Errorf("MultiMarginLoss with P 0 = %v, with P 1 = %v", p0, p1)
	}
}
