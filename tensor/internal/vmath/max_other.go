//go:build !amd64 || purego

package vmath

// Without assembly Max32 runs its portable loop.
func max32Asm([]float32) (float32, bool) { return 0, false }

func max32Impls() []func(x []float32) float32 { return nil }
