package gemm

import (
	"fmt"
	"testing"
)

// mlpShapes are the products of one training step of the 784-256-128-10
// MLP at batch 256 (bench/mlpadam_test.go): the forward pass x·Wᵀ of each
// Linear layer, then the backward pass's g·W (dx) and gᵀ·x (dW).
var mlpShapes = []struct {
	name           string
	m, n, k        int
	transA, transB bool
}{
	{"fwd1", 256, 256, 784, false, true},
	{"fwd2", 256, 128, 256, false, true},
	{"fwd3", 256, 10, 128, false, true},
	{"dx3", 256, 128, 10, false, false},
	{"dW3", 10, 128, 256, true, false},
	{"dx2", 256, 256, 128, false, false},
	{"dW2", 128, 256, 256, true, false},
	{"dW1", 256, 784, 256, true, false},
}

// BenchmarkGemmMLP times Gemm on the float32 products of the MLP's step and
// reports GFLOP/s, to show which shapes fall short of the square ones.
func BenchmarkGemmMLP(b *testing.B) {
	for _, s := range mlpShapes {
		b.Run(fmt.Sprintf("%s/%dx%dx%d", s.name, s.m, s.n, s.k), func(b *testing.B) {
			benchGemm(b, kern32, s.transA, s.transB, s.m, s.n, s.k)
		})
	}
}

// BenchmarkGemmPackedMLP times the forward products of the MLP at batch 256
// (x·Wᵀ of each Linear layer) with Gemm, which packs W on every call, and
// with GemmPacked, whose W was packed once, as inference uses them.
func BenchmarkGemmPackedMLP(b *testing.B) {
	for _, s := range mlpShapes[:3] {
		a, w, c := make([]float32, s.m*s.k), make([]float32, s.n*s.k), make([]float32, s.m*s.n)
		for i := range a {
			a[i] = float32(i%17) / 17
		}
		for i := range w {
			w[i] = float32(i%13) / 13
		}
		pw := Pack(true, s.n, s.k, w, s.k)
		flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
		b.Run(fmt.Sprintf("%s/gemm", s.name), func(b *testing.B) {
			for b.Loop() {
				Gemm(false, true, s.m, s.n, s.k, 1, a, s.k, w, s.k, 0, c, s.n)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(fmt.Sprintf("%s/packed", s.name), func(b *testing.B) {
			for b.Loop() {
				GemmPacked(false, s.m, 1, a, s.k, pw, 0, c, s.n)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
