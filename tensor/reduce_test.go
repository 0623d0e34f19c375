package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naiveReduce sums (or averages) data of the given shape over the masked
// axes, keeping them with size 1 when keep is set.
func naiveReduce(shape []int, data []float64, mask []bool, keep, mean bool) ([]int, []float64) {
	kept := make([]int, len(shape))
	var squeezed []int
	count := 1
	for i, d := range shape {
		if mask[i] {
			kept[i] = 1
			count *= d
		} else {
			kept[i] = d
			squeezed = append(squeezed, d)
		}
	}
	out := make([]float64, numel(kept))
	for o, v := range data {
		idx := unravel(o, shape)
		for i := range idx {
			if mask[i] {
				idx[i] = 0
			}
		}
		out[ravel(idx, kept)] += v
	}
	if mean {
		for i := range out {
			out[i] /= float64(count)
		}
	}
	if keep {
		return kept, out
	}
	if squeezed == nil {
		squeezed = []int{}
	}
	return squeezed, out
}

func axesMask(rank int, axes []int) []bool {
	mask := make([]bool, rank)
	if len(axes) == 0 {
		for i := range mask {
			mask[i] = true
		}
	}
	for _, a := range axes {
		if a < 0 {
			a += rank
		}
		mask[a] = true
	}
	return mask
}

func TestReductions(t *testing.T) {
	t.Run("float64", testReductions[float64])
	t.Run("float32", testReductions[float32])
}

func testReductions[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	type reduceFn struct {
		name       string
		f          func(*Tensor[T], ...int) *Tensor[T]
		keep, mean bool
	}
	fns := []reduceFn{
		{"Sum", Sum[T], false, false},
		{"SumKeepDims", SumKeepDims[T], true, false},
		{"Mean", Mean[T], false, true},
		{"MeanKeepDims", MeanKeepDims[T], true, true},
	}
	cases := []struct {
		shape []int
		axes  []int
	}{
		{[]int{2, 3, 4}, nil},
		{[]int{2, 3, 4}, []int{0}},
		{[]int{2, 3, 4}, []int{1}},
		{[]int{2, 3, 4}, []int{2}},
		{[]int{2, 3, 4}, []int{-1}},
		{[]int{2, 3, 4}, []int{-3}},
		{[]int{2, 3, 4}, []int{0, 2}},
		{[]int{2, 3, 4}, []int{2, 0}},
		{[]int{2, 3, 4}, []int{-1, 0}},
		{[]int{2, 3, 4}, []int{1, 2}},
		{[]int{2, 3, 4}, []int{0, 1, 2}},
		{[]int{2, 3, 4}, []int{2, -2, 0}},
		{[]int{2, 3}, nil},
		{[]int{2, 3}, []int{0}},
		{[]int{2, 3}, []int{1}},
		{[]int{5}, nil},
		{[]int{5}, []int{0}},
		{[]int{1, 4, 1}, []int{0, 2}},
		{[]int{3, 1, 2, 2}, []int{1, 3}},
		{[]int{}, nil},
	}
	for _, fn := range fns {
		for _, tc := range cases {
			name := fmt.Sprintf("%s%v/axes=%v", fn.name, tc.shape, tc.axes)
			t.Run(name, func(t *testing.T) {
				data := randData[T](rng, numel(tc.shape))
				x := MustNew(append([]T(nil), data...), tc.shape...)
				got := fn.f(x, tc.axes...)
				wantShape, want := naiveReduce(tc.shape, toF64(data), axesMask(len(tc.shape), tc.axes), fn.keep, fn.mean)
				checkTensor(t, fn.name, got, wantShape, want, 10*tolFor[T]())
				checkTensor(t, "input", x, tc.shape, toF64(data), 0)
			})
		}
	}
}

