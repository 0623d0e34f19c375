package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// shpRand returns a deterministic generator for the shape-op tests.
func shpRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5ba9e)) }

// shpPython returns the indices that Python's a[start:stop:step] selects
// from range(n), for step > 0, written from the language reference: bounds
// below -n clamp to 0, negative bounds add n, bounds above n clamp to n.
func shpPython(n int, r Range) []int {
	// CPython's PySlice_AdjustIndices, with End as Stop standing for an
	// omitted stop (None).
	step := r.Step
	lo, hi := 0, n
	if step < 0 {
		lo, hi = -1, n-1
	}
	adjust := func(i int) int {
		if i < 0 {
			return max(i+n, lo)
		}
		return min(i, hi)
	}
	start, stop := adjust(r.Start), adjust(r.Stop)
	if r.Stop == End && step < 0 {
		stop = -1
	}
	var out []int
	for i := start; step > 0 && i < stop || step < 0 && i > stop; i += step {
		out = append(out, i)
	}
	return out
}

// TestShpPythonReference pins the reference itself on Python's own answers
// for list(range(10))[...].
func TestShpPythonReference(t *testing.T) {
	tests := []struct {
		r    Range
		want []int
	}{
		{Range{-3, End, 1}, []int{7, 8, 9}},      // [-3:]
		{Range{1, End, 2}, []int{1, 3, 5, 7, 9}}, // [1::2]
		{Range{-100, 2, 1}, []int{0, 1}},         // [-100:2]
		{Range{5, 100, 3}, []int{5, 8}},          // [5:100:3]
		{Range{8, 2, 1}, nil},                    // [8:2]
		{Range{0, -1, 4}, []int{0, 4, 8}},        // [:-1:4]
		{Range{-1, End, 1}, []int{9}},            // [-1:]
		{Range{12, End, 1}, nil},                 // [12:]
		{Range{0, 0, 1}, nil},                    // [0:0]
		{Range{-5, -2, 1}, []int{5, 6, 7}},       // [-5:-2]
		{Range{0, End, 1}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{Range{-1, End, -1}, []int{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}},  // [::-1]
		{Range{End, End, -1}, []int{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}}, // [::-1]
		{Range{8, 2, -2}, []int{8, 6, 4}},                          // [8:2:-2]
		{Range{-1, -4, -1}, []int{9, 8, 7}},                        // [-1:-4:-1]
		{Range{5, End, -3}, []int{5, 2}},                           // [5::-3]
		{Range{100, -100, -4}, []int{9, 5, 1}},                     // [100:-100:-4]
		{Range{2, 8, -1}, nil},                                     // [2:8:-1]
		{Range{-20, End, -1}, nil},                                 // [-20::-1]
		{Range{3, -20, -1}, []int{3, 2, 1, 0}},                     // [3:-20:-1]
	}
	for _, tc := range tests {
		if got := shpPython(10, tc.r); !slices.Equal(got, tc.want) {
			t.Errorf("shpPython(10, %+v) = %v, want %v", tc.r, got, tc.want)
		}
	}
}

// TestShpSliceHugeStep: a step near the int limits selects one element, as
// in Python (list(range(6))[0::sys.maxsize] is [0], [-1::-sys.maxsize] is
// [5]); the element count used to overflow into an empty slice or a panic.
func TestShpSliceHugeStep(t *testing.T) {
	x := MustNew([]float64{0, 1, 2, 3, 4, 5}, 6)
	for _, c := range []struct {
		r    Range
		want []float64
	}{
		{Range{0, End, math.MaxInt}, []float64{0}},
		{Range{1, End, math.MaxInt - 1}, []float64{1}},
		{Range{-1, End, -math.MaxInt}, []float64{5}},
		{Range{-1, End, math.MinInt}, []float64{5}},
		{Range{4, 0, math.MinInt}, []float64{4}},
	} {
		if got := Slice(x, c.r).Data(); !slices.Equal(got, c.want) {
			t.Errorf("Slice(0…5, %+v) = %v, want %v", c.r, got, c.want)
		}
		if got := shpPython(6, c.r); len(got) != len(c.want) {
			t.Errorf("shpPython(6, %+v) = %v, want %d elements", c.r, got, len(c.want))
		}
		dst := Zeros[float64](6)
		ScatterSliceInto(dst, MustNew([]float64{9}, 1), 0, c.r)
		if n := slices.Index(dst.Data(), 9); n < 0 || float64(n) != c.want[0] {
			t.Errorf("ScatterSliceInto(%+v) = %v, want 9 at %v", c.r, dst.Data(), c.want[0])
		}
	}
}

// shpNaiveSlice slices data of shape by taking, per axis, the index lists
// that shpPython gives, one output element at a time.
func shpNaiveSlice(shape []int, data []float64, ranges []Range) ([]int, []float64) {
	lists := make([][]int, len(shape))
	out := make([]int, len(shape))
	for ax, n := range shape {
		r := Range{0, End, 1}
		if ax < len(ranges) {
			r = ranges[ax]
		}
		lists[ax] = shpPython(n, r)
		out[ax] = len(lists[ax])
	}
	res := make([]float64, numel(out))
	for o := range res {
		idx := unravel(o, out)
		src := make([]int, len(idx))
		for ax, i := range idx {
			src[ax] = lists[ax][i]
		}
		res[o] = data[ravel(src, shape)]
	}
	return out, res
}

func TestShpSliceMatchesNaive(t *testing.T) {
	tests := []struct {
		shape  []int
		ranges []Range
	}{
		{[]int{10}, []Range{{1, End, 2}}},
		{[]int{10}, []Range{{-3, End, 1}}},
		{[]int{10}, []Range{{-1, End, -1}}},
		{[]int{10}, []Range{{7, 1, -3}}},
		{[]int{4, 5}, []Range{{End, End, -1}, {-2, 0, -2}}},
		{[]int{3, 4, 5}, []Range{{0, End, 1}, {2, End, -2}, {-1, -100, -1}}},
		{[]int{2, 3, 4, 5}, []Range{{1, End, -1}, {0, End, 2}, {3, 1, -1}, {1, End, 3}}},
		{[]int{3, 4}, []Range{{1, 2, -1}}},
		{[]int{10}, []Range{{-100, 100, 3}}},
		{[]int{10}, []Range{{8, 2, 1}}},
		{[]int{10}, nil},
		{[]int{4, 5}, []Range{{1, 3, 1}}},
		{[]int{4, 5}, []Range{{0, End, 2}, {-4, -1, 2}}},
		{[]int{4, 5}, []Range{{-1, End, 1}, {4, 0, 1}}},
		{[]int{3, 4, 5}, []Range{{0, End, 1}, {1, End, 2}, {-2, End, 1}}},
		{[]int{3, 4, 5}, []Range{{2, -5, 1}}},
		{[]int{3, 4, 5}, []Range{{-2, End, 1}, {0, End, 3}}},
		{[]int{2, 3, 4, 5}, []Range{{1, 2, 1}, {0, End, 2}, {3, 1, 1}, {1, End, 3}}},
		{[]int{}, nil},
		{[]int{0, 3}, []Range{{0, End, 1}, {1, End, 1}}},
	}
	rng := shpRand(1)
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%v %v", tc.shape, tc.ranges), func(t *testing.T) {
			x := MustNew(randData[float64](rng, numel(tc.shape)), tc.shape...)
			wantShape, want := shpNaiveSlice(tc.shape, x.Data(), tc.ranges)
			got := Slice(x, tc.ranges...)
			checkTensor(t, "Slice", got, wantShape, want, 0)

			x32 := MustNew(randData[float32](rng, numel(tc.shape)), tc.shape...)
			wantShape, want = shpNaiveSlice(tc.shape, toF64(x32.Data()), tc.ranges)
			checkTensor(t, "Slice float32", Slice(x32, tc.ranges...), wantShape, want, 0)

			// ScatterSlice is the adjoint: every selected element goes back
			// to where it came from, everything else is zero.
			back := ScatterSlice(got, tc.shape, tc.ranges...)
			mask := ScatterSlice(Full(1.0, got.Shape()...), tc.shape, tc.ranges...)
			checkTensor(t, "ScatterSlice", back, tc.shape, toF64(Mul(x, mask).Data()), 0)
		})
	}
}

