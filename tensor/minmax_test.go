package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// redCases are the shapes and axes the max/min kernels are checked over.
var redCases = []struct {
	shape []int
	axes  []int
}{
	{[]int{}, nil},
	{[]int{5}, nil},
	{[]int{5}, []int{0}},
	{[]int{5}, []int{-1}},
	{[]int{2, 3}, nil},
	{[]int{2, 3}, []int{0}},
	{[]int{2, 3}, []int{1}},
	{[]int{2, 3}, []int{-2}},
	{[]int{2, 3, 4}, nil},
	{[]int{2, 3, 4}, []int{0}},
	{[]int{2, 3, 4}, []int{1}},
	{[]int{2, 3, 4}, []int{2}},
	{[]int{2, 3, 4}, []int{0, 2}},
	{[]int{2, 3, 4}, []int{2, 0}},
	{[]int{2, 3, 4}, []int{-1, 1}},
	{[]int{2, 3, 4}, []int{0, 1, 2}},
	{[]int{1, 4, 1}, []int{0, 2}},
	{[]int{3, 1, 2, 2}, []int{1, 3}},
	{[]int{0, 3}, []int{1}},
}

// redNaiveExtremum returns, for every output element of the reduction of
// data (of shape) over the masked axes, the flat input offset of its first
// maximum (minimum), found by enumerating the reduced sub-index space in
// row-major order and comparing with > (<), NaN counting as the extremum.
func redNaiveExtremum(shape []int, data []float64, mask []bool, isMax bool) (kept []int, offs []int) {
	kept = make([]int, len(shape))
	var reduced []int
	for i, d := range shape {
		kept[i] = d
		if mask[i] {
			kept[i] = 1
			reduced = append(reduced, d)
		}
	}
	offs = make([]int, numel(kept))
	for o := range offs {
		outIdx := unravel(o, kept)
		best := -1
		for r := range numel(reduced) {
			rIdx := unravel(r, reduced)
			full := slices.Clone(outIdx)
			k := 0
			for i := range shape {
				if mask[i] {
					full[i] = rIdx[k]
					k++
				}
			}
			off := ravel(full, shape)
			v := data[off]
			switch {
			case best < 0:
				best = off
			case math.IsNaN(data[best]):
			case math.IsNaN(v), isMax && v > data[best], !isMax && v < data[best]:
				best = off
			}
		}
		offs[o] = best
	}
	return kept, offs
}

func redSqueezed(shape []int, mask []bool) []int {
	out := []int{}
	for i, d := range shape {
		if !mask[i] {
			out = append(out, d)
		}
	}
	return out
}

func TestMaxMinAgainstNaive(t *testing.T) {
	t.Run("float64", testMaxMinAgainstNaive[float64])
	t.Run("float32", testMaxMinAgainstNaive[float32])
}

func testMaxMinAgainstNaive[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, tc := range redCases {
		for _, isMax := range []bool{true, false} {
			name := "Max"
			if !isMax {
				name = "Min"
			}
			t.Run(fmt.Sprintf("%s%v/axes=%v", name, tc.shape, tc.axes), func(t *testing.T) {
				// Small integers: plenty of ties, to pin the first-extremum rule.
				data := randInts[T](rng, numel(tc.shape))
				x := MustNew(slices.Clone(data), tc.shape...)
				mask := axesMask(len(tc.shape), tc.axes)
				kept, offs := redNaiveExtremum(tc.shape, toF64(data), mask, isMax)
				want := make([]float64, len(offs))
				wantMask := make([]float64, len(data))
				for i, off := range offs {
					want[i] = float64(data[off])
					wantMask[off] = 1
				}
				var keepDims, squeezed, oneHot *Tensor[T]
				if isMax {
					keepDims, squeezed, oneHot = MaxKeepDims(x, tc.axes...), Max(x, tc.axes...), MaxMask(x, tc.axes...)
				} else {
					keepDims, squeezed, oneHot = MinKeepDims(x, tc.axes...), Min(x, tc.axes...), MinMask(x, tc.axes...)
				}
				checkTensor(t, name+"KeepDims", keepDims, kept, want, 0)
				checkTensor(t, name, squeezed, redSqueezed(tc.shape, mask), want, 0)
				checkTensor(t, name+"Mask", oneHot, tc.shape, wantMask, 0)
				checkTensor(t, "input", x, tc.shape, toF64(data), 0)

				if len(tc.axes) != 1 {
					return
				}
				ax := tc.axes[0]
				if ax < 0 {
					ax += len(tc.shape)
				}
				wantArg := make([]int, len(offs))
				for i, off := range offs {
					wantArg[i] = unravel(off, tc.shape)[ax]
				}
				argFn := Argmax[T]
				if !isMax {
					argFn = Argmin[T]
				}
				if d := cmp.Diff(wantArg, argFn(x, tc.axes[0])); d != "" {
					t.Errorf("Arg%s(%d) mismatch (-want +got):\n%s", name[:3], tc.axes[0], d)
				}
			})
		}
	}
}

