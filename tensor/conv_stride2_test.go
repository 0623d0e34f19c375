package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// stride2Values is specialValues with NaNs of several payloads, so that
// an exact bit comparison also sees which NaN a sum propagates.
func stride2Values[T Float](rng *rand.Rand, n int) []T {
	s := specialValues[T](rng, n)
	for i := range s {
		if s[i] != s[i] && rng.IntN(2) == 0 {
			s[i] = T(math.Float64frombits(0x7ff8000000000000 | rng.Uint64()>>20))
		}
	}
	return s
}

// exactBits returns the first index where a and b differ in their bits,
// NaN payloads included, or -1.
func exactBits[T Float](a, b []T) int {
	for i := range a {
		if math.Float64bits(float64(a[i])) != math.Float64bits(float64(b[i])) {
			return i
		}
	}
	return -1
}

// stride2Windows are windows of stride 2 along the width: the 3×3 stride-2
// padding-1 one of a downsampling convolution, and others with every
// kernel width from 1 to 4, paddings 0 to 2, dilations 1 and 2 and
// vertical strides 1 to 3.
func stride2Windows() []Window2D {
	wins := []Window2D{{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, Dilation: [2]int{1, 1}}}
	for kw := 1; kw <= 4; kw++ {
		for pw := 0; pw <= 2; pw++ {
			for dw := 1; dw <= 2; dw++ {
				for sh := 1; sh <= 3; sh++ {
					wins = append(wins, Window2D{Kernel: [2]int{kw%3 + 1, kw}, Stride: [2]int{sh, 2},
						Padding: [2]int{pw % 2, pw}, Dilation: [2]int{dw, dw}})
				}
			}
		}
	}
	return wins
}

// TestConvStride2MatchesWalk checks im2colImage and col2imImage for a
// stride of 2 along the width (the split even/odd loops of conv_stride2.go)
// against convWalk, the general loops of Im2Col and Col2Im, bit for bit:
// the columns, and the planes that the columns are added into (which start
// from values of their own), on odd and even, small and large planes, with
// signed zeros, infinities and NaNs of several payloads (kept exactly by
// im2col, which copies).
func TestConvStride2MatchesWalk(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testConvStride2[float32](t) })
	t.Run("float64", func(t *testing.T) { testConvStride2[float64](t) })
}

func testConvStride2[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 22))
	sizes := [][3]int{{1, 1, 2}, {1, 2, 2}, {2, 3, 3}, {1, 5, 2}, {2, 4, 7}, {3, 7, 8}, {1, 2, 9}, {2, 12, 11}, {1, 3, conv2MaxWidth}, {1, 2, conv2MaxWidth + 1}}
	for _, win := range stride2Windows() {
		for _, s := range sizes {
			c, h, w := s[0], s[1], s[2]
			if oh, ow := win.OutSize(h, w); oh <= 0 || ow <= 0 {
				continue
			}
			t.Run(fmt.Sprintf("%v/%v", s, win), func(t *testing.T) {
				_, _, _, _, oh, ow := win.convCheck("test", []int{1, c, h, w})
				k := c * win.Kernel[0] * win.Kernel[1]
				x := stride2Values[T](rng, c*h*w)
				want := make([]T, k*oh*ow)
				convWalk(x, want, 1, c, h, w, oh, ow, win, false)
				got := stride2Values[T](rng, k*oh*ow) // every element is written
				im2colImage(got, x, c, h, w, oh, ow, win)
				if i := exactBits(got, want); i >= 0 {
					t.Fatalf("im2col: element %d is %v, want %v", i, got[i], want[i])
				}

				cols := stride2Values[T](rng, k*oh*ow)
				base := stride2Values[T](rng, c*h*w)
				wantX := append([]T(nil), base...)
				convWalk(wantX, append([]T(nil), cols...), 1, c, h, w, oh, ow, win, true)
				gotX := append([]T(nil), base...)
				col2imImage(gotX, cols, c, h, w, oh, ow, win)
				// Which of two NaNs a sum keeps is the compiler's choice
				// (it may swap the operands of an addition), in the old
				// loops too: NaNs count as equal here.
				if i := sameBitsSlices(gotX, wantX); i >= 0 {
					t.Fatalf("col2im: element %d is %v, want %v", i, gotX[i], wantX[i])
				}
			})
		}
	}
}