func TestShpSliceDoesNotAlias(t *testing.T) {
	x := MustNew([]float64{1, 2, 3, 4}, 4)
	y := Slice(x, Range{0, End, 1})
	y.Data()[0] = 100
	if x.Data()[0] != 1 {
		t.Fatal("Slice returned a view: writing the result changed the input")
	}
}

// shpNaivePermute reads out[i…] = x[j…] with j[axes[k]] = i[k].
func shpNaivePermute(shape []int, data []float64, axes []int) ([]int, []float64) {
	out := make([]int, len(shape))
	for k, a := range axes {
		out[k] = shape[a]
	}
	res := make([]float64, numel(out))
	for o := range res {
		idx := unravel(o, out)
		src := make([]int, len(shape))
		for k, a := range axes {
			src[a] = idx[k]
		}
		res[o] = data[ravel(src, shape)]
	}
	return out, res
}

func TestShpPermuteMatchesNaive(t *testing.T) {
	tests := []struct {
		shape, axes []int
	}{
		{[]int{}, []int{}},
		{[]int{5}, []int{0}},
		{[]int{2, 3}, []int{1, 0}},
		{[]int{2, 3, 4}, []int{2, 0, 1}},
		{[]int{2, 3, 4}, []int{0, 2, 1}},
		{[]int{2, 3, 4, 5}, []int{3, 1, 0, 2}},
		{[]int{1, 3, 1, 2}, []int{3, 2, 1, 0}},
		{[]int{2, 0, 3}, []int{2, 1, 0}},
	}
	rng := shpRand(2)
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%v %v", tc.shape, tc.axes), func(t *testing.T) {
			x := MustNew(randData[float64](rng, numel(tc.shape)), tc.shape...)
			wantShape, want := shpNaivePermute(tc.shape, x.Data(), tc.axes)
			got := Permute(x, tc.axes...)
			checkTensor(t, "Permute", got, wantShape, want, 0)

			// Negative axes name the same permutation.
			neg := make([]int, len(tc.axes))
			for i, a := range tc.axes {
				neg[i] = a - len(tc.axes)
			}
			checkTensor(t, "Permute negative axes", Permute(x, neg...), wantShape, want, 0)

			inv := make([]int, len(tc.axes))
			for i, a := range tc.axes {
				inv[a] = i
			}
			checkTensor(t, "Permute then inverse", Permute(got, inv...), tc.shape, x.Data(), 0)

			x32 := MustNew(randData[float32](rng, numel(tc.shape)), tc.shape...)
			wantShape, want = shpNaivePermute(tc.shape, toF64(x32.Data()), tc.axes)
			checkTensor(t, "Permute float32", Permute(x32, tc.axes...), wantShape, want, 0)
		})
	}
}

