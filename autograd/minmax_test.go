package autograd_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// redGradOf returns d Sum(f(x) ∘ w) / dx via Backward, for a Param x.
func redGradOf(x *tensor.Tensor[float64], w *tensor.Tensor[float64], f func(*V) *V) (out, grad *tensor.Tensor[float64]) {
	p := autograd.Param(x)
	y := f(p)
	autograd.Sum(autograd.Mul(y, autograd.Const(w))).Backward()
	return y.Value(), p.Grad()
}

// TestMaxMinGradientSplitsTies pins the documented tie rule: the gradient
// of a slice is split evenly among its elements equal to the extremum, as
// PyTorch's amax and amin split it; a NaN extremum sends it to the first
// NaN.
func TestMaxMinGradientSplitsTies(t *testing.T) {
	x := []float64{
		1, 3, 3,
		2, 2, 0,
	}
	nan := math.NaN()
	tests := []struct {
		name     string
		x        *tensor.Tensor[float64]
		f        func(*V) *V
		w        *tensor.Tensor[float64]
		out      tensorView
		wantGrad tensorView
	}{
		{"Max all: two 3s share", t64(x, 2, 3), func(v *V) *V { return autograd.Max(v) }, t64([]float64{5}),
			view([]int{}, 3), view([]int{2, 3}, 0, 2.5, 2.5, 0, 0, 0)},
		{"Max rows: 3 3 tie and 2 2 tie", t64(x, 2, 3), func(v *V) *V { return autograd.Max(v, 1) }, t64([]float64{10, 20}, 2),
			view([]int{2}, 3, 2), view([]int{2, 3}, 0, 5, 5, 10, 10, 0)},
		{"MaxKeepDims columns", t64(x, 2, 3), func(v *V) *V { return autograd.MaxKeepDims(v, 0) }, t64([]float64{1, 2, 3}, 1, 3),
			view([]int{1, 3}, 2, 3, 3), view([]int{2, 3}, 0, 2, 3, 1, 0, 0)},
		{"Min columns", t64(x, 2, 3), func(v *V) *V { return autograd.Min(v, -2) }, t64([]float64{1, 2, 3}, 3),
			view([]int{3}, 1, 2, 0), view([]int{2, 3}, 1, 0, 0, 0, 2, 3)},
		{"Min rows: 2 2 and 1 1 ties", t64([]float64{2, 2, 1, 1}, 2, 2), func(v *V) *V { return autograd.Min(v, 1) }, t64([]float64{1, 2}, 2),
			view([]int{2}, 2, 1), view([]int{2, 2}, 0.5, 0.5, 1, 1)},
		{"MinKeepDims all", t64(x, 2, 3), func(v *V) *V { return autograd.MinKeepDims(v) }, t64([]float64{7}, 1, 1),
			view([]int{1, 1}, 0), view([]int{2, 3}, 0, 0, 0, 0, 0, 7)},
		// All equal: each slice over axes 0 and 2 splits its gradient
		// among its four elements x[i, j, k].
		{"MaxKeepDims axes 0 and 2 of a constant", tensor.Ones[float64](2, 2, 2), func(v *V) *V { return autograd.MaxKeepDims(v, 0, 2) },
			t64([]float64{4, 6}, 1, 2, 1), view([]int{1, 2, 1}, 1, 1), view([]int{2, 2, 2}, 1, 1, 1.5, 1.5, 1, 1, 1.5, 1.5)},
		{"Max with two NaNs: the first gets the gradient", t64([]float64{nan, 1, nan}, 3), func(v *V) *V { return autograd.Max(v) }, t64([]float64{2}),
			view([]int{}, nan), view([]int{3}, 2, 0, 0)},
		{"Max with NaN: the NaN gets the gradient", t64([]float64{1, nan, 5, nan}, 4), func(v *V) *V { return autograd.Max(v) }, t64([]float64{1}),
			view([]int{}, nan), view([]int{4}, 0, 1, 0, 0)},
		{"Max of a 0-d scalar", t64([]float64{-2}), func(v *V) *V { return autograd.Max(v) }, t64([]float64{3}),
			view([]int{}, -2), view([]int{}, 3)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, grad := redGradOf(tc.x, tc.w, tc.f)
			checkTensor(t, "output", out, tc.out, 0)
			checkTensor(t, "gradient", grad, tc.wantGrad, 0)
		})
	}
}