func TestReductionValues(t *testing.T) {
	x := MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	tests := []struct {
		name  string
		got   *Tensor[float64]
		shape []int
		want  []float64
	}{
		{"Sum()", Sum(x), []int{}, []float64{21}},
		{"Sum(0)", Sum(x, 0), []int{3}, []float64{5, 7, 9}},
		{"Sum(1)", Sum(x, 1), []int{2}, []float64{6, 15}},
		{"Sum(-1)", Sum(x, -1), []int{2}, []float64{6, 15}},
		{"Sum(0, 1)", Sum(x, 0, 1), []int{}, []float64{21}},
		{"SumKeepDims()", SumKeepDims(x), []int{1, 1}, []float64{21}},
		{"SumKeepDims(0)", SumKeepDims(x, 0), []int{1, 3}, []float64{5, 7, 9}},
		{"SumKeepDims(1)", SumKeepDims(x, 1), []int{2, 1}, []float64{6, 15}},
		{"Mean()", Mean(x), []int{}, []float64{3.5}},
		{"Mean(0)", Mean(x, 0), []int{3}, []float64{2.5, 3.5, 4.5}},
		{"Mean(-1)", Mean(x, -1), []int{2}, []float64{2, 5}},
		{"MeanKeepDims(1)", MeanKeepDims(x, 1), []int{2, 1}, []float64{2, 5}},
		{"MeanKeepDims()", MeanKeepDims(x), []int{1, 1}, []float64{3.5}},
		{"Sum 0-d", Sum(Scalar(4.0)), []int{}, []float64{4}},
		{"Mean 0-d", Mean(Scalar(4.0)), []int{}, []float64{4}},
		{"Sum empty", Sum(Zeros[float64](0, 3)), []int{}, []float64{0}},
		{"Sum empty axis 0", Sum(Zeros[float64](0, 3), 0), []int{3}, []float64{0, 0, 0}},
		{"Sum empty axis 1", Sum(Zeros[float64](0, 3), 1), []int{0}, nil},
		{"Sum [3 0] axis 1", Sum(Zeros[float64](3, 0), 1), []int{3}, []float64{0, 0, 0}},
		{"Mean [0 3] axis 1", Mean(Zeros[float64](0, 3), 1), []int{0}, nil},
		{"MeanKeepDims [0 3] axis 1", MeanKeepDims(Zeros[float64](0, 3), 1), []int{0, 1}, nil},
		// As in NumPy, the mean of no elements is 0/0 = NaN.
		{"Mean [0 3] axis 0", Mean(Zeros[float64](0, 3), 0), []int{3}, []float64{math.NaN(), math.NaN(), math.NaN()}},
	}
	for _, tc := range tests {
		checkTensor(t, tc.name, tc.got, tc.shape, tc.want, 1e-15)
	}

	// A keep-dims result broadcasts back against its input.
	centered := Sub(x, MeanKeepDims(x, 1))
	checkTensor(t, "x - mean(x, 1)", centered, []int{2, 3}, []float64{-1, 0, 1, -1, 0, 1}, 1e-15)

	// The result is new storage.
	s := Sum(x, 0)
	s.Data()[0] = 100
	checkTensor(t, "x after writing Sum's result", x, []int{2, 3}, []float64{1, 2, 3, 4, 5, 6}, 0)
	// Summing over no real work (every axis of size 1) still copies.
	one := MustNew([]float64{7}, 1, 1)
	k := SumKeepDims(one, 0)
	k.Data()[0] = 8
	if one.Item() != 7 {
		t.Errorf("SumKeepDims aliases its input")
	}
}

func TestReductionAxisPanics(t *testing.T) {
	x := Zeros[float64](2, 3, 4)
	type fn = func(*Tensor[float64], ...int) *Tensor[float64]
	fns := []struct {
		name string
		op   string
		f    fn
	}{
		{"Sum", "Sum", Sum[float64]},
		{"SumKeepDims", "Sum", SumKeepDims[float64]},
		{"Mean", "Mean", Mean[float64]},
		{"MeanKeepDims", "Mean", MeanKeepDims[float64]},
	}
	for _, f := range fns {
		tests := []struct {
			x    *Tensor[float64]
			axes []int
			msg  string
		}{
			{x, []int{3}, "axis 3 out of range: [2 3 4]"},
			{x, []int{-4}, "axis -4 out of range: [2 3 4]"},
			{x, []int{0, 7}, "axis 7 out of range: [2 3 4]"},
			{x, []int{1, 1}, "axis 1 repeated: [2 3 4]"},
			{x, []int{1, -2}, "axis -2 repeated: [2 3 4]"},
			{x, []int{-1, 2}, "axis 2 repeated: [2 3 4]"},
			{Scalar(1.0), []int{0}, "axis 0 out of range: []"},
			{Scalar(1.0), []int{-1}, "axis -1 out of range: []"},
		}
		for _, tc := range tests {
			want := "tensor: " + f.op + ": " + tc.msg
			t.Run(f.name+"/"+tc.msg, func(t *testing.T) {
				wantShapePanic(t, want, func() { f.f(tc.x, tc.axes...) })
			})
		}
	}
}

func TestNaNPropagatesThroughSum(t *testing.T) {
	nan := math.NaN()
	x := MustNew([]float64{1, nan, 3, 4, 5, 6}, 2, 3)
	checkTensor(t, "Sum()", Sum(x), []int{}, []float64{nan}, 0)
	checkTensor(t, "Sum(0)", Sum(x, 0), []int{3}, []float64{5, nan, 9}, 0)
	checkTensor(t, "Sum(1)", Sum(x, 1), []int{2}, []float64{nan, 15}, 0)
	checkTensor(t, "Mean(1)", Mean(x, 1), []int{2}, []float64{nan, 5}, 0)
	checkTensor(t, "SumTo(1, 3)", SumTo(x, 1, 3), []int{1, 3}, []float64{5, nan, 9}, 0)
}