func TestShpPad(t *testing.T) {
	x := MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	checkTensor(t, "Pad", Pad(x, [][2]int{{1, 0}, {0, 2}}, -1), []int{3, 5}, []float64{
		-1, -1, -1, -1, -1,
		1, 2, 3, -1, -1,
		4, 5, 6, -1, -1,
	}, 0)
	checkTensor(t, "Pad zero widths", Pad(x, [][2]int{{0, 0}, {0, 0}}, 9), []int{2, 3}, x.Data(), 0)
	checkTensor(t, "Pad 0-d", Pad(Scalar(float32(7)), nil, 1), []int{}, []float64{7}, 0)
	checkTensor(t, "Pad empty input", Pad(Zeros[float64](0, 2), [][2]int{{1, 1}, {0, 0}}, 3), []int{2, 2}, []float64{3, 3, 3, 3}, 0)

	// Against a naive reference on a 3-D tensor.
	shape, widths := []int{2, 3, 2}, [][2]int{{1, 2}, {0, 1}, {2, 1}}
	y := MustNew(randData[float64](shpRand(3), numel(shape)), shape...)
	outShape := []int{5, 4, 5}
	want := make([]float64, numel(outShape))
	for o := range want {
		idx := unravel(o, outShape)
		want[o] = 0.5
		src := make([]int, 3)
		inside := true
		for ax, i := range idx {
			src[ax] = i - widths[ax][0]
			inside = inside && src[ax] >= 0 && src[ax] < shape[ax]
		}
		if inside {
			want[o] = y.Data()[ravel(src, shape)]
		}
	}
	checkTensor(t, "Pad 3-D", Pad(y, widths, 0.5), outShape, want, 0)
}

