package tensor_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/tensor"
)

// The expected values of this file were computed with PyTorch 1.13
// (torch.gather, scatter, scatter_add, scatter_reduce, masked_select,
// advanced indexing and Tensor.unfold) on the same inputs.

func idxArange(n int, shape ...int) *tensor.Tensor[float64] {
	d := make([]float64, n)
	for i := range d {
		d[i] = float64(i)
	}
	return tensor.MustNew(d, shape...)
}

func TestIndexOpsMatchTorch(t *testing.T) {
	x := idxArange(12, 3, 4)
	src := tensor.Full(100.0, 3, 4)
	for i := range src.Data() {
		src.Data()[i] += float64(i)
	}
	i0 := tensor.MustIndex([]int{2, 0, 1, 0, 0, 2}, 2, 3)
	x3 := idxArange(24, 2, 3, 4)
	tests := []struct {
		name  string
		got   *tensor.Tensor[float64]
		shape []int
		want  []float64
	}{
		{"Gather axis 1", tensor.Gather(x, 1, tensor.MustIndex([]int{2, 0, 1, 1, 0, 2}, 3, 2)), []int{3, 2}, []float64{2, 0, 5, 5, 8, 10}},
		{"Gather axis -2", tensor.Gather(x, -2, i0), []int{2, 3}, []float64{8, 1, 6, 0, 1, 10}},
		{"ScatterAdd duplicates add", tensor.ScatterAdd(tensor.Zeros[float64](3, 4), 0, i0, src), []int{3, 4},
			[]float64{104, 206, 0, 0, 0, 0, 102, 0, 100, 0, 106, 0}},
		{"Scatter source larger than index", tensor.Scatter(x, 1, tensor.MustIndex([]int{3, 0, 1}, 3, 1), src), []int{3, 4},
			[]float64{0, 1, 2, 100, 104, 5, 6, 7, 8, 108, 10, 11}},
		{"Scatter last write wins", tensor.Scatter(tensor.Zeros[float64](3), 0, tensor.MustIndex([]int{1, 1, 1}, 3), tensor.MustNew([]float64{7, 8, 9}, 3)),
			[]int{3}, []float64{0, 9, 0}},
		{"MaskedSelect broadcast column", tensor.MaskedSelect(x, tensor.MustMask([]bool{true, false, true}, 3, 1)), []int{8},
			[]float64{0, 1, 2, 3, 8, 9, 10, 11}},
		{"MaskedSelect broadcast row", tensor.MaskedSelect(x, tensor.MustMask([]bool{true, false, false, true}, 4)), []int{6},
			[]float64{0, 3, 4, 7, 8, 11}},
		{"MaskedSelect mask larger than x", tensor.MaskedSelect(tensor.MustNew([]float64{1, 2}, 2), tensor.MustMask([]bool{true, false, true, true}, 2, 2)),
			[]int{3}, []float64{1, 1, 2}},
		{"IndexArrays broadcast, negative", tensor.IndexArrays(x3, tensor.MustIndex([]int{1, 0}, 2, 1), tensor.MustIndex([]int{2, -1, 0}, 3)), []int{2, 3, 4},
			[]float64{20, 21, 22, 23, 20, 21, 22, 23, 12, 13, 14, 15, 8, 9, 10, 11, 8, 9, 10, 11, 0, 1, 2, 3}},
		{"IndexArrays one array", tensor.IndexArrays(x, tensor.MustIndex([]int{2, 2}, 2)), []int{2, 4}, []float64{8, 9, 10, 11, 8, 9, 10, 11}},
		{"Unfold 1-D", tensor.Unfold(idxArange(7, 7), 0, 3, 2), []int{3, 3}, []float64{0, 1, 2, 2, 3, 4, 4, 5, 6}},
		{"Unfold overlapping", tensor.Unfold(x, 1, 2, 1), []int{3, 3, 2},
			[]float64{0, 1, 1, 2, 2, 3, 4, 5, 5, 6, 6, 7, 8, 9, 9, 10, 10, 11}},
		{"Unfold drops the remainder", tensor.Unfold(x, 0, 2, 2), []int{1, 4, 2}, []float64{0, 4, 1, 5, 2, 6, 3, 7}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.shape, tc.got.Shape()); diff != "" {
				t.Errorf("shape (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, tc.got.Data(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScatterReduceMatchesTorch(t *testing.T) {
	x := tensor.MustNew([]float64{1, 2, 3, 4}, 4)
	src := tensor.MustNew([]float64{1, 5, 2, 5, -1, 0}, 6)
	idx := tensor.MustIndex([]int{0, 0, 2, 2, 3, 3}, 6)
	tests := []struct {
		reduce string
		self   bool
		want   []float64
	}{
		{"sum", true, []float64{7, 2, 10, 3}},
		{"sum", false, []float64{6, 2, 7, -1}},
		{"prod", true, []float64{5, 2, 30, 0}},
		{"prod", false, []float64{5, 2, 10, 0}},
		{"mean", true, []float64{7.0 / 3, 2, 10.0 / 3, 1}},
		{"mean", false, []float64{3, 2, 3.5, -0.5}},
		{"amax", true, []float64{5, 2, 5, 4}},
		{"amax", false, []float64{5, 2, 5, 0}},
		{"amin", true, []float64{1, 2, 2, -1}},
		{"amin", false, []float64{1, 2, 2, -1}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s self %t", tc.reduce, tc.self), func(t *testing.T) {
			got := tensor.ScatterReduce(x, 0, idx, src, tc.reduce, tc.self)
			if diff := cmp.Diff(tc.want, got.Data(), cmpopts.EquateApprox(1e-15, 0)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestScatterReduceWeights checks the derivative weights against hand
// derivations, including the exclusive product through a zero and ties
// split evenly.
func TestScatterReduceWeights(t *testing.T) {
	x := tensor.MustNew([]float64{2, 7, 3}, 3)
	src := tensor.MustNew([]float64{0, 5, 3, 3, 4}, 5)
	xo, so := []int{0, 0, 2, 2, 2}, []int{0, 1, 2, 3, 4}
	tests := []struct {
		reduce   string
		self     bool
		wx, wsrc []float64
	}{
		{"sum", true, []float64{1, 1, 1}, []float64{1, 1, 1, 1, 1}},
		{"sum", false, []float64{0, 1, 0}, []float64{1, 1, 1, 1, 1}},
		{"mean", true, []float64{1.0 / 3, 1, 0.25}, []float64{1.0 / 3, 1.0 / 3, 0.25, 0.25, 0.25}},
		{"prod", true, []float64{0, 1, 36}, []float64{10, 0, 36, 36, 27}},
		{"prod", false, []float64{0, 1, 0}, []float64{5, 0, 12, 12, 9}},
		{"amax", true, []float64{0, 1, 0}, []float64{0, 1, 0, 0, 1}},
		{"amin", true, []float64{0, 1, 1.0 / 3}, []float64{1, 0, 1.0 / 3, 1.0 / 3, 0}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s self %t", tc.reduce, tc.self), func(t *testing.T) {
			work := make([]int, tensor.ScatterReduceWork(3, 5))
			out := tensor.Zeros[float64](3)
			tensor.ScatterReduceInto(out, x, src, xo, so, tc.reduce, tc.self, work)
			wx, wsrc := make([]float64, 3), make([]float64, 5)
			tensor.ScatterReduceWeights(wx, wsrc, x, src, out, xo, so, tc.reduce, tc.self, work)
			opt := cmpopts.EquateApprox(1e-15, 0)
			if diff := cmp.Diff(tc.wx, wx, opt); diff != "" {
				t.Errorf("x weights (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wsrc, wsrc, opt); diff != "" {
				t.Errorf("src weights (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIndexMoveInto(t *testing.T) {
	src := tensor.MustNew([]float64{1, 2, 3}, 3)
	dst := tensor.Full(10.0, 4)
	tensor.IndexMoveInto(dst, src, []int{3, 0, 3}, []int{0, 1, 2}, []float64{1, 0, 2}, 0.5, 1)
	if diff := cmp.Diff([]float64{10, 10, 10, 13.5}, dst.Data()); diff != "" {
		t.Errorf("scatter-add (-want +got):\n%s", diff)
	}
	tensor.IndexMoveInto(dst, src, nil, []int{2, 2}, nil, 1, 0)
	if diff := cmp.Diff([]float64{3, 3, 0, 0}, dst.Data()); diff != "" {
		t.Errorf("gather (-want +got):\n%s", diff)
	}
}

// TestIndexOpsErrors checks that misuse panics with a *ShapeError that
// names the op, the position and the value.
func TestIndexOpsErrors(t *testing.T) {
	x := tensor.Zeros[float64](2, 3)
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"Gather out of range", func() { tensor.Gather(x, 1, tensor.MustIndex([]int{0, 1, 3, 0}, 2, 2)) },
			"tensor: Gather: index 3 at position [1 0] out of range [0, 3) along axis 1: [2 3] x [2 2]"},
		{"Gather negative index", func() { tensor.Gather(x, 0, tensor.MustIndex([]int{-1}, 1, 1)) },
			"tensor: Gather: index -1 at position [0 0] out of range [0, 2) along axis 0: [2 3] x [1 1]"},
		{"Gather rank", func() { tensor.Gather(x, 0, tensor.MustIndex([]int{0}, 1)) },
			"tensor: Gather: index has 1 axes, the input 2: [2 3] x [1]"},
		{"Gather too wide", func() { tensor.Gather(x, 0, tensor.MustIndex([]int{0, 0, 0, 0}, 1, 4)) },
			"tensor: Gather: index has size 4 along axis 1, more than the input's 3: [2 3] x [1 4]"},
		{"Scatter small source", func() { tensor.Scatter(x, 0, tensor.MustIndex([]int{0, 0}, 1, 2), tensor.Zeros[float64](1, 1)) },
			"tensor: Scatter: index has size 2 along axis 1, more than the source's 1: [2 3] x [1 2] x [1 1]"},
		{"ScatterReduce unknown", func() { tensor.ScatterReduce(x, 0, tensor.MustIndex([]int{0}, 1, 1), x, "max", true) },
			`tensor: ScatterReduce: unknown reduction "max": want sum, prod, mean, amax or amin`},
		{"ScatterReduceInto offset outside x", func() {
			x4, src := tensor.Zeros[float64](4), tensor.Zeros[float64](2)
			tensor.ScatterReduceInto(tensor.Zeros[float64](4), x4, src, []int{0, 7}, []int{0, 1}, "sum", true, make([]int, tensor.ScatterReduceWork(4, 2)))
		}, "tensor: ScatterReduceInto: offset xo[1] = 7 outside the 4 elements of x: [4] x [2]"},
		{"ScatterReduceInto offset outside src", func() {
			x4, src := tensor.Zeros[float64](4), tensor.Zeros[float64](2)
			tensor.ScatterReduceInto(tensor.Zeros[float64](4), x4, src, []int{0, 1}, []int{0, -1}, "sum", true, make([]int, tensor.ScatterReduceWork(4, 2)))
		}, "tensor: ScatterReduceInto: offset so[1] = -1 outside the 2 elements of src: [4] x [2]"},
		{"ScatterReduceWeights small result", func() {
			x4, src := tensor.Zeros[float64](4), tensor.Zeros[float64](2)
			tensor.ScatterReduceWeights(make([]float64, 4), make([]float64, 2), x4, src, tensor.Zeros[float64](1), []int{0, 3}, []int{0, 1}, "amax", true, make([]int, tensor.ScatterReduceWork(4, 2)))
		}, "tensor: ScatterReduceWeights: weights, result, offsets or work space do not fit: [4] x [2] x [1]"},
		{"ScatterReduceWeights offset outside x", func() {
			x4, src := tensor.Zeros[float64](4), tensor.Zeros[float64](2)
			tensor.ScatterReduceWeights(make([]float64, 4), make([]float64, 2), x4, src, tensor.Zeros[float64](4), []int{0, 4}, []int{0, 1}, "amax", true, make([]int, tensor.ScatterReduceWork(4, 2)))
		}, "tensor: ScatterReduceWeights: offset xo[1] = 4 outside the 4 elements of x: [4] x [2]"},
		{"ScatterReduceInto into its source", func() {
			x4, src := tensor.Zeros[float64](4), tensor.Zeros[float64](4)
			tensor.ScatterReduceInto(src, x4, src, []int{0, 1}, []int{0, 1}, "sum", true, make([]int, tensor.ScatterReduceWork(4, 2)))
		}, "tensor: ScatterReduceInto: dst shares memory with an operand: give it a tensor of its own: [4] x [4]"},
		{"IndexMoveInto in place", func() {
			v := tensor.Zeros[float64](4)
			tensor.IndexMoveInto(v, v, nil, []int{3, 2, 1, 0}, nil, 1, 0)
		}, "tensor: IndexMoveInto: dst shares memory with an operand: give it a tensor of its own: [4] x [4]"},
		{"MaskedSelect broadcast", func() { tensor.MaskedSelect(x, tensor.MustMask([]bool{true, false}, 2)) },
			"tensor: MaskedSelect: mask does not broadcast with the input: [2 3] x [2]"},
		{"IndexArrays out of range", func() { tensor.IndexArrays(x, tensor.MustIndex([]int{0, 1}, 2), tensor.MustIndex([]int{-4}, 1)) },
			"tensor: IndexArrays: index -4 of array 1 at position [0] out of range [-3, 3) for axis 1: [2 3] x [1]"},
		{"IndexArrays no broadcast", func() { tensor.IndexArrays(x, tensor.MustIndex([]int{0, 1}, 2), tensor.MustIndex([]int{0, 1, 2}, 3)) },
			"tensor: IndexArrays: index array 1 of shape [3] does not broadcast with the ones before it: [2 3]"},
		{"IndexArrays too many", func() {
			i := tensor.MustIndex([]int{0}, 1)
			tensor.IndexArrays(x, i, i, i)
		}, "tensor: IndexArrays: 3 index arrays for 2 axes: [2 3]"},
		{"Unfold size", func() { tensor.Unfold(x, 1, 4, 1) }, "tensor: Unfold: window size 4 outside [0, 3] along axis 1: [2 3]"},
		{"Unfold step", func() { tensor.Unfold(x, 1, 2, 0) }, "tensor: Unfold: step 0 must be positive: [2 3]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				var e *tensor.ShapeError
				r := recover()
				err, _ := r.(error)
				if !errors.As(err, &e) {
					t.Fatalf("panic %v, want a *tensor.ShapeError", r)
				}
				if e.Error() != tc.want {
					t.Errorf("error\n %s\nwant\n %s", e, tc.want)
				}
			}()
			tc.f()
		})
	}
}

// TestIndexOffsetsAllocateNothing checks that the offset builders write
// into the caller's slice without allocating.
func TestIndexOffsetsAllocateNothing(t *testing.T) {
	shape := []int{3, 4, 5}
	idx := tensor.MustIndex(make([]int, 2*4*5), 2, 4, 5)
	mask := tensor.MustMask([]bool{true, false, true, true, false}, 5)
	a, b := tensor.MustIndex([]int{0, 2}, 2, 1), tensor.MustIndex([]int{1, -1, 0}, 3)
	buf := make([]int, 200)
	var sb [8]int
	n := testing.AllocsPerRun(10, func() {
		tensor.AxisOffsets(buf, shape, 1, idx)
		tensor.BoxOffsets(buf, shape, []int{2, 4, 5})
		tensor.MaskedOffsets(buf, shape, mask)
		tensor.IndexArraysOffsets(buf, shape, a, b)
		tensor.IndexArraysShape(sb[:0], shape, a, b)
		tensor.UnfoldOffsets(buf, shape, 2, 3, 2)
		tensor.UnfoldShape(sb[:0], shape, 2, 3, 2)
	})
	if n != 0 {
		t.Errorf("%v allocations, want 0", n)
	}
}

// TestScatterReduceIntoItsInput: dst may be x (it is copied first).
func TestScatterReduceIntoItsInput(t *testing.T) {
	x := tensor.MustNew([]float64{5, 1, 2, 7}, 4)
	src := tensor.MustNew([]float64{5, 3, 1, 1, 0}, 5)
	xo, so := []int{0, 0, 1, 1, 2}, []int{0, 1, 2, 3, 4}
	want := tensor.Zeros[float64](4)
	tensor.ScatterReduceInto(want, x, src, xo, so, "sum", true, make([]int, tensor.ScatterReduceWork(4, 5)))
	tensor.ScatterReduceInto(x, x, src, xo, so, "sum", true, make([]int, tensor.ScatterReduceWork(4, 5)))
	if diff := cmp.Diff(want.Data(), x.Data()); diff != "" {
		t.Errorf("in place (-into a new tensor +in place):\n%s", diff)
	}
}
