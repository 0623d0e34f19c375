package autograd_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// idxRand returns a tensor of the given shape, uniform in [-2, 2), drawn
// from seed.
func idxRand(seed uint64, shape ...int) *tensor.Tensor[float64] {
	rng := rand.New(rand.NewPCG(seed, 7))
	return tensor.RandUniform(rng, -2.0, 2, shape...)
}

// TestScatterReduceGradcheck checks every reduction, with and without
// self, against finite differences, at duplicate indices and a source
// larger than the index, and the second order.
func TestScatterReduceGradcheck(t *testing.T) {
	idx := tensor.MustIndex([]int{2, 0, 1, 2, 0, 0, 2, 2}, 2, 4)
	for _, red := range []string{"sum", "prod", "mean", "amax", "amin"} {
		for _, self := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s self %t", red, self), func(t *testing.T) {
				f := func(in []*V) *V { return autograd.ScatterReduce(in[0], 0, idx, in[1], red, self) }
				xs := []*tensor.Tensor[float64]{idxRand(1, 3, 4), idxRand(2, 2, 5)}
				gradcheck.Assert(t, f, xs)
				gradcheck.AssertGradGrad(t, f, xs)
			})
		}
	}
}

// TestIndexOpsGradcheck checks the ops at shapes and indices beyond the
// op table's: larger sources, 1-D and 3-D inputs, backward slices.
func TestIndexOpsGradcheck(t *testing.T) {
	tests := []struct {
		name   string
		shapes [][]int
		f      func(in []*V) *V
	}{
		{"Scatter duplicates, larger source", [][]int{{3, 4}, {2, 5}}, func(in []*V) *V {
			return autograd.Scatter(in[0], 0, tensor.MustIndex([]int{2, 0, 1, 2, 0, 1}, 2, 3), in[1])
		}},
		{"ScatterAdd 3-D axis -1", [][]int{{2, 2, 3}, {2, 2, 4}}, func(in []*V) *V {
			return autograd.ScatterAdd(in[0], -1, tensor.MustIndex([]int{0, 0, 2, 1, 1, 1, 2, 0}, 2, 2, 2), in[1])
		}},
		{"IndexAdd []int axis 0", [][]int{{3, 2}, {4, 2}}, func(in []*V) *V {
			return autograd.IndexAdd(in[0], 0, []int{2, 0, 2, 2}, in[1], -1.5)
		}},
		{"Gather 3-D", [][]int{{2, 3, 2}}, func(in []*V) *V {
			return autograd.Gather(in[0], 1, tensor.MustIndex([]int{2, 2, 0, 1, 1, 1, 0, 0}, 2, 2, 2))
		}},
		{"MaskedSelect mask wider than x", [][]int{{3, 1}}, func(in []*V) *V {
			return autograd.MaskedSelect(in[0], tensor.MustMask([]bool{true, false, true, true, true, false}, 3, 2))
		}},
		{"IndexArrays 2-D arrays", [][]int{{4, 3}}, func(in []*V) *V {
			return autograd.IndexArrays(in[0], tensor.MustIndex([]int{3, 3, 0, -1}, 2, 2), tensor.MustIndex([]int{2, 0}, 2))
		}},
		{"Unfold overlapping", [][]int{{3, 5}}, func(in []*V) *V { return autograd.Unfold(in[0], 1, 3, 1) }},
		{"Slice backwards", [][]int{{4, 5}}, func(in []*V) *V {
			return autograd.Slice(in[0], autograd.Range{Start: -1, Stop: tensor.End, Step: -1}, autograd.Range{Start: 3, Stop: 0, Step: -2})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			xs := make([]*tensor.Tensor[float64], len(tc.shapes))
			for i, s := range tc.shapes {
				xs[i] = idxRand(uint64(10+i), s...)
			}
			gradcheck.Assert(t, tc.f, xs)
			gradcheck.AssertGradGrad(t, tc.f, xs)
		})
	}
}