func TestShpConcatStack(t *testing.T) {
	a := MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	b := MustNew([]float64{7, 8, 9}, 1, 3)
	c := MustNew([]float64{10, 11, 12, 13}, 2, 2)
	checkTensor(t, "Concat axis 0", Concat(0, a, b), []int{3, 3}, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, 0)
	checkTensor(t, "Concat axis -1", Concat(-1, a, c), []int{2, 5}, []float64{1, 2, 3, 10, 11, 4, 5, 6, 12, 13}, 0)
	checkTensor(t, "Concat one", Concat(1, a), []int{2, 3}, a.Data(), 0)
	checkTensor(t, "Concat with empty", Concat(0, a, Zeros[float64](0, 3)), []int{2, 3}, a.Data(), 0)

	d := MustNew([]float64{-1, -2, -3, -4, -5, -6}, 2, 3)
	checkTensor(t, "Stack axis 0", Stack(0, a, d), []int{2, 2, 3}, []float64{1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6}, 0)
	checkTensor(t, "Stack axis 1", Stack(1, a, d), []int{2, 2, 3}, []float64{1, 2, 3, -1, -2, -3, 4, 5, 6, -4, -5, -6}, 0)
	checkTensor(t, "Stack axis -1", Stack(-1, a, d), []int{2, 3, 2}, []float64{1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6}, 0)
	checkTensor(t, "Stack 0-d", Stack(0, Scalar(1.0), Scalar(2.0), Scalar(3.0)), []int{3}, []float64{1, 2, 3}, 0)

	// Concat against a naive reference on 3-D inputs along each axis.
	rng := shpRand(4)
	for axis := range 3 {
		shapes := [][]int{{2, 3, 4}, {2, 3, 4}, {2, 3, 4}}
		for i := range shapes {
			shapes[i][axis] = i + 1
		}
		ts := make([]*Tensor[float64], len(shapes))
		for i, s := range shapes {
			ts[i] = MustNew(randData[float64](rng, numel(s)), s...)
		}
		out := append([]int{}, shapes[0]...)
		out[axis] = 6
		want := make([]float64, numel(out))
		for o := range want {
			idx := unravel(o, out)
			i, at := 0, idx[axis]
			for at >= shapes[i][axis] {
				at -= shapes[i][axis]
				i++
			}
			idx[axis] = at
			want[o] = ts[i].Data()[ravel(idx, shapes[i])]
		}
		checkTensor(t, fmt.Sprintf("Concat 3-D axis %d", axis), Concat(axis, ts...), out, want, 0)
	}
}

// TestShpConcatLengthOverflow: zero-size tensors can be MaxInt long along
// an axis; joining three wrapped the length back to a positive int, which
// was accepted (two gave a negative one). Now a *ShapeError, for Concat
// and ConcatInto.
func TestShpConcatLengthOverflow(t *testing.T) {
	z := MustNew[float64](nil, 0, math.MaxInt)
	const msg = "the lengths along axis 1 add up past the largest int"
	for _, n := range []int{2, 3} {
		zs := slices.Repeat([]*Tensor[float64]{z}, n)
		se := shapePanic(t, func() { Concat(1, zs...) })
		if se != nil && !strings.Contains(se.Error(), msg) {
			t.Errorf("Concat of %d: %v, want it to say %q", n, se, msg)
		}
		dst := MustNew[float64](nil, 0, math.MaxInt-2)
		se = shapePanic(t, func() { ConcatInto(dst, 1, zs...) })
		if se != nil && !strings.Contains(se.Error(), msg) {
			t.Errorf("ConcatInto of %d: %v, want it to say %q", n, se, msg)
		}
	}
}

func TestShpIndexSelectAdd(t *testing.T) {
	w := MustNew([]float64{1, 2, 3, 4, 5, 6, 7, 8}, 4, 2)
	checkTensor(t, "IndexSelect rows with repeats", IndexSelect(w, 0, []int{3, 0, 3, 1}), []int{4, 2}, []float64{7, 8, 1, 2, 7, 8, 3, 4}, 0)
	checkTensor(t, "IndexSelect columns", IndexSelect(w, -1, []int{1, 1, 0}), []int{4, 3}, []float64{2, 2, 1, 4, 4, 3, 6, 6, 5, 8, 8, 7}, 0)
	checkTensor(t, "IndexSelect none", IndexSelect(w, 0, nil), []int{0, 2}, nil, 0)

	g := MustNew([]float64{1, 10, 100, 1000, 4, 40, 3, 30}, 4, 2)
	// Rows 0 and 2 of g both go to row 3: they add up.
	checkTensor(t, "IndexAdd repeated index", IndexAdd(g, 0, []int{3, 0, 3, 1}, 5), []int{5, 2},
		[]float64{100, 1000, 3, 30, 0, 0, 1 + 4, 10 + 40, 0, 0}, 0)
	checkTensor(t, "IndexAdd columns", IndexAdd(MustNew([]float32{1, 2, 3, 4, 5, 6}, 2, 3), 1, []int{1, 1, 0}, 2), []int{2, 2},
		[]float64{3, 3, 6, 9}, 0)

	// On a 3-D tensor along the middle axis, against naive references, and
	// IndexAdd is the adjoint of IndexSelect: <IndexSelect(x), y> = <x, IndexAdd(y)>.
	rng := shpRand(5)
	shape, idx := []int{2, 4, 3}, []int{2, 2, 0, 3, 2}
	x := MustNew(randData[float64](rng, numel(shape)), shape...)
	outShape := []int{2, 5, 3}
	want := make([]float64, numel(outShape))
	for o := range want {
		i := unravel(o, outShape)
		i[1] = idx[i[1]]
		want[o] = x.Data()[ravel(i, shape)]
	}
	sel := IndexSelect(x, 1, idx)
	checkTensor(t, "IndexSelect 3-D", sel, outShape, want, 0)
	y := MustNew(randData[float64](rng, numel(outShape)), outShape...)
	wantAdd := make([]float64, numel(shape))
	for o, v := range y.Data() {
		i := unravel(o, outShape)
		i[1] = idx[i[1]]
		wantAdd[ravel(i, shape)] += v
	}
	checkTensor(t, "IndexAdd 3-D", IndexAdd(y, 1, idx, 4), shape, wantAdd, 1e-12)
}

