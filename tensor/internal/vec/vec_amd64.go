//go:build amd64 && !purego

package vec

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// The instruction sets of the kernels (x/sys/cpu includes the operating
// system's support for the ymm and zmm state). The AVX-512 kernels take
// any length (their last vector is masked, its mask made with BMI2's
// BZHI); the AVX2 ones a multiple of the width, the scalar loop doing the
// rest.
var (
	hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasBMI2
	hasAVX2   = cpu.X86.HasAVX2
)

// f32 and f64 view a slice of T as the element type it is.
func f32[T Float](s []T) *float32 { return (*float32)(unsafe.Pointer(unsafe.SliceData(s))) }
func f64[T Float](s []T) *float64 { return (*float64)(unsafe.Pointer(unsafe.SliceData(s))) }

// is32 reports whether T is float32.
func is32[T Float]() bool {
	var z T
	return unsafe.Sizeof(z) == 4
}

// prefix is the part of n elements the AVX2 kernels take: whole vectors of
// 32 bytes.
func prefix[T Float](n int) int {
	if is32[T]() {
		return n &^ 7
	}
	return n &^ 3
}

// adamAsm runs a vector loop over the longest prefix it can and returns
// its length; the caller does the rest.
func adamAsm[T Float](w, g, m, v []T, c *Adam[T]) int {
	n := len(w)
	if !hasAVX512 {
		if !hasAVX2 {
			return 0
		}
		n = prefix[T](n)
	}
	switch {
	case n == 0:
	case hasAVX512 && is32[T]():
		adamF32AVX512(f32(w), f32(g), f32(m), f32(v), n, (*Adam[float32])(unsafe.Pointer(c)))
	case hasAVX512:
		adamF64AVX512(f64(w), f64(g), f64(m), f64(v), n, (*Adam[float64])(unsafe.Pointer(c)))
	case is32[T]():
		adamF32AVX2(f32(w), f32(g), f32(m), f32(v), n, (*Adam[float32])(unsafe.Pointer(c)))
	default:
		adamF64AVX2(f64(w), f64(g), f64(m), f64(v), n, (*Adam[float64])(unsafe.Pointer(c)))
	}
	return n
}

// momentumAsm runs the vector loop over the longest prefix it can and
// returns its length; the caller does the rest.
func momentumAsm[T Float](w, v, d []T, negLR, mu, keep T) int {
	n := len(w)
	if !hasAVX512 {
		if !hasAVX2 {
			return 0
		}
		n = prefix[T](n)
	}
	switch {
	case n == 0:
	case hasAVX512 && is32[T]():
		momentumF32AVX512(f32(w), f32(v), f32(d), n, float32(negLR), float32(mu), float32(keep))
	case hasAVX512:
		momentumF64AVX512(f64(w), f64(v), f64(d), n, float64(negLR), float64(mu), float64(keep))
	case is32[T]():
		momentumF32AVX2(f32(w), f32(v), f32(d), n, float32(negLR), float32(mu), float32(keep))
	default:
		momentumF64AVX2(f64(w), f64(v), f64(d), n, float64(negLR), float64(mu), float64(keep))
	}
	return n
}

// reluAsm runs a vector loop over the longest prefix it can and returns its
// length; the caller does the rest.
func reluAsm[T Float](dst, x []T) int {
	n := len(dst)
	if !hasAVX512 {
		if !hasAVX2 {
			return 0
		}
		n = prefix[T](n)
	}
	switch {
	case n == 0:
	case hasAVX512 && is32[T]():
		reluF32AVX512(f32(dst), f32(x), n)
	case hasAVX512:
		reluF64AVX512(f64(dst), f64(x), n)
	case is32[T]():
		reluF32AVX2(f32(dst), f32(x), n)
	default:
		reluF64AVX2(f64(dst), f64(x), n)
	}
	return n
}

// reluGradAsm runs a vector loop over the longest prefix it can and returns
// its length; the caller does the rest.
func reluGradAsm[T Float](dst, x, g []T) int {
	n := len(dst)
	if !hasAVX512 {
		if !hasAVX2 {
			return 0
		}
		n = prefix[T](n)
	}
	switch {
	case n == 0:
	case hasAVX512 && is32[T]():
		reluGradF32AVX512(f32(dst), f32(x), f32(g), n)
	case hasAVX512:
		reluGradF64AVX512(f64(dst), f64(x), f64(g), n)
	case is32[T]():
		reluGradF32AVX2(f32(dst), f32(x), f32(g), n)
	default:
		reluGradF64AVX2(f64(dst), f64(x), f64(g), n)
	}
	return n
}