// TestEvenOdd checks splitEvenOdd and joinEvenOdd on rows of every length
// from 0 to 100 (below, at and past the 16 pairs of a vector step, with
// and without a last overlapping step), float32 and float64: the halves
// hold the even and the odd columns, and joining them gives the row back,
// NaN payloads included.
func TestEvenOdd(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testEvenOdd[float32](t) })
	t.Run("float64", func(t *testing.T) { testEvenOdd[float64](t) })
}

func testEvenOdd[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for n := 0; n <= 100; n++ {
		src := stride2Values[T](rng, n)
		// One spare element on each side of every buffer, to see that
		// nothing is written past the ends.
		evb, odb := stride2Values[T](rng, (n+1)/2+2), stride2Values[T](rng, n/2+2)
		evEnds, odEnds := [2]T{evb[0], evb[len(evb)-1]}, [2]T{odb[0], odb[len(odb)-1]}
		ev, od := evb[1:len(evb)-1], odb[1:len(odb)-1]
		splitEvenOdd(ev, od, src)
		for j := range ev {
			if exactBits(ev[j:j+1], src[2*j:2*j+1]) >= 0 {
				t.Fatalf("len %d: ev[%d] = %v, want %v", n, j, ev[j], src[2*j])
			}
		}
		for j := range od {
			if exactBits(od[j:j+1], src[2*j+1:2*j+2]) >= 0 {
				t.Fatalf("len %d: od[%d] = %v, want %v", n, j, od[j], src[2*j+1])
			}
		}
		if exactBits(evEnds[:], []T{evb[0], evb[len(evb)-1]}) >= 0 || exactBits(odEnds[:], []T{odb[0], odb[len(odb)-1]}) >= 0 {
			t.Fatalf("len %d: split wrote outside the halves", n)
		}
		backb := stride2Values[T](rng, n+2)
		ends := [2]T{backb[0], backb[n+1]}
		back := backb[1 : n+1]
		joinEvenOdd(back, ev, od)
		if i := exactBits(back, src); i >= 0 {
			t.Fatalf("len %d: joined element %d is %v, want %v", n, i, back[i], src[i])
		}
		if exactBits(ends[:], []T{backb[0], backb[n+1]}) >= 0 {
			t.Fatalf("len %d: join wrote outside the row", n)
		}
	}
}

// BenchmarkConvStride2 times the columns of a downsampling convolution
// (3×3, stride 2, padding 1) of one image [64, 56, 56], float32: im2col
// and col2im.
func BenchmarkConvStride2(b *testing.B) {
	win := Window2D{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, Dilation: [2]int{1, 1}}
	c, h, w := 64, 56, 56
	oh, ow := win.OutSize(h, w)
	rng := rand.New(rand.NewPCG(1, 2))
	x := randData[float32](rng, c*h*w)
	cols := randData[float32](rng, c*9*oh*ow)
	b.Run("im2col", func(b *testing.B) {
		for range b.N {
			im2colImage(cols, x, c, h, w, oh, ow, win)
		}
	})
	b.Run("col2im", func(b *testing.B) {
		for range b.N {
			col2imImage(x, cols, c, h, w, oh, ow, win)
		}
	})
}

// TestAddRunTo checks addRunTo against the scalar sum on runs of every
// length from 0 to 40 (whole vector steps and masked tails), float32 and
// float64, leaving the element past the run alone.
func TestAddRunTo(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testAddRunTo[float32](t) })
	t.Run("float64", func(t *testing.T) { testAddRunTo[float64](t) })
}

func testAddRunTo[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for n := 0; n <= 40; n++ {
		dst, x := stride2Values[T](rng, n+1), stride2Values[T](rng, n+1)
		want := append([]T(nil), dst...)
		for k := range n {
			want[k] += x[k]
		}
		addRunTo(dst[:n], x)
		if i := sameBitsSlices(dst, want); i >= 0 {
			t.Fatalf("len %d: element %d is %v, want %v", n, i, dst[i], want[i])
		}
	}
}
