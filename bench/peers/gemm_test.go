package peers

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/adjoint-go/adjoint/tensor"
)

// gemmSizes are the square sizes n of the GEMM benchmarks, the same as
// BenchmarkGemm's in Adjoint's bench package.
var gemmSizes = []int{64, 128, 256, 512, 1024}

func init() {
	// blas64 and blas32 already default to gonum's pure-Go implementation;
	// say so explicitly, so that nobody measures a cgo BLAS by accident.
	blas64.Use(gonum.Implementation{})
	blas32.Use(gonum.Implementation{})
}

// BenchmarkGemm times C = A·B (alpha 1, beta 0) on square n×n operands into
// a preallocated C, for Adjoint's tensor.Gemm and for gonum's Sgemm/Dgemm,
// next to each other: BenchmarkGemm/f32/n=256/adjoint, .../gonum. Both
// split large products across GOMAXPROCS goroutines, so run it with
// -cpu 1,2. Each reports GFLOP/s = 2n³ per operation.
func BenchmarkGemm(b *testing.B) {
	for _, n := range gemmSizes {
		b.Run(fmt.Sprintf("f32/n=%d/adjoint", n), func(b *testing.B) { benchAdjoint[float32](b, n) })
		b.Run(fmt.Sprintf("f32/n=%d/gonum", n), func(b *testing.B) { benchGonum32(b, n) })
	}
	for _, n := range gemmSizes {
		b.Run(fmt.Sprintf("f64/n=%d/adjoint", n), func(b *testing.B) { benchAdjoint[float64](b, n) })
		b.Run(fmt.Sprintf("f64/n=%d/gonum", n), func(b *testing.B) { benchGonum64(b, n) })
	}
}

// reportGFLOPS reports 2·n³ floating-point operations per iteration. It must
// be called after the timed loop.
func reportGFLOPS(b *testing.B, n int) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(2*float64(n)*float64(n)*float64(n)*float64(b.N)/s/1e9, "GFLOP/s")
	}
}

// randSlice returns n values uniform in [-1, 1).
func randSlice[T tensor.Float](rng *rand.Rand, n int) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = T(2*rng.Float64() - 1)
	}
	return s
}

func benchAdjoint[T tensor.Float](b *testing.B, n int) {
	rng := rand.New(rand.NewPCG(2, uint64(n)))
	x := tensor.MustNew(randSlice[T](rng, n*n), n, n)
	y := tensor.MustNew(randSlice[T](rng, n*n), n, n)
	c := tensor.Zeros[T](n, n)
	tensor.Gemm(false, false, 1, x, y, 0, c) // warm up any packing buffers
	if msg := checkProduct(x.Data(), y.Data(), c.Data(), n); msg != "" {
		b.Fatal("tensor.Gemm: " + msg)
	}
	b.ReportAllocs()
	b.ResetTimer()
	// A b.N loop, not b.Loop: with b.Loop the testing package takes the first
	// sample of each benchmark from its probing call, which runs before it
	// sets GOMAXPROCS from -cpu, so the first "-cpu 1" sample (torch_bench.py
	// runs -cpu 1,2) would time a product split across 2 goroutines. The
	// product writes into c, which outlives the loop, so it is not optimized
	// away.
	for range b.N {
		tensor.Gemm(false, false, 1, x, y, 0, c)
	}
	reportGFLOPS(b, n)
}

func benchGonum32(b *testing.B, n int) {
	rng := rand.New(rand.NewPCG(2, uint64(n)))
	x, y, c := general32(randSlice[float32](rng, n*n), n, n), general32(randSlice[float32](rng, n*n), n, n), general32(make([]float32, n*n), n, n)
	blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, x, y, 0, c)
	if msg := checkProduct(x.Data, y.Data, c.Data, n); msg != "" {
		b.Fatal("gonum Sgemm: " + msg)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N { // not b.Loop: see benchAdjoint
		blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, x, y, 0, c)
	}
	reportGFLOPS(b, n)
}

func benchGonum64(b *testing.B, n int) {
	rng := rand.New(rand.NewPCG(2, uint64(n)))
	x, y, c := general64(randSlice[float64](rng, n*n), n, n), general64(randSlice[float64](rng, n*n), n, n), general64(make([]float64, n*n), n, n)
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, x, y, 0, c)
	if msg := checkProduct(x.Data, y.Data, c.Data, n); msg != "" {
		b.Fatal("gonum Dgemm: " + msg)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N { // not b.Loop: see benchAdjoint
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, x, y, 0, c)
	}
	reportGFLOPS(b, n)
}

// checkProduct compares a few elements of c, the product of the n×n
// row-major matrices a and bm, with dot products in float64, and describes
// the first that differs by more than twice the rounding error bound of a
// dot product of length n in T, n·u·Σ|a_ip·b_pj| (u = 2⁻²⁴ for float32,
// 2⁻⁵³ for float64); "" if none does. The benchmarks call it after their
// warm-up, outside the timed loop, so that a fast wrong product fails.
func checkProduct[T tensor.Float](a, bm, c []T, n int) string {
	u := 0x1p-53
	if one := T(1); one+T(0x1p-30) == one { // float32
		u = 0x1p-24
	}
	for _, ij := range [][2]int{{0, 0}, {n - 1, n - 1}, {n / 2, n / 3}, {n - 1, 0}, {1, n - 1}, {n / 3, n / 2}} {
		i, j := ij[0], ij[1]
		var want, mag float64
		for p := range n {
			v := float64(a[i*n+p]) * float64(bm[p*n+j])
			want += v
			mag += math.Abs(v)
		}
		if got, bound := float64(c[i*n+j]), 2*float64(n)*u*mag; !(math.Abs(got-want) <= bound) {
			return fmt.Sprintf("n=%d: C[%d,%d] = %v, a dot product gives %v (bound %.2g)", n, i, j, got, want, bound)
		}
	}
	return ""
}

