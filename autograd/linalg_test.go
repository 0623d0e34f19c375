package autograd_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// shpNaiveMatMul is torch.matmul written as loops, for reference: a vector a
// is a row [1 k], a vector b a column [k 1]; for every index of the
// broadcast batch each operand contributes its matrix at that index (index 0
// along its size-1 or missing batch axes). Besides the product it returns the
// gradients of Sum(a·b ∘ w) with respect to a and b, accumulated in the same
// loop: every term a[i,p]·b[p,j] adds w[i,j]·b[p,j] to a's gradient and
// w[i,j]·a[i,p] to b's, so broadcast batches sum by construction. A nil w
// counts as zeros (for when only the shape is wanted).
func shpNaiveMatMul(as []int, a []float64, bs []int, b []float64, w []float64) (outShape []int, y, ga, gb []float64) {
	a2, b2 := as, bs
	if len(as) == 1 {
		a2 = []int{1, as[0]}
	}
	if len(bs) == 1 {
		b2 = []int{bs[0], 1}
	}
	ra, rb := len(a2), len(b2)
	m, k, n := a2[ra-2], a2[ra-1], b2[rb-1]
	nb := max(ra, rb) - 2
	batch := make([]int, nb)
	for i := range batch {
		da, db := 1, 1
		if j := i - (nb - (ra - 2)); j >= 0 {
			da = a2[j]
		}
		if j := i - (nb - (rb - 2)); j >= 0 {
			db = b2[j]
		}
		batch[i] = da
		if da == 1 {
			batch[i] = db
		}
	}
	// offset of element (r, c) of the operand of matrix shape s at batch index bi.
	at := func(s, bi []int, r, c int) int {
		off := 0
		for ax := 0; ax < len(s)-2; ax++ {
			i := bi[nb-(len(s)-2)+ax]
			if s[ax] == 1 {
				i = 0
			}
			off = off*s[ax] + i
		}
		return (off*s[len(s)-2]+r)*s[len(s)-1] + c
	}
	outShape = slices.Clone(batch)
	if len(as) > 1 {
		outShape = append(outShape, m)
	}
	if len(bs) > 1 {
		outShape = append(outShape, n)
	}
	full := append(slices.Clone(batch), m, n) // same element order as outShape
	y = make([]float64, shpNumel(full))
	ga, gb = make([]float64, len(a)), make([]float64, len(b))
	for o := range y {
		idx := shpUnravel(o, full)
		bi, i, j := idx[:nb], idx[nb], idx[nb+1]
		wo := 0.0
		if w != nil {
			wo = w[o]
		}
		for p := 0; p < k; p++ {
			ia, ib := at(a2, bi, i, p), at(b2, bi, p, j)
			y[o] += a[ia] * b[ib]
			ga[ia] += wo * b[ib]
			gb[ib] += wo * a[ia]
		}
	}
	return outShape, y, ga, gb
}

// TestShpMatMulMatchesNaive checks MatMul's value and both gradients, in
// float64 and float32, against the naive loops for every rule of
// torch.matmul: vector·vector, vector·matrix, matrix·vector, matrix·matrix,
// and batches that broadcast.
func TestShpMatMulMatchesNaive(t *testing.T) {
	tests := []struct{ a, b []int }{
		{[]int{3}, []int{3}},
		{[]int{3}, []int{3, 4}},
		{[]int{2, 3}, []int{3}},
		{[]int{2, 3}, []int{3, 4}},
		{[]int{2, 2, 3}, []int{3, 4}},
		{[]int{2, 1, 2, 3}, []int{3, 3, 2}},
		{[]int{3}, []int{2, 3, 4}},
		{[]int{2, 3, 4}, []int{4}},
		{[]int{3, 4}, []int{2, 4, 5}},
		{[]int{1, 2, 3}, []int{3, 1, 3, 2}},
		{[]int{2, 2, 1, 3}, []int{2, 1, 3, 2}},
		{[]int{5}, []int{4, 1, 5, 2}},
		{[]int{2, 0, 3}, []int{3, 2}}, // empty batch
		{[]int{2, 3, 0}, []int{0}},    // k = 0: zeros
	}
	for i, tc := range tests {
		t.Run(fmt.Sprintf("%v x %v", tc.a, tc.b), func(t *testing.T) {
			defer failOnPanic(t)
			a32, b32 := draw32(in(anyReal, tc.a...), uint64(800+10*i)), draw32(in(anyReal, tc.b...), uint64(801+10*i))
			a64, b64 := viewOf(a32).Data, viewOf(b32).Data
			out, _, _, _ := shpNaiveMatMul(tc.a, a64, tc.b, b64, nil)
			w32 := draw32(in(anyReal, out...), uint64(802+10*i))
			wantShape, y, ga, gb := shpNaiveMatMul(tc.a, a64, tc.b, b64, viewOf(w32).Data)

			shpCheckMatMul[float64](t, "float64", a32, b32, w32, view(wantShape, y...), view(tc.a, ga...), view(tc.b, gb...), 1e-12)
			shpCheckMatMul[float32](t, "float32", a32, b32, w32, view(wantShape, y...), view(tc.a, ga...), view(tc.b, gb...), 1e-5)
		})
	}
}

