package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// epiCase is a product with an Epilogue: a bias or not, ReLU or not, and
// special values (NaN of either sign, ±Inf, −0) in a, b and the bias.
type epiCase struct {
	gemmCase
	bias, relu, special bool
}

func (tc epiCase) String() string {
	return fmt.Sprintf("%v/bias=%v/relu=%v/special=%v", tc.gemmCase, tc.bias, tc.relu, tc.special)
}

// epiCases returns every combination of bias and ReLU for each shape, with
// special values in one of them.
func epiCases(rng *rand.Rand, shapes []gemmCase) []epiCase {
	var out []epiCase
	for _, s := range shapes {
		for _, bias := range []bool{false, true} {
			for _, relu := range []bool{false, true} {
				out = append(out, epiCase{gemmCase: s, bias: bias, relu: relu, special: rng.IntN(4) == 0})
			}
		}
	}
	return out
}

// specials are the values that a bias and a ReLU must treat exactly:
// NaN of both signs, infinities, signed zeros.
func specials[T exact]() []T {
	var z T
	if _, ok := any(z).(float32); ok {
		return []T{T(math.Float32frombits(0xffc00001)), T(math.Float32frombits(0x7fc00002)), T(math.Inf(1)), T(math.Inf(-1)), T(math.Copysign(0, -1)), 0}
	}
	return []T{T(math.Float64frombits(0xfff8000000000001)), T(math.NaN()), T(math.Inf(1)), T(math.Inf(-1)), T(math.Copysign(0, -1)), 0}
}

// sprinkle sets a few elements of s to special values.
func sprinkle[T exact](rng *rand.Rand, s []T) {
	sp := specials[T]()
	for range min(len(s), 3) {
		s[rng.IntN(len(s))] = sp[rng.IntN(len(sp))]
	}
}

// epiOperands makes a case's operands and the bias (nil without one),
// and a c full of NaN, which the product must only write.
func epiOperands[T exact](rng *rand.Rand, tc epiCase) (a, b, c *matrix[T], bias []T) {
	ar, ac, br, bc := tc.operandDims()
	a = newMatrix[T](rng, ar, ac, max(1, ac+tc.pad))
	b = newMatrix[T](rng, br, bc, max(1, bc+tc.pad))
	c = newMatrix[T](rng, tc.m, tc.n, max(1, tc.n+tc.pad))
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			c.data[i*c.ld+j] = T(math.NaN())
		}
	}
	if tc.bias {
		bias = make([]T, tc.n)
		for j := range bias {
			bias[j] = T(rng.Float64()*2 - 1)
		}
	}
	if tc.special {
		sprinkle(rng, a.data)
		sprinkle(rng, b.data)
		sprinkle(rng, bias)
	}
	return a, b, c, bias
}

// unfused computes a case as the Epilogue promises: c set to the bias and
// accumulated onto with beta 1 (beta 0 without a bias), then Go's max(x,
// 0), the product itself by kern.
func unfused[T exact](kern *kernel[T], tc epiCase, a, b, c *matrix[T], bias []T) []T {
	want := append([]T(nil), c.data...)
	beta := T(0)
	if bias != nil {
		for i := 0; i < tc.m; i++ {
			copy(want[i*c.ld:i*c.ld+tc.n], bias)
		}
		beta = 1
	}
	gemm(kern, Full, tc.transA, tc.transB, tc.m, tc.n, tc.k, T(tc.alpha), a.data, a.ld, b.data, b.ld, beta, want, c.ld)
	if tc.relu {
		for i := 0; i < tc.m; i++ {
			for j := 0; j < tc.n; j++ {
				want[i*c.ld+j] = max(want[i*c.ld+j], 0)
			}
		}
	}
	return want
}