// gradAsm runs the vector loop of op over the longest prefix of dst it can
// and returns its length; the caller does the rest.
func gradAsm[T Float](op gradOp, dst, a, b []T) int {
	n := asmLen[T](len(dst))
	if n > 0 {
		gradKernel(hasAVX512, op, dst[:n], a, b)
	}
	return n
}

// gradKernel runs op's AVX-512 kernel (z) or AVX2 one over all of dst,
// whose length that kernel must take.
func gradKernel[T Float](z bool, op gradOp, dst, a, b []T) {
	n := len(dst)
	if is32[T]() {
		k := [2][3]func(d, a, b *float32, n int){
			{mulAddF32AVX2, sigmoidGradF32AVX2, tanhGradF32AVX2},
			{mulAddF32AVX512, sigmoidGradF32AVX512, tanhGradF32AVX512},
		}
		k[b2i(z)][op](f32(dst), f32(a), f32(b), n)
		return
	}
	k := [2][3]func(d, a, b *float64, n int){
		{mulAddF64AVX2, sigmoidGradF64AVX2, tanhGradF64AVX2},
		{mulAddF64AVX512, sigmoidGradF64AVX512, tanhGradF64AVX512},
	}
	k[b2i(z)][op](f64(dst), f64(a), f64(b), n)
}

// b2i is 1 for true, 0 for false.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// asmLen is the part of n elements the kernels of this CPU take: all of
// them with AVX-512, whole vectors with AVX2, none without either.
func asmLen[T Float](n int) int {
	switch {
	case hasAVX512:
		return n
	case hasAVX2:
		return prefix[T](n)
	}
	return 0
}

// arithAsm runs Arith's vector loop over the longest prefix it can and
// returns its length; the caller does the rest.
func arithAsm[T Float](op Op, dst, x, y []T) int {
	n := asmLen[T](len(dst))
	if n == 0 {
		return 0
	}
	if is32[T]() {
		d, a, b := f32(dst), f32(x), f32(y)
		switch {
		case op == OpAdd && hasAVX512:
			addF32AVX512(d, a, b, n)
		case op == OpSub && hasAVX512:
			subF32AVX512(d, a, b, n)
		case op == OpMul && hasAVX512:
			mulF32AVX512(d, a, b, n)
		case op == OpDiv && hasAVX512:
			divF32AVX512(d, a, b, n)
		case op == OpAdd:
			addF32AVX2(d, a, b, n)
		case op == OpSub:
			subF32AVX2(d, a, b, n)
		case op == OpMul:
			mulF32AVX2(d, a, b, n)
		case op == OpDiv:
			divF32AVX2(d, a, b, n)
		}
		return n
	}
	d, a, b := f64(dst), f64(x), f64(y)
	switch {
	case op == OpAdd && hasAVX512:
		addF64AVX512(d, a, b, n)
	case op == OpSub && hasAVX512:
		subF64AVX512(d, a, b, n)
	case op == OpMul && hasAVX512:
		mulF64AVX512(d, a, b, n)
	case op == OpDiv && hasAVX512:
		divF64AVX512(d, a, b, n)
	case op == OpAdd:
		addF64AVX2(d, a, b, n)
	case op == OpSub:
		subF64AVX2(d, a, b, n)
	case op == OpMul:
		mulF64AVX2(d, a, b, n)
	case op == OpDiv:
		divF64AVX2(d, a, b, n)
	}
	return n
}

