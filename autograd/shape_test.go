package autograd_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestShpIndexSelectDuplicatesAccumulate is the embedding lookup with a
// repeated id: the rows of the upstream gradient for every occurrence of an
// id add up in that row of the weights' gradient, exactly.
func TestShpIndexSelectDuplicatesAccumulate(t *testing.T) {
	w := autograd.Param(t64([]float64{1, 2, 3, 4, 5, 6, 7, 8}, 4, 2))
	ids := []int{3, 0, 3, 1, 3}
	emb := autograd.IndexSelect(w, 0, ids)
	checkTensor(t, "lookup", emb.Value(), view([]int{5, 2}, 7, 8, 1, 2, 7, 8, 3, 4, 7, 8), 0)
	up := t64([]float64{1, 10, 100, 1000, 2, 20, 3, 30, 4, 40}, 5, 2)
	autograd.Sum(autograd.Mul(emb, autograd.Const(up))).Backward()
	// Row 3 was looked up at positions 0, 2 and 4; row 2 never.
	checkTensor(t, "dL/dw", w.Grad(), view([]int{4, 2},
		100, 1000, // id 0, position 1
		3, 30, // id 1, position 3
		0, 0, // id 2, unused
		1+2+4, 10+20+40, // id 3, positions 0, 2, 4
	), 0)

	// The caller's index slice may change afterwards: the op kept its own copy.
	ids[0] = 2
	w2 := autograd.Param(t64([]float64{1, 2, 3}, 3))
	idx := []int{0, 0, 2}
	y := autograd.IndexSelect(w2, 0, idx)
	idx[0], idx[1] = 1, 1
	autograd.Sum(y).Backward()
	checkTensor(t, "gradient with the indices of the call", w2.Grad(), view([]int{3}, 2, 0, 1), 0)
}

// shpPython returns the indices that Python's a[start:stop:step] selects
// from range(n) (step > 0), following the language reference.
func shpPython(n int, r autograd.Range) []int {
	step := r.Step
	if step == 0 {
		step = 1
	}
	norm := func(i int) int {
		switch {
		case i < -n:
			return 0
		case i < 0:
			return i + n
		case i > n:
			return n
		}
		return i
	}
	var out []int
	for i := norm(r.Start); i < norm(r.Stop); i += step {
		out = append(out, i)
	}
	return out
}

// shpUnravel and shpRavel convert between row-major flat offsets and indices.
func shpUnravel(off int, shape []int) []int {
	idx := make([]int, len(shape))
	for i := len(shape) - 1; i >= 0; i-- {
		idx[i] = off % shape[i]
		off /= shape[i]
	}
	return idx
}

func shpRavel(idx, shape []int) int {
	off := 0
	for i, x := range idx {
		off = off*shape[i] + x
	}
	return off
}

