//go:build amd64 && !purego

package vec

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// hasAVX2 selects the AVX2 loops.
var hasAVX2 = cpu.X86.HasAVX2

// The AVX2 loops of vec_amd64.s: n elements from the given pointers, n a
// multiple of the vector width (8 float32s, 4 float64s).
//
//go:noescape
func momentumF32AVX2(w, v, d *float32, n int, negLR, mu, keep float32)

//go:noescape
func momentumF64AVX2(w, v, d *float64, n int, negLR, mu, keep float64)

//go:noescape
func adamF32AVX2(w, grad, mom, vel *float32, n int, c *Adam[float32])

//go:noescape
func adamF64AVX2(w, grad, mom, vel *float64, n int, c *Adam[float64])

// adamAsm runs the vector loop over the longest prefix it can and returns
// its length; the caller does the rest.
func adamAsm[T Float](w, g, m, v []T, c *Adam[T]) int {
	if !hasAVX2 || len(w) == 0 {
		return 0
	}
	if unsafe.Sizeof(c.B1) == 4 {
		n := len(w) &^ 7
		if n > 0 {
			adamF32AVX2((*float32)(unsafe.Pointer(&w[0])), (*float32)(unsafe.Pointer(&g[0])), (*float32)(unsafe.Pointer(&m[0])), (*float32)(unsafe.Pointer(&v[0])), n,
				(*Adam[float32])(unsafe.Pointer(c)))
		}
		return n
	}
	n := len(w) &^ 3
	if n > 0 {
		adamF64AVX2((*float64)(unsafe.Pointer(&w[0])), (*float64)(unsafe.Pointer(&g[0])), (*float64)(unsafe.Pointer(&m[0])), (*float64)(unsafe.Pointer(&v[0])), n,
			(*Adam[float64])(unsafe.Pointer(c)))
	}
	return n
}

// momentumAsm runs the vector loop over the longest prefix it can and
// returns its length; the caller does the rest.
func momentumAsm[T Float](w, v, d []T, negLR, mu, keep T) int {
	if !hasAVX2 || len(w) == 0 {
		return 0
	}
	if unsafe.Sizeof(negLR) == 4 {
		n := len(w) &^ 7
		if n > 0 {
			momentumF32AVX2((*float32)(unsafe.Pointer(&w[0])), (*float32)(unsafe.Pointer(&v[0])), (*float32)(unsafe.Pointer(&d[0])), n,
				float32(negLR), float32(mu), float32(keep))
		}
		return n
	}
	n := len(w) &^ 3
	if n > 0 {
		momentumF64AVX2((*float64)(unsafe.Pointer(&w[0])), (*float64)(unsafe.Pointer(&v[0])), (*float64)(unsafe.Pointer(&d[0])), n,
			float64(negLR), float64(mu), float64(keep))
	}
	return n
}