func TestSumTo(t *testing.T) {
	t.Run("float64", testSumTo[float64])
	t.Run("float32", testSumTo[float32])
}

func testSumTo[T Float](t *testing.T) {
	x := MustNew(seq[T](6), 2, 3) // [[1 2 3] [4 5 6]]
	fixed := []struct {
		to   []int
		want []float64
	}{
		{[]int{3}, []float64{5, 7, 9}},
		{[]int{1, 3}, []float64{5, 7, 9}},
		{[]int{2, 1}, []float64{6, 15}},
		{[]int{1, 1}, []float64{21}},
		{[]int{1}, []float64{21}},
		{[]int{}, []float64{21}},
		{[]int{2, 3}, []float64{1, 2, 3, 4, 5, 6}},
	}
	for _, tc := range fixed {
		checkTensor(t, fmt.Sprintf("SumTo([2 3] -> %v)", tc.to), SumTo(x, tc.to...), tc.to, tc.want, 0)
	}

	rng := rand.New(rand.NewPCG(9, 10))
	cases := []struct {
		from, to []int
	}{
		{[]int{2, 3}, []int{3}},
		{[]int{2, 3}, []int{2, 1}},
		{[]int{2, 3}, []int{1, 3}},
		{[]int{2, 3}, []int{}},
		{[]int{4, 2, 3}, []int{2, 1}},
		{[]int{4, 2, 3}, []int{2, 3}},
		{[]int{4, 2, 3}, []int{3}},
		{[]int{4, 2, 3}, []int{4, 1, 3}},
		{[]int{4, 2, 3}, []int{4, 2, 1}},
		{[]int{4, 2, 3}, []int{1, 2, 1}},
		{[]int{4, 2, 3}, []int{1, 1, 1}},
		{[]int{4, 2, 3}, []int{}},
		{[]int{4, 2, 3}, []int{4, 2, 3}},
		{[]int{2, 3, 4, 5}, []int{3, 1, 5}},
		{[]int{2, 3, 4, 5}, []int{2, 1, 4, 1}},
		{[]int{3, 1}, []int{1}},
		{[]int{1, 3}, []int{3}},
		{[]int{}, []int{}},
		{[]int{0, 3}, []int{3}},
		{[]int{0, 3}, []int{1, 3}},
		{[]int{3, 0}, []int{3, 1}},
		{[]int{3, 0}, []int{0}},
	}
	for _, tc := range cases {
		name := fmt.Sprintf("%v->%v", tc.from, tc.to)
		t.Run(name, func(t *testing.T) {
			data := randData[T](rng, numel(tc.from))
			x := MustNew(append([]T(nil), data...), tc.from...)
			got := SumTo(x, tc.to...)
			want := naiveSumTo(tc.from, toF64(data), tc.to)
			checkTensor(t, "SumTo", got, tc.to, want, 10*tolFor[T]())
			checkTensor(t, "input", x, tc.from, toF64(data), 0)
			// The result never aliases the input, even when nothing is summed.
			for i := range got.Data() {
				got.Data()[i] = 1e6
			}
			checkTensor(t, "input after writing the result", x, tc.from, toF64(data), 0)
		})
	}

	// The target slice is not retained.
	to := []int{2, 1}
	s := SumTo(x, to...)
	to[0] = 7
	checkTensor(t, "SumTo after changing target", s, []int{2, 1}, []float64{6, 15}, 0)
}

func TestSumToPanics(t *testing.T) {
	tests := []struct {
		from, to []int
	}{
		{[]int{2, 3}, []int{2}},
		{[]int{2, 3}, []int{4, 3}},
		{[]int{2, 3}, []int{1, 2, 3}},
		{[]int{2, 3}, []int{3, 2}},
		{[]int{2, 3}, []int{-1, 3}},
		{[]int{}, []int{1}},
		{[]int{0, 3}, []int{2, 3}},
	}
	for _, tc := range tests {
		want := fmt.Sprintf("tensor: SumTo: target shape does not broadcast to the source: %v x %v", tc.from, tc.to)
		t.Run(want, func(t *testing.T) {
			wantShapePanic(t, want, func() { SumTo(Zeros[float64](tc.from...), tc.to...) })
		})
	}
}

func TestBroadcastTo(t *testing.T) {
	t.Run("float64", testBroadcastTo[float64])
	t.Run("float32", testBroadcastTo[float32])
}

