package autograd_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// cumGrads returns d Sum(f(x) ∘ w)/dx twice: by Backward (the fused
// derivative) and by Grad with CreateGraph (the recorded one).
func cumGrads(x, w *tensor.Tensor[float64], f func(*V) *V) (fused, recorded *tensor.Tensor[float64]) {
	p := autograd.Param(x)
	loss := func() *V { return autograd.Sum(autograd.Mul(f(p), autograd.Const(w))) }
	loss().Backward()
	rec := autograd.Grad([]*V{loss()}, []*V{p}, autograd.CreateGraph())[0]
	return p.Grad(), rec.Value()
}

// TestCumulativeGradients pins derivatives worked out by hand, zeros and
// ties included, in both the fused and the recorded form.
func TestCumulativeGradients(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	tests := []struct {
		name string
		x, w *tensor.Tensor[float64]
		f    func(*V) *V
		want tensorView
	}{
		// d/dx_k = Σ_{i≥k} w_i Π_{j≤i, j≠k} x_j.
		{"Cumprod one zero", t64([]float64{2, 0, 3, 4}, 4), t64([]float64{1, 1, 1, 1}, 4),
			func(x *V) *V { return autograd.Cumprod(x, 0) }, view([]int{4}, 1, 2+6+24, 0, 0)},
		{"Cumprod two zeros", t64([]float64{0, 2, 0, 3}, 4), t64([]float64{1, 1, 1, 1}, 4),
			func(x *V) *V { return autograd.Cumprod(x, -1) }, view([]int{4}, 1+2, 0, 0, 0)},
		{"Cumprod with Inf (term by term)", t64([]float64{2, inf, 0, 1}, 4), t64([]float64{1, 0.5, 0.25, 1}, 4),
			func(x *V) *V { return autograd.Cumprod(x, 0) }, view([]int{4}, nan, 1, inf, nan)}, // Inf·0 = NaN in the terms
		{"Cumprod along axis 0 of [2 2]", t64([]float64{2, 3, 5, 7}, 2, 2), t64([]float64{1, 1, 1, 1}, 2, 2),
			func(x *V) *V { return autograd.Cumprod(x, 0) }, view([]int{2, 2}, 6, 8, 2, 3)},
		{"Prod one zero", t64([]float64{2, 0, 3}, 3), t64([]float64{2}),
			func(x *V) *V { return autograd.Prod(x) }, view([]int{3}, 0, 12, 0)},
		{"Prod two zeros", t64([]float64{0, 2, 0}, 3), t64([]float64{1}),
			func(x *V) *V { return autograd.Prod(x) }, view([]int{3}, 0, 0, 0)},
		{"Prod rows of [2 3]", t64([]float64{1, 2, 3, 4, 5, 6}, 2, 3), t64([]float64{1, 10}, 2),
			func(x *V) *V { return autograd.Prod(x, -1) }, view([]int{2, 3}, 6, 3, 2, 300, 240, 200)},
		// d/dx_j = Σ_{i≥j} w_i e^(x_j - y_i): [1000 1000] gives y = [1000, 1000+ln 2].
		{"LogCumSumExp large", t64([]float64{1000, 1000}, 2), t64([]float64{1, 1}, 2),
			func(x *V) *V { return autograd.LogCumSumExp(x, 0) }, view([]int{2}, 1.5, 0.5)},
		{"Cummax ties to the last index", t64([]float64{1, 3, 3, 2}, 4), t64([]float64{1, 2, 3, 4}, 4),
			func(x *V) *V { v, _ := autograd.Cummax(x, 0); return v }, view([]int{4}, 1, 2, 3+4, 0)},
		{"Cummin", t64([]float64{2, 1, 3, 0}, 4), t64([]float64{1, 2, 3, 4}, 4),
			func(x *V) *V { v, _ := autograd.Cummin(x, 0); return v }, view([]int{4}, 1, 2+3, 0, 4)},
		{"Sort descending scatters back", t64([]float64{3, 1, 2}, 3), t64([]float64{1, 2, 3}, 3),
			func(x *V) *V { v, _ := autograd.Sort(x, 0, true); return v }, view([]int{3}, 1, 3, 2)},
		{"TopK 2 smallest", t64([]float64{3, 1, 2, 0}, 4), t64([]float64{1, 2}, 2),
			func(x *V) *V { v, _ := autograd.TopK(x, 2, 0, false); return v }, view([]int{4}, 0, 2, 0, 1)},
		{"Cumsum", t64([]float64{1, 2, 3}, 3), t64([]float64{1, 2, 3}, 3),
			func(x *V) *V { return autograd.Cumsum(x, 0) }, view([]int{3}, 6, 5, 3)},
		{"Roll flattened", t64([]float64{1, 2, 3, 4}, 2, 2), t64([]float64{1, 2, 3, 4}, 2, 2),
			func(x *V) *V { return autograd.Roll(x, []int{1}, nil) }, view([]int{2, 2}, 2, 3, 4, 1)},
		{"RepeatInterleaveEach sums groups", t64([]float64{1, 2, 3}, 3), t64([]float64{1, 2, 3}, 3),
			func(x *V) *V { return autograd.RepeatInterleaveEach(x, []int{2, 0, 1}, 0) }, view([]int{3}, 3, 0, 3)},
		{"Repeat sums tiles", t64([]float64{1, 2}, 2), t64([]float64{1, 2, 3, 4, 5, 6, 7, 8}, 2, 4),
			func(x *V) *V { return autograd.Repeat(x, 2, 2) }, view([]int{2}, 1+3+5+7, 2+4+6+8)},
		{"Diagonal writes back on the diagonal", t64([]float64{1, 2, 3, 4, 5, 6}, 2, 3), t64([]float64{5, 7}, 2),
			func(x *V) *V { return autograd.Diagonal(x, 1, 0, 1) }, view([]int{2, 3}, 0, 5, 0, 0, 0, 7)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fused, recorded := cumGrads(tc.x, tc.w, tc.f)
			checkTensor(t, "fused gradient", fused, tc.want, 1e-13)
			checkTensor(t, "recorded gradient", recorded, tc.want, 1e-13)
		})
	}
}

