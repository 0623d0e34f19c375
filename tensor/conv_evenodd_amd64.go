//go:build amd64 && !purego

package tensor

import (
	"golang.org/x/sys/cpu"

	"github.com/adjoint-go/adjoint/tensor/internal/vec"
)

// evenOddAVX512 reports whether the AVX-512 kernels of splitEvenOdd and
// joinEvenOdd can run (x/sys/cpu includes the operating system's support
// for the registers). It is set once, at start-up.
var evenOddAVX512 = cpu.X86.HasAVX512F

// evenOddMinPairs is the fewest pairs the AVX-512 kernels take (one step).
const evenOddMinPairs = 16

//go:noescape
func splitEvenOddF32AVX512(ev, od, src *float32, n int)

//go:noescape
func joinEvenOddF32AVX512(dst, ev, od *float32, n int)

// splitEvenOddAsm splits the first 2n elements of src as splitEvenOdd does
// when it has a kernel for them, and reports whether it did.
func splitEvenOddAsm[T Float](ev, od, src []T, n int) bool {
	if !evenOddAVX512 || n < evenOddMinPairs {
		return false
	}
	e, ok := any(ev).([]float32)
	if !ok {
		return false
	}
	o, s := any(od).([]float32)[:n], any(src).([]float32)[:2*n]
	splitEvenOddF32AVX512(&e[:n][0], &o[0], &s[0], n)
	return true
}

// joinEvenOddAsm is splitEvenOddAsm for joinEvenOdd.
func joinEvenOddAsm[T Float](dst, ev, od []T, n int) bool {
	if !evenOddAVX512 || n < evenOddMinPairs {
		return false
	}
	d, ok := any(dst).([]float32)
	if !ok {
		return false
	}
	e, o := any(ev).([]float32)[:n], any(od).([]float32)[:n]
	joinEvenOddF32AVX512(&d[:2*n][0], &e[0], &o[0], n)
	return true
}

//go:noescape
func addToF32AVX512(dst, x *float32, n int)

// addRunTo sets dst[k] = dst[k] + x[k] for every k; x must be at least as
// long as dst. For float32 it is one masked vector loop, which suits the
// short runs of col2imStride2 (a tap's output row) better than
// vec.Arith's vector loop with a scalar tail.
func addRunTo[T Float](dst, x []T) {
	x = x[:len(dst)]
	if d, ok := any(dst).([]float32); ok && evenOddAVX512 && len(d) > 0 {
		addToF32AVX512(&d[0], &any(x).([]float32)[0], len(d))
		return
	}
	vec.Arith(vec.OpAdd, dst, dst, x)
}
