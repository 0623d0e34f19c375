//go:build amd64 && !purego

package vec

import "unsafe"

// bnGradSumsAsm runs BNGradSums's vector loop over x, a multiple of 8 and
// at least 8 long, leaving Sum8's accumulators of its four sums in r, and
// reports whether it could.
func bnGradSumsAsm[T Float](x, g []T, mean, rstd, w T, r *[4][8]T) bool {
	x = x[:len(x)&^7] // the kernel reads whole groups of 8, at least one
	g = g[:len(x)]
	switch {
	case !hasAVX2 || len(x) == 0:
		return false
	case is32[T]():
		bnGradSumsF32AVX2(f32(x), f32(g), len(x), (*float32)(unsafe.Pointer(r)), float32(mean), float32(rstd), float32(w))
	default:
		bnGradSumsF64AVX2(f64(x), f64(g), len(x), (*float64)(unsafe.Pointer(r)), float64(mean), float64(rstd), float64(w))
	}
	return true
}

// bnGradOutAsm runs BNGradOut's vector loop over the longest prefix of o
// it can and returns its length; the caller does the rest.
func bnGradOutAsm[T Float](o, x, g []T, mean, rstd, w, m1, m2 T, add bool) int {
	n := asmLen[T](len(o))
	if n == 0 {
		return 0
	}
	a := b2i(add)
	switch {
	case is32[T]() && hasAVX512:
		bnGradOutF32AVX512(f32(o), f32(x), f32(g), n, a, float32(mean), float32(rstd), float32(w), float32(m1), float32(m2))
	case is32[T]():
		bnGradOutF32AVX2(f32(o), f32(x), f32(g), n, a, float32(mean), float32(rstd), float32(w), float32(m1), float32(m2))
	case hasAVX512:
		bnGradOutF64AVX512(f64(o), f64(x), f64(g), n, a, float64(mean), float64(rstd), float64(w), float64(m1), float64(m2))
	default:
		bnGradOutF64AVX2(f64(o), f64(x), f64(g), n, a, float64(mean), float64(rstd), float64(w), float64(m1), float64(m2))
	}
	return n
}

// sqDev8Asm runs SqDevSum8's vector loop over x, a multiple of 8 and at
// least 8 long, leaving Sum8's accumulators in r, and reports whether it
// could.
func sqDev8Asm[T Float](x []T, m T, r *[8]T) bool {
	x = x[:len(x)&^7] // the kernel reads whole groups of 8, at least one
	switch {
	case !hasAVX2 || len(x) == 0:
		return false
	case is32[T]():
		sqDev8F32AVX2(f32(x), len(x), (*float32)(unsafe.Pointer(r)), float32(m))
	default:
		sqDev8F64AVX2(f64(x), len(x), (*float64)(unsafe.Pointer(r)), float64(m))
	}
	return true
}