func TestMaxMinValues(t *testing.T) {
	x := MustNew([]float64{
		1, 3, 3,
		2, 2, 0,
	}, 2, 3)
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name  string
		got   *Tensor[float64]
		shape []int
		want  []float64
	}{
		{"Max()", Max(x), []int{}, []float64{3}},
		{"Max(1)", Max(x, 1), []int{2}, []float64{3, 2}},
		{"Max(0)", Max(x, 0), []int{3}, []float64{2, 3, 3}},
		{"MaxKeepDims(-1)", MaxKeepDims(x, -1), []int{2, 1}, []float64{3, 2}},
		{"Min()", Min(x), []int{}, []float64{0}},
		{"Min(1)", Min(x, 1), []int{2}, []float64{1, 0}},
		{"MinKeepDims(0)", MinKeepDims(x, 0), []int{1, 3}, []float64{1, 2, 0}},
		// Ties: the first maximum in row-major order gets the 1.
		{"MaxMask()", MaxMask(x), []int{2, 3}, []float64{0, 1, 0, 0, 0, 0}},
		{"MaxMask(1)", MaxMask(x, 1), []int{2, 3}, []float64{0, 1, 0, 1, 0, 0}},
		{"MaxMask(0)", MaxMask(x, 0), []int{2, 3}, []float64{0, 1, 1, 1, 0, 0}},
		{"MinMask(1)", MinMask(x, 1), []int{2, 3}, []float64{1, 0, 0, 0, 0, 1}},
		{"Max 0-d", Max(Scalar(4.0)), []int{}, []float64{4}},
		{"MaxMask 0-d", MaxMask(Scalar(4.0)), []int{}, []float64{1}},
		{"Max of [0 3] over axis 1", Max(Zeros[float64](0, 3), 1), []int{0}, nil},
		{"NaN propagates through Max", Max(MustNew([]float64{1, nan, 3, nan}, 4)), []int{}, []float64{nan}},
		{"NaN propagates through Min", Min(MustNew([]float64{1, nan, -3}, 3)), []int{}, []float64{nan}},
		{"first NaN is the max", MaxMask(MustNew([]float64{1, nan, 3, nan}, 4)), []int{4}, []float64{0, 1, 0, 0}},
		{"NaN first", Max(MustNew([]float64{nan, 5}, 2)), []int{}, []float64{nan}},
		{"-Inf only", Max(MustNew([]float64{-inf, -inf}, 2)), []int{}, []float64{-inf}},
		{"+Inf", Min(MustNew([]float64{inf, inf, 7}, 3)), []int{}, []float64{7}},
	}
	for _, tc := range tests {
		checkTensor(t, tc.name, tc.got, tc.shape, tc.want, 0)
	}
}

