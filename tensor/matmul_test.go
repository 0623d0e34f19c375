package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// matmulTol is looser than tolFor because each element is a dot product.
func matmulTol[T Float]() float64 {
	var z T
	if _, ok := any(z).(float32); ok {
		return 1e-4
	}
	return 1e-12
}

// operandShape returns the stored shape of an operand whose op() is rows×cols.
func operandShape(rows, cols int, trans bool) []int {
	if trans {
		return []int{cols, rows}
	}
	return []int{rows, cols}
}

// naiveMatMul computes op(a)·op(b) with an explicit triple loop, reading the
// transposes by index: a is stored [m k] (or [k m] when transA), b is stored
// [k n] (or [n k] when transB).
func naiveMatMul(a, b []float64, m, k, n int, transA, transB bool) []float64 {
	c := make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				var av, bv float64
				if transA {
					av = a[p*m+i]
				} else {
					av = a[i*k+p]
				}
				if transB {
					bv = b[j*k+p]
				} else {
					bv = b[p*n+j]
				}
				s += av * bv
			}
			c[i*n+j] = s
		}
	}
	return c
}

var matmulSizes = [][3]int{ // m, k, n
	{1, 1, 1},
	{1, 5, 1},
	{1, 4, 6},
	{6, 4, 1},
	{5, 1, 3},
	{2, 3, 4},
	{7, 5, 3},
	{3, 5, 7},
	{17, 13, 11},
	{11, 17, 13},
	{4, 4, 4},
}

var transposeFlags = [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}}

func TestMatMul(t *testing.T) {
	t.Run("float64", testMatMul[float64])
	t.Run("float32", testMatMul[float32])
}

func testMatMul[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sz := range matmulSizes {
		m, k, n := sz[0], sz[1], sz[2]
		for _, tf := range transposeFlags {
			transA, transB := tf[0], tf[1]
			name := fmt.Sprintf("%dx%dx%d/transA=%v/transB=%v", m, k, n, transA, transB)
			t.Run(name, func(t *testing.T) {
				as, bs := operandShape(m, k, transA), operandShape(k, n, transB)
				ad, bd := randData[T](rng, m*k), randData[T](rng, k*n)
				a, b := MustNew(append([]T(nil), ad...), as...), MustNew(append([]T(nil), bd...), bs...)
				got := MatMul(a, b, transA, transB)
				want := naiveMatMul(toF64(ad), toF64(bd), m, k, n, transA, transB)
				checkTensor(t, "MatMul", got, []int{m, n}, want, matmulTol[T]())
				checkTensor(t, "a", a, as, toF64(ad), 0)
				checkTensor(t, "b", b, bs, toF64(bd), 0)
			})
		}
	}
}

// TestMatMulTransposeConsistency checks MatMul with flags against MatMul of
// explicitly transposed operands.
func TestMatMulTransposeConsistency(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a := MustNew(randData[float64](rng, 7*5), 7, 5)
	b := MustNew(randData[float64](rng, 5*3), 5, 3)
	want := MatMul(a, b, false, false)
	at, bt := Transpose(a), Transpose(b)
	tests := []struct {
		name string
		got  *Tensor[float64]
	}{
		{"aᵀᵀ b", MatMul(at, b, true, false)},
		{"a bᵀᵀ", MatMul(a, bt, false, true)},
		{"aᵀᵀ bᵀᵀ", MatMul(at, bt, true, true)},
		{"(bᵀ aᵀ)ᵀ", Transpose(MatMul(bt, at, false, false))},
		{"(b a)ᵀ with flags", Transpose(MatMul(b, a, true, true))},
	}
	for _, tc := range tests {
		checkTensor(t, tc.name, tc.got, want.Shape(), toF64(want.Data()), 1e-12)
	}
}