func TestShpSqueezeUnsqueeze(t *testing.T) {
	x := MustNew([]float64{1, 2, 3}, 1, 3, 1)
	tests := []struct {
		name string
		got  *Tensor[float64]
		want []int
	}{
		{"Squeeze all", Squeeze(x), []int{3}},
		{"Squeeze 0", Squeeze(x, 0), []int{3, 1}},
		{"Squeeze -1", Squeeze(x, -1), []int{1, 3}},
		{"Squeeze 0 2", Squeeze(x, 2, 0), []int{3}},
		{"Squeeze 0-d", Squeeze(Scalar(1.0)), []int{}},
		{"Squeeze [1 1]", Squeeze(MustNew([]float64{1}, 1, 1)), []int{}},
		{"Unsqueeze 0", Unsqueeze(x, 0), []int{1, 1, 3, 1}},
		{"Unsqueeze 3 (append)", Unsqueeze(x, 3), []int{1, 3, 1, 1}},
		{"Unsqueeze -1 (append)", Unsqueeze(x, -1), []int{1, 3, 1, 1}},
		{"Unsqueeze -4 (prepend)", Unsqueeze(x, -4), []int{1, 1, 3, 1}},
		{"Unsqueeze 2", Unsqueeze(x, 2), []int{1, 3, 1, 1}},
		{"Unsqueeze 0-d", Unsqueeze(Scalar(1.0), 0), []int{1}},
	}
	for _, tc := range tests {
		if !slices.Equal(tc.got.Shape(), tc.want) {
			t.Errorf("%s: shape %v, want %v", tc.name, tc.got.Shape(), tc.want)
		}
	}
	checkTensor(t, "Squeeze data", Squeeze(x), []int{3}, []float64{1, 2, 3}, 0)
}

