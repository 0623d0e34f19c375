package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// matmulSizes are the square sizes n of the MatMul and Gemm benchmarks.
var matmulSizes = []int{64, 128, 256, 512, 1024}

// transposedForms are the two transposed products of every matmul's
// backward pass: Aᵀ·B (weight gradients) and A·Bᵀ (input gradients, and
// Linear's forward x·Wᵀ). Neither transpose is materialized.
var transposedForms = []struct {
	name           string
	transA, transB bool
}{{"AtB", true, false}, {"ABt", false, true}}

// randMatrix returns an r×c matrix of values uniform in [-1, 1).
func randMatrix[T tensor.Float](rng *rand.Rand, r, c int) *tensor.Tensor[T] {
	return tensor.RandUniform[T](rng, -1, 1, r, c)
}

// reportGFLOPS reports the rate of a benchmark whose every operation is one
// m×k by k×n matrix product (2·m·k·n floating-point operations). It must be
// called after the timed loop, when b.N holds the iteration count.
func reportGFLOPS(b *testing.B, m, k, n int) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(2*float64(m)*float64(k)*float64(n)*float64(b.N)/s/1e9, "GFLOP/s")
	}
}

// BenchmarkMatMul measures tensor.MatMul, which allocates its n×n result, on
// square operands: BenchmarkMatMul/f32/n=256 and so on.
func BenchmarkMatMul(b *testing.B) {
	for _, n := range matmulSizes {
		b.Run(fmt.Sprintf("f32/n=%d", n), func(b *testing.B) { benchMatMul[float32](b, n, false, false) })
	}
	for _, n := range matmulSizes {
		b.Run(fmt.Sprintf("f64/n=%d", n), func(b *testing.B) { benchMatMul[float64](b, n, false, false) })
	}
}

// BenchmarkMatMulTransposed measures tensor.MatMul on the transposed forms,
// read in place, at n = 256: BenchmarkMatMulTransposed/f32/AtB/n=256.
func BenchmarkMatMulTransposed(b *testing.B) {
	const n = 256
	for _, typ := range []string{"f32", "f64"} {
		for _, tc := range transposedForms {
			b.Run(fmt.Sprintf("%s/%s/n=%d", typ, tc.name, n), func(b *testing.B) {
				if typ == "f32" {
					benchMatMul[float32](b, n, tc.transA, tc.transB)
				} else {
					benchMatMul[float64](b, n, tc.transA, tc.transB)
				}
			})
		}
	}
}