// TestArgmaxLayout pins the documented layout: one index per element of
// Max(t, axis), row-major over the remaining axes.
func TestArgmaxLayout(t *testing.T) {
	// x[i, j, k] = 100·[j == (i+k) % 3] + j, so the argmax along axis 1 is
	// (i+k) % 3 and the argmin is 0 unless the peak is there, then 1.
	x := Zeros[float64](2, 3, 4)
	for i := range 2 {
		for j := range 3 {
			for k := range 4 {
				v := float64(j)
				if j == (i+k)%3 {
					v += 100
				}
				x.Set(v, i, j, k)
			}
		}
	}
	tests := []struct {
		name string
		got  []int
		want []int
	}{
		{"Argmax(1)", Argmax(x, 1), []int{0, 1, 2, 0, 1, 2, 0, 1}},
		{"Argmax(-2)", Argmax(x, -2), []int{0, 1, 2, 0, 1, 2, 0, 1}},
		{"Argmin(1)", Argmin(x, 1), []int{1, 0, 0, 1, 0, 0, 1, 0}},
		{"Argmax(2)", Argmax(x, 2), []int{0, 1, 2, 2, 0, 1}},
		{"Argmax(0) with ties", Argmax(x, 0), []int{0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0}},
		{"Argmax 1-D", Argmax(MustNew([]float64{3, 7, 7, 1}, 4), 0), []int{1}},
		{"Argmin 1-D ties", Argmin(MustNew([]float64{3, 1, 7, 1}, 4), -1), []int{1}},
		{"Argmax NaN", Argmax(MustNew([]float64{3, math.NaN(), 7}, 3), 0), []int{1}},
		{"Argmin NaN", Argmin(MustNew([]float64{3, math.NaN(), -7}, 3), 0), []int{1}},
		{"Argmax [0 3] axis 1", Argmax(Zeros[float64](0, 3), 1), []int{}},
		{"Argmax [2 1] axis 1", Argmax(MustNew([]float64{5, 6}, 2, 1), 1), []int{0, 0}},
		// A 0-d tensor is one element along axis 0 (or -1), as in torch.
		{"Argmax 0-d", Argmax(Scalar(1.0), 0), []int{0}},
		{"Argmin 0-d axis -1", Argmin(Scalar(1.0), -1), []int{0}},
	}
	for _, tc := range tests {
		if d := cmp.Diff(tc.want, tc.got); d != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", tc.name, d)
		}
	}
}

func TestLogSumExpAgainstNaive(t *testing.T) {
	t.Run("float64", testLogSumExpAgainstNaive[float64])
	t.Run("float32", testLogSumExpAgainstNaive[float32])
}

func testLogSumExpAgainstNaive[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, tc := range redCases {
		t.Run(fmt.Sprintf("%v/axes=%v", tc.shape, tc.axes), func(t *testing.T) {
			data := randData[T](rng, numel(tc.shape))
			x := MustNew(slices.Clone(data), tc.shape...)
			mask := axesMask(len(tc.shape), tc.axes)
			exp := make([]float64, len(data))
			for i, v := range data {
				exp[i] = math.Exp(float64(v))
			}
			kept, want := naiveReduce(tc.shape, exp, mask, true, false)
			for i, s := range want {
				want[i] = math.Log(s)
			}
			tol := 10 * tolFor[T]()
			checkTensor(t, "LogSumExpKeepDims", LogSumExpKeepDims(x, tc.axes...), kept, want, tol)
			checkTensor(t, "LogSumExp", LogSumExp(x, tc.axes...), redSqueezed(tc.shape, mask), want, tol)
			checkTensor(t, "input", x, tc.shape, toF64(data), 0)
		})
	}
}

func TestLogSumExpStable(t *testing.T) {
	t.Run("float64", testLogSumExpStable[float64])
	t.Run("float32", testLogSumExpStable[float32])
}

func testLogSumExpStable[T Float](t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	v := func(xs ...float64) *Tensor[T] {
		d := make([]T, len(xs))
		for i, x := range xs {
			d[i] = T(x)
		}
		return MustNew(d, len(xs))
	}
	tests := []struct {
		name string
		got  *Tensor[T]
		want []float64
	}{
		{"[1000 1000]", LogSumExp(v(1000, 1000)), []float64{1000 + math.Ln2}},
		{"[-1000 -1000]", LogSumExp(v(-1000, -1000)), []float64{-1000 + math.Ln2}},
		{"[1000 -1000]", LogSumExp(v(1000, -1000)), []float64{1000}},
		{"[-Inf -Inf]", LogSumExp(v(-inf, -inf)), []float64{-inf}},
		{"[-Inf 2]", LogSumExp(v(-inf, 2)), []float64{2}},
		{"[+Inf 2]", LogSumExp(v(inf, 2)), []float64{inf}},
		{"[NaN 2]", LogSumExp(v(nan, 2)), []float64{nan}},
		{"empty", LogSumExp(v()), []float64{-inf}},
	}
	for _, tc := range tests {
		checkTensor(t, tc.name, tc.got, []int{}, tc.want, tolFor[T]())
	}
}