func shpCheckMatMul[T autograd.Float](t *testing.T, prec string, a, b, w *tensor.Tensor[float32], y, ga, gb tensorView, tol float64) {
	t.Helper()
	pa, pb := autograd.Param(convert[T](a)), autograd.Param(convert[T](b))
	out := autograd.MatMul(pa, pb)
	want := "MatMul" // a vector's product is reshaped to drop the added axis
	if a.Dims() == 1 || b.Dims() == 1 {
		want = "Reshape"
	}
	if out.Op() != want {
		t.Errorf("%s: Op() = %q, want %q", prec, out.Op(), want)
	}
	checkTensor(t, prec+" a·b", out.Value(), y, tol)
	autograd.Sum(autograd.Mul(out, autograd.Const(convert[T](w)))).Backward()
	checkTensor(t, prec+" dL/da", pa.Grad(), ga, tol)
	checkTensor(t, prec+" dL/db", pb.Grad(), gb, tol)
}

// TestShpMatMulKnownValues pins the vector rules on small literal cases.
func TestShpMatMulKnownValues(t *testing.T) {
	v := autograd.Const(t64([]float64{1, 2, 3}, 3))
	m := autograd.Const(t64([]float64{1, 0, 2, 1, 0, 3, 1, 1, 0, 0, 2, 1}, 3, 4))
	r := autograd.Const(t64([]float64{1, 1, 1, 2, 0, -1}, 2, 3))
	checkTensor(t, "[3]·[3]", autograd.MatMul(v, v).Value(), view([]int{}, 14), 0)
	checkTensor(t, "[3]·[3 4]", autograd.MatMul(v, m).Value(), view([]int{4}, 1, 6, 10, 6), 0)
	checkTensor(t, "[2 3]·[3]", autograd.MatMul(r, v).Value(), view([]int{2}, 6, -1), 0)
}

// TestShpMatMulTBatched checks the batched transposed forms against MatMul
// of explicitly permuted operands.
func TestShpMatMulTBatched(t *testing.T) {
	for i, tc := range []struct {
		ta, tb bool
		a, b   []int
	}{
		{false, true, []int{2, 3, 4}, []int{2, 5, 4}},
		{true, false, []int{2, 1, 4, 3}, []int{3, 4, 2}},
		{true, true, []int{4, 3}, []int{2, 2, 4}},
		{false, false, []int{3, 2, 4}, []int{4, 1}},
	} {
		t.Run(fmt.Sprintf("transA=%v transB=%v %v x %v", tc.ta, tc.tb, tc.a, tc.b), func(t *testing.T) {
			defer failOnPanic(t)
			a := autograd.Const(in(anyReal, tc.a...).draw(uint64(900 + i)))
			b := autograd.Const(in(anyReal, tc.b...).draw(uint64(950 + i)))
			swapLast := func(v *V) *V {
				p := make([]int, len(v.Shape()))
				for j := range p {
					p[j] = j
				}
				p[len(p)-1], p[len(p)-2] = p[len(p)-2], p[len(p)-1]
				return autograd.Permute(v, p...)
			}
			ea, eb := a, b
			if tc.ta {
				ea = swapLast(a)
			}
			if tc.tb {
				eb = swapLast(b)
			}
			want := autograd.MatMul(ea, eb)
			checkTensor(t, "MatMulT", autograd.MatMulT(a, b, tc.ta, tc.tb).Value(), viewOf(want.Value()), 1e-12)
		})
	}
}