func testBroadcastTo[T Float](t *testing.T) {
	checkTensor(t, "[3] -> [2 3]", BroadcastTo(MustNew([]T{1, 2, 3}, 3), 2, 3), []int{2, 3}, []float64{1, 2, 3, 1, 2, 3}, 0)
	checkTensor(t, "[2 1] -> [2 3]", BroadcastTo(MustNew([]T{1, 2}, 2, 1), 2, 3), []int{2, 3}, []float64{1, 1, 1, 2, 2, 2}, 0)
	checkTensor(t, "[] -> [2 2]", BroadcastTo(Scalar(T(5)), 2, 2), []int{2, 2}, []float64{5, 5, 5, 5}, 0)
	checkTensor(t, "[] -> []", BroadcastTo(Scalar(T(5))), []int{}, []float64{5}, 0)
	checkTensor(t, "[3] -> [0 3]", BroadcastTo(MustNew([]T{1, 2, 3}, 3), 0, 3), []int{0, 3}, nil, 0)
	checkTensor(t, "NaN", BroadcastTo(Scalar(T(math.NaN())), 2), []int{2}, []float64{math.NaN(), math.NaN()}, 0)

	rng := rand.New(rand.NewPCG(11, 12))
	cases := []struct {
		from, to []int
	}{
		{[]int{1, 3}, []int{2, 2, 3}},
		{[]int{2, 1}, []int{4, 2, 3}},
		{[]int{4, 1, 3}, []int{4, 2, 3}},
		{[]int{1, 2, 1}, []int{3, 2, 4}},
		{[]int{3, 1, 2, 1}, []int{2, 3, 2, 2, 2}},
		{[]int{2, 3}, []int{2, 3}},
	}
	for _, tc := range cases {
		data := randData[T](rng, numel(tc.from))
		x := MustNew(append([]T(nil), data...), tc.from...)
		got := BroadcastTo(x, tc.to...)
		checkTensor(t, fmt.Sprintf("BroadcastTo(%v -> %v)", tc.from, tc.to), got, tc.to, naiveBroadcast(tc.from, toF64(data), tc.to), 0)
		got.Data()[0] = 1e6
		checkTensor(t, "input after writing the result", x, tc.from, toF64(data), 0)
	}

	for _, tc := range []struct{ from, to []int }{
		{[]int{2, 3}, []int{3}},
		{[]int{3}, []int{2, 4}},
		{[]int{2, 1}, []int{3, 3}},
		{[]int{1}, []int{}},
		{[]int{2}, []int{0}},
	} {
		want := fmt.Sprintf("tensor: BroadcastTo: source does not broadcast to the target shape: %v x %v", tc.from, tc.to)
		t.Run(want, func(t *testing.T) {
			wantShapePanic(t, want, func() { BroadcastTo(Zeros[T](tc.from...), tc.to...) })
		})
	}
	shapePanic(t, func() { BroadcastTo(Ones[T](1), -1) })
}

// TestSumToBroadcastToProperty checks, for random shapes s and random shapes
// big that s broadcasts to, that SumTo(BroadcastTo(x, big), s) equals x times
// the number of times each element is repeated. Integer data keeps every
// sum exact in both float32 and float64.
func TestSumToBroadcastToProperty(t *testing.T) {
	t.Run("float64", testSumToBroadcastToProperty[float64])
	t.Run("float32", testSumToBroadcastToProperty[float32])
}

func testSumToBroadcastToProperty[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 300; iter++ {
		rank := rng.IntN(4)
		s := make([]int, rank)
		for i := range s {
			if rng.IntN(3) == 0 {
				s[i] = 1
			} else {
				s[i] = 1 + rng.IntN(4)
			}
		}
		lead := rng.IntN(3)
		big := make([]int, 0, lead+rank)
		for i := 0; i < lead; i++ {
			big = append(big, 1+rng.IntN(3))
		}
		for _, d := range s {
			if d == 1 {
				big = append(big, 1+rng.IntN(4))
			} else {
				big = append(big, d)
			}
		}
		reps := numel(big) / numel(s)

		data := randInts[T](rng, numel(s))
		x := MustNew(data, s...)
		b := BroadcastTo(x, big...)
		checkTensor(t, fmt.Sprintf("BroadcastTo(%v -> %v)", s, big), b, big, naiveBroadcast(s, toF64(data), big), 0)
		got := SumTo(b, s...)
		want := make([]float64, len(data))
		for i, v := range data {
			want[i] = float64(v) * float64(reps)
		}
		if d := diffTensor(got, s, want, 0); d != "" {
			t.Errorf("SumTo(BroadcastTo(x, %v), %v) != x*%d (-want +got):\n%s", big, s, reps, d)
		}
		// Sum with keep-dims agrees with SumTo when big has no extra leading axes.
		if lead == 0 {
			var axes []int
			for i, d := range s {
				if d == 1 && big[i] != 1 {
					axes = append(axes, i)
				}
			}
			if len(axes) > 0 {
				if d := diffTensor(SumKeepDims(b, axes...), s, want, 0); d != "" {
					t.Errorf("SumKeepDims(BroadcastTo(x, %v), %v) mismatch (-want +got):\n%s", big, axes, d)
				}
			}
		}
	}
}