func TestShpErrors(t *testing.T) {
	x := Zeros[float64](2, 3)
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"Slice too many ranges", func() { Slice(x, Range{}, Range{}, Range{}) }, "tensor: Slice: 3 ranges for 2 axes: [2 3]"},
		{"Slice step 0", func() { Slice(x, Range{0, End, 1}, Range{0, End, 0}) }, "tensor: Slice: step 0 of axis 1: a slice needs a nonzero step: [2 3]"},
		{"Slice zero Range", func() { Slice(x, Range{}) }, "tensor: Slice: step 0 of axis 0: a slice needs a nonzero step: [2 3]"},
		{"ScatterSlice wrong source", func() { ScatterSlice(Zeros[float64](2, 2), []int{2, 3}, Range{0, 1, 1}) },
			"tensor: ScatterSlice: source does not have the slice's shape [1 3]: [2 2] x [2 3]"},
		{"ScatterSlice negative shape", func() { ScatterSlice(Zeros[float64](2), []int{-2}) },
			"tensor: ScatterSlice: negative dimension or too many elements: [2] x [-2]"},
		{"Pad wrong count", func() { Pad(x, [][2]int{{1, 1}}, 0) }, "tensor: Pad: 1 width pairs for 2 axes: [2 3]"},
		{"Pad negative", func() { Pad(x, [][2]int{{0, 0}, {1, -1}}, 0) }, "tensor: Pad: negative width [1 -1] for axis 1: [2 3]"},
		{"Pad width overflows int", func() { Pad(x, [][2]int{{0, 0}, {math.MaxInt, math.MaxInt}}, 0) }, "tensor: Pad: padded shape is too large: [2 3]"},
		{"Permute short", func() { Permute(x, 0) }, "tensor: Permute: axes [0] are not a permutation of 2 axes: [2 3]"},
		{"Permute repeated", func() { Permute(x, 1, -1) }, "tensor: Permute: axis -1 repeated: [2 3]"},
		{"Permute out of range", func() { Permute(x, 0, 2) }, "tensor: Permute: axis 2 out of range: [2 3]"},
		{"Squeeze not 1", func() { Squeeze(x, 1) }, "tensor: Squeeze: axis 1 has size 3, not 1: [2 3]"},
		{"Squeeze out of range", func() { Squeeze(x, -3) }, "tensor: Squeeze: axis -3 out of range: [2 3]"},
		{"Unsqueeze out of range", func() { Unsqueeze(x, 3) }, "tensor: Unsqueeze: axis 3 out of range: [2 3]"},
		{"Unsqueeze negative out of range", func() { Unsqueeze(x, -4) }, "tensor: Unsqueeze: axis -4 out of range: [2 3]"},
		{"Concat none", func() { Concat[float64](0) }, "tensor: Concat: no tensors to join"},
		{"Concat ranks", func() { Concat(0, x, Zeros[float64](3)) }, "tensor: Concat: ranks differ: [2 3] x [3]"},
		{"Concat other axis", func() { Concat(0, x, Zeros[float64](2, 4)) }, "tensor: Concat: shapes differ outside axis 0: [2 3] x [2 4]"},
		{"Concat axis", func() { Concat(2, x, x) }, "tensor: Concat: axis 2 out of range: [2 3]"},
		{"Concat 0-d", func() { Concat(0, Scalar(1.0)) }, "tensor: Concat: axis 0 out of range: []"},
		{"Stack none", func() { Stack[float64](0) }, "tensor: Stack: no tensors to join"},
		{"Stack shapes", func() { Stack(0, x, Zeros[float64](3, 2)) }, "tensor: Stack: shapes differ: [2 3] x [3 2]"},
		{"Stack axis", func() { Stack(-4, x) }, "tensor: Stack: axis -4 out of range: [2 3]"},
		{"IndexSelect negative", func() { IndexSelect(x, 0, []int{1, -1}) }, "tensor: IndexSelect: indices[1] = -1 out of range [0, 2) for axis 0: [2 3]"},
		{"IndexSelect too big", func() { IndexSelect(x, -1, []int{0, 3}) }, "tensor: IndexSelect: indices[1] = 3 out of range [0, 3) for axis -1: [2 3]"},
		{"IndexSelect axis", func() { IndexSelect(x, 2, []int{0}) }, "tensor: IndexSelect: axis 2 out of range: [2 3]"},
		{"IndexAdd count", func() { IndexAdd(x, 0, []int{0}, 4) }, "tensor: IndexAdd: 1 indices for axis 0 of size 2: [2 3]"},
		{"IndexAdd index", func() { IndexAdd(x, 0, []int{0, 4}, 4) }, "tensor: IndexAdd: indices[1] = 4 out of range [0, 4) for axis 0: [2 3]"},
		{"IndexAdd size", func() { IndexAdd(x, 0, []int{0, 0}, -1) }, "tensor: IndexAdd: invalid size -1 for axis 0: [2 3]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantShapePanic(t, tc.want, tc.f) })
	}
}

// TestMaskAndIndexDim: Dim counts a negative axis from the end, as
// Tensor.Dim does, and an axis out of range panics with a *ShapeError
// naming the method (it was Go's index-out-of-range panic).
func TestMaskAndIndexDim(t *testing.T) {
	m := MustMask(make([]bool, 6), 2, 3)
	x := MustIndex(make([]int, 6), 3, 2)
	if got := []int{m.Dim(0), m.Dim(-1), x.Dim(1), x.Dim(-2)}; !slices.Equal(got, []int{2, 3, 2, 3}) {
		t.Errorf("Mask.Dim(0), Mask.Dim(-1), Index.Dim(1), Index.Dim(-2) = %v, want [2 3 2 3]", got)
	}
	wantShapePanic(t, "tensor: Mask.Dim: axis out of range: [2 3]", func() { m.Dim(-3) })
	wantShapePanic(t, "tensor: Index.Dim: axis out of range: [3 2]", func() { x.Dim(2) })
}