// redNaiveSoftmax computes softmax (or log-softmax) of data along axis with
// the textbook formula in float64, which is accurate for small inputs.
func redNaiveSoftmax(shape []int, data []float64, axis int, log bool) []float64 {
	mask := make([]bool, len(shape))
	mask[axis] = true
	exp := make([]float64, len(data))
	for i, v := range data {
		exp[i] = math.Exp(v)
	}
	kept, sums := naiveReduce(shape, exp, mask, true, false)
	out := make([]float64, len(data))
	for o := range out {
		s := sums[ravel(projectIndex(unravel(o, shape), kept), kept)]
		if log {
			out[o] = data[o] - math.Log(s)
		} else {
			out[o] = exp[o] / s
		}
	}
	return out
}

func TestSoftmaxAgainstNaive(t *testing.T) {
	t.Run("float64", testSoftmaxAgainstNaive[float64])
	t.Run("float32", testSoftmaxAgainstNaive[float32])
}

func testSoftmaxAgainstNaive[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	cases := []struct {
		shape []int
		axis  int
	}{
		{[]int{5}, 0},
		{[]int{5}, -1},
		{[]int{1}, 0},
		{[]int{2, 3}, 0},
		{[]int{2, 3}, 1},
		{[]int{2, 3}, -1},
		{[]int{2, 3, 4}, 0},
		{[]int{2, 3, 4}, 1},
		{[]int{2, 3, 4}, 2},
		{[]int{2, 3, 4}, -2},
		{[]int{0, 3}, 1},
		{[]int{3, 0}, 1},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%v/axis=%d", tc.shape, tc.axis), func(t *testing.T) {
			data := randData[T](rng, numel(tc.shape))
			x := MustNew(slices.Clone(data), tc.shape...)
			ax := tc.axis
			if ax < 0 {
				ax += len(tc.shape)
			}
			tol := 10 * tolFor[T]()
			checkTensor(t, "Softmax", Softmax(x, tc.axis), tc.shape, redNaiveSoftmax(tc.shape, toF64(data), ax, false), tol)
			checkTensor(t, "LogSoftmax", LogSoftmax(x, tc.axis), tc.shape, redNaiveSoftmax(tc.shape, toF64(data), ax, true), tol)
			checkTensor(t, "input", x, tc.shape, toF64(data), 0)
		})
	}
}

func TestSoftmaxStable(t *testing.T) {
	t.Run("float64", testSoftmaxStable[float64])
	t.Run("float32", testSoftmaxStable[float32])
}

func testSoftmaxStable[T Float](t *testing.T) {
	x := MustNew([]T{
		1000, -1000, 0,
		1000, 1000, 1000,
		-1000, -1000, -999,
	}, 3, 3)
	e := math.E
	checkTensor(t, "Softmax rows", Softmax(x, 1), []int{3, 3}, []float64{
		1, 0, 0,
		1. / 3, 1. / 3, 1. / 3,
		1 / (2 + e), 1 / (2 + e), e / (2 + e),
	}, tolFor[T]())
	l := math.Log(2 + e)
	checkTensor(t, "LogSoftmax rows", LogSoftmax(x, -1), []int{3, 3}, []float64{
		0, -2000, -1000,
		-math.Log(3), -math.Log(3), -math.Log(3),
		-l, -l, 1 - l,
	}, tolFor[T]())
	// Along the columns: column 0 is [1000 1000 -1000].
	checkTensor(t, "LogSoftmax columns", LogSoftmax(x, 0), []int{3, 3}, []float64{
		-math.Ln2, -2000, -1000,
		-math.Ln2, 0, 0,
		-2000 - math.Ln2, -2000, -1999,
	}, tolFor[T]())
}

