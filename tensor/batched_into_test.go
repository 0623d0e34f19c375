package tensor_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestBatchGemmIntoMatchesBatchMatMul checks that BatchGemmInto with beta 0
// gives BatchMatMul's bits, and that beta 1 adds the product to c, over
// broadcast batches, transposes and the folded single-matrix case.
func TestBatchGemmIntoMatchesBatchMatMul(t *testing.T) {
	cases := []struct {
		name           string
		as, bs         []int
		transA, transB bool
	}{
		{"3d", []int{3, 4, 5}, []int{3, 5, 2}, false, false},
		{"4d AB^T", []int{2, 3, 4, 5}, []int{2, 3, 6, 5}, false, true},
		{"4d A^TB", []int{2, 3, 5, 4}, []int{2, 3, 5, 6}, true, false},
		{"4d A^TB^T", []int{2, 3, 5, 4}, []int{2, 3, 6, 5}, true, true},
		{"broadcast a", []int{1, 3, 4, 5}, []int{2, 1, 5, 6}, false, false},
		{"missing axes", []int{4, 5}, []int{2, 3, 5, 6}, false, false},
		{"fold", []int{2, 3, 4, 5}, []int{5, 6}, false, false},
		{"fold B^T", []int{2, 3, 4, 5}, []int{6, 5}, false, true},
		{"no fold with A^T", []int{2, 5, 4}, []int{5, 6}, true, false},
		{"empty batch", []int{0, 4, 5}, []int{5, 6}, false, false},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := tensor.RandNormal[float32](rng, 0, 1, tc.as...)
			b := tensor.RandNormal[float32](rng, 0, 1, tc.bs...)
			want := tensor.BatchMatMul(a, b, tc.transA, tc.transB)
			c := tensor.Full(float32(math.NaN()), want.Shape()...)
			tensor.BatchGemmInto(tc.transA, tc.transB, 1, a, b, 0, c)
			for i, v := range want.Data() {
				if math.Float32bits(v) != math.Float32bits(c.Data()[i]) {
					t.Fatalf("element %d: %v, BatchMatMul gives %v", i, c.Data()[i], v)
				}
			}
			tensor.BatchGemmInto(tc.transA, tc.transB, 1, a, b, 1, c)
			for i, v := range want.Data() {
				if got := c.Data()[i]; math.Abs(float64(got-2*v)) > 1e-5*(1+math.Abs(float64(v))) {
					t.Fatalf("beta 1, element %d: %v, want %v", i, got, 2*v)
				}
			}
		})
	}
}

func TestBatchGemmIntoPanics(t *testing.T) {
	a := tensor.Zeros[float64](2, 3, 4)
	b := tensor.Zeros[float64](2, 4, 5)
	cases := []struct {
		name    string
		a, b, c *tensor.Tensor[float64]
	}{
		{"1-D operand", tensor.Zeros[float64](4), b, tensor.Zeros[float64](2, 1, 5)},
		{"inner", a, tensor.Zeros[float64](2, 3, 5), tensor.Zeros[float64](2, 3, 5)},
		{"batch", a, tensor.Zeros[float64](3, 4, 5), tensor.Zeros[float64](2, 3, 5)},
		{"destination batch", a, b, tensor.Zeros[float64](1, 3, 5)},
		{"destination matrix", a, b, tensor.Zeros[float64](2, 3, 4)},
		{"aliased", a, b, a},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				var se *tensor.ShapeError
				if err, ok := recover().(error); !ok || !errors.As(err, &se) || se.Op != "BatchGemmInto" {
					t.Errorf("panic %v, want a *tensor.ShapeError of BatchGemmInto", err)
				}
			}()
			tensor.BatchGemmInto(false, false, 1, tc.a, tc.b, 0, tc.c)
		})
	}
}

// TestGemmRows checks GemmRows(true, false) against the sum over the batch
// of per-matrix products, and a folded product against Gemm on a reshape.
func TestGemmRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a := tensor.RandNormal[float64](rng, 0, 1, 2, 3, 4)
	g := tensor.RandNormal[float64](rng, 0, 1, 2, 3, 5)
	got := tensor.Full(math.NaN(), 4, 5)
	tensor.GemmRows(true, false, 1, a, g, 0, got)
	want := tensor.Sum(tensor.BatchMatMul(a, g, true, false), 0)
	for i, v := range want.Data() {
		if math.Abs(got.Data()[i]-v) > 1e-12 {
			t.Fatalf("Σ aᵢᵀ·gᵢ element %d: %v, want %v", i, got.Data()[i], v)
		}
	}
	c := tensor.Ones[float64](6, 5)
	w := tensor.RandNormal[float64](rng, 0, 1, 4, 5)
	tensor.GemmRows(false, false, 2, a, w, 1, c)
	ref := tensor.Ones[float64](6, 5)
	tensor.Gemm(false, false, 2, a.Reshape(6, 4), w, 1, ref)
	for i, v := range ref.Data() {
		if got := c.Data()[i]; math.Float64bits(got) != math.Float64bits(v) {
			t.Fatalf("folded product element %d: %v, want %v", i, got, v)
		}
	}
	empty := tensor.Zeros[float64](4, 0)
	tensor.GemmRows(true, false, 1, tensor.Zeros[float64](2, 0, 4), tensor.Zeros[float64](2, 0, 0), 0, empty)
}

// BenchmarkBatchGemmIntoAttention times the batched products of a small
// attention block (batch 8, 4 heads, sequence 64, head size 32, float32):
// the scores q·kᵀ, the mixed values p·v, and the forms their gradients
// take, each as one BatchGemmInto over the 32 matrices.
func BenchmarkBatchGemmIntoAttention(b *testing.B) {
	const bh, s, d = 32, 64, 32
	rng := rand.New(rand.NewPCG(1, 2))
	q := tensor.RandNormal[float32](rng, 0, 1, 8, 4, s, d)
	k := tensor.RandNormal[float32](rng, 0, 1, 8, 4, s, d)
	p := tensor.RandNormal[float32](rng, 0, 1, 8, 4, s, s)
	ss, sd := tensor.Zeros[float32](8, 4, s, s), tensor.Zeros[float32](8, 4, s, d)
	cases := []struct {
		name           string
		transA, transB bool
		a, b, c        *tensor.Tensor[float32]
	}{
		{"q·kT", false, true, q, k, ss},
		{"p·v", false, false, p, k, sd},
		{"pT·g", true, false, p, k, sd},
		{"g·kT", false, true, sd, k, ss},
	}
	const flops = 2 * bh * s * s * d // every form is 32 products of 64·64·32 multiply-adds
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				tensor.BatchGemmInto(tc.transA, tc.transB, 1, tc.a, tc.b, 0, tc.c)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