// TestProdSecondDerivativeWithTwoZeros: the Hessian of a product is not 0
// where two inputs are (d²/dx0 dx2 of x0·x1·x2·x3 is x1·x3), although the
// gradient is; PyTorch 1.13 gets this wrong, so the PyTorch case skips it.
func TestProdSecondDerivativeWithTwoZeros(t *testing.T) {
	f := func(in []*V) *V { return autograd.Prod(in[0]) }
	gradcheck.AssertGradGrad(t, f, []*tensor.Tensor[float64]{t64([]float64{0, 1.5, 0, -2}, 4)})
	f = func(in []*V) *V { return autograd.Cumprod(in[0], 0) }
	gradcheck.AssertGradGrad(t, f, []*tensor.Tensor[float64]{t64([]float64{0, 1.5, 0, -2}, 4)})
}

func TestArgsortAndSortIndices(t *testing.T) {
	x := autograd.Const(t64([]float64{
		2, 1, 2,
		0, 0, -1,
	}, 2, 3))
	_, idx := autograd.Sort(x, 1, false)
	if d := cmp.Diff([]int{1, 0, 2, 2, 0, 1}, idx.Data()); d != "" {
		t.Errorf("Sort indices, stable (-want +got):\n%s", d)
	}
	if d := cmp.Diff(idx.Data(), autograd.Argsort(x, -1, false).Data()); d != "" {
		t.Errorf("Argsort differs from Sort's indices (-Sort +Argsort):\n%s", d)
	}
	v, top := autograd.TopK(x, 2, 0, true)
	checkTensor(t, "TopK values", v.Value(), view([]int{2, 3}, 2, 1, 2, 0, 0, -1), 0)
	if d := cmp.Diff([]int{2, 3}, top.Shape()); d != "" {
		t.Errorf("TopK index shape (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]int{0, 0, 0, 1, 1, 1}, top.Data()); d != "" {
		t.Errorf("TopK indices (-want +got):\n%s", d)
	}
	// A tie within TopK: the lower position first.
	_, tied := autograd.TopK(autograd.Const(t64([]float64{1, 5, 5, 2}, 4)), 2, 0, true)
	if d := cmp.Diff([]int{1, 2}, tied.Data()); d != "" {
		t.Errorf("TopK of a tie (-want +got):\n%s", d)
	}
}

// TestSortUnderArenaAllocatesNothing: Sort's values and indices, and its
// Backward, come from the arena in a steady state.
func TestSortUnderArenaAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	w := autograd.Param(t64([]float64{3, 1, 2, 5, 4, 0}, 2, 3))
	ones := tensor.Ones[float64](2, 3)
	ar := autograd.NewArena[float64]()
	sum := 0
	step := func() {
		ar.Reset()
		v, idx := autograd.Sort(autograd.Mul(ar.Const(ones), w), -1, true)
		sum += idx.Data()[0]
		c, cidx := autograd.Cummax(v, 0)
		sum += cidx.Data()[0]
		autograd.Sum(c).Backward()
		autograd.ZeroGrad(w)
	}
	for range 3 {
		step()
	}
	if n := warmMallocs(2, 20, step); n != 0 {
		t.Errorf("%d allocations in 20 warm steps, want 0", n)
	}
}

