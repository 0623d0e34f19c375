package gemm

import (
	"math/rand/v2"
	"testing"
)

// TestGemmDot checks the dot-product path for narrow A·Bᵀ (see dotA) on
// every tile edge (m and n from 1 to past a 4×4 tile, up to dotMaxN
// columns) and on k around the vector length, where the last vector is
// masked.
func TestGemmDot(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testDot(t, kernels64) })
	t.Run("float32", func(t *testing.T) { testDot(t, kernels32) })
}

func testDot[T exact](t *testing.T, kerns []*kernel[T]) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, kern := range kerns {
		if kern.dot == nil {
			continue
		}
		t.Run(kern.name, func(t *testing.T) {
			ks := []int{dotMinK, dotMinK + 1, dotMinK + 7, dotMinK + 15, 784}
			for m := 1; m <= 9; m++ {
				for n := 1; n <= dotMaxN; n++ {
					tc := gemmCase{
						transB: true, m: m, n: n, k: ks[rng.IntN(len(ks))],
						alpha: []float64{1, -1.5}[rng.IntN(2)],
						beta:  []float64{0, 1, -0.5}[rng.IntN(3)],
						pad:   rng.IntN(3),
					}
					if !kern.dotA(&problem[T]{transB: true, m: m, n: n, k: tc.k}) {
						t.Fatalf("%v does not take the dot path", tc)
					}
					checkGemm(t, rng, kern, tc)
				}
			}
			for _, k := range ks {
				checkGemm(t, rng, kern, gemmCase{transB: true, m: 5, n: 7, k: k, alpha: 0.5, beta: 0, cNaN: true, pad: 1})
			}
		})
	}
}

// TestDotPathShapes pins which products take the dot path: the narrow
// A·Bᵀ products of the CNN and MLP steps (narrowShapes) do, and products
// that are transposed otherwise, wider, shorter or large enough to be split
// do not.
func TestDotPathShapes(t *testing.T) {
	kern := &kernel[float32]{dot: func(int, []float32, int, []float32, int, []float32, int, float32, float32, int, int) {}}
	for _, c := range []struct {
		transA, transB bool
		m, n, k        int
		want           bool
	}{
		{false, true, 9, 8, 784, true},     // conv1 weight gradient
		{false, true, 64, 10, 784, true},   // the CNN's Linear(784→10)
		{false, true, 72, 16, 196, false},  // conv2 weight gradient: too short
		{false, true, 256, 10, 128, false}, // the MLP's Linear(128→10)
		{false, false, 64, 10, 784, false},
		{true, true, 64, 10, 784, false},
		{false, true, 64, dotMaxN + 1, 784, false},
		{false, true, 64, 10, dotMinK - 1, false},
		{false, true, 1 << 20, 16, 1 << 10, false},
	} {
		p := problem[float32]{transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k}
		if got := kern.dotA(&p); got != c.want {
			t.Errorf("transA=%v transB=%v %d×%d×%d: dot path %v, want %v", c.transA, c.transB, c.m, c.n, c.k, got, c.want)
		}
	}
}
