//go:build !amd64 || purego

package poolk

// Without assembly every kernel runs the portable loops.

func max2x2F32Asm(_, _, _ []float32, _, _, _ int) bool { return false }

func max2x2F64Asm(_, _, _ []float64, _, _, _ int) bool { return false }

func scatter2x2F32Asm(_, _, _ []float32, _, _, _ int) bool { return false }

func scatter2x2F64Asm(_, _, _ []float64, _, _, _ int) bool { return false }