func shpNumel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// TestShpSliceMatchesNaive compares Slice's value and its gradient with a
// naive reference: per axis the index list Python would select, and the
// gradient of Sum(Slice(x) ∘ w) as w's elements placed back at those indices.
func TestShpSliceMatchesNaive(t *testing.T) {
	end := tensor.End
	tests := []struct {
		shape  []int
		ranges []autograd.Range
	}{
		{[]int{10}, []autograd.Range{{Start: 1, Stop: end, Step: 2}}},
		{[]int{10}, []autograd.Range{{Start: -3, Stop: end, Step: 1}}},
		{[]int{10}, []autograd.Range{{Start: -100, Stop: 2, Step: 1}}},
		{[]int{10}, []autograd.Range{{Start: 5, Stop: 100, Step: 3}}},
		{[]int{10}, []autograd.Range{{Start: 8, Stop: 2, Step: 1}}}, // empty
		{[]int{10}, []autograd.Range{{Start: 0, Stop: -1, Step: 4}}},
		{[]int{4, 5}, []autograd.Range{{Start: -1, Stop: end, Step: 1}, {Start: 4, Stop: 0, Step: 1}}},
		{[]int{4, 5}, []autograd.Range{{Start: 0, Stop: end, Step: 3}, {Start: -4, Stop: -1, Step: 2}}},
		{[]int{3, 4, 5}, []autograd.Range{{Stop: end, Step: 1}, {Start: 1, Stop: end, Step: 2}, {Start: -2, Stop: end, Step: 1}}},
		{[]int{3, 4, 5}, []autograd.Range{{Start: -2, Stop: 3, Step: 1}}},
	}
	for i, tc := range tests {
		t.Run(fmt.Sprintf("%v %v", tc.shape, tc.ranges), func(t *testing.T) {
			defer failOnPanic(t)
			x := autograd.Param(in(anyReal, tc.shape...).draw(uint64(i)))
			lists := make([][]int, len(tc.shape))
			out := make([]int, len(tc.shape))
			for ax, n := range tc.shape {
				r := autograd.Range{Stop: end, Step: 1}
				if ax < len(tc.ranges) {
					r = tc.ranges[ax]
				}
				lists[ax] = shpPython(n, r)
				out[ax] = len(lists[ax])
			}
			w := in(anyReal, out...).draw(uint64(100 + i))
			want := make([]float64, shpNumel(out))
			wantGrad := make([]float64, shpNumel(tc.shape))
			for o := range want {
				idx := shpUnravel(o, out)
				for ax := range idx {
					idx[ax] = lists[ax][idx[ax]]
				}
				want[o] = x.Value().Data()[shpRavel(idx, tc.shape)]
				wantGrad[shpRavel(idx, tc.shape)] = w.Data()[o]
			}
			y := autograd.Slice(x, tc.ranges...)
			checkTensor(t, "Slice", y.Value(), view(out, want...), 0)
			autograd.Sum(autograd.Mul(y, autograd.Const(w))).Backward()
			checkTensor(t, "dL/dx", x.Grad(), view(tc.shape, wantGrad...), 0)
		})
	}
}

// TestShpConcatSplitRoundTrip: Split undoes Concat and Concat undoes Split,
// and the gradients of the pieces land at their places in the whole.
func TestShpConcatSplitRoundTrip(t *testing.T) {
	for _, axis := range []int{0, 1, 2, -1, -3} {
		t.Run(fmt.Sprintf("axis %d", axis), func(t *testing.T) {
			defer failOnPanic(t)
			shapes := [][]int{{2, 3, 4}, {2, 3, 4}, {2, 3, 4}}
			ax := (axis + 3) % 3
			sizes := []int{1, 3, 2}
			for i := range shapes {
				shapes[i][ax] = sizes[i]
			}
			parts := make([]*V, len(shapes))
			for i, s := range shapes {
				parts[i] = autograd.Param(in(anyReal, s...).draw(uint64(10*ax + i)))
			}
			whole := autograd.Concat(axis, parts...)
			back := autograd.Split(whole, axis, sizes...)
			if len(back) != len(parts) {
				t.Fatalf("Split returned %d pieces, want %d", len(back), len(parts))
			}
			for i := range parts {
				checkTensor(t, fmt.Sprintf("piece %d", i), back[i].Value(), viewOf(parts[i].Value()), 0)
				if back[i].Op() != "Split" {
					t.Errorf("piece %d: Op() = %q, want \"Split\"", i, back[i].Op())
				}
			}
			again := autograd.Concat(axis, back...)
			checkTensor(t, "Concat(Split(x))", again.Value(), viewOf(whole.Value()), 0)

			// d/dparts of Sum(piece_i ∘ c_i) over pieces 0 and 2 only.
			c0 := in(anyReal, shapes[0]...).draw(90)
			c2 := in(anyReal, shapes[2]...).draw(92)
			loss := autograd.Add(autograd.Sum(autograd.Mul(back[0], autograd.Const(c0))), autograd.Sum(autograd.Mul(back[2], autograd.Const(c2))))
			loss.Backward()
			checkTensor(t, "grad part 0", parts[0].Grad(), viewOf(c0), 0)
			checkTensor(t, "grad part 1", parts[1].Grad(), viewOf(tensor.Zeros[float64](shapes[1]...)), 0)
			checkTensor(t, "grad part 2", parts[2].Grad(), viewOf(c2), 0)
		})
	}
}

