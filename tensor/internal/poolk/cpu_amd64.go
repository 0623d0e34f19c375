//go:build amd64 && !purego

package poolk

import "golang.org/x/sys/cpu"

// useAVX512 reports whether the assembly can run: x/sys/cpu includes the
// operating system's support for the zmm and mask state. BZHI is BMI2.
var useAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasBMI2

// The assembly kernels on rows row pairs of ow outputs (see max2x2Rows and
// scatter2x2Rows); they report false when the CPU cannot run them. The
// callers have checked the slices' lengths.

func max2x2F32Asm(out, arg, x []float32, rows, ow, w int) bool {
	if !useAVX512 {
		return false
	}
	var a *float32
	if arg != nil {
		a = &arg[0]
	}
	max2x2F32AVX512(&out[0], a, &x[0], rows, ow, w)
	return true
}

func max2x2F64Asm(out, arg, x []float64, rows, ow, w int) bool {
	if !useAVX512 {
		return false
	}
	var a *float64
	if arg != nil {
		a = &arg[0]
	}
	max2x2F64AVX512(&out[0], a, &x[0], rows, ow, w)
	return true
}

func scatter2x2F32Asm(dx, g, arg []float32, rows, ow, w int) bool {
	if !useAVX512 {
		return false
	}
	scatter2x2F32AVX512(&dx[0], &g[0], &arg[0], rows, ow, w)
	return true
}

func scatter2x2F64Asm(dx, g, arg []float64, rows, ow, w int) bool {
	if !useAVX512 {
		return false
	}
	scatter2x2F64AVX512(&dx[0], &g[0], &arg[0], rows, ow, w)
	return true
}
