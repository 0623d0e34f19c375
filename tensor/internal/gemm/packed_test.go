package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemmPackedMatchesGemm checks that a product with a packed operand has
// Gemm's bits for the same operands, on every path a shape takes (tiny
// loops, dot products, the packed driver with one or several blocks of k,
// every tile width, parallel regions), with both transposes, padded leading
// dimensions and the scalars that skip reading a, b or c.
func TestGemmPackedMatchesGemm(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testPackedMatches[float64](t, kern64) })
	t.Run("float32", func(t *testing.T) { testPackedMatches[float32](t, kern32) })
}

func testPackedMatches[T exact](t *testing.T, kern *kernel[T]) {
	rng := rand.New(rand.NewPCG(7, 8))
	cases := edgeShapes(rng, kern, []int{10, 16, 32, 256}, []int{0, 128, 784})
	cases = append(cases,
		// The MLP's forward products, a Linear layer's x·Wᵀ.
		gemmCase{transB: true, m: 256, n: 256, k: 784, alpha: 1},
		gemmCase{transB: true, m: 256, n: 128, k: 256, alpha: 1, beta: 1},
		gemmCase{transB: true, m: 256, n: 10, k: 128, alpha: 1},
		// Dot products (n ≤ 16, k ≥ 256) and tiny loops.
		gemmCase{transB: true, m: 9, n: 8, k: 784, alpha: 1},
		gemmCase{m: 2, n: 3, k: 4, alpha: 1, beta: 1},
		// Scalars: alpha 0 reads neither a nor b; beta 0 ignores NaN in c.
		gemmCase{transB: true, m: 7, n: 70, k: 30, alpha: 0, beta: 0.5},
		gemmCase{m: 7, n: 70, k: 30, alpha: -2, beta: 0, cNaN: true},
		gemmCase{transA: true, m: 13, n: 65, k: 33, alpha: 0.5, beta: -1},
		// Empty products.
		gemmCase{m: 0, n: 5, k: 5, alpha: 1},
		gemmCase{m: 5, n: 0, k: 5, alpha: 1},
	)
	if !raceEnabled {
		cases = append(cases,
			// Split into regions on two goroutines (2·parMinFlops and
			// up): by rows, then by columns (j0 > 0), with several blocks
			// of columns (n > NC) and of k (k > KC) inside a region.
			gemmCase{transB: true, m: 512, n: 520, k: 520, alpha: 1},
			gemmCase{transB: true, m: 64, n: 8000, k: 600, alpha: 1},
			gemmCase{m: 64, n: 4096, k: 1100, alpha: 1, beta: 1},
			// Several blocks of columns and of k on one goroutine.
			gemmCase{transB: true, m: 7, n: 3100, k: 2100, alpha: 1, pad: 1},
		)
	}
	for _, tc := range cases {
		ar, ac, br, bc := tc.operandDims()
		a := newMatrix[T](rng, ar, ac, max(1, ac+tc.pad))
		b := newMatrix[T](rng, br, bc, max(1, bc+tc.pad))
		c := newMatrix[T](rng, tc.m, tc.n, max(1, tc.n+tc.pad))
		if tc.cNaN {
			for i := range c.data {
				c.data[i] = T(math.NaN())
			}
		}
		want := append([]T(nil), c.data...)
		got := newMatrix[T](rng, tc.m, tc.n, c.ld)
		copy(got.data, c.data)
		Gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, T(tc.alpha), a.data, a.ld, b.data, b.ld, T(tc.beta), want, c.ld)
		pb := Pack(tc.transB, tc.n, tc.k, b.data, b.ld)
		GemmPacked(tc.transA, tc.m, T(tc.alpha), a.data, a.ld, pb, T(tc.beta), got.data, c.ld)
		for i, w := range want {
			if !sameBits(got.data[i], w) {
				t.Fatalf("%v: element %d (row %d, column %d) = %v, Gemm gives %v", tc, i, i/c.ld, i%c.ld, got.data[i], w)
			}
		}
		got.checkGuards(t, tc.String())
		if k, n := pb.Dims(); k != tc.k || n != tc.n {
			t.Fatalf("%v: Dims() = %d, %d", tc, k, n)
		}
	}
}

// edgeShapes returns a product for every n and k around kern's tile and
// block edges (and moreN, moreK), with m from around them, transposes and
// padding drawn from rng.
func edgeShapes[T exact](rng *rand.Rand, kern *kernel[T], moreN, moreK []int) []gemmCase {
	ms, ns, ks := interesting(kern)
	ns, ks = append(ns, moreN...), append(ks, moreK...)
	var cases []gemmCase
	for _, n := range ns {
		for _, k := range ks {
			cases = append(cases, gemmCase{
				transA: rng.IntN(2) == 0, transB: rng.IntN(2) == 0,
				m: ms[rng.IntN(len(ms))], n: n, k: k, alpha: 1, pad: rng.IntN(3),
			})
		}
	}
	return cases
}

// TestGemmPackedBadArguments checks that Pack and GemmPacked refuse what
// Gemm refuses, with an *Error.
func TestGemmPackedBadArguments(t *testing.T) {
	s := func(n int) []float64 { return make([]float64, n) }
	pb := Pack(false, 2, 3, s(6), 2)
	tests := []struct {
		name string
		f    func()
	}{
		{"negative n", func() { Pack(false, -1, 2, s(4), 2) }},
		{"negative k", func() { Pack(true, 2, -1, s(4), 2) }},
		{"b short", func() { Pack(false, 2, 3, s(5), 2) }},
		{"ldb too small", func() { Pack(true, 2, 3, s(6), 2) }},
		{"negative m", func() { GemmPacked(false, -1, 1, s(6), 3, pb, 0, s(6), 2) }},
		{"a short", func() { GemmPacked(false, 2, 1, s(5), 3, pb, 0, s(4), 2) }},
		{"c short", func() { GemmPacked(false, 2, 1, s(6), 3, pb, 0, s(3), 2) }},
		{"ldc too small", func() { GemmPacked(false, 2, 1, s(6), 3, pb, 0, s(4), 1) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantGemmError(t, tc.f) })
	}
}

// TestGemmPackedAllocs checks that a warm product with a packed operand,
// or with an Epilogue, allocates nothing.
func TestGemmPackedAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	a := newMatrix[float32](rng, 64, 100, 100)
	b := newMatrix[float32](rng, 70, 100, 100)
	c, bias := make([]float32, 64*70), make([]float32, 70)
	pb := Pack(true, 70, 100, b.data, b.ld)
	e := Epilogue[float32]{Bias: bias, ReLU: true}
	for name, f := range map[string]func(){
		"GemmPacked":         func() { GemmPacked(false, 64, 1, a.data, a.ld, pb, 0, c, 70) },
		"GemmPackedEpilogue": func() { GemmPackedEpilogue(false, 64, 1, a.data, a.ld, pb, e, c, 70) },
		"GemmEpilogue":       func() { GemmEpilogue(false, true, 64, 70, 100, 1, a.data, a.ld, b.data, b.ld, e, c, 70) },
	} {
		f()
		if n := testing.AllocsPerRun(20, f); n != 0 {
			t.Errorf("%s: %v allocations per product, want 0", name, n)
		}
	}
}
