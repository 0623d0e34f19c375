package tensor

import (
	"fmt"
	"math"
	"testing"
)

// TestBroadcastIntoMatchesBinary checks the Into kernels on broadcasts
// where neither operand is a suffix of the other (a column against a
// matrix, axes broadcast on both sides) against the allocating kernels,
// bit for bit, and that they allocate nothing.
func TestBroadcastIntoMatchesBinary(t *testing.T) {
	cases := []struct{ a, b []int }{
		{[]int{4, 1}, []int{4, 3}},
		{[]int{4, 3}, []int{4, 1}},
		{[]int{2, 1, 3}, []int{1, 4, 1}},
		{[]int{5, 1, 1}, []int{5, 2, 3}},
		{[]int{2, 3, 1, 2}, []int{3, 4, 1}},
		{[]int{0, 1}, []int{0, 3}},
		{[]int{3, 1}, []int{3, 0}},
	}
	ops := []struct {
		name string
		into func(dst, a, b *Tensor[float64])
		op   func(a, b *Tensor[float64]) *Tensor[float64]
	}{
		{"Add", AddInto[float64], Add[float64]},
		{"Sub", SubInto[float64], Sub[float64]},
		{"Mul", MulInto[float64], Mul[float64]},
	}
	for _, c := range cases {
		a, b := bcastSeq(c.a, 0.5), bcastSeq(c.b, -1.25)
		for _, op := range ops {
			t.Run(fmt.Sprintf("%s %v %v", op.name, c.a, c.b), func(t *testing.T) {
				want := op.op(a, b)
				dst := Full(math.NaN(), want.shape...)
				op.into(dst, a, b)
				for i := range want.data {
					if math.Float64bits(dst.data[i]) != math.Float64bits(want.data[i]) {
						t.Fatalf("element %d: Into %v, allocating %v", i, dst.data[i], want.data[i])
					}
				}
				if n := testing.AllocsPerRun(10, func() { op.into(dst, a, b) }); n != 0 {
					t.Errorf("%v allocations, want 0", n)
				}
			})
		}
	}
	t.Run("shapes that do not give dst", func(t *testing.T) {
		defer func() {
			if _, ok := recover().(*ShapeError); !ok {
				t.Error("MulInto into a destination of the wrong shape did not panic with a *ShapeError")
			}
		}()
		MulInto(Zeros[float64](4, 4), bcastSeq([]int{4, 1}, 1), bcastSeq([]int{4, 3}, 1))
	})
	// An operand of more axes makes a result of more axes, even when they
	// are 1s: dst [3] cannot hold a [3] + [1 1 3] of shape [1 1 3], on
	// either side, nor dst [1 3] a [3] + [3] (NumPy refuses such an out=
	// too).
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"left", func() { AddInto(Zeros[float64](3), bcastSeq([]int{3}, 1), bcastSeq([]int{1, 1, 3}, 1)) }},
		{"right", func() { SubInto(Zeros[float64](3), bcastSeq([]int{1, 3}, 1), bcastSeq([]int{3}, 1)) }},
		// And a dst of more axes than the result, leading 1s or not.
		{"dst of more axes", func() { AddInto(Zeros[float64](1, 3), bcastSeq([]int{3}, 1), bcastSeq([]int{3}, 1)) }},
		{"dst of more axes, broadcasting", func() { MulInto(Zeros[float64](1, 2, 3), bcastSeq([]int{2, 1}, 1), bcastSeq([]int{3}, 1)) }},
	} {
		t.Run("operand of more axes than dst, "+tc.name, func(t *testing.T) {
			defer func() {
				if _, ok := recover().(*ShapeError); !ok {
					t.Error("did not panic with a *ShapeError")
				}
			}()
			tc.f()
		})
	}
}

// bcastSeq returns a tensor of the shape whose elements are start, start+0.75, ...
func bcastSeq(shape []int, start float64) *Tensor[float64] {
	t := Zeros[float64](shape...)
	for i := range t.data {
		t.data[i] = start + 0.75*float64(i)
	}
	return t
}