// arithScalarAsm runs ArithScalar's vector loop (ScalarArith's when left)
// over the longest prefix it can and returns its length; the caller does
// the rest.
func arithScalarAsm[T Float](op Op, left bool, dst, x []T, s T) int {
	n := asmLen[T](len(dst))
	if n == 0 {
		return 0
	}
	if is32[T]() {
		d, a, c := f32(dst), f32(x), float32(s)
		switch {
		case op == OpAdd && !left && hasAVX512:
			addSF32AVX512(d, a, n, c)
		case op == OpSub && !left && hasAVX512:
			subSF32AVX512(d, a, n, c)
		case op == OpMul && !left && hasAVX512:
			mulSF32AVX512(d, a, n, c)
		case op == OpDiv && !left && hasAVX512:
			divSF32AVX512(d, a, n, c)
		case op == OpAdd && left && hasAVX512:
			sAddF32AVX512(d, a, n, c)
		case op == OpSub && left && hasAVX512:
			sSubF32AVX512(d, a, n, c)
		case op == OpMul && left && hasAVX512:
			sMulF32AVX512(d, a, n, c)
		case op == OpDiv && left && hasAVX512:
			sDivF32AVX512(d, a, n, c)
		case op == OpAdd && !left:
			addSF32AVX2(d, a, n, c)
		case op == OpSub && !left:
			subSF32AVX2(d, a, n, c)
		case op == OpMul && !left:
			mulSF32AVX2(d, a, n, c)
		case op == OpDiv && !left:
			divSF32AVX2(d, a, n, c)
		case op == OpAdd && left:
			sAddF32AVX2(d, a, n, c)
		case op == OpSub && left:
			sSubF32AVX2(d, a, n, c)
		case op == OpMul && left:
			sMulF32AVX2(d, a, n, c)
		case op == OpDiv && left:
			sDivF32AVX2(d, a, n, c)
		}
		return n
	}
	d, a, c := f64(dst), f64(x), float64(s)
	switch {
	case op == OpAdd && !left && hasAVX512:
		addSF64AVX512(d, a, n, c)
	case op == OpSub && !left && hasAVX512:
		subSF64AVX512(d, a, n, c)
	case op == OpMul && !left && hasAVX512:
		mulSF64AVX512(d, a, n, c)
	case op == OpDiv && !left && hasAVX512:
		divSF64AVX512(d, a, n, c)
	case op == OpAdd && left && hasAVX512:
		sAddF64AVX512(d, a, n, c)
	case op == OpSub && left && hasAVX512:
		sSubF64AVX512(d, a, n, c)
	case op == OpMul && left && hasAVX512:
		sMulF64AVX512(d, a, n, c)
	case op == OpDiv && left && hasAVX512:
		sDivF64AVX512(d, a, n, c)
	case op == OpAdd && !left:
		addSF64AVX2(d, a, n, c)
	case op == OpSub && !left:
		subSF64AVX2(d, a, n, c)
	case op == OpMul && !left:
		mulSF64AVX2(d, a, n, c)
	case op == OpDiv && !left:
		divSF64AVX2(d, a, n, c)
	case op == OpAdd && left:
		sAddF64AVX2(d, a, n, c)
	case op == OpSub && left:
		sSubF64AVX2(d, a, n, c)
	case op == OpMul && left:
		sMulF64AVX2(d, a, n, c)
	case op == OpDiv && left:
		sDivF64AVX2(d, a, n, c)
	}
	return n
}

// axpbyAsm runs Axpby's vector loop over the longest prefix it can and
// returns its length; the caller does the rest.
func axpbyAsm[T Float](dst, x []T, alpha, beta T) int {
	n := asmLen[T](len(dst))
	switch {
	case n == 0:
	case hasAVX512 && is32[T]():
		axpbyF32AVX512(f32(dst), f32(x), n, float32(alpha), float32(beta))
	case hasAVX512:
		axpbyF64AVX512(f64(dst), f64(x), n, float64(alpha), float64(beta))
	case is32[T]():
		axpbyF32AVX2(f32(dst), f32(x), n, float32(alpha), float32(beta))
	default:
		axpbyF64AVX2(f64(dst), f64(x), n, float64(alpha), float64(beta))
	}
	return n
}

// sumLanesAsm runs Sum8's accumulators over x, a whole number of groups of
// eight (at least one), in a vector loop, and reports whether it could.
func sumLanesAsm[T Float](x []T, r *[8]T) bool {
	switch {
	case !hasAVX2 && !hasAVX512:
		return false
	case is32[T]():
		if hasAVX512 {
			sumLanesF32AVX512(f32(x), len(x), (*float32)(unsafe.Pointer(r)))
		} else {
			sumLanesF32AVX2(f32(x), len(x), (*float32)(unsafe.Pointer(r)))
		}
	case hasAVX512:
		sumLanesF64AVX512(f64(x), len(x), (*float64)(unsafe.Pointer(r)))
	default:
		sumLanesF64AVX2(f64(x), len(x), (*float64)(unsafe.Pointer(r)))
	}
	return true
}