// checkSameBits fails unless got has want's bits, except that where both
// are NaN their payloads and signs may differ (which NaN an operation keeps
// when several meet depends on the order of its operands, which Go does
// not fix), but a NaN after ReLU must have its sign cleared, as Go's max
// clears it.
func checkSameBits[T exact](t *testing.T, name string, got *matrix[T], want []T, relu bool) {
	t.Helper()
	for i := 0; i < got.r; i++ {
		for j := 0; j < got.c; j++ {
			g, w := got.data[i*got.ld+j], want[i*got.ld+j]
			if g != g && w != w && (!relu || !math.Signbit(float64(g))) {
				continue
			}
			if !sameBits(g, w) {
				t.Fatalf("%s: element (%d, %d) = %v (%#x), unfused gives %v (%#x)", name, i, j, g, bitsOf(g), w, bitsOf(w))
			}
		}
	}
	got.checkGuards(t, name)
}

func bitsOf[T exact](x T) uint64 {
	if f, ok := any(x).(float32); ok {
		return uint64(math.Float32bits(f))
	}
	return math.Float64bits(any(x).(float64))
}

// epiShapes returns sizes around kern's tile and block edges, and the
// shapes that take the other paths of a product.
func epiShapes[T exact](rng *rand.Rand, kern *kernel[T]) []gemmCase {
	return append(edgeShapes(rng, kern, []int{10, 16, 32}, []int{0, 128}),
		// A Linear layer's x·Wᵀ, the MLP's, and a 10-wide one.
		gemmCase{transB: true, m: 256, n: 256, k: 784, alpha: 1},
		gemmCase{transB: true, m: 256, n: 10, k: 128, alpha: 1},
		// Dot products (n ≤ 16, k ≥ 256), tiny loops, alpha 0, alpha
		// that rounds.
		gemmCase{transB: true, m: 9, n: 8, k: 784, alpha: 1},
		gemmCase{m: 2, n: 3, k: 4, alpha: 1},
		gemmCase{transB: true, m: 7, n: 70, k: 30, alpha: 0},
		gemmCase{transA: true, m: 13, n: 65, k: 33, alpha: -0.3},
	)
}

// TestGemmPackedEpilogue checks that a product with an Epilogue, with a
// packed operand (GemmPackedEpilogue) or not (GemmEpilogue), has the
// bits of the bias written first, the product accumulated onto it and
// ReLU applied after, on every path a shape takes (tiny loops, dot
// products, every tile width, one or several blocks of k, parallel
// regions), with NaN, infinities and signed zeros, and that it writes
// nothing outside c.
func TestGemmPackedEpilogue(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testPackedEpilogue[float64](t, kern64) })
	t.Run("float32", func(t *testing.T) { testPackedEpilogue[float32](t, kern32) })
}

func testPackedEpilogue[T exact](t *testing.T, kern *kernel[T]) {
	rng := rand.New(rand.NewPCG(11, 12))
	shapes := epiShapes(rng, kern)
	if raceEnabled { // a sample: the race detector checks no value
		rng.Shuffle(len(shapes), func(i, j int) { shapes[i], shapes[j] = shapes[j], shapes[i] })
		shapes = shapes[:len(shapes)/4]
	}
	if !raceEnabled {
		shapes = append(shapes,
			// Two goroutines' regions, by rows then by columns, with
			// several blocks of k (k > KC) in each.
			gemmCase{transB: true, m: 512, n: 520, k: 520, alpha: 1},
			gemmCase{transB: true, m: 64, n: 8000, k: 1100, alpha: 1},
		)
	}
	for _, tc := range epiCases(rng, shapes) {
		a, b, c, bias := epiOperands[T](rng, tc)
		want := unfused(kern, tc, a, b, c, bias)
		e := Epilogue[T]{Bias: bias, ReLU: tc.relu}
		c2 := newMatrix[T](rng, tc.m, tc.n, c.ld)
		copy(c2.data, c.data)
		pb := Pack(tc.transB, tc.n, tc.k, b.data, b.ld)
		GemmPackedEpilogue(tc.transA, tc.m, T(tc.alpha), a.data, a.ld, pb, e, c.data, c.ld)
		checkSameBits(t, "GemmPackedEpilogue/"+tc.String(), c, want, tc.relu)
		GemmEpilogue(tc.transA, tc.transB, tc.m, tc.n, tc.k, T(tc.alpha), a.data, a.ld, b.data, b.ld, e, c2.data, c2.ld)
		checkSameBits(t, "GemmEpilogue/"+tc.String(), c2, want, tc.relu)
	}
}