// TestScatterLastWriteWins pins the choice for duplicate indices: the last
// write wins, and only it gets a gradient.
func TestScatterLastWriteWins(t *testing.T) {
	x := autograd.Param(tensor.MustNew([]float64{1, 2, 3}, 3))
	src := autograd.Param(tensor.MustNew([]float64{7, 8, 9}, 3))
	y := autograd.Scatter(x, 0, tensor.MustIndex([]int{1, 1, 1}, 3), src)
	w := autograd.Const(tensor.MustNew([]float64{10, 20, 30}, 3))
	autograd.Sum(autograd.Mul(y, w)).Backward()
	for _, c := range []struct {
		name      string
		got, want []float64
	}{
		{"value", y.Value().Data(), []float64{1, 9, 3}},
		{"d/dx", x.Grad().Data(), []float64{10, 0, 30}},
		{"d/dsrc", src.Grad().Data(), []float64{0, 0, 20}},
	} {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}

// TestIndexOpsFusedMatchesRecorded compares Backward's fused derivative
// with the recorded one (Grad with CreateGraph) for every reduction, when
// the gradient buffer already holds gradient (the input is used twice).
func TestIndexOpsFusedMatchesRecorded(t *testing.T) {
	idx := tensor.MustIndex([]int{2, 0, 1, 2, 0, 0, 2, 2}, 2, 4)
	for _, red := range []string{"sum", "prod", "mean", "amax", "amin"} {
		t.Run(red, func(t *testing.T) {
			mk := func() []*V { return []*V{autograd.Param(idxRand(3, 3, 4)), autograd.Param(idxRand(4, 2, 4))} }
			loss := func(in []*V) *V {
				y := autograd.ScatterReduce(in[0], 0, idx, in[1], red, false)
				return autograd.Add(autograd.Sum(autograd.Mul(y, y)), autograd.Sum(autograd.Mul(in[0], in[0])))
			}
			fused := mk()
			loss(fused).Backward()
			rec := mk()
			gs := autograd.Grad([]*V{loss(rec)}, rec, autograd.CreateGraph())
			for i := range fused {
				if diff := cmp.Diff(gs[i].Value().Data(), fused[i].Grad().Data(), cmpopts.EquateApprox(1e-14, 1e-15)); diff != "" {
					t.Errorf("input %d: fused differs from recorded (-recorded +fused):\n%s", i, diff)
				}
			}
		})
	}
}

// TestIndexOpsErrorsNameTheOp checks that misuse panics with an autograd
// *tensor.ShapeError naming the op, the position and the value.
func TestIndexOpsErrorsNameTheOp(t *testing.T) {
	x := autograd.Param(tensor.Zeros[float64](2, 3))
	src := autograd.Param(tensor.Zeros[float64](2, 3))
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"Gather", func() { autograd.Gather(x, 1, tensor.MustIndex([]int{0, 5}, 1, 2)) },
			"autograd: Gather: index 5 at position [0 1] out of range [0, 3) along axis 1: [2 3] x [1 2]"},
		{"Scatter", func() { autograd.Scatter(x, 0, tensor.MustIndex([]int{2}, 1, 1), src) },
			"autograd: Scatter: index 2 at position [0 0] out of range [0, 2) along axis 0: [2 3] x [1 1]"},
		{"ScatterAdd rank", func() {
			autograd.ScatterAdd(x, 0, tensor.MustIndex([]int{0}, 1, 1), autograd.Param(tensor.Zeros[float64](3)))
		},
			"autograd: ScatterAdd: index has 2 axes, the source 1: [2 3] x [1 1] x [3]"},
		{"ScatterReduce reduction", func() { autograd.ScatterReduce(x, 0, tensor.MustIndex([]int{0}, 1, 1), src, "max", true) },
			`autograd: ScatterReduce: unknown reduction "max": want sum, prod, mean, amax or amin`},
		{"IndexAdd", func() { autograd.IndexAdd(x, 1, []int{0, -1, 2}, src, 1) },
			"autograd: IndexAdd: index -1 at position [1] out of range [0, 3) along axis 1: [2 3] x [2 3]"},
		{"IndexAdd 2-D index", func() { autograd.IndexAdd(x, 1, tensor.MustIndex([]int{0, 1, 2}, 1, 3), src, 1) },
			"autograd: IndexAdd: index must be 1-D, has 2 axes: [2 3] x [1 3] x [2 3]"},
		{"MaskedSelect", func() { autograd.MaskedSelect(x, tensor.MustMask([]bool{true, true}, 2)) },
			"autograd: MaskedSelect: mask does not broadcast with the input: [2 3] x [2]"},
		{"IndexArrays", func() { autograd.IndexArrays(x, tensor.MustIndex([]int{0, 2}, 2)) },
			"autograd: IndexArrays: index 2 of array 0 at position [1] out of range [-2, 2) for axis 0: [2 3] x [2]"},
		{"Unfold", func() { autograd.Unfold(x, 2, 1, 1) }, "autograd: Unfold: axis 2 out of range: [2 3]"},
		{"Slice step 0", func() { autograd.Slice(x, autograd.Range{Stop: tensor.End}) },
			"autograd: Slice: step 0 of axis 0: a slice needs a nonzero step: [2 3]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustShapeError(t, tc.f).Error(); got != tc.want {
				t.Errorf("error\n %s\nwant\n %s", got, tc.want)
			}
		})
	}
}