// sumWideAsm runs SumWide's accumulators over x, whole groups of sixteen,
// in a vector loop, and reports whether it could.
func sumWideAsm[T Float](x []T, r *[16]float64) bool {
	switch {
	case !hasAVX2 && !hasAVX512:
		return false
	case is32[T]() && hasAVX512:
		sumWideF32AVX512(f32(x), len(x), &r[0])
	case is32[T]():
		sumWideF32AVX2(f32(x), len(x), &r[0])
	case hasAVX512:
		sumWideF64AVX512(f64(x), len(x), &r[0])
	default:
		sumWideF64AVX2(f64(x), len(x), &r[0])
	}
	return true
}

// sqDevWideAsm runs SqDevWide's accumulators over x, whole groups of
// sixteen, in a vector loop, and reports whether it could.
func sqDevWideAsm[T Float](x []T, m float64, r *[16]float64) bool {
	switch {
	case !hasAVX2 && !hasAVX512:
		return false
	case is32[T]() && hasAVX512:
		sqDevWideF32AVX512(f32(x), len(x), m, &r[0])
	case is32[T]():
		sqDevWideF32AVX2(f32(x), len(x), m, &r[0])
	case hasAVX512:
		sqDevWideF64AVX512(f64(x), len(x), m, &r[0])
	default:
		sqDevWideF64AVX2(f64(x), len(x), m, &r[0])
	}
	return true
}

// normAffineAsm runs NormAffine's vector loop over y, whole groups of
// sixteen, and reports whether it could.
func normAffineAsm[T Float](y, x, w, b []T, mean, rstd float64) bool {
	n := len(y)
	switch {
	case !hasAVX2 && !hasAVX512:
		return false
	case is32[T]() && hasAVX512:
		normAffineF32AVX512(f32(y), f32(x), f32(w), f32(b), n, mean, rstd)
	case is32[T]():
		normAffineF32AVX2(f32(y), f32(x), f32(w), f32(b), n, mean, rstd)
	case hasAVX512:
		normAffineF64AVX512(f64(y), f64(x), f64(w), f64(b), n, mean, rstd)
	default:
		normAffineF64AVX2(f64(y), f64(x), f64(w), f64(b), n, mean, rstd)
	}
	return true
}

// addRows8Asm runs AddRows8's vector loop over the longest prefix of out
// of whole vectors, the rows' first elements at p, and returns its length.
func addRows8Asm[T Float](out []T, p *[8]*T, a T, scaled bool) int {
	n := len(out)
	switch {
	case hasAVX512 && is32[T]():
		n &^= 15
	case hasAVX512:
		n &^= 7
	case hasAVX2:
		n = prefix[T](n)
	default:
		return 0
	}
	if n == 0 {
		return 0
	}
	switch {
	case is32[T]():
		q := (*[8]*float32)(unsafe.Pointer(p))
		switch {
		case hasAVX512 && scaled:
			addRows8ScaledF32AVX512(f32(out), q, n, float32(a))
		case hasAVX512:
			addRows8F32AVX512(f32(out), q, n)
		case scaled:
			addRows8ScaledF32AVX2(f32(out), q, n, float32(a))
		default:
			addRows8F32AVX2(f32(out), q, n)
		}
	default:
		q := (*[8]*float64)(unsafe.Pointer(p))
		switch {
		case hasAVX512 && scaled:
			addRows8ScaledF64AVX512(f64(out), q, n, float64(a))
		case hasAVX512:
			addRows8F64AVX512(f64(out), q, n)
		case scaled:
			addRows8ScaledF64AVX2(f64(out), q, n, float64(a))
		default:
			addRows8F64AVX2(f64(out), q, n)
		}
	}
	return n
}

// normCenterAsm runs NormCenter's vector loop over d's length, a multiple of
// 8 and at least 8, leaving Sum8's accumulators of u in r, and reports
// whether it could.
func normCenterAsm[T Float](d, u, gy, x, g, w []T, mu T, r *[8]T) bool {
	switch {
	case !hasAVX2:
		return false
	case is32[T]():
		normCenterF32AVX2(f32(d), f32(u), f32(gy), f32(x), f32(g), f32(w), len(d), (*float32)(unsafe.Pointer(r)), float32(mu))
	default:
		normCenterF64AVX2(f64(d), f64(u), f64(gy), f64(x), f64(g), f64(w), len(d), (*float64)(unsafe.Pointer(r)), float64(mu))
	}
	return true
}

