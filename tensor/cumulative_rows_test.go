package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// cumsumNaive is CumsumInto's definition, a float64 running sum down each
// slice along axis, element by element.
func cumsumNaive[T Float](x *Tensor[T], axis int, reverse bool) []T {
	_, outer, n, inner := alongAxis("cumsumNaive", x.shape, axis)
	out := make([]T, len(x.data))
	for o := range outer {
		for k := range inner {
			var acc float64
			for s := range n {
				i := s
				if reverse {
					i = n - 1 - s
				}
				at := (o*n+i)*inner + k
				acc += float64(x.data[at])
				out[at] = T(acc)
			}
		}
	}
	return out
}

// sameBitsOrNaN reports whether a and b hold the same bits element by
// element, any NaN matching any NaN: which of two NaNs an addition returns
// (and so a NaN's sign and payload) depends on the order in which the
// compiler puts the operands, not on the program.
func sameBitsOrNaN[T Float](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != a[i] && b[i] != b[i] {
			continue
		}
		if math.Float64bits(float64(a[i])) != math.Float64bits(float64(b[i])) {
			return false
		}
	}
	return true
}

// TestCumsumRows checks the row-by-row scan of CumsumInto along a leading
// axis against the element-by-element definition, bit for bit (NaN for
// NaN): odd sizes, widths past a tile, empty axes, -0, Inf and NaN, in
// place and not.
func TestCumsumRows(t *testing.T) {
	t.Run("float32", func(t *testing.T) { checkCumsumRows[float32](t) })
	t.Run("float64", func(t *testing.T) { checkCumsumRows[float64](t) })
}

func checkCumsumRows[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	shapes := []struct {
		shape []int
		axis  int
	}{
		{[]int{7, 3}, 0}, {[]int{1, 5}, 0}, {[]int{0, 4}, 0}, {[]int{5, 0}, 0},
		{[]int{3, 4, 5}, 1}, {[]int{3, 4, 5}, 0}, {[]int{2, 9, 1, 3}, -3},
		{[]int{4, cumTile + 37}, 0}, {[]int{3, 2, 2*cumTile + 1}, -2}, {[]int{300, 17}, 0},
	}
	specials := []float64{math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), 1e30, -1e30}
	for _, c := range shapes {
		x := RandNormal(rng, T(0), 1, c.shape...)
		for i := range x.data {
			if rng.IntN(10) == 0 {
				x.data[i] = T(specials[rng.IntN(len(specials))])
			}
		}
		for _, rev := range []bool{false, true} {
			want := cumsumNaive(x, c.axis, rev)
			got := Zeros[T](c.shape...)
			CumsumInto(got, x, c.axis, rev)
			if !sameBitsOrNaN(got.data, want) {
				t.Errorf("CumsumInto(%v, axis %d, reverse %v) differs from the element-by-element scan", c.shape, c.axis, rev)
			}
			in := x.Clone()
			CumsumInto(in, in, c.axis, rev)
			if !sameBitsOrNaN(in.data, want) {
				t.Errorf("CumsumInto(%v, axis %d, reverse %v) in place differs from the element-by-element scan", c.shape, c.axis, rev)
			}
		}
	}
	// A leading -0 becomes +0, as the scan from 0 makes it.
	x := MustNew([]T{T(math.Copysign(0, -1)), T(math.Copysign(0, -1)), 1, 2}, 2, 2)
	got := Cumsum(x, 0).data
	if math.Signbit(float64(got[0])) || math.Signbit(float64(got[1])) {
		t.Errorf("Cumsum of -0 along axis 0 = %v, want +0", got[:2])
	}
}
