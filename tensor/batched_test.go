package tensor_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/tensor"
)

// shpBatchView is what the batched matmul tests compare.
type shpBatchView struct {
	Shape []int
	Data  []float64
}

func shpViewOf[T tensor.Float](x *tensor.Tensor[T]) shpBatchView {
	d := make([]float64, x.Len())
	for i, v := range x.Data() {
		d[i] = float64(v)
	}
	return shpBatchView{Shape: x.Shape(), Data: d}
}

// shpNaiveBatchMatMul computes op(a)·op(b) one output element at a time: for
// every index of the broadcast batch, the matching matrix of each operand
// (index 0 along its size-1 or missing batch axes), and a plain triple loop
// with element reads by explicit index arithmetic.
func shpNaiveBatchMatMul(as []int, a []float64, bs []int, b []float64, transA, transB bool) shpBatchView {
	ra, rb := len(as), len(bs)
	m, k := as[ra-2], as[ra-1]
	if transA {
		m, k = k, m
	}
	n := bs[rb-1]
	if transB {
		n = bs[rb-2]
	}
	nb := max(ra, rb) - 2
	batch := make([]int, nb)
	for i := 1; i <= nb; i++ {
		da, db := 1, 1
		if i <= ra-2 {
			da = as[ra-2-i]
		}
		if i <= rb-2 {
			db = bs[rb-2-i]
		}
		batch[nb-i] = da
		if da == 1 {
			batch[nb-i] = db
		}
	}
	out := append(append([]int{}, batch...), m, n)
	total := 1
	for _, d := range out {
		total *= d
	}
	res := make([]float64, total)
	// offset of matrix element (r, c) of the operand of shape s at batch index bi.
	at := func(s []int, bi []int, r, c int) int {
		rank := len(s)
		off := 0
		for ax := 0; ax < rank-2; ax++ {
			i := bi[nb-(rank-2)+ax]
			if s[ax] == 1 {
				i = 0
			}
			off = off*s[ax] + i
		}
		return (off*s[rank-2]+r)*s[rank-1] + c
	}
	bi := make([]int, nb)
	for o := range res {
		rem := o
		j := rem % n
		rem /= n
		i := rem % m
		rem /= m
		for ax := nb - 1; ax >= 0; ax-- {
			bi[ax] = rem % batch[ax]
			rem /= batch[ax]
		}
		var s float64
		for p := 0; p < k; p++ {
			ai := at(as, bi, i, p)
			if transA {
				ai = at(as, bi, p, i)
			}
			bj := at(bs, bi, p, j)
			if transB {
				bj = at(bs, bi, j, p)
			}
			s += a[ai] * b[bj]
		}
		res[o] = s
	}
	return shpBatchView{Shape: out, Data: res}
}

func shpRandTensor[T tensor.Float](rng *rand.Rand, shape ...int) *tensor.Tensor[T] {
	return tensor.RandUniform(rng, T(-2), T(2), shape...)
}

func shpWiden[T tensor.Float](xs []T) []float64 {
	out := make([]float64, len(xs))
	for i, v := range xs {
		out[i] = float64(v)
	}
	return out
}

