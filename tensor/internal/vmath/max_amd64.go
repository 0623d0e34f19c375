//go:build amd64 && !purego

package vmath

// max32Asm is Max32 in assembly (len(x) ≥ 1), when the CPU has AVX-512.
func max32Asm(x []float32) (float32, bool) {
	if !useAVX512 {
		return 0, false
	}
	return max32AVX512(&x[0], len(x)), true
}

// max32Impls lists the assembly variants of Max32 this CPU runs, for the tests.
func max32Impls() (out []func(x []float32) float32) {
	if useAVX512 {
		out = append(out, func(x []float32) float32 { return max32AVX512(&x[0], len(x)) })
	}
	return out
}