// TestShpMatMulShapeErrors checks MatMul's and MatMulT's errors: both full
// shapes are named, whatever rule applies.
func TestShpMatMulShapeErrors(t *testing.T) {
	tests := []struct {
		name string
		f    func(l func(shape ...int) *V)
		want string
	}{
		{"batched inner dimensions", func(l func(...int) *V) { autograd.MatMul(l(2, 3, 4), l(5, 6)) },
			"autograd: MatMul: inner dimensions differ: [2 3 4] x [5 6]"},
		{"vectors of different lengths", func(l func(...int) *V) { autograd.MatMul(l(3), l(4)) },
			"autograd: MatMul: inner dimensions differ: [3] x [4]"},
		{"vector·batch", func(l func(...int) *V) { autograd.MatMul(l(3), l(2, 4, 5)) },
			"autograd: MatMul: inner dimensions differ: [3] x [2 4 5]"},
		{"batch·vector", func(l func(...int) *V) { autograd.MatMul(l(2, 4, 5), l(4)) },
			"autograd: MatMul: inner dimensions differ: [2 4 5] x [4]"},
		{"batches do not broadcast", func(l func(...int) *V) { autograd.MatMul(l(2, 3, 4), l(3, 4, 5)) },
			"autograd: MatMul: batch dimensions do not broadcast: [2 3 4] x [3 4 5]"},
		{"0-d operand", func(l func(...int) *V) { autograd.MatMul(l(), l(3)) },
			"autograd: MatMul: operands must be at least 1-D: [] x [3]"},
		{"2-D inner dimensions", func(l func(...int) *V) { autograd.MatMul(l(3, 4), l(5, 2)) },
			"autograd: MatMul: inner dimensions differ: [3 4] x [5 2]"},
		{"MatMulT vector", func(l func(...int) *V) { autograd.MatMulT(l(3), l(3, 4), false, false) },
			"autograd: MatMul: operands must be at least 2-D: [3] x [3 4]"},
		{"MatMulT batched inner dimensions", func(l func(...int) *V) { autograd.MatMulT(l(2, 3, 4), l(3, 5), false, true) },
			"autograd: MatMul: inner dimensions differ: [2 3 4] x [3 5]"},
		{"MatMulT batches do not broadcast", func(l func(...int) *V) { autograd.MatMulT(l(2, 4, 3), l(3, 4, 5), true, false) },
			"autograd: MatMul: batch dimensions do not broadcast: [2 4 3] x [3 4 5]"},
	}
	for _, tc := range tests {
		for _, lf := range []struct {
			name string
			make func(t *tensor.Tensor[float64]) *V
		}{{"Const", autograd.Const[float64]}, {"Param", autograd.Param[float64]}} {
			t.Run(tc.name+"/"+lf.name, func(t *testing.T) {
				se := mustShapeError(t, func() { tc.f(func(s ...int) *V { return lf.make(tensor.Zeros[float64](s...)) }) })
				if got := se.Error(); got != tc.want {
					t.Errorf("message:\n got %q\nwant %q", got, tc.want)
				}
				if se.Op != "MatMul" {
					t.Errorf("Op = %q, want \"MatMul\"", se.Op)
				}
			})
		}
	}
}

// Batched matrix products follow torch.matmul: a batch of matrices times one
// shared matrix, and a vector times a batch.
func ExampleMatMul() {
	x := autograd.Param(tensor.MustNew([]float64{
		1, 2, // batch 0
		3, 4,
		5, 6, // batch 1
		7, 8,
	}, 2, 2, 2))
	w := autograd.Param(tensor.MustNew([]float64{1, 0, 0, 2}, 2, 2))
	y := autograd.MatMul(x, w) // [2 2 2]
	fmt.Println(y.Value())

	v := autograd.Const(tensor.MustNew([]float64{1, -1}, 2))
	fmt.Println(autograd.MatMul(v, x).Value()) // [2]·[2 2 2] → [2 2]

	autograd.Sum(y).Backward()
	fmt.Println(w.Grad()) // summed over the batch
	// Output:
	// Tensor[2 2 2][[[1 4] [3 8]] [[5 12] [7 16]]]
	// Tensor[2 2][[-2 -2] [-2 -2]]
	// Tensor[2 2][[16 16] [20 20]]
}