func TestBatchMatMulMatchesNaive(t *testing.T) {
	tests := []struct {
		a, b []int // stored shapes
		ta   bool
		tb   bool
	}{
		{[]int{3, 4}, []int{4, 2}, false, false},
		{[]int{4, 3}, []int{2, 4}, true, true},
		{[]int{2, 3, 4}, []int{2, 4, 5}, false, false},
		{[]int{2, 2, 3}, []int{3, 4}, false, false}, // folded into one Gemm
		{[]int{2, 2, 3}, []int{4, 3}, false, true},  // folded, b transposed
		{[]int{2, 3, 2}, []int{3, 4}, true, false},  // not foldable: a transposed
		{[]int{3, 4}, []int{2, 4, 5}, false, false}, // a shared by the batch
		{[]int{2, 1, 2, 3}, []int{3, 3, 2}, false, false},
		{[]int{2, 1, 3, 2}, []int{3, 2, 3}, true, true},
		{[]int{1, 3, 2, 3}, []int{4, 1, 2, 3}, false, true},
		{[]int{5, 1, 4}, []int{5, 4, 1}, false, false}, // per-batch dot products
		{[]int{2, 3, 0}, []int{2, 0, 4}, false, false}, // k = 0: zeros
		{[]int{0, 3, 2}, []int{2, 4}, false, false},    // empty batch
		{[]int{2, 0, 3}, []int{2, 3, 4}, false, false}, // m = 0
	}
	rng := rand.New(rand.NewPCG(11, 12))
	opts := cmp.Options{cmpopts.EquateApprox(1e-12, 1e-12), cmpopts.EquateEmpty()}
	opts32 := cmp.Options{cmpopts.EquateApprox(1e-5, 1e-5), cmpopts.EquateEmpty()}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%v·%v transA=%v transB=%v", tc.a, tc.b, tc.ta, tc.tb), func(t *testing.T) {
			a, b := shpRandTensor[float64](rng, tc.a...), shpRandTensor[float64](rng, tc.b...)
			want := shpNaiveBatchMatMul(tc.a, a.Data(), tc.b, b.Data(), tc.ta, tc.tb)
			if d := cmp.Diff(want, shpViewOf(tensor.BatchMatMul(a, b, tc.ta, tc.tb)), opts); d != "" {
				t.Errorf("float64 (-naive +got):\n%s", d)
			}
			a32, b32 := shpRandTensor[float32](rng, tc.a...), shpRandTensor[float32](rng, tc.b...)
			want = shpNaiveBatchMatMul(tc.a, shpWiden(a32.Data()), tc.b, shpWiden(b32.Data()), tc.ta, tc.tb)
			if d := cmp.Diff(want, shpViewOf(tensor.BatchMatMul(a32, b32, tc.ta, tc.tb)), opts32); d != "" {
				t.Errorf("float32 (-naive +got):\n%s", d)
			}
		})
	}
}

// TestBatchMatMulLeavesOperands checks that the operands are only read.
func TestBatchMatMulLeavesOperands(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a, b := shpRandTensor[float64](rng, 2, 4, 4), shpRandTensor[float64](rng, 4, 4)
	ac, bc := a.Clone(), b.Clone()
	tensor.BatchMatMul(a, b, false, false)
	tensor.BatchMatMul(a, b, true, true)
	if !cmp.Equal(a.Data(), ac.Data()) || !cmp.Equal(b.Data(), bc.Data()) {
		t.Fatal("BatchMatMul modified an operand")
	}
}

func TestBatchMatMulErrors(t *testing.T) {
	tests := []struct {
		name string
		a, b []int
		ta   bool
		want string
	}{
		{"vector", []int{3}, []int{3, 4}, false, "tensor: BatchMatMul: operands must be at least 2-D: [3] x [3 4]"},
		{"inner", []int{2, 3, 4}, []int{5, 6}, false, "tensor: BatchMatMul: inner dimensions differ: [2 3 4] x [5 6]"},
		{"inner transposed", []int{2, 3, 4}, []int{4, 6}, true, "tensor: BatchMatMul: inner dimensions differ: [2 3 4] x [4 6]"},
		{"batch", []int{2, 3, 4}, []int{3, 4, 5}, false, "tensor: BatchMatMul: batch dimensions do not broadcast: [2 3 4] x [3 4 5]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r any
			func() {
				defer func() { r = recover() }()
				tensor.BatchMatMul(tensor.Zeros[float64](tc.a...), tensor.Zeros[float64](tc.b...), tc.ta, false)
			}()
			err, _ := r.(error)
			var se *tensor.ShapeError
			if !errors.As(err, &se) {
				t.Fatalf("panic %v, want a *tensor.ShapeError", r)
			}
			if se.Error() != tc.want {
				t.Errorf("message %q, want %q", se.Error(), tc.want)
			}
		})
	}
}

// A batch of two 2x2 matrices times one shared matrix, and a broadcast batch.
func ExampleBatchMatMul() {
	a := tensor.MustNew([]float64{
		1, 0, 0, 1, // identity
		0, 1, 1, 0, // swap
	}, 2, 2, 2)
	b := tensor.MustNew([]float64{1, 2, 3, 4}, 2, 2)
	fmt.Println(tensor.BatchMatMul(a, b, false, false))

	// [2 1 2 2]·[3 2 2] broadcasts the batch to [2 3].
	fmt.Println(tensor.BatchMatMul(tensor.Zeros[float64](2, 1, 2, 2), tensor.Zeros[float64](3, 2, 2), false, false).Shape())
	// Output:
	// Tensor[2 2 2][[[1 2] [3 4]] [[3 4] [1 2]]]
	// [2 3 2 2]
}
