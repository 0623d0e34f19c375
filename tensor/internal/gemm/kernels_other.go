//go:build !amd64 || purego

package gemm

// Without assembly (off amd64, or with the purego build tag) the portable
// kernel is the only one.
var kernels32, kernels64 = []*kernel[float32]{kernGo32}, []*kernel[float64]{kernGo64}