// normScaleAsm runs NormScale's vector loop over d's length, a multiple of
// 8 and at least 8, leaving Sum8's accumulators of gy and u in acc, and
// reports whether it could.
func normScaleAsm[T Float](d, u, wg, gy, g []T, r T, acc *[16]T) bool {
	switch {
	case !hasAVX2:
		return false
	case is32[T]():
		normScaleF32AVX2(f32(d), f32(u), f32(wg), f32(gy), f32(g), len(d), (*float32)(unsafe.Pointer(acc)), float32(r))
	default:
		normScaleF64AVX2(f64(d), f64(u), f64(wg), f64(gy), f64(g), len(d), (*float64)(unsafe.Pointer(acc)), float64(r))
	}
	return true
}

// normOutAsm runs NormOut's vector loop over o's length, a multiple of 8,
// and reports whether it could.
func normOutAsm[T Float](o, gy, d []T, r, m1, m2 T, add bool) bool {
	if !hasAVX2 || len(o) == 0 {
		return false
	}
	a := 0
	if add {
		a = 1
	}
	if is32[T]() {
		normOutF32AVX2(f32(o), f32(gy), f32(d), len(o), a, float32(r), float32(m1), float32(m2))
	} else {
		normOutF64AVX2(f64(o), f64(gy), f64(d), len(o), a, float64(r), float64(m1), float64(m2))
	}
	return true
}

// lnRowsAsm runs LNRows's fused kernel when it fits (n a multiple of 16,
// at least 16, AVX-512) and reports whether it did.
func lnRowsAsm[T Float](y, x, w, b []T, n, rows int, eps T) bool {
	if !hasAVX512 || n < 16 || n%16 != 0 || rows < 1 {
		return false
	}
	if is32[T]() {
		lnRowsF32AVX512(f32(y), f32(x), f32(w), f32(b), n, rows, float64(n), float64(eps), 1)
	} else {
		lnRowsF64AVX512(f64(y), f64(x), f64(w), f64(b), n, rows, float64(n), float64(eps), 1)
	}
	return true
}

// lnGradRowsAsm runs LNGradRows's fused kernel when it fits (n a multiple
// of 8 from 8 to 128, AVX2) and reports whether it did.
func lnGradRowsAsm[T Float](o, wg, x, g, w []T, n, rows int, eps T, add bool) bool {
	if !hasAVX2 || n < 8 || n > 128 || n%8 != 0 || rows < 1 {
		return false
	}
	a := 0
	if add {
		a = 1
	}
	if is32[T]() {
		lnGradRowsF32AVX2(f32(o), f32(wg), f32(x), f32(g), f32(w), n, rows, a, float32(n), float32(eps), 1)
	} else {
		lnGradRowsF64AVX2(f64(o), f64(wg), f64(x), f64(g), f64(w), n, rows, a, float64(n), float64(eps), 1)
	}
	return true
}

// lnGradLeavesAsm runs LNGradRows's kernel for rows of several of
// SumRow's leaves when it fits (see lnLeaves; AVX2) and reports whether it
// did.
func lnGradLeavesAsm[T Float](o, wg, x, g, w []T, n, rows int, eps T, add bool) bool {
	leaf, leaves := lnLeaves(n)
	if !hasAVX2 || leaves < 2 || leaves > maxLeaves || rows < 1 {
		return false
	}
	a := 0
	if add {
		a = 1
	}
	var sums [2 * maxLeaves]T // the leaves' sums of a sweep's two sums
	if is32[T]() {
		lnGradLeavesF32AVX2(f32(o), f32(wg), f32(x), f32(g), f32(w), n, rows, a, leaf, f32(sums[:]), float32(n), float32(eps), 1)
	} else {
		lnGradLeavesF64AVX2(f64(o), f64(wg), f64(x), f64(g), f64(w), n, rows, a, leaf, f64(sums[:]), float64(n), float64(eps), 1)
	}
	return true
}

// fusedLN reports whether the fused LayerNorm kernels run here, forward
// and backward.
func fusedLN() (fwd, bwd bool) { return hasAVX512, hasAVX2 }

// addRows64Asm runs AddRows64's kernel where there is one and reports
// whether it did.
func addRows64Asm[T Float](out, src []T, stride int) bool {
	if !hasAVX512 {
		return false
	}
	if is32[T]() {
		addRows64F32AVX512(f32(out), f32(src), stride, len(out))
	} else {
		addRows64F64AVX512(f64(out), f64(src), stride, len(out))
	}
	return true
}