// TestCheckProduct checks that checkProduct passes a right product and
// catches the product of the transposes and one element off by 1e-3.
func TestCheckProduct(t *testing.T) {
	const n = 64
	rng := rand.New(rand.NewPCG(5, 6))
	a, bm := randSlice[float32](rng, n*n), randSlice[float32](rng, n*n)
	c := tensor.Zeros[float32](n, n)
	tensor.Gemm(false, false, 1, tensor.MustNew(a, n, n), tensor.MustNew(bm, n, n), 0, c)
	if msg := checkProduct(a, bm, c.Data(), n); msg != "" {
		t.Errorf("right product: %s", msg)
	}
	ct := tensor.Zeros[float32](n, n)
	tensor.Gemm(true, true, 1, tensor.MustNew(a, n, n), tensor.MustNew(bm, n, n), 0, ct)
	if checkProduct(a, bm, ct.Data(), n) == "" {
		t.Error("the product of the transposes passed")
	}
	c.Data()[n/2*n+n/3] += 1e-3
	if checkProduct(a, bm, c.Data(), n) == "" {
		t.Error("an element off by 1e-3 passed")
	}
}

// general32 and general64 wrap dense row-major data as gonum matrices.
func general32(data []float32, r, c int) blas32.General {
	return blas32.General{Rows: r, Cols: c, Stride: c, Data: data}
}

func general64(data []float64, r, c int) blas64.General {
	return blas64.General{Rows: r, Cols: c, Stride: c, Data: data}
}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// TestGemmMatchesGonum checks that the two benchmarked kernels compute the
// same product: c = alpha·op(a)·op(b) + beta·c with every transpose
// combination, on odd sizes and an output that already holds data, in
// float32 and float64.
func TestGemmMatchesGonum(t *testing.T) {
	const m, k, n = 37, 29, 41
	const alpha, beta = 0.75, -1.5
	for _, tc := range []struct{ transA, transB bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		name := fmt.Sprintf("transA=%v/transB=%v", tc.transA, tc.transB)
		// Stored shapes: op(a) is m×k and op(b) is k×n.
		ar, ac, br, bc := m, k, k, n
		if tc.transA {
			ar, ac = k, m
		}
		if tc.transB {
			br, bc = n, k
		}
		rng := rand.New(rand.NewPCG(5, 6))
		a64, b64, c64 := randSlice[float64](rng, ar*ac), randSlice[float64](rng, br*bc), randSlice[float64](rng, m*n)
		t.Run("f64/"+name, func(t *testing.T) {
			want := general64(append([]float64(nil), c64...), m, n)
			blas64.Gemm(trans(tc.transA), trans(tc.transB), alpha, general64(a64, ar, ac), general64(b64, br, bc), beta, want)
			got := tensor.MustNew(append([]float64(nil), c64...), m, n)
			tensor.Gemm(tc.transA, tc.transB, alpha, tensor.MustNew(a64, ar, ac), tensor.MustNew(b64, br, bc), beta, got)
			if diff := cmp.Diff(want.Data, got.Data(), cmpopts.EquateApprox(1e-12, 1e-12)); diff != "" {
				t.Errorf("tensor.Gemm differs from gonum Dgemm (-gonum +adjoint):\n%s", diff)
			}
		})
		a32, b32, c32 := narrow(a64), narrow(b64), narrow(c64)
		t.Run("f32/"+name, func(t *testing.T) {
			want := general32(append([]float32(nil), c32...), m, n)
			blas32.Gemm(trans(tc.transA), trans(tc.transB), alpha, general32(a32, ar, ac), general32(b32, br, bc), beta, want)
			got := tensor.MustNew(append([]float32(nil), c32...), m, n)
			tensor.Gemm(tc.transA, tc.transB, alpha, tensor.MustNew(a32, ar, ac), tensor.MustNew(b32, br, bc), beta, got)
			if diff := cmp.Diff(want.Data, got.Data(), cmpopts.EquateApprox(1e-5, 1e-5)); diff != "" {
				t.Errorf("tensor.Gemm differs from gonum Sgemm (-gonum +adjoint):\n%s", diff)
			}
		})
	}
}

func narrow(s []float64) []float32 {
	out := make([]float32, len(s))
	for i, v := range s {
		out[i] = float32(v)
	}
	return out
}

// TestGemmMatchesGonumLarge checks one product above the size at which both
// kernels block and split the work (n = 300: not a multiple of any block).
func TestGemmMatchesGonumLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large product skipped in -short mode")
	}
	const n = 300
	rng := rand.New(rand.NewPCG(8, 9))
	a, b := randSlice[float64](rng, n*n), randSlice[float64](rng, n*n)
	want := general64(make([]float64, n*n), n, n)
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, general64(a, n, n), general64(b, n, n), 0, want)
	got := tensor.Zeros[float64](n, n)
	tensor.Gemm(false, false, 1, tensor.MustNew(a, n, n), tensor.MustNew(b, n, n), 0, got)
	if diff := cmp.Diff(want.Data, got.Data(), cmpopts.EquateApprox(1e-12, 1e-12)); diff != "" {
		t.Errorf("tensor.Gemm differs from gonum Dgemm at n=%d (-gonum +adjoint):\n%s", n, diff)
	}
}