// TestShpPermuteInverse: permuting by p and then by p's inverse gives x back,
// and the gradient through both is the upstream gradient itself.
func TestShpPermuteInverse(t *testing.T) {
	for _, p := range [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}, {1, 3, 0, 2}, {-1, 0, -2, 1}} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			defer failOnPanic(t)
			x := autograd.Param(in(anyReal, 2, 3, 4, 5).draw(3))
			inv := make([]int, len(p))
			for i, a := range p {
				inv[(a+len(p))%len(p)] = i
			}
			y := autograd.Permute(x, p...)
			for i, a := range p {
				if got, want := y.Shape()[i], x.Shape()[(a+4)%4]; got != want {
					t.Errorf("axis %d of the result has size %d, want %d", i, got, want)
				}
			}
			z := autograd.Permute(y, inv...)
			checkTensor(t, "Permute(Permute(x, p), p⁻¹)", z.Value(), viewOf(x.Value()), 0)
			w := in(anyReal, 2, 3, 4, 5).draw(4)
			autograd.Sum(autograd.Mul(z, autograd.Const(w))).Backward()
			checkTensor(t, "gradient", x.Grad(), viewOf(w), 0)
		})
	}
	// Known values: the transpose of a matrix.
	m := autograd.Const(t64([]float64{1, 2, 3, 4, 5, 6}, 2, 3))
	checkTensor(t, "Permute(1, 0)", autograd.Permute(m, 1, 0).Value(), view([]int{3, 2}, 1, 4, 2, 5, 3, 6), 0)
}

