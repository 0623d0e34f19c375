package tensor

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// argsortMerge is ArgsortInto by the comparison merge sort, for any T: the
// reference for the radix sort of float32.
func argsortMerge[T Float](x *Tensor[T], axis int, desc bool) []int {
	_, outer, n, inner := alongAxis("argsortMerge", x.shape, axis)
	idx := make([]int, len(x.data))
	perm, tmp := make([]int, n), make([]int, n)
	for o := range outer {
		for k := range inner {
			base := o*n*inner + k
			for i := range perm {
				perm[i] = i
			}
			mergeSortAlong(perm, tmp, x.data, base, inner, desc)
			for i, p := range perm {
				idx[base+i*inner] = p
			}
		}
	}
	return idx
}

// TestArgsortRadix checks ArgsortInto on float32 (the radix sort) against
// the merge sort, index for index: short and long slices, along the last
// axis and a leading one, both directions, with many ties, ±0, ±Inf, NaNs
// of either sign, denormals.
func TestArgsortRadix(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 1))
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), -float32(math.NaN()), math.Float32frombits(0x7f800001), 1e-45, -1e-45,
		math.MaxFloat32, -math.MaxFloat32, 1, -1}
	cases := []struct {
		shape []int
		axis  int
	}{
		{[]int{0}, 0}, {[]int{1}, 0}, {[]int{2}, 0}, {[]int{3, radixMin - 1}, 1}, {[]int{3, radixMin}, 1},
		{[]int{2, radixMin + 1}, -1}, {[]int{4, 300}, 1}, {[]int{4100}, 0}, {[]int{300, 5}, 0},
		{[]int{3, 70, 4}, 1}, {[]int{2, 0, 3}, 1}, {[]int{}, 0},
	}
	for _, c := range cases {
		for _, mode := range []string{"normal", "ties", "specials"} {
			x := RandNormal(rng, float32(0), 1, c.shape...)
			for i := range x.data {
				switch mode {
				case "ties":
					x.data[i] = float32(rng.IntN(5) - 2)
				case "specials":
					if rng.IntN(3) == 0 {
						x.data[i] = specials[rng.IntN(len(specials))]
					}
				}
			}
			for _, desc := range []bool{false, true} {
				want := argsortMerge(x, c.axis, desc)
				_, _, n, _ := alongAxis("test", x.shape, c.axis)
				got := make([]int, len(x.data))
				ArgsortInto(got, x, c.axis, desc, make([]int, 2*n))
				if !slices.Equal(got, want) {
					t.Fatalf("ArgsortInto(%v %s, axis %d, descending %v) = %v, want %v", c.shape, mode, c.axis, desc, got, want)
				}
			}
		}
	}
}

// TestRadixKey32Order checks that radixKey32 orders every pair of a set of
// values as sortBefore does, both ways and in both directions.
func TestRadixKey32Order(t *testing.T) {
	vals := []float32{float32(math.Inf(-1)), -math.MaxFloat32, -2, -1, -1e-45, float32(math.Copysign(0, -1)), 0,
		1e-45, 1, 2, math.MaxFloat32, float32(math.Inf(1)), float32(math.NaN()), -float32(math.NaN())}
	for _, desc := range []bool{false, true} {
		for _, a := range vals {
			for _, b := range vals {
				if got, want := radixKey32(a, desc) < radixKey32(b, desc), sortBefore(a, b, desc); got != want {
					t.Errorf("descending %v: key(%v) < key(%v) is %v, sortBefore %v", desc, a, b, got, want)
				}
			}
		}
	}
}

// TestRadixable pins the longest slice the radix sort takes: its digit
// counts are int32s, so a slice of 2³¹ elements or more goes to the merge
// sort (and every slice does where int has 32 bits).
func TestRadixable(t *testing.T) {
	limit := int64(math.MaxInt32) // a variable: 2³¹ does not fit a 32-bit int constant
	if strconv.IntSize != 64 {
		if radixable(1) {
			t.Error("radixable(1) with 32-bit ints")
		}
		return
	}
	for _, c := range []struct {
		n    int64
		want bool
	}{{0, true}, {1, true}, {limit, true}, {limit + 1, false}, {4 * limit, false}} {
		if got := radixable(int(c.n)); got != c.want {
			t.Errorf("radixable(%d) = %v, want %v", c.n, got, c.want)
		}
	}
}