func TestMinMaxErrors(t *testing.T) {
	x := Zeros[float64](2, 3)
	empty := Zeros[float64](0, 3)
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"Max axis out of range", func() { Max(x, 2) }, "tensor: Max: axis 2 out of range: [2 3]"},
		{"MaxKeepDims negative axis", func() { MaxKeepDims(x, -3) }, "tensor: Max: axis -3 out of range: [2 3]"},
		{"Min repeated axis", func() { Min(x, 1, -1) }, "tensor: Min: axis -1 repeated: [2 3]"},
		{"MinKeepDims 0-d axis", func() { MinKeepDims(Scalar(1.0), 0) }, "tensor: Min: axis 0 out of range: []"},
		{"Max of nothing", func() { Max(empty) }, "tensor: Max: cannot reduce over axis 0 of size 0: [0 3]"},
		{"Min over empty axis", func() { Min(empty, 0) }, "tensor: Min: cannot reduce over axis 0 of size 0: [0 3]"},
		{"MaxMask over empty axis", func() { MaxMask(empty, -2) }, "tensor: Max: cannot reduce over axis 0 of size 0: [0 3]"},
		{"MinMask axis out of range", func() { MinMask(x, 5) }, "tensor: Min: axis 5 out of range: [2 3]"},
		{"Argmax axis out of range", func() { Argmax(x, 2) }, "tensor: Argmax: axis 2 out of range: [2 3]"},
		{"Argmin negative axis", func() { Argmin(x, -3) }, "tensor: Argmin: axis -3 out of range: [2 3]"},
		{"Argmax empty axis", func() { Argmax(empty, 0) }, "tensor: Argmax: cannot reduce over axis 0 of size 0: [0 3]"},
		{"Argmax 0-d axis 1", func() { Argmax(Scalar(1.0), 1) }, "tensor: Argmax: axis 1 out of range: []"},
		{"LogSumExp axis", func() { LogSumExp(x, 3) }, "tensor: LogSumExp: axis 3 out of range: [2 3]"},
		{"LogSumExpKeepDims repeated", func() { LogSumExpKeepDims(x, 0, 0) }, "tensor: LogSumExp: axis 0 repeated: [2 3]"},
		{"Softmax axis", func() { Softmax(x, 2) }, "tensor: Softmax: axis 2 out of range: [2 3]"},
		{"LogSoftmax axis", func() { LogSoftmax(x, -3) }, "tensor: LogSoftmax: axis -3 out of range: [2 3]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantShapePanic(t, tc.want, tc.f) })
	}
}

// TestSoftmaxRowPaths checks that softmaxRow, whose maximum skips NaNs,
// whose short rows take softmaxTile and whose float32 rows divide by
// multiplying, gives the bits of the reference path (redBetter's maximum,
// expSum, a division per element) for every row length class,
// with zeros of both signs tied for the maximum, a lone -0 maximum whose
// sum is exactly 1, infinities and NaNs anywhere; and that a NaN anywhere
// makes the whole row NaN.
func TestSoftmaxRowPaths(t *testing.T) {
	t.Run("float32", testSoftmaxRowPaths[float32])
	t.Run("float64", testSoftmaxRowPaths[float64])
}

func testSoftmaxRowPaths[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	nan, inf := T(math.NaN()), T(math.Inf(1))
	negZero := T(math.Copysign(0, -1))
	edits := []struct {
		name string
		edit func(x []T)
		nan  bool
	}{
		{"plain", func([]T) {}, false},
		{"±0 tied max", func(x []T) {
			for i := range x {
				x[i] = -1 - x[i]
			}
			x[len(x)/3], x[len(x)-1] = negZero, 0
		}, false},
		{"lone -0 max, sum 1", func(x []T) {
			for i := range x {
				x[i] = -2000 - x[i]
			}
			x[len(x)/2] = negZero
		}, false},
		{"+Inf", func(x []T) { x[len(x)/2] = inf }, false},
		{"all -Inf", func(x []T) {
			for i := range x {
				x[i] = -inf
			}
		}, false},
		{"NaN first", func(x []T) { x[0] = nan }, true},
		{"NaN last", func(x []T) { x[len(x)-1] = nan }, true},
		{"NaN and +Inf", func(x []T) { x[len(x)/2], x[0] = nan, inf }, true},
	}
	for _, n := range []int{1, 2, 5, 31, 32, 33, 64, 65, 128, 129, 255, 256, 257, 1000} {
		for _, e := range edits {
			x := randData[T](rng, n)
			e.edit(x)
			for _, log := range []bool{false, true} {
				got := make([]T, n)
				m, s := softmaxRow(got, x, log)
				wm := x[0]
				for _, v := range x[1:] {
					if redBetter(v, wm, true) {
						wm = v
					}
				}
				want := make([]T, n) // the reference path, dividing every element
				ws := expSum(want, x, wm, !log)
				for i, v := range x {
					if log {
						want[i] = T(float64(v) - float64(wm) - math.Log(ws))
					} else {
						want[i] = T(float64(want[i]) / ws)
					}
				}
				if !sameBits(got, want) {
					t.Errorf("n=%d %s log=%v: softmaxRow = %v, want the bits of %v", n, e.name, log, got, want)
				}
				if m != wm && !sameBits([]T{m}, []T{wm}) {
					t.Errorf("n=%d %s log=%v: maximum %v, want %v", n, e.name, log, m, wm)
				}
				if math.Float64bits(s) != math.Float64bits(ws) {
					t.Errorf("n=%d %s log=%v: sum %v, want %v", n, e.name, log, s, ws)
				}
				if e.nan && slices.IndexFunc(got, func(v T) bool { return v == v }) >= 0 {
					t.Errorf("n=%d %s log=%v: %v, want NaN everywhere", n, e.name, log, got)
				}
			}
		}
	}
}