func TestCumulativeErrors(t *testing.T) {
	x := autograd.Param(t64([]float64{1, 2, 3}, 3))
	tests := []struct {
		name, want string
		f          func()
	}{
		{"TopK k too large", "autograd: TopK: k 4 outside [0, 3]: [3]", func() { autograd.TopK(x, 4, 0, true) }},
		{"Cumsum axis", "autograd: Cumsum: axis 1 out of range: [3]", func() { autograd.Cumsum(x, 1) }},
		{"Tril of a vector", "autograd: Tril: needs at least two axes: [3]", func() { autograd.Tril(x, 0) }},
		{"Prod repeated axis", "autograd: Prod: axis -1 repeated: [3]", func() { autograd.Prod(x, 0, -1) }},
		{"Repeat too few reps", "autograd: Repeat: 0 repeats for 1 axes: give one per axis at least: [3]", func() { autograd.Repeat(x) }},
		{"Sort axis", "autograd: Sort: axis -2 out of range: [3]", func() { autograd.Sort(x, -2, false) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustShapeError(t, tc.f).Error(); got != tc.want {
				t.Errorf("panic %q, want %q", got, tc.want)
			}
		})
	}
}

// TestLogCumSumExpLargeInputs: the derivatives of LogCumSumExp at large
// inputs, where the result rounded to T has lost the digits of x - y that
// they need. For x = [a a], y = [a, a + log 2] and
// dy/dx = [[1 0] [½ ½]]: the gradient of the sum is [1.5 0.5] (it was
// [1.368 0.368] at 1e7 in float32 and [2 1] at 1e16 in float64; torch
// 1.13 gives [1 0.368] and [1 1]), and a tangent [1 0] gives [1 0.5].
func TestLogCumSumExpLargeInputs(t *testing.T) {
	testLCSELarge(t, float32(1e7))
	testLCSELarge(t, 1e16)
}

func testLCSELarge[T tensor.Float](t *testing.T, a T) {
	t.Helper()
	x := autograd.Param(tensor.MustNew([]T{a, a}, 2))
	autograd.Sum(autograd.LogCumSumExp(x, 0)).Backward()
	checkTensor(t, fmt.Sprintf("%T %g: gradient", a, float64(a)), x.Grad(), view([]int{2}, 1.5, 0.5), 1e-6)
	_, jt := autograd.JVP(func(in ...*autograd.Var[T]) *autograd.Var[T] { return autograd.LogCumSumExp(in[0], 0) },
		[]*tensor.Tensor[T]{x.Value()}, []*tensor.Tensor[T]{tensor.MustNew([]T{1, 0}, 2)})
	checkTensor(t, fmt.Sprintf("%T %g: JVP", a, float64(a)), jt, view([]int{2}, 1, 0.5), 1e-6)
	// The recorded derivative (gradients of gradients) likewise.
	rec := autograd.Grad([]*autograd.Var[T]{autograd.Sum(autograd.LogCumSumExp(x, 0))}, []*autograd.Var[T]{x}, autograd.CreateGraph())[0]
	checkTensor(t, fmt.Sprintf("%T %g: recorded gradient", a, float64(a)), rec.Value(), view([]int{2}, 1.5, 0.5), 1e-6)
}