func TestMatMulValues(t *testing.T) {
	a := MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	b := MustNew([]float64{7, 8, 9, 10, 11, 12}, 3, 2)
	checkTensor(t, "a·b", MatMul(a, b, false, false), []int{2, 2}, []float64{58, 64, 139, 154}, 0)
	checkTensor(t, "a·aᵀ", MatMul(a, a, false, true), []int{2, 2}, []float64{14, 32, 32, 77}, 0)
	checkTensor(t, "aᵀ·a", MatMul(a, a, true, false), []int{3, 3}, []float64{17, 22, 27, 22, 29, 36, 27, 36, 45}, 0)
	checkTensor(t, "aᵀ·bᵀ", MatMul(a, b, true, true), []int{3, 3}, []float64{39, 49, 59, 54, 68, 82, 69, 87, 105}, 0)
}

func TestMatMulEmpty(t *testing.T) {
	t.Run("float64", testMatMulEmpty[float64])
	t.Run("float32", testMatMulEmpty[float32])
}

func testMatMulEmpty[T Float](t *testing.T) {
	for _, tf := range transposeFlags {
		transA, transB := tf[0], tf[1]
		// k == 0: the product is an m×n matrix of zeros.
		a := Zeros[T](operandShape(2, 0, transA)...)
		b := Zeros[T](operandShape(0, 3, transB)...)
		checkTensor(t, fmt.Sprintf("k=0 %v", tf), MatMul(a, b, transA, transB), []int{2, 3}, []float64{0, 0, 0, 0, 0, 0}, 0)

		// Gemm with k == 0: c = beta*c, and NaN in c is dropped for beta 0.
		c := Full(T(math.NaN()), 2, 3)
		Gemm(transA, transB, 1, a, b, 0, c)
		checkTensor(t, fmt.Sprintf("Gemm k=0 beta=0 %v", tf), c, []int{2, 3}, []float64{0, 0, 0, 0, 0, 0}, 0)
		c = Full(T(2), 2, 3)
		Gemm(transA, transB, 1, a, b, 1.5, c)
		checkTensor(t, fmt.Sprintf("Gemm k=0 beta=1.5 %v", tf), c, []int{2, 3}, []float64{3, 3, 3, 3, 3, 3}, 0)

		// m == 0 or n == 0: an empty result.
		checkTensor(t, "m=0", MatMul(Zeros[T](operandShape(0, 3, transA)...), Ones[T](operandShape(3, 2, transB)...), transA, transB), []int{0, 2}, nil, 0)
		checkTensor(t, "n=0", MatMul(Ones[T](operandShape(2, 3, transA)...), Zeros[T](operandShape(3, 0, transB)...), transA, transB), []int{2, 0}, nil, 0)
	}
}

func TestGemm(t *testing.T) {
	t.Run("float64", testGemm[float64])
	t.Run("float32", testGemm[float32])
}

func testGemm[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	nan := math.NaN()
	tests := []struct {
		name        string
		alpha, beta float64
		cFill       float64 // when not 0, c starts filled with this value instead of random data
	}{
		{"alpha 1 beta 0", 1, 0, 0},
		{"alpha 2.5 beta 0 ignores NaN", 2.5, 0, nan},
		{"alpha 1 beta 0 ignores Inf", 1, 0, math.Inf(1)},
		{"alpha 1 beta 1 accumulates", 1, 1, 0},
		{"alpha -1 beta 1", -1, 1, 0},
		{"alpha 0.5 beta -0.5", 0.5, -0.5, 0},
		{"alpha 2 beta 3", 2, 3, 0},
		{"alpha 0 beta 2", 0, 2, 0},
		{"alpha 0 beta 0 ignores NaN", 0, 0, nan},
	}
	for _, sz := range [][3]int{{7, 5, 3}, {1, 4, 6}, {17, 13, 11}} {
		m, k, n := sz[0], sz[1], sz[2]
		for _, tf := range transposeFlags {
			transA, transB := tf[0], tf[1]
			ad, bd := randData[T](rng, m*k), randData[T](rng, k*n)
			a := MustNew(ad, operandShape(m, k, transA)...)
			b := MustNew(bd, operandShape(k, n, transB)...)
			prod := naiveMatMul(toF64(ad), toF64(bd), m, k, n, transA, transB)
			for _, tc := range tests {
				name := fmt.Sprintf("%dx%dx%d/%v/%s", m, k, n, tf, tc.name)
				t.Run(name, func(t *testing.T) {
					var c0 []T
					if tc.cFill != 0 { // NaN != 0 too
						c0 = make([]T, m*n)
						for i := range c0 {
							c0[i] = T(tc.cFill)
						}
					} else {
						c0 = randData[T](rng, m*n)
					}
					c := MustNew(append([]T(nil), c0...), m, n)
					Gemm(transA, transB, T(tc.alpha), a, b, T(tc.beta), c)
					want := make([]float64, m*n)
					for i := range want {
						want[i] = tc.alpha * prod[i]
						if tc.beta != 0 {
							want[i] += tc.beta * float64(c0[i])
						}
					}
					checkTensor(t, "c", c, []int{m, n}, want, matmulTol[T]())
					checkTensor(t, "a", a, operandShape(m, k, transA), toF64(ad), 0)
					checkTensor(t, "b", b, operandShape(k, n, transB), toF64(bd), 0)
				})
			}
		}
	}

	// MatMul equals Gemm with alpha 1, beta 0.
	a := MustNew(randData[T](rng, 12), 3, 4)
	b := MustNew(randData[T](rng, 8), 4, 2)
	c := Full(T(nan), 3, 2)
	Gemm(false, false, 1, a, b, 0, c)
	if d := diffTensor(MatMul(a, b, false, false), c.Shape(), toF64(c.Data()), 0); d != "" {
		t.Errorf("MatMul != Gemm(1, 0) (-Gemm +MatMul):\n%s", d)
	}
}