// TestArgmaxInto checks ArgmaxInto and ArgminInto against Argmax and
// Argmin over shapes and axes (negative too), with ties and NaNs in the
// data; that they write into dst's memory when it is long enough, without
// allocating; and that they panic like Argmax.
func TestArgmaxInto(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	shapes := [][]int{{5}, {3, 4}, {2, 3, 4}, {1, 6, 1}, {0, 3}, {4, 1}}
	var dst []int
	for _, shape := range shapes {
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]float64, n)
		for i := range data {
			data[i] = float64(r.IntN(4)) // ties
			if r.IntN(9) == 0 {
				data[i] = math.NaN()
			}
		}
		x := MustNew(data, shape...)
		for axis := -len(shape); axis < len(shape); axis++ {
			if shape[(axis+len(shape))%len(shape)] == 0 {
				continue
			}
			dst = ArgmaxInto(dst, x, axis)
			if diff := cmp.Diff(Argmax(x, axis), dst); diff != "" {
				t.Errorf("ArgmaxInto %v axis %d (-Argmax +Into):\n%s", shape, axis, diff)
			}
			dst = ArgminInto(dst, x, axis)
			if diff := cmp.Diff(Argmin(x, axis), dst); diff != "" {
				t.Errorf("ArgminInto %v axis %d (-Argmin +Into):\n%s", shape, axis, diff)
			}
		}
	}
	x := MustNew([]float64{1, 5, 2, 7, 0, 3}, 2, 3)
	buf := make([]int, 1, 8)
	got := ArgmaxInto(buf, x, 1)
	if diff := cmp.Diff([]int{1, 0}, got); diff != "" || &got[0] != &buf[:1][0] {
		t.Errorf("ArgmaxInto into a slice of capacity 8: %v (diff %s), same memory %v", got, diff, &got[0] == &buf[:1][0])
	}
	if n := testing.AllocsPerRun(100, func() { buf = ArgmaxInto(buf, x, 0) }); n != 0 && !raceEnabled {
		t.Errorf("ArgmaxInto into a long enough slice allocates %v times", n)
	}
	for _, f := range []func(){
		func() { ArgmaxInto(nil, x, 2) },
		func() { ArgminInto(nil, x, -3) },
		func() { ArgmaxInto(nil, Zeros[float64](2, 0), 1) },
	} {
		func() {
			defer func() {
				if _, ok := recover().(*ShapeError); !ok {
					t.Errorf("did not panic with a *ShapeError")
				}
			}()
			f()
		}()
	}
}

// TestSoftmaxOfScalar: a 0-d tensor is one element along axis 0 or -1,
// as in torch: softmax(tensor(x), 0) = 1 and log_softmax = 0, also for a
// large x; axis 1 is out of range.
func TestSoftmaxOfScalar(t *testing.T) {
	for _, axis := range []int{0, -1} {
		for _, x := range []float64{1, -1e300} {
			if s, l := Softmax(Scalar(x), axis), LogSoftmax(Scalar(x), axis); s.Dims() != 0 || s.Item() != 1 || l.Dims() != 0 || l.Item() != 0 {
				t.Errorf("axis %d, x %v: Softmax %v (shape %v), LogSoftmax %v (shape %v); want 1 and 0, 0-d", axis, x, s.Item(), s.Shape(), l.Item(), l.Shape())
			}
		}
	}
	wantShapePanic(t, "tensor: Softmax: axis 1 out of range: []", func() { Softmax(Scalar(1.0), 1) })
}