func benchMatMul[T tensor.Float](b *testing.B, n int, transA, transB bool) {
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	x, y := randMatrix[T](rng, n, n), randMatrix[T](rng, n, n)
	// Warm up, and check the product the loop times.
	if msg := checkProduct(x, y, tensor.MatMul(x, y, transA, transB), transA, transB); msg != "" {
		b.Fatal("MatMul: " + msg)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N { // not b.Loop: see benchGemm
		tensor.MatMul(x, y, transA, transB)
	}
	reportGFLOPS(b, n, n, n)
}

// BenchmarkGemm measures tensor.Gemm (C = A·B, alpha 1, beta 0) into a
// preallocated output, so that the kernel alone is timed: it should report
// zero allocations. Products above a size threshold are split across
// GOMAXPROCS goroutines, so run it with -cpu 1,2 to see one core and two.
func BenchmarkGemm(b *testing.B) {
	for _, n := range matmulSizes {
		b.Run(fmt.Sprintf("f32/n=%d", n), func(b *testing.B) { benchGemm[float32](b, n, false, false) })
	}
	for _, n := range matmulSizes {
		b.Run(fmt.Sprintf("f64/n=%d", n), func(b *testing.B) { benchGemm[float64](b, n, false, false) })
	}
}

// BenchmarkGemmTransposed is BenchmarkGemm for Aᵀ·B and A·Bᵀ:
// BenchmarkGemmTransposed/f32/AtB/n=512 and so on.
func BenchmarkGemmTransposed(b *testing.B) {
	for _, typ := range []string{"f32", "f64"} {
		for _, tc := range transposedForms {
			for _, n := range matmulSizes {
				b.Run(fmt.Sprintf("%s/%s/n=%d", typ, tc.name, n), func(b *testing.B) {
					if typ == "f32" {
						benchGemm[float32](b, n, tc.transA, tc.transB)
					} else {
						benchGemm[float64](b, n, tc.transA, tc.transB)
					}
				})
			}
		}
	}
}

func benchGemm[T tensor.Float](b *testing.B, n int, transA, transB bool) {
	rng := rand.New(rand.NewPCG(2, uint64(n)))
	x, y := randMatrix[T](rng, n, n), randMatrix[T](rng, n, n)
	c := tensor.Full(T(99), n, n) // beta 0 must overwrite it
	// Collect now, before the warm-up: a collection that the allocations
	// above would start during the timed loop empties the GEMM's
	// sync.Pools, and the next call refills them (one allocation).
	runtime.GC()
	tensor.Gemm(transA, transB, 1, x, y, 0, c) // warm up the packing buffers
	if msg := checkProduct(x, y, c, transA, transB); msg != "" {
		b.Fatal("Gemm: " + msg)
	}
	b.ReportAllocs()
	b.ResetTimer()
	// A b.N loop, not b.Loop: with b.Loop the testing package takes the first
	// sample of each sub-benchmark from its probing call, which runs before it
	// sets GOMAXPROCS from -cpu, so "-cpu 1" would time a parallel product.
	for range b.N {
		tensor.Gemm(transA, transB, 1, x, y, 0, c)
	}
	reportGFLOPS(b, n, n, n)
}

// TestMatMulWorkloads checks that the products the benchmarks time are the
// right ones: every transpose combination against a plain triple loop, and
// Gemm into a dirty preallocated output.
func TestMatMulWorkloads(t *testing.T) {
	const m, k, n = 7, 5, 6
	rng := rand.New(rand.NewPCG(3, 4))
	a, bm := randMatrix[float64](rng, m, k), randMatrix[float64](rng, k, n)
	want := naiveMatMul(a, bm)
	for _, tc := range []struct {
		name           string
		transA, transB bool
	}{{"AB", false, false}, {"AtB", true, false}, {"ABt", false, true}, {"AtBt", true, true}} {
		x, y := a, bm
		if tc.transA {
			x = tensor.Transpose(a)
		}
		if tc.transB {
			y = tensor.Transpose(bm)
		}
		got := tensor.MatMul(x, y, tc.transA, tc.transB)
		assertClose(t, tc.name, got.Data(), want.Data(), 1e-12)
	}
	c := tensor.Full(99.0, m, n)
	tensor.Gemm(false, false, 1, a, bm, 0, c)
	assertClose(t, "Gemm", c.Data(), want.Data(), 1e-12)
}

// checkProduct compares a few elements of c, the product of the n×n
// matrices x and y (transposed as transA and transB say), with dot
// products in float64, and describes the first that differs by more than
// the rounding error bound of a dot product of length n in T,
// n·u·Σ|a_ip·b_pj| (u = 2⁻²⁴ for float32, 2⁻⁵³ for float64), doubled; ""
// if none does. A wrong product (a transpose or a block mixed up) misses
// it by orders of magnitude.
func checkProduct[T tensor.Float](x, y, c *tensor.Tensor[T], transA, transB bool) string {
	n := x.Shape()[0]
	u := 0x1p-53
	if one := T(1); one+T(0x1p-30) == one { // float32
		u = 0x1p-24
	}
	a := func(i, p int) float64 {
		if transA {
			return float64(x.At(p, i))
		}
		return float64(x.At(i, p))
	}
	bm := func(p, j int) float64 {
		if transB {
			return float64(y.At(j, p))
		}
		return float64(y.At(p, j))
	}
	for _, ij := range [][2]int{{0, 0}, {n - 1, n - 1}, {n / 2, n / 3}, {n - 1, 0}, {1, n - 1}, {n / 3, n / 2}} {
		i, j := ij[0], ij[1]
		var want, mag float64
		for p := range n {
			want += a(i, p) * bm(p, j)
			mag += math.Abs(a(i, p) * bm(p, j))
		}
		if got := float64(c.At(i, j)); !(math.Abs(got-want) <= 2*float64(n)*u*mag) {
			return fmt.Sprintf("n=%d transA %v transB %v: C[%d,%d] = %v, a dot product gives %v (bound %.2g)",
				n, transA, transB, i, j, got, want, 2*float64(n)*u*mag)
		}
	}
	return ""
}

// TestCheckProduct checks that checkProduct passes the right product and
// catches a wrong one: the transpose of the right one, and the right one
// with one checked element off by 1e-3 (about 10 times the bound).
func TestCheckProduct(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range transposedForms {
		x, y := randMatrix[float32](rng, 64, 64), randMatrix[float32](rng, 64, 64)
		c := tensor.MatMul(x, y, tc.transA, tc.transB)
		if msg := checkProduct(x, y, c, tc.transA, tc.transB); msg != "" {
			t.Errorf("%s, right product: %s", tc.name, msg)
		}
		if checkProduct(x, y, c, !tc.transA, !tc.transB) == "" {
			t.Errorf("%s: the product of the other transposes passed", tc.name)
		}
		c.Set(c.At(32, 21)+1e-3, 32, 21)
		if checkProduct(x, y, c, tc.transA, tc.transB) == "" {
			t.Errorf("%s: an element off by 1e-3 passed", tc.name)
		}
	}
}

// TestGemmAllocatesNothing checks what BenchmarkGemm's README entry claims:
// a warm Gemm on one goroutine (testing.AllocsPerRun sets GOMAXPROCS to 1)
// allocates nothing, at a size that runs on one goroutine anyway and at
// one (n = 512) that is split across goroutines when there are several.
func TestGemmAllocatesNothing(t *testing.T) {
	if underRace {
		t.Skip("the race detector's instrumentation allocates")
	}
	rng := rand.New(rand.NewPCG(8, 9))
	for _, n := range []int{64, 512} {
		for _, tc := range append(transposedForms, struct {
			name           string
			transA, transB bool
		}{"AB", false, false}) {
			x, y, c := randMatrix[float32](rng, n, n), randMatrix[float32](rng, n, n), tensor.Zeros[float32](n, n)
			if a := testing.AllocsPerRun(3, func() { tensor.Gemm(tc.transA, tc.transB, 1, x, y, 0, c) }); a != 0 {
				t.Errorf("n=%d %s: %v allocations per Gemm, want 0", n, tc.name, a)
			}
		}
	}
}

// naiveMatMul is the reference product of an m×k and a k×n matrix.
func naiveMatMul(a, b *tensor.Tensor[float64]) *tensor.Tensor[float64] {
	m, k, n := a.Shape()[0], a.Shape()[1], b.Shape()[1]
	c := tensor.Zeros[float64](m, n)
	for i := range m {
		for j := range n {
			var s float64
			for p := range k {
				s += a.At(i, p) * b.At(p, j)
			}
			c.Set(s, i, j)
		}
	}
	return c
}