func TestArgmaxArgminLayout(t *testing.T) {
	// Scores of 3 samples over 4 classes, with a tie in the first row.
	scores := autograd.Param(t64([]float64{
		0.1, 2.0, 0.3, 2.0,
		5.0, 1.0, 0.0, 1.0,
		0.0, 0.0, 0.0, 9.0,
	}, 3, 4))
	tests := []struct {
		name string
		got  []int
		want []int
	}{
		{"Argmax(-1): class per sample", autograd.Argmax(scores, -1), []int{1, 0, 3}},
		{"Argmax(1)", autograd.Argmax(scores, 1), []int{1, 0, 3}},
		{"Argmax(0): sample per class", autograd.Argmax(scores, 0), []int{1, 0, 0, 2}},
		{"Argmin(1)", autograd.Argmin(scores, 1), []int{0, 2, 0}},
		{"Argmin(0)", autograd.Argmin(scores, 0), []int{2, 2, 1, 1}},
	}
	for _, tc := range tests {
		if d := cmp.Diff(tc.want, tc.got); d != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", tc.name, d)
		}
	}
	// 3-D: entry i·4+k of Argmax(x, 1) is the argmax of x[i, :, k].
	x := tensor.Zeros[float32](2, 3, 4)
	for i := range 2 {
		for k := range 4 {
			x.Set(1, i, (i+k)%3, k)
		}
	}
	if d := cmp.Diff([]int{0, 1, 2, 0, 1, 2, 0, 1}, autograd.Argmax(autograd.Const(x), 1)); d != "" {
		t.Errorf("3-D Argmax(1) mismatch (-want +got):\n%s", d)
	}
}

// TestReductionsOnConstantsRecordNothing: inference pays nothing.
func TestReductionsOnConstantsRecordNothing(t *testing.T) {
	c := autograd.Const(t64([]float64{1, 2, 3, 4, 5, 6}, 2, 3))
	for name, v := range map[string]*V{
		"Max":           autograd.Max(c, 0),
		"MinKeepDims":   autograd.MinKeepDims(c),
		"LogSumExp":     autograd.LogSumExp(c, 1),
		"Variance":      autograd.Variance(c, 1),
		"Std":           autograd.Std(c, 1, 0),
		"Softmax":       autograd.Softmax(c, 1),
		"LogSoftmax":    autograd.LogSoftmax(c, 0),
		"CrossEntropy":  autograd.CrossEntropy(c, []int{0, 2}),
		"BCEWithLogits": autograd.BCEWithLogits(c, c, autograd.ReduceSum),
	} {
		if !v.IsLeaf() || v.RequiresGrad() {
			t.Errorf("%s of a constant recorded a node (op %q)", name, v.Op())
		}
	}
}

