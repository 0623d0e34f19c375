package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// specialValues returns n values drawn from rng, with signed zeros, NaN,
// infinities and repeated values mixed in, so that bit-for-bit checks see
// ties and the values whose sums are order-sensitive.
func specialValues[T Float](rng *rand.Rand, n int) []T {
	s := make([]T, n)
	for i := range s {
		switch rng.IntN(12) {
		case 0:
			s[i] = T(math.Copysign(0, -1))
		case 1:
			s[i] = 0
		case 2:
			s[i] = T(math.NaN())
		case 3:
			s[i] = T(math.Inf(2*rng.IntN(2) - 1))
		case 4:
			s[i] = 1
		default:
			s[i] = T(rng.NormFloat64() * 1e3)
		}
	}
	return s
}

// sameBitsSlices reports the first index where a and b differ in their
// bits (NaNs of any payload count as equal), or -1.
func sameBitsSlices[T Float](a, b []T) int {
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		if x != x && y != y {
			continue
		}
		if math.Float64bits(x) != math.Float64bits(y) {
			return i
		}
	}
	return -1
}

// TestCol2ImSame3x3MatchesScatter checks the gather form of col2im for the
// 3×3 same window against the general scatter (clear, then col2imImage)
// bit for bit, on planes from 2×2 up, with signed zeros, NaN and infinities
// in the columns.
func TestCol2ImSame3x3MatchesScatter(t *testing.T) {
	win := Window2D{Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}, Padding: [2]int{1, 1}, Dilation: [2]int{1, 1}}
	rng := rand.New(rand.NewPCG(4, 9))
	for _, s := range [][3]int{{1, 2, 2}, {2, 2, 5}, {1, 5, 2}, {3, 4, 7}, {2, 14, 14}, {1, 3, 3}} {
		c, h, w := s[0], s[1], s[2]
		t.Run(fmt.Sprint(s), func(t *testing.T) {
			if !same3x3(win, h, w) {
				t.Fatalf("same3x3 is false for %d×%d", h, w)
			}
			testCol2ImSame3x3[float32](t, rng, win, c, h, w)
			testCol2ImSame3x3[float64](t, rng, win, c, h, w)
		})
	}
	if same3x3(win, 1, 5) || same3x3(Window2D{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, Dilation: [2]int{1, 1}}, 5, 5) {
		t.Error("same3x3 accepts a 1-row plane or a stride of 2")
	}
}

func testCol2ImSame3x3[T Float](t *testing.T, rng *rand.Rand, win Window2D, c, h, w int) {
	cols := specialValues[T](rng, c*9*h*w)
	want := make([]T, c*h*w)
	col2imImage(want, append([]T(nil), cols...), c, h, w, h, w, win)
	got := specialValues[T](rng, c*h*w) // overwritten
	col2imSame3x3(got, cols, c, h, w)
	if i := sameBitsSlices(want, got); i >= 0 {
		t.Errorf("%T: element %d is %v, the scatter gives %v", want[0], i, got[i], want[i])
	}
}

// TestCol2ImSame3x3DilatedMatchesScatter is TestCol2ImSame3x3MatchesScatter
// for dilations 2 and 3 (padding the same), on planes from 2d×2d up.
func TestCol2ImSame3x3DilatedMatchesScatter(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	for _, d := range []int{2, 3} {
		win := Window2D{Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}, Padding: [2]int{d, d}, Dilation: [2]int{d, d}}
		for _, s := range [][3]int{{1, 2 * d, 2 * d}, {2, 2 * d, 11}, {1, 9, 2 * d}, {2, 14, 13}} {
			c, h, w := s[0], s[1], s[2]
			t.Run(fmt.Sprint(d, s), func(t *testing.T) {
				if _, ok := same3x3Dilated(win, h, w); !ok {
					t.Fatalf("same3x3Dilated is false for %d×%d", h, w)
				}
				testCol2ImSame3x3Dilated[float32](t, rng, win, c, h, w, d)
				testCol2ImSame3x3Dilated[float64](t, rng, win, c, h, w, d)
			})
		}
		if _, ok := same3x3Dilated(win, 2*d-1, 9); ok {
			t.Errorf("same3x3Dilated accepts a plane of %d rows for dilation %d", 2*d-1, d)
		}
	}
}

func testCol2ImSame3x3Dilated[T Float](t *testing.T, rng *rand.Rand, win Window2D, c, h, w, d int) {
	cols := specialValues[T](rng, c*9*h*w)
	want := make([]T, c*h*w)
	col2imImage(want, append([]T(nil), cols...), c, h, w, h, w, win)
	got := specialValues[T](rng, c*h*w) // overwritten
	col2imSame3x3Dilated(got, cols, c, h, w, d)
	if i := sameBitsSlices(want, got); i >= 0 {
		t.Errorf("%T: element %d is %v, the scatter gives %v", want[0], i, got[i], want[i])
	}
}
