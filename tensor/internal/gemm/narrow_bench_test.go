package gemm

import (
	"fmt"
	"testing"
)

// narrowShapes are the narrow float32 products of the CNN's training step at
// batch 64 (bench/cnn_test.go; per image, as package tensor's convolution
// issues them) and of the 10-wide output layers of the CNN and the MLP:
// products with few columns (N ≤ 16) or few rows (M < 2·MR), where packing
// B to the kernel's full width would cost more than the multiply-adds.
var narrowShapes = []struct {
	name           string
	m, n, k        int
	transA, transB bool
}{
	{"conv1dW", 9, 8, 784, false, true},     // cols·Gᵀ, summed over images
	{"conv1fwd", 8, 784, 9, false, false},   // W·cols
	{"conv2dW", 72, 16, 196, false, true},   // cols·Gᵀ
	{"conv2fwd", 16, 196, 72, false, false}, // W·cols
	{"conv2dx", 72, 196, 16, true, false},   // Wᵀ·G
	{"cnnFwd", 64, 10, 784, false, true},    // x·Wᵀ of Linear(784→10)
	{"cnnDW", 10, 784, 64, true, false},     // gᵀ·x
	{"mlpFwd3", 256, 10, 128, false, true},  // x·Wᵀ of Linear(128→10)
	{"mlpDW3", 10, 128, 256, true, false},   // gᵀ·x
}

// BenchmarkGemmNarrow times Gemm on narrowShapes and reports GFLOP/s.
func BenchmarkGemmNarrow(b *testing.B) {
	for _, s := range narrowShapes {
		b.Run(fmt.Sprintf("%s/%dx%dx%d", s.name, s.m, s.n, s.k), func(b *testing.B) {
			benchGemm(b, kern32, s.transA, s.transB, s.m, s.n, s.k)
		})
	}
}