// TestKernelEpilogues checks the Epilogue of every kernel this machine
// runs (the AVX-512 ones in assembly, the AVX2 and Go ones after the
// store), with A packed and in place and with blocks small enough that
// every product crosses several, against the same kernel unfused.
func TestKernelEpilogues(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testKernelEpilogues(t, kernels64) })
	t.Run("float32", func(t *testing.T) { testKernelEpilogues(t, kernels32) })
}

func testKernelEpilogues[T exact](t *testing.T, kerns []*kernel[T]) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, kern := range variants(kerns) {
		shapes := epiShapes(rng, kern)
		rng.Shuffle(len(shapes), func(i, j int) { shapes[i], shapes[j] = shapes[j], shapes[i] })
		shapes = shapes[:len(shapes)/4]
		if raceEnabled { // small ones: the race detector checks no value
			shapes = slices.DeleteFunc(shapes, func(s gemmCase) bool { return s.m*s.n*s.k > 1<<18 })
		}
		for _, tc := range epiCases(rng, shapes) {
			a, b, c, bias := epiOperands[T](rng, tc)
			want := unfused(kern, tc, a, b, c, bias)
			p := problem[T]{part: Full, transA: tc.transA, transB: tc.transB, m: tc.m, n: tc.n, k: tc.k, alpha: T(tc.alpha),
				a: a.data, b: b.data, c: c.data, lda: a.ld, ldb: b.ld, ldc: c.ld, bias: bias, relu: tc.relu}
			p.solve(kern)
			checkSameBits(t, kern.name+"/"+tc.String(), c, want, tc.relu)
		}
	}
}

// TestGemmPackedEpilogueBadArguments checks that a bias of the wrong
// length or overlapping c, and what Gemm refuses, are refused with an
// *Error, with a packed operand or not.
func TestGemmPackedEpilogueBadArguments(t *testing.T) {
	s := func(n int) []float32 { return make([]float32, n) }
	pb := Pack(false, 2, 3, s(6), 2)
	c := s(4)
	tests := []struct {
		name string
		f    func()
	}{
		{"bias short", func() { GemmPackedEpilogue(false, 2, 1, s(6), 3, pb, Epilogue[float32]{Bias: s(1)}, s(4), 2) }},
		{"bias long", func() { GemmPackedEpilogue(false, 2, 1, s(6), 3, pb, Epilogue[float32]{Bias: s(3)}, s(4), 2) }},
		{"bias in c", func() { GemmPackedEpilogue(false, 2, 1, s(6), 3, pb, Epilogue[float32]{Bias: c[2:]}, c, 2) }},
		{"c short", func() { GemmPackedEpilogue(false, 2, 1, s(6), 3, pb, Epilogue[float32]{ReLU: true}, s(3), 2) }},
		{"unpacked bias short", func() {
			GemmEpilogue(false, false, 2, 2, 3, 1, s(6), 3, s(6), 2, Epilogue[float32]{Bias: s(1)}, s(4), 2)
		}},
		{"unpacked bias in c", func() { GemmEpilogue(false, false, 2, 2, 3, 1, s(6), 3, s(6), 2, Epilogue[float32]{Bias: c[2:]}, c, 2) }},
		{"unpacked negative n", func() {
			GemmEpilogue(false, false, 1, -1, 1, 1, s(1), 1, s(1), 1, Epilogue[float32]{ReLU: true}, s(1), 1)
		}},
		{"unpacked negative n with a bias", func() {
			GemmEpilogue(false, false, 1, -1, 1, 1, s(1), 1, s(1), 1, Epilogue[float32]{Bias: s(1)}, s(1), 1)
		}},
		{"unpacked huge m", func() {
			GemmEpilogue(false, false, 1<<33, 1, 1, 1, s(1), 1, s(1), 1, Epilogue[float32]{ReLU: true}, s(1), 1<<31)
		}},
		{"unpacked a short", func() {
			GemmEpilogue(false, false, 2, 2, 3, 1, s(5), 3, s(6), 2, Epilogue[float32]{ReLU: true}, s(4), 2)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantGemmError(t, tc.f) })
	}
}