func TestVarianceStdValues(t *testing.T) {
	x := t64([]float64{
		1, 2, 3, 4,
		2, 4, 6, 8,
	}, 2, 4)
	nan, inf := math.NaN(), math.Inf(1)
	c := autograd.Const[float64]
	tests := []struct {
		name string
		got  *V
		want tensorView
	}{
		{"unbiased rows", autograd.Variance(c(x), 1, 1), view([]int{2}, 5./3, 20./3)},
		{"population rows", autograd.Variance(c(x), 0, -1), view([]int{2}, 1.25, 5)},
		{"unbiased all", autograd.Variance(c(x), 1), view([]int{}, 37.5/7)},
		{"population all", autograd.Variance(c(x), 0, 0, 1), view([]int{}, 37.5/8)},
		{"unbiased columns", autograd.Variance(c(x), 1, 0), view([]int{4}, 0.5, 2, 4.5, 8)},
		{"correction 2 rows", autograd.Variance(c(x), 2, 1), view([]int{2}, 2.5, 10)},
		{"Std unbiased columns", autograd.Std(c(x), 1, 0), view([]int{4}, math.Sqrt(0.5), math.Sqrt(2), math.Sqrt(4.5), math.Sqrt(8))},
		{"Std population rows", autograd.Std(c(x), 0, 1), view([]int{2}, math.Sqrt(1.25), math.Sqrt(5))},
		// n ≤ correction: divisor max(0, n - correction) = 0, as in PyTorch.
		{"one element, unbiased: 0/0", autograd.Variance(c(t64([]float64{5}, 1)), 1), view([]int{}, nan)},
		{"n = correction, spread: +Inf", autograd.Variance(c(t64([]float64{1, 3}, 2)), 2), view([]int{}, inf)},
		{"n < correction, spread: +Inf", autograd.Std(c(t64([]float64{1, 3}, 2)), 5), view([]int{}, inf)},
		{"negative correction divides by n + 1", autograd.Variance(c(t64([]float64{1, 3}, 2)), -1), view([]int{}, 2./3)},
	}
	for _, tc := range tests {
		checkTensor(t, tc.name, tc.got.Value(), tc.want, 1e-14)
	}

	// d/dx Σ_rows Variance = 2(x - mean)/(n - 1).
	_, g := redGradOf(x, tensor.Ones[float64](2), func(v *V) *V { return autograd.Variance(v, 1, 1) })
	checkTensor(t, "Variance gradient", g, view([]int{2, 4}, -1, -1./3, 1./3, 1, -2, -2./3, 2./3, 2), 1e-14)
	// d/dx Std = (x - mean)/((n - c)·std); population std of [1 3] is 1.
	_, g = redGradOf(t64([]float64{1, 3}, 2), t64([]float64{1}), func(v *V) *V { return autograd.Std(v, 0) })
	checkTensor(t, "Std gradient", g, view([]int{2}, -0.5, 0.5), 1e-14)
}

func TestLogSumExpStableValuesAndGradients(t *testing.T) {
	t.Run("float64", testLogSumExpStable[float64])
	t.Run("float32", testLogSumExpStable[float32])
}

func testLogSumExpStable[T autograd.Float](t *testing.T) {
	x := autograd.Param(tensor.MustNew([]T{
		1000, 1000,
		1000, -1000,
		-1000, -1000,
	}, 3, 2))
	y := autograd.LogSumExp(x, 1)
	checkTensor(t, "LogSumExp", y.Value(), view([]int{3}, 1000+math.Ln2, 1000, -1000+math.Ln2), redTol[T]())
	autograd.Sum(y).Backward()
	checkTensor(t, "gradient (the softmax)", x.Grad(), view([]int{3, 2}, 0.5, 0.5, 1, 0, 0.5, 0.5), redTol[T]())

	z := autograd.Param(tensor.MustNew([]T{1000, -1000, 1000, 0}, 2, 2))
	k := autograd.LogSumExpKeepDims(z)
	checkTensor(t, "LogSumExpKeepDims all", k.Value(), view([]int{1, 1}, 1000+math.Ln2), redTol[T]())
	autograd.Sum(k).Backward()
	checkTensor(t, "gradient", z.Grad(), view([]int{2, 2}, 0.5, 0, 0.5, 0), redTol[T]())
}

// redTol is the tolerance for values of magnitude up to 1000 computed in T:
// a float32 result near 1000 is only good to about 3e-5, absolute.
func redTol[T autograd.Float]() float64 {
	var z T
	if _, ok := any(z).(float32); ok {
		return 1e-4
	}
	return 1e-12
}