func TestMatMulErrors(t *testing.T) {
	z := Zeros[float64]
	tests := []struct {
		name string
		f    func()
		msg  string
	}{
		{"inner dims", func() { MatMul(z(3, 4), z(5, 2), false, false) }, "tensor: MatMul: inner dimensions differ: [3 4] x [5 2]"},
		{"inner dims transA", func() { MatMul(z(3, 4), z(4, 2), true, false) }, "tensor: MatMul: inner dimensions differ: [3 4] x [4 2]"},
		{"inner dims transB", func() { MatMul(z(3, 4), z(4, 2), false, true) }, "tensor: MatMul: inner dimensions differ: [3 4] x [4 2]"},
		{"inner dims both", func() { MatMul(z(3, 4), z(3, 2), true, true) }, "tensor: MatMul: inner dimensions differ: [3 4] x [3 2]"},
		{"a 3-D", func() { MatMul(z(2, 3, 4), z(4, 2), false, false) }, "tensor: MatMul: operands must be 2-D: [2 3 4] x [4 2]"},
		{"b 1-D", func() { MatMul(z(2, 3), z(3), false, false) }, "tensor: MatMul: operands must be 2-D: [2 3] x [3]"},
		{"a 0-d", func() { MatMul(Scalar(1.0), z(1, 1), false, false) }, "tensor: MatMul: operands must be 2-D: [] x [1 1]"},
		{"Gemm inner dims", func() { Gemm(false, false, 1, z(3, 4), z(5, 2), 0, z(3, 2)) }, "tensor: Gemm: inner dimensions differ: [3 4] x [5 2]"},
		{"Gemm 1-D operand", func() { Gemm(false, false, 1, z(4), z(4, 2), 0, z(1, 2)) }, "tensor: Gemm: operands must be 2-D: [4] x [4 2]"},
		{"Gemm output transposed", func() { Gemm(false, false, 1, z(3, 4), z(4, 2), 0, z(2, 3)) }, "tensor: Gemm: output must be [3 2]: [3 4] x [4 2] x [2 3]"},
		{"Gemm output rows", func() { Gemm(false, false, 1, z(3, 4), z(4, 2), 0, z(4, 2)) }, "tensor: Gemm: output must be [3 2]: [3 4] x [4 2] x [4 2]"},
		{"Gemm output 1-D", func() { Gemm(false, false, 1, z(3, 4), z(4, 2), 0, z(6)) }, "tensor: Gemm: output must be [3 2]: [3 4] x [4 2] x [6]"},
		{"Gemm output 3-D", func() { Gemm(false, false, 1, z(3, 4), z(4, 2), 0, z(3, 2, 1)) }, "tensor: Gemm: output must be [3 2]: [3 4] x [4 2] x [3 2 1]"},
		{"Gemm output with flags", func() { Gemm(true, true, 1, z(4, 3), z(2, 4), 0, z(2, 3)) }, "tensor: Gemm: output must be [3 2]: [4 3] x [2 4] x [2 3]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantShapePanic(t, tc.msg, tc.f) })
	}

	// A failed Gemm leaves c untouched, even with beta 0.
	c := MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	shapePanic(t, func() { Gemm(false, false, 1, z(3, 4), z(4, 2), 0, c) })
	checkTensor(t, "c after failed Gemm", c, []int{2, 3}, []float64{1, 2, 3, 4, 5, 6}, 0)

	se := shapePanic(t, func() { MatMul(z(3, 4), z(5, 2), false, false) })
	if se != nil && (se.Op != "MatMul" || se.Reason != "inner dimensions differ") {
		t.Errorf("ShapeError Op, Reason = %q, %q", se.Op, se.Reason)
	}
}

func TestNaNPropagatesThroughMatMul(t *testing.T) {
	nan := math.NaN()
	a := MustNew([]float64{1, nan, 3, 4}, 2, 2) // NaN in row 0
	b := MustNew([]float64{1, 2, 3, 4}, 2, 2)
	checkTensor(t, "a·b", MatMul(a, b, false, false), []int{2, 2}, []float64{nan, nan, 15, 22}, 0)
	checkTensor(t, "b·a", MatMul(b, a, false, false), []int{2, 2}, []float64{7, nan, 15, nan}, 0)
	checkTensor(t, "aᵀ·b", MatMul(a, b, true, false), []int{2, 2}, []float64{10, 14, nan, nan}, 0)
	checkTensor(t, "b·aᵀ", MatMul(b, a, false, true), []int{2, 2}, []float64{nan, 11, nan, 25}, 0)
	checkTensor(t, "aᵀ·bᵀ", MatMul(a, b, true, true), []int{2, 2}, []float64{7, 15, nan, nan}, 0)
}

func TestTranspose(t *testing.T) {
	t.Run("float64", testTranspose[float64])
	t.Run("float32", testTranspose[float32])
}

func testTranspose[T Float](t *testing.T) {
	x := MustNew(seq[T](6), 2, 3)
	tr := Transpose(x)
	checkTensor(t, "Transpose", tr, []int{3, 2}, []float64{1, 4, 2, 5, 3, 6}, 0)
	checkTensor(t, "Transpose twice", Transpose(tr), []int{2, 3}, []float64{1, 2, 3, 4, 5, 6}, 0)
	tr.Set(100, 0, 0)
	if x.At(0, 0) != 1 {
		t.Errorf("Transpose aliases its input")
	}
	checkTensor(t, "row vector", Transpose(MustNew([]T{1, 2, 3}, 1, 3)), []int{3, 1}, []float64{1, 2, 3}, 0)
	checkTensor(t, "empty", Transpose(Zeros[T](0, 4)), []int{4, 0}, nil, 0)

	rng := rand.New(rand.NewPCG(7, 8))
	for _, sz := range [][2]int{{1, 1}, {5, 7}, {13, 4}} {
		r, c := sz[0], sz[1]
		d := randData[T](rng, r*c)
		want := make([]float64, r*c)
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				want[j*r+i] = float64(d[i*c+j])
			}
		}
		checkTensor(t, fmt.Sprintf("Transpose %dx%d", r, c), Transpose(MustNew(d, r, c)), []int{c, r}, want, 0)
	}

	wantShapePanic(t, "tensor: Transpose: tensor must be 2-D: [2 3 4]", func() { Transpose(Zeros[T](2, 3, 4)) })
	wantShapePanic(t, "tensor: Transpose: tensor must be 2-D: [3]", func() { Transpose(Zeros[T](3)) })
	wantShapePanic(t, "tensor: Transpose: tensor must be 2-D: []", func() { Transpose(Scalar(T(1))) })
}