// TestLogCumSumExpFarApart: inputs whose difference overflows float64
// have exact derivatives, fused, forward and recorded: [-1e308 1e308] has
// [1 1] for the sum and [1 0] along the tangent [1 0] (x_1 - x_0 = +Inf
// made t - softplus(t) = Inf - Inf), [1e308 -1e308] has [2 0] (the
// recorded derivative's x_k - x_i was +Inf inside the prefix); and a -Inf
// in one row leaves another row's recorded derivative exact (the
// recorded formula was chosen for the whole tensor).
func TestLogCumSumExpFarApart(t *testing.T) {
	f := func(in ...*autograd.Var[float64]) *autograd.Var[float64] { return autograd.LogCumSumExp(in[0], 0) }
	recorded := func(x *autograd.Var[float64], axis int) *tensor.Tensor[float64] {
		return autograd.Grad([]*autograd.Var[float64]{autograd.Sum(autograd.LogCumSumExp(x, axis))}, []*autograd.Var[float64]{x}, autograd.CreateGraph())[0].Value()
	}
	x := autograd.Param(t64([]float64{-1e308, 1e308}, 2))
	autograd.Sum(autograd.LogCumSumExp(x, 0)).Backward()
	checkTensor(t, "gradient", x.Grad(), view([]int{2}, 1, 1), 0)
	checkTensor(t, "recorded gradient", recorded(x, 0), view([]int{2}, 1, 1), 0)
	_, jt := autograd.JVP(f, []*tensor.Tensor[float64]{x.Value()}, []*tensor.Tensor[float64]{t64([]float64{1, 0}, 2)})
	checkTensor(t, "JVP", jt, view([]int{2}, 1, 0), 0)

	down := autograd.Param(t64([]float64{1e308, -1e308}, 2))
	autograd.Sum(autograd.LogCumSumExp(down, 0)).Backward()
	checkTensor(t, "descending: gradient", down.Grad(), view([]int{2}, 2, 0), 0)
	checkTensor(t, "descending: recorded gradient", recorded(down, 0), view([]int{2}, 2, 0), 0)

	// Rows [a a] with a = 1e5 in float32, and [-Inf 0]: [1.5 0.5] and
	// [NaN 1] (torch 1.13 gives NaN at the -Inf too: exp(-Inf - y_0) with
	// y_0 = -Inf; it gives [1.5012 0.4989] for the first row), fused and
	// recorded alike.
	rows := autograd.Param(tensor.MustNew([]float32{1e5, 1e5, float32(math.Inf(-1)), 0}, 2, 2))
	want := view([]int{2, 2}, 1.5, 0.5, math.NaN(), 1)
	g := autograd.Grad([]*autograd.Var[float32]{autograd.Sum(autograd.LogCumSumExp(rows, 1))}, []*autograd.Var[float32]{rows}, autograd.CreateGraph())[0]
	checkTensor(t, "rows with a -Inf elsewhere: recorded gradient", g.Value(), want, 1e-6)
	autograd.Sum(autograd.LogCumSumExp(rows, 1)).Backward()
	checkTensor(t, "rows with a -Inf elsewhere: gradient", rows.Grad(), want, 1e-6)
}

// TestCumprodFloat32Range: a float32 cumulative product that leaves
// float32's range and comes back is multiplied in float64, as torch's CPU
// kernel does: [1e20 1e20 1e-20 1e-20] gives [1e20 +Inf 1e20 1] (it gave
// +Inf from the second on), [1e-30 1e-30 1e30 1e30] ends in 1 (it gave
// 0), and the gradient of the sum at the first, through the term-by-term
// path, is finite (1e20 at element 3; it was +Inf).
func TestCumprodFloat32Range(t *testing.T) {
	inf := math.Inf(1)
	for _, c := range []struct {
		x    []float32
		want []float64
	}{
		{[]float32{1e20, 1e20, 1e-20, 1e-20}, []float64{1e20, inf, 1e20, 1}},
		{[]float32{1e-30, 1e-30, 1e30, 1e30}, []float64{1e-30, 0, 1e-30, 1}},
	} {
		got := autograd.Cumprod(autograd.Const(tensor.MustNew(c.x, 4)), 0).Value()
		checkTensor(t, fmt.Sprintf("Cumprod(%v)", c.x), got, view([]int{4}, c.want...), 1e-6)
	}
	x := autograd.Param(tensor.MustNew([]float32{1e20, 1e20, 1e-20, 1e-20}, 4))
	autograd.Sum(autograd.Cumprod(x, 0)).Backward()
	// d/dx_3 Σ y = y_2 = x_0·x_1·x_2 = 1e20.
	if g := float64(x.Grad().Data()[3]); math.Abs(g-1e20)/1e20 > 1e-6 {
		t.Errorf("gradient at element 3 = %g, want 1e20", g)
	}
	// Forward mode along e_3: dy = [0 0 0 x_0·x_1·x_2] (it gave NaN from
	// the rounded +Inf y_1 times a zero tangent).
	_, jt := autograd.JVP(func(in ...*autograd.Var[float32]) *autograd.Var[float32] { return autograd.Cumprod(in[0], 0) },
		[]*tensor.Tensor[float32]{x.Value()}, []*tensor.Tensor[float32]{tensor.MustNew([]float32{0, 0, 0, 1}, 4)})
	checkTensor(t, "JVP along e_3", jt, view([]int{4}, 0, 0, 0, 1e20), 1e-6)
}
