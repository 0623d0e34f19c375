package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestGemmPart: GemmPart's products equal Gemm's, bit for bit (zeros of
// either sign equal), on what each Part asks for: with LowerA and UpperA
// every element when op(a) has zeros after or before its diagonal; with
// LowerC the elements on and below the diagonal, those above it being
// either Gemm's or left as they were. Every kernel, both element types,
// transposed or not, beta 0, 1 and another, shapes square and not, inner
// dimensions shorter and longer than a block of k (where the whole
// product is computed); no element outside C is written.
func TestGemmPart(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testPart(t, kernels64) })
	t.Run("float32", func(t *testing.T) { testPart(t, kernels32) })
}

func testPart[T exact](t *testing.T, kernels []*kernel[T]) {
	rng := rand.New(rand.NewPCG(8, 9))
	shapes := [][3]int{{64, 64, 32}, {64, 32, 64}, {53, 53, 20}, {53, 16, 53}, {50, 70, 41}, {7, 9, 7}, {13, 100, 13}, {20, 8, 300}, {300, 40, 300}}
	combo := 0
	for _, kern := range kernels {
		for _, sh := range shapes {
			for _, part := range []Part{LowerC, LowerA, UpperA} {
				for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
					combo++
					for i, beta := range []float64{0, 1, 0.75} {
						if raceEnabled && i != combo%3 {
							continue // one beta per combination, in turn, under the race detector; the plain go test runs all
						}
						name := fmt.Sprintf("%s/%v/%dx%dx%d/%v/beta=%g", kern.name, part, sh[0], sh[1], sh[2], tr, beta)
						checkPart(t, rng, kern, part, tr[0], tr[1], sh[0], sh[1], sh[2], T(beta), name)
					}
				}
			}
		}
	}
}

func checkPart[T exact](t *testing.T, rng *rand.Rand, kern *kernel[T], part Part, transA, transB bool, m, n, k int, beta T, name string) {
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	a := newMatrix[T](rng, ar, ac, ac+3)
	b := newMatrix[T](rng, br, bc, bc+1)
	// op(a)'s triangle of zeros.
	for i := 0; i < m; i++ {
		for p := 0; p < k; p++ {
			if (part == LowerA && p > i) || (part == UpperA && p < i) {
				if transA {
					a.data[p*a.ld+i] = 0
				} else {
					a.data[i*a.ld+p] = 0
				}
			}
		}
	}
	want := newMatrix[T](rng, m, n, n+2)
	got := newMatrix[T](rng, m, n, n+2)
	copy(got.all, want.all)
	c0 := append([]T(nil), want.data...)
	alpha := T(-1.25)
	gemm(kern, Full, transA, transB, m, n, k, alpha, a.data, a.ld, b.data, b.ld, beta, want.data, want.ld)
	gemm(kern, part, transA, transB, m, n, k, alpha, a.data, a.ld, b.data, b.ld, beta, got.data, got.ld)
	got.checkGuards(t, name)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			x := i*got.ld + j
			g, w := got.data[x], want.data[x]
			if g == w {
				continue
			}
			if part == LowerC && j > i && sameBits(g, c0[x]) {
				continue
			}
			t.Fatalf("%s: element (%d, %d) is %v, want %v", name, i, j, g, w)
		}
	}
}