func TestShpPadValues(t *testing.T) {
	x := autograd.Param(t64([]float64{1, 2, 3, 4}, 2, 2))
	y := autograd.Pad(x, [][2]int{{0, 1}, {2, 0}}, -7)
	checkTensor(t, "Pad", y.Value(), view([]int{3, 4},
		-7, -7, 1, 2,
		-7, -7, 3, 4,
		-7, -7, -7, -7), 0)
	w := t64([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 3, 4)
	autograd.Sum(autograd.Mul(y, autograd.Const(w))).Backward()
	checkTensor(t, "dL/dx picks the interior of w", x.Grad(), view([]int{2, 2}, 3, 4, 7, 8), 0)
}

func TestShpStackSqueezeUnsqueezeExpand(t *testing.T) {
	a := autograd.Param(t64([]float64{1, 2, 3}, 3))
	b := autograd.Param(t64([]float64{4, 5, 6}, 3))
	s := autograd.Stack(-1, a, b)
	checkTensor(t, "Stack(-1)", s.Value(), view([]int{3, 2}, 1, 4, 2, 5, 3, 6), 0)
	autograd.Sum(autograd.Mul(s, autograd.Const(t64([]float64{1, 2, 3, 4, 5, 6}, 3, 2)))).Backward()
	checkTensor(t, "dL/da", a.Grad(), view([]int{3}, 1, 3, 5), 0)
	checkTensor(t, "dL/db", b.Grad(), view([]int{3}, 2, 4, 6), 0)

	x := autograd.Param(t64([]float64{1, 2, 3}, 1, 3, 1))
	for _, tc := range []struct {
		name, op string
		got      *V
		want     []int
	}{
		{"Squeeze()", "Squeeze", autograd.Squeeze(x), []int{3}},
		{"Squeeze(-1)", "Squeeze", autograd.Squeeze(x, -1), []int{1, 3}},
		{"Unsqueeze(0)", "Unsqueeze", autograd.Unsqueeze(x, 0), []int{1, 1, 3, 1}},
		{"Unsqueeze(3)", "Unsqueeze", autograd.Unsqueeze(x, 3), []int{1, 3, 1, 1}},
		{"Unsqueeze(-2)", "Unsqueeze", autograd.Unsqueeze(x, -2), []int{1, 3, 1, 1}},
		{"Expand(2, -1, 4)", "Expand", autograd.Expand(x, 2, -1, 4), []int{2, 3, 4}},
		{"Expand(5, -1, -1, -1)", "Expand", autograd.Expand(x, 5, -1, -1, -1), []int{5, 1, 3, 1}},
	} {
		if !slices.Equal(tc.got.Shape(), tc.want) {
			t.Errorf("%s: shape %v, want %v", tc.name, tc.got.Shape(), tc.want)
		}
		if tc.got.Op() != tc.op {
			t.Errorf("%s: Op() = %q, want %q", tc.name, tc.got.Op(), tc.op)
		}
	}
	e := autograd.Expand(x, 2, -1, 4)
	autograd.Sum(e).Backward()
	checkTensor(t, "dSum(Expand)/dx", x.Grad(), view([]int{1, 3, 1}, 8, 8, 8), 0)
}

// TestShpConstantsRecordNothing: on constants the ops compute and record no
// graph.
func TestShpConstantsRecordNothing(t *testing.T) {
	c := autograd.Const(t64([]float64{1, 2, 3, 4, 5, 6}, 2, 3))
	for name, v := range map[string]*V{
		"Permute":     autograd.Permute(c, 1, 0),
		"Slice":       autograd.Slice(c, autograd.Range{Start: 1, Stop: 2, Step: 1}),
		"Pad":         autograd.Pad(c, [][2]int{{1, 1}, {0, 0}}, 0),
		"Concat":      autograd.Concat(0, c, c),
		"Stack":       autograd.Stack(0, c, c),
		"IndexSelect": autograd.IndexSelect(c, 1, []int{0, 0}),
		"Split":       autograd.Split(c, 0, 1, 1)[1],
		"MatMul":      autograd.MatMul(c, autograd.Const(t64([]float64{1, 2, 3}, 3))),
	} {
		if v.RequiresGrad() || !v.IsLeaf() {
			t.Errorf("%s on constants recorded a node (RequiresGrad %v, IsLeaf %v)", name, v.RequiresGrad(), v.IsLeaf())
		}
	}
}

// shpBuild applies the named op; generic so that the same expression runs in
// float32 and float64.
func shpBuild[T autograd.Float](op string, xs []*autograd.Var[T]) *autograd.Var[T] {
	switch op {
	case "Permute":
		return autograd.Permute(xs[0], 2, 0, 1)
	case "Squeeze":
		return autograd.Squeeze(xs[0], 1)
	case "Unsqueeze":
		return autograd.Unsqueeze(xs[0], -2)
	case "Expand":
		return autograd.Expand(xs[0], 2, -1, 3)
	case "Slice":
		return autograd.Slice(xs[0], autograd.Range{Start: -3, Stop: tensor.End, Step: 1}, autograd.Range{Start: 0, Stop: tensor.End, Step: 2})
	case "Pad":
		return autograd.Pad(xs[0], [][2]int{{1, 0}, {2, 1}}, T(0.25))
	case "Concat":
		return autograd.Concat(1, xs[0], xs[1])
	case "Stack":
		return autograd.Stack(0, xs[0], xs[1])
	case "Split":
		p := autograd.Split(xs[0], 0, 1, 3)
		return autograd.Mul(autograd.Sum(p[0]), p[1])
	case "IndexSelect":
		return autograd.IndexSelect(xs[0], 0, []int{3, 0, 3, 1})
	case "MatMul vector·matrix":
		return autograd.MatMul(xs[0], xs[1])
	case "MatMul batched":
		return autograd.MatMul(xs[0], xs[1])
	case "MatMulT batched":
		return autograd.MatMulT(xs[0], xs[1], true, true)
	}
	panic("shpBuild: unknown op " + op)
}

// TestShpFloat32MatchesFloat64 runs each op's forward and Backward in both
// precisions on the same inputs.
func TestShpFloat32MatchesFloat64(t *testing.T) {
	tests := []precisionCase{
		{"Permute", []inputSpec{in(anyReal, 2, 3, 4)}, []int{4, 2, 3}},
		{"Squeeze", []inputSpec{in(anyReal, 4, 1, 3)}, []int{4, 3}},
		{"Unsqueeze", []inputSpec{in(anyReal, 4, 3)}, []int{4, 1, 3}},
		{"Expand", []inputSpec{in(anyReal, 4, 1)}, []int{2, 4, 3}},
		{"Slice", []inputSpec{in(anyReal, 4, 5)}, []int{3, 3}},
		{"Pad", []inputSpec{in(anyReal, 2, 3)}, []int{3, 6}},
		{"Concat", []inputSpec{in(anyReal, 4, 3), in(anyReal, 4, 2)}, []int{4, 5}},
		{"Stack", []inputSpec{in(anyReal, 4, 3), in(anyReal, 4, 3)}, []int{2, 4, 3}},
		{"Split", []inputSpec{in(anyReal, 4, 3)}, []int{3, 3}},
		{"IndexSelect", []inputSpec{in(anyReal, 5, 3)}, []int{4, 3}},
		{"MatMul vector·matrix", []inputSpec{in(anyReal, 7), in(anyReal, 2, 7, 3)}, []int{2, 3}},
		{"MatMul batched", []inputSpec{in(anyReal, 2, 1, 5, 7), in(anyReal, 3, 7, 4)}, []int{2, 3, 5, 4}},
		{"MatMulT batched", []inputSpec{in(anyReal, 2, 7, 5), in(anyReal, 4, 7)}, []int{2, 5, 4}},
	}
	checkPrecisions(t, tests, shpBuild[float32], shpBuild[float64], 600)
}

// TestShpShapeErrors checks every error path of the shape ops: a
// *tensor.ShapeError of package autograd naming the op, with an exact
// message, for constant and for parameter operands alike.
func TestShpShapeErrors(t *testing.T) {
	tests := []struct {
		name string
		f    func(l func(shape ...int) *V)
		op   string
		want string
	}{
		{"Permute too few axes", func(l func(...int) *V) { autograd.Permute(l(2, 3), 0) },
			"Permute", "autograd: Permute: axes [0] are not a permutation of 2 axes: [2 3]"},
		{"Permute repeated", func(l func(...int) *V) { autograd.Permute(l(2, 3, 4), 0, 2, -1) },
			"Permute", "autograd: Permute: axis -1 repeated: [2 3 4]"},
		{"Permute out of range", func(l func(...int) *V) { autograd.Permute(l(2, 3), 0, -3) },
			"Permute", "autograd: Permute: axis -3 out of range: [2 3]"},
		{"Squeeze size not 1", func(l func(...int) *V) { autograd.Squeeze(l(2, 1, 3), 1, 2) },
			"Squeeze", "autograd: Squeeze: axis 2 has size 3, not 1: [2 1 3]"},
		{"Squeeze out of range", func(l func(...int) *V) { autograd.Squeeze(l(1, 3), 2) },
			"Squeeze", "autograd: Squeeze: axis 2 out of range: [1 3]"},
		{"Squeeze repeated", func(l func(...int) *V) { autograd.Squeeze(l(1, 3), 0, -2) },
			"Squeeze", "autograd: Squeeze: axis -2 repeated: [1 3]"},
		{"Unsqueeze out of range", func(l func(...int) *V) { autograd.Unsqueeze(l(2, 3), 3) },
			"Unsqueeze", "autograd: Unsqueeze: axis 3 out of range: [2 3]"},
		{"Unsqueeze negative out of range", func(l func(...int) *V) { autograd.Unsqueeze(l(2, 3), -4) },
			"Unsqueeze", "autograd: Unsqueeze: axis -4 out of range: [2 3]"},
		{"Expand incompatible", func(l func(...int) *V) { autograd.Expand(l(2, 3), 4, 3) },
			"Expand", "autograd: Expand: source does not broadcast to the target shape: [2 3] x [4 3]"},
		{"Expand incompatible with -1", func(l func(...int) *V) { autograd.Expand(l(2, 3), 4, -1) },
			"Expand", "autograd: Expand: source does not broadcast to the target shape: [2 3] x [4 -1]"},
		{"Expand to fewer axes", func(l func(...int) *V) { autograd.Expand(l(2, 3), 3) },
			"Expand", "autograd: Expand: source does not broadcast to the target shape: [2 3] x [3]"},
		{"Expand -1 for a new axis", func(l func(...int) *V) { autograd.Expand(l(2, 3), -1, 2, 3) },
			"Expand", "autograd: Expand: size -1 given for new leading axis 0: [2 3] x [-1 2 3]"},
		{"Slice too many ranges", func(l func(...int) *V) { autograd.Slice(l(4), autograd.Range{}, autograd.Range{}) },
			"Slice", "autograd: Slice: 2 ranges for 1 axes: [4]"},
		{"Slice step 0", func(l func(...int) *V) {
			autograd.Slice(l(4, 3), autograd.Range{Stop: 4, Step: 1}, autograd.Range{Start: -1, Stop: 0})
		},
			"Slice", "autograd: Slice: step 0 of axis 1: a slice needs a nonzero step: [4 3]"},
		{"Pad too few pairs", func(l func(...int) *V) { autograd.Pad(l(2, 3), [][2]int{{1, 1}}, 0) },
			"Pad", "autograd: Pad: 1 width pairs for 2 axes: [2 3]"},
		{"Pad cropped below 0", func(l func(...int) *V) { autograd.Pad(l(2, 3), [][2]int{{-2, -1}, {0, 0}}, 0) },
			"Pad", "autograd: Pad: widths [[-2 -1] [0 0]]: axis 0 of length 2 cropped by [-2 -1] would have a negative length: [2 3]"},
		{"Concat nothing", func(l func(...int) *V) { autograd.Concat[float64](0) },
			"Concat", "autograd: Concat: no tensors to join"},
		{"Concat ranks differ", func(l func(...int) *V) { autograd.Concat(0, l(2, 3), l(3)) },
			"Concat", "autograd: Concat: ranks differ: [2 3] x [3]"},
		{"Concat other axis differs", func(l func(...int) *V) { autograd.Concat(1, l(2, 3), l(2, 1), l(3, 3)) },
			"Concat", "autograd: Concat: shapes differ outside axis 1: [2 3] x [2 1] x [3 3]"},
		{"Concat axis out of range", func(l func(...int) *V) { autograd.Concat(-3, l(2, 3), l(2, 3)) },
			"Concat", "autograd: Concat: axis -3 out of range: [2 3]"},
		{"Concat length overflows", func(l func(...int) *V) { autograd.Concat(1, l(0, math.MaxInt), l(0, math.MaxInt), l(0, 1)) },
			"Concat", "autograd: Concat: the lengths along axis 1 add up past the largest int: [0 9223372036854775807] x [0 9223372036854775807] x [0 1]"},
		{"Stack nothing", func(l func(...int) *V) { autograd.Stack[float64](0) },
			"Stack", "autograd: Stack: no tensors to join"},
		{"Stack shapes differ", func(l func(...int) *V) { autograd.Stack(0, l(2, 3), l(2, 3), l(3, 2)) },
			"Stack", "autograd: Stack: shapes differ: [2 3] x [2 3] x [3 2]"},
		{"Stack axis out of range", func(l func(...int) *V) { autograd.Stack(3, l(2, 3), l(2, 3)) },
			"Stack", "autograd: Stack: axis 3 out of range: [2 3]"},
		{"Split axis out of range", func(l func(...int) *V) { autograd.Split(l(2, 3), 2, 1, 1) },
			"Split", "autograd: Split: axis 2 out of range: [2 3]"},
		{"Split negative size", func(l func(...int) *V) { autograd.Split(l(2, 3), 1, 4, -1) },
			"Split", "autograd: Split: sizes[1] = -1 is negative: [2 3]"},
		{"Split sizes do not add up", func(l func(...int) *V) { autograd.Split(l(2, 3), -1, 1, 1) },
			"Split", "autograd: Split: sizes [1 1] add up to 2, axis -1 has size 3: [2 3]"},
		{"IndexSelect negative index", func(l func(...int) *V) { autograd.IndexSelect(l(4, 3), 0, []int{0, 2, -1}) },
			"IndexSelect", "autograd: IndexSelect: indices[2] = -1 out of range [0, 4) for axis 0: [4 3]"},
		{"IndexSelect index too large", func(l func(...int) *V) { autograd.IndexSelect(l(4, 3), -1, []int{3}) },
			"IndexSelect", "autograd: IndexSelect: indices[0] = 3 out of range [0, 3) for axis -1: [4 3]"},
		{"IndexSelect axis out of range", func(l func(...int) *V) { autograd.IndexSelect(l(4, 3), 2, []int{0}) },
			"IndexSelect", "autograd: IndexSelect: axis 2 out of range: [4 3]"},
		{"IndexSelect on a 0-d scalar", func(l func(...int) *V) { autograd.IndexSelect(l(), 0, []int{0}) },
			"IndexSelect", "autograd: IndexSelect: axis 0 out of range: []"},
	}
	leaves := []struct {
		name string
		make func(t *tensor.Tensor[float64]) *V
	}{
		{"Const", autograd.Const[float64]},
		{"Param", autograd.Param[float64]},
	}
	for _, tc := range tests {
		for _, lf := range leaves {
			t.Run(tc.name+"/"+lf.name, func(t *testing.T) {
				leaf := func(shape ...int) *V { return lf.make(tensor.Zeros[float64](shape...)) }
				se := mustShapeError(t, func() { tc.f(leaf) })
				if got := se.Error(); got != tc.want {
					t.Errorf("message:\n got %q\nwant %q", got, tc.want)
				}
				if se.Op != tc.op {
					t.Errorf("Op = %q, want %q", se.Op, tc.op)
				}
			})
		}
	}
}

// An embedding lookup: one row of the table per token id. The gradient of a
// repeated id is the sum over its occurrences.
func ExampleIndexSelect() {
	table := autograd.Param(tensor.MustNew([]float64{
		0.1, 0.2, // id 0
		0.3, 0.4, // id 1
		0.5, 0.6, // id 2
	}, 3, 2))
	ids := []int{2, 0, 2}
	emb := autograd.IndexSelect(table, 0, ids) // [3 2]
	fmt.Println(emb.Value())

	autograd.Sum(emb).Backward()
	fmt.Println(table.Grad()) // id 2 occurs twice
	// Output:
	// Tensor[3 2][[0.5 0.6] [0.1 0.2] [0.5 0.6]]
	// Tensor[3 2][[1 1] [0 0] [2 2]]
}

// Python-style slicing: x[1:, ::2] and x[-1:] of a 3x4 matrix.
func ExampleSlice() {
	x := autograd.Const(tensor.MustNew([]float64{
		0, 1, 2, 3,
		4, 5, 6, 7,
		8, 9, 10, 11,
	}, 3, 4))
	fmt.Println(autograd.Slice(x, autograd.Range{Start: 1, Stop: tensor.End, Step: 1}, autograd.Range{Stop: tensor.End, Step: 2}).Value())
	fmt.Println(autograd.Slice(x, autograd.Range{Start: -1, Stop: tensor.End, Step: 1}).Value())
	// Output:
	// Tensor[2 2][[4 6] [8 10]]
	// Tensor[1 4][[8 9 10 11]]
}
