package tensor

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAxisOffsetsAdd checks the fused offsets and additions against
// AxisOffsets followed by a loop over the offsets, bit for bit (offsets
// and sums), in float32 and float64, along every axis of shapes with size
// 1 axes, odd sizes and an index smaller than x, with repeated positions
// and NaN and ±Inf in the source; and an empty index.
func TestAxisOffsetsAdd(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testAxisOffsetsAdd[float32](t) })
	t.Run("float64", func(t *testing.T) { testAxisOffsetsAdd[float64](t) })
}

func testAxisOffsetsAdd[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cases := []struct{ x, index []int }{
		{[]int{1}, []int{1}},
		{[]int{5}, []int{9}},
		{[]int{4, 7}, []int{4, 7}},
		{[]int{4, 7}, []int{3, 5}},
		{[]int{1, 33}, []int{1, 40}},
		{[]int{3, 5, 6}, []int{2, 5, 3}},
		{[]int{2, 3, 4, 5}, []int{2, 3, 4, 5}},
		{[]int{4, 7}, []int{0, 7}},
		{[]int{4, 7}, []int{4, 0}},
	}
	for _, c := range cases {
		for axis := -1; axis < len(c.x); axis++ {
			if axis == -1 && len(c.x) == 1 {
				continue
			}
			ax := (axis + len(c.x)) % len(c.x)
			if !indexFits(c.x, c.index, ax) {
				continue
			}
			n := prodInts(c.index)
			idx := make([]int, n)
			for i := range idx {
				idx[i] = rng.IntN(c.x[ax])
			}
			index := MustIndex(idx, c.index...)
			x := randData[T](rng, prodInts(c.x))
			src := randData[T](rng, n)
			for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
				if n > 2 {
					src[rng.IntN(n)] = T(v)
				}
			}
			wantOff := AxisOffsets(make([]int, n), c.x, axis, index)
			want := slices.Clone(x)
			for p, i := range wantOff {
				want[i] += src[p]
			}
			got := slices.Clone(x)
			gotOff := AxisOffsetsAdd(make([]int, n), c.x, axis, index, got, src)
			if !slices.Equal(gotOff, wantOff) {
				t.Errorf("x %v index %v axis %d: offsets %v, want %v", c.x, c.index, axis, gotOff, wantOff)
			}
			if !slices.Equal(floatBits(got), floatBits(want)) {
				t.Errorf("x %v index %v axis %d: got %v, want %v", c.x, c.index, axis, got, want)
			}
		}
	}
}

// indexFits reports whether index is no larger than x along every axis
// but ax (PyTorch's rule for gather and scatter).
func indexFits(x, index []int, ax int) bool {
	for d := range x {
		if d != ax && index[d] > x[d] {
			return false
		}
	}
	return true
}

// prodInts returns the product of s.
func prodInts(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// TestAxisOffsetsAddPanics checks that mismatched lengths and an index
// value out of range panic with a *ShapeError.
func TestAxisOffsetsAddPanics(t *testing.T) {
	index := MustIndex([]int{0, 1, 2, 3}, 2, 2)
	for name, f := range map[string]func(){
		"short x":   func() { AxisOffsetsAdd(make([]int, 4), []int{2, 3}, 1, index, make([]float32, 5), make([]float32, 4)) },
		"short src": func() { AxisOffsetsAdd(make([]int, 4), []int{2, 3}, 1, index, make([]float32, 6), make([]float32, 3)) },
		"range":     func() { AxisOffsetsAdd(make([]int, 4), []int{2, 3}, 1, index, make([]float32, 6), make([]float32, 4)) },
	} {
		func() {
			defer func() {
				if _, ok := recover().(*ShapeError); !ok {
					t.Errorf("%s: did not panic with a *ShapeError", name)
				}
			}()
			f()
		}()
	}
}
