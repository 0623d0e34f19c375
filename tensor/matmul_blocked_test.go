package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// These tests cover MatMul and Gemm on the blocked kernels of
// internal/gemm: sizes past the register tiles and cache blocks, the
// aliasing rule, and results that do not depend on GOMAXPROCS. The kernels
// themselves are tested edge by edge in internal/gemm.

// blockedSizes cross the tile and block sizes of every kernel (MR 2 or 6;
// NR 4, 8, 16, 32 or 64; KC 256, 512 or 1024; MC 192 or 384), with odd
// remainders.
var blockedSizes = [][3]int{ // m, k, n
	{1, 300, 1},
	{5, 7, 65},
	{7, 257, 33},
	{65, 3, 7},
	{13, 511, 129},
	{193, 19, 70},
	{97, 260, 97},
	{389, 31, 11},
	{7, 1031, 70},
	{13, 2053, 33},
}

func TestMatMulBlocked(t *testing.T) {
	t.Run("float64", testMatMulBlocked[float64])
	t.Run("float32", testMatMulBlocked[float32])
}

func testMatMulBlocked[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for i, sz := range blockedSizes {
		m, k, n := sz[0], sz[1], sz[2]
		for j, tf := range transposeFlags {
			if raceEnabled && j != i%len(transposeFlags) {
				// Under the race detector, whose instrumentation makes the
				// float64 reference minutes long, each size runs one
				// pattern, in turn: the plain go test runs them all.
				continue
			}
			transA, transB := tf[0], tf[1]
			t.Run(fmt.Sprintf("%dx%dx%d/transA=%v/transB=%v", m, k, n, transA, transB), func(t *testing.T) {
				// randData makes slices whose capacity ends at their last
				// element, so an access past it panics rather than reading
				// a neighbour.
				ad, bd := randData[T](rng, m*k), randData[T](rng, k*n)
				a := MustNew(ad, operandShape(m, k, transA)...)
				b := MustNew(bd, operandShape(k, n, transB)...)
				prod := naiveMatMul(toF64(ad), toF64(bd), m, k, n, transA, transB)
				// The float32 sums run over up to 511 terms.
				tol := math.Max(matmulTol[T](), float64(k)*tolFor[T]()/4)
				checkTensor(t, "MatMul", MatMul(a, b, transA, transB), []int{m, n}, prod, tol)

				c0 := randData[T](rng, m*n)
				c := MustNew(append([]T(nil), c0...), m, n)
				Gemm(transA, transB, -0.5, a, b, 2, c)
				want := make([]float64, m*n)
				for i := range want {
					want[i] = -0.5*prod[i] + 2*float64(c0[i])
				}
				checkTensor(t, "Gemm", c, []int{m, n}, want, tol)
			})
		}
	}
}

// TestGemmAliasing checks the rule that c must not share memory with a or
// b: Gemm panics with a *ShapeError before it writes anything. a and b may
// share memory (x·xᵀ is common).
func TestGemmAliasing(t *testing.T) {
	buf := make([]float64, 64)
	for i := range buf {
		buf[i] = float64(i%7) - 3
	}
	view := func(off int, shape ...int) *Tensor[float64] {
		n := 1
		for _, d := range shape {
			n *= d
		}
		return MustNew(buf[off:off+n:off+n], shape...)
	}
	tests := []struct {
		name string
		f    func()
		msg  string
	}{
		{"c is a", func() { x := view(0, 3, 3); Gemm(false, false, 1, x, view(9, 3, 3), 0, x) },
			"tensor: Gemm: output shares memory with operand a: [3 3] x [3 3] x [3 3]"},
		{"c is b", func() { y := view(9, 3, 3); Gemm(false, false, 1, view(0, 3, 3), y, 0, y) },
			"tensor: Gemm: output shares memory with operand b: [3 3] x [3 3] x [3 3]"},
		{"c overlaps the end of a", func() { Gemm(false, false, 1, view(0, 2, 4), view(20, 4, 2), 0, view(7, 2, 2)) },
			"tensor: Gemm: output shares memory with operand a: [2 4] x [4 2] x [2 2]"},
		{"c overlaps the start of b", func() { Gemm(true, true, 1, view(0, 2, 2), view(10, 2, 2), 0, view(7, 2, 2)) },
			"tensor: Gemm: output shares memory with operand b: [2 2] x [2 2] x [2 2]"},
		{"c overlaps with alpha 0", func() { x := view(0, 2, 2); Gemm(false, false, 0, x, view(4, 2, 2), 1, x) },
			"tensor: Gemm: output shares memory with operand a: [2 2] x [2 2] x [2 2]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := append([]float64(nil), buf...)
			wantShapePanic(t, tc.msg, tc.f)
			for i := range buf {
				if buf[i] != before[i] {
					t.Fatalf("buf[%d] changed from %v to %v by a Gemm that panicked", i, before[i], buf[i])
				}
			}
		})
	}

	// Adjacent but disjoint: fine.
	a, b, c := view(0, 2, 3), view(6, 3, 2), view(12, 2, 2)
	Gemm(false, false, 1, a, b, 0, c)
	want := naiveMatMul(toF64(a.Data()), toF64(b.Data()), 2, 3, 2, false, false)
	checkTensor(t, "adjacent", c, []int{2, 2}, want, 1e-12)
	// a and b the same memory: fine.
	x := view(20, 3, 4)
	got := MatMul(x, x, false, true)
	checkTensor(t, "x·xᵀ", got, []int{3, 3}, naiveMatMul(toF64(x.Data()), toF64(x.Data()), 3, 4, 3, false, true), 1e-12)
	// Empty tensors share no memory.
	Gemm(false, false, 1, view(0, 0, 3), view(0, 3, 2), 0, view(0, 0, 2))
}

// TestMatMulSameBitsAnyGOMAXPROCS checks that splitting a product across
// goroutines never changes its bits.
func TestMatMulSameBitsAnyGOMAXPROCS(t *testing.T) {
	t.Run("float64", testSameBits[float64])
	t.Run("float32", testSameBits[float32])
}

func testSameBits[T Float](t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewPCG(13, 14))
	for _, sz := range [][3]int{{256, 256, 256}, {64, 784, 256}, {256, 64, 784}, {300, 129, 17}, {512, 784, 384}} {
		m, k, n := sz[0], sz[1], sz[2]
		for _, tf := range transposeFlags {
			a := MustNew(randData[T](rng, m*k), operandShape(m, k, tf[0])...)
			b := MustNew(randData[T](rng, k*n), operandShape(k, n, tf[1])...)
			c0 := randData[T](rng, m*n)
			var ref []T
			for _, procs := range []int{1, 2, 3} {
				runtime.GOMAXPROCS(procs)
				got := MatMul(a, b, tf[0], tf[1]).Data()
				c := MustNew(append([]T(nil), c0...), m, n)
				Gemm(tf[0], tf[1], 1.5, a, b, -1, c)
				got = append(got, c.Data()...)
				if ref == nil {
					ref = got
					continue
				}
				for i := range got {
					if math.Float64bits(float64(got[i])) != math.Float64bits(float64(ref[i])) {
						t.Fatalf("%v %v: GOMAXPROCS %d: element %d is %v, with GOMAXPROCS 1 %v", sz, tf, procs, i, got[i], ref[i])
					}
				}
			}
		}
	}
}
