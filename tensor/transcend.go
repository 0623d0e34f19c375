package tensor

import (
	"unsafe"

	"github.com/adjoint-go/adjoint/tensor/internal/vmath"
)

// This file holds the destination-passing forms of the transcendental
// functions and of the activations built on them, and the fused derivatives
// a backward pass needs. They run the vectorized kernels of
// tensor/internal/vmath (AVX-512 or AVX2 where the CPU has them, a portable
// loop otherwise), whose error bounds in ulps are stated there. Each panics
// with a *ShapeError when the tensors' shapes differ; dst may be x (or g).

// ExpInto sets dst = e^x elementwise.
func ExpInto[T Float](dst, x *Tensor[T]) { unaryInto("ExpInto", dst, x, vmath.Exp32, vmath.Exp64) }

// LogInto sets dst = log(x) elementwise (NaN below 0, -Inf at 0).
func LogInto[T Float](dst, x *Tensor[T]) { unaryInto("LogInto", dst, x, vmath.Log32, vmath.Log64) }

// Log1pInto sets dst = log(1 + x) elementwise, accurate near 0.
func Log1pInto[T Float](dst, x *Tensor[T]) {
	unaryInto("Log1pInto", dst, x, vmath.Log1p32, vmath.Log1p64)
}

// Expm1Into sets dst = e^x - 1 elementwise, accurate near 0.
func Expm1Into[T Float](dst, x *Tensor[T]) {
	unaryInto("Expm1Into", dst, x, vmath.Expm132, vmath.Expm164)
}

// ErfInto sets dst = erf(x) elementwise.
func ErfInto[T Float](dst, x *Tensor[T]) { unaryInto("ErfInto", dst, x, vmath.Erf32, vmath.Erf64) }

// NormCDFInto sets dst = Φ(x), the standard normal CDF, elementwise, with
// full relative accuracy in the lower tail.
func NormCDFInto[T Float](dst, x *Tensor[T]) {
	unaryInto("NormCDFInto", dst, x, vmath.NormCDF32, vmath.NormCDF64)
}

// GELUInto sets dst = x·Φ(x) elementwise (the exact GELU).
func GELUInto[T Float](dst, x *Tensor[T]) { unaryInto("GELUInto", dst, x, vmath.GELU32, vmath.GELU64) }

// GELUAndGradInto sets dst = x·Φ(x) and d = Φ(x) + x·φ(x), the exact GELU
// and its derivative, in one sweep: dst has the bits of GELUInto, and g·d
// those of GELUGradInto(·, x, g) for any g, so that a forward pass can save
// d and its backward pass be one product. dst or d may be x, not each
// other: it panics with a *ShapeError when dst and d share memory, or
// either overlaps x without being it, as for shapes that differ.
func GELUAndGradInto[T Float](dst, d, x *Tensor[T]) {
	const op = "GELUAndGradInto"
	mapCheck(op, dst, x)
	mapCheck(op, d, x)
	noOverlap(op, dst, d)
	n := len(dst.data)
	if n == 0 {
		return
	}
	if is32[T]() {
		vmath.GELUAndGrad32(asF32(dst.data), asF32(d.data[:n]), asF32(x.data[:n]))
		return
	}
	vmath.GELUAndGrad64(asF64(dst.data), asF64(d.data[:n]), asF64(x.data[:n]))
}

// GELUTanhInto sets dst to the tanh approximation of GELU elementwise, as
// GELUTanh does.
func GELUTanhInto[T Float](dst, x *Tensor[T]) {
	unaryInto("GELUTanhInto", dst, x, vmath.GELUTanh32, vmath.GELUTanh64)
}

// SiLUInto sets dst = x·σ(x) elementwise.
func SiLUInto[T Float](dst, x *Tensor[T]) { unaryInto("SiLUInto", dst, x, vmath.SiLU32, vmath.SiLU64) }

// SoftplusInto sets dst = log(1 + e^x) elementwise, without overflow.
func SoftplusInto[T Float](dst, x *Tensor[T]) {
	unaryInto("SoftplusInto", dst, x, vmath.Softplus32, vmath.Softplus64)
}

// GELUGradInto sets dst = g·(Φ(x) + x·φ(x)), the derivative of GELU at x
// times the upstream gradient g. At x = ±Inf it is NaN (1 + Inf·0), as in
// PyTorch.
func GELUGradInto[T Float](dst, x, g *Tensor[T]) {
	gradInto("GELUGradInto", dst, x, g, vmath.GELUGrad32, vmath.GELUGrad64)
}

// GELUTanhGradInto sets dst to the derivative of GELUTanh at x times g
// (NaN at x = ±Inf, as in PyTorch).
func GELUTanhGradInto[T Float](dst, x, g *Tensor[T]) {
	gradInto("GELUTanhGradInto", dst, x, g, vmath.GELUTanhGrad32, vmath.GELUTanhGrad64)
}

// SiLUGradInto sets dst = g·σ(x)·(1 + x·(1-σ(x))), the derivative of SiLU
// at x times g (NaN at x = ±Inf, Inf·0, as in PyTorch).
func SiLUGradInto[T Float](dst, x, g *Tensor[T]) {
	gradInto("SiLUGradInto", dst, x, g, vmath.SiLUGrad32, vmath.SiLUGrad64)
}

// SoftplusGradInto sets dst = g·σ(x), the derivative of Softplus at x
// times g.
func SoftplusGradInto[T Float](dst, x, g *Tensor[T]) {
	gradInto("SoftplusGradInto", dst, x, g, vmath.SoftplusGrad32, vmath.SoftplusGrad64)
}

// ErfGradInto sets dst = g·(2/√π)·e^(-x²), the derivative of erf at x
// times g.
func ErfGradInto[T Float](dst, x, g *Tensor[T]) {
	gradInto("ErfGradInto", dst, x, g, vmath.ErfGrad32, vmath.ErfGrad64)
}

// NormCDFGradInto sets dst = g·e^(-x²/2)/√(2π), the derivative of NormCDF
// (the standard normal density φ) at x times g.
func NormCDFGradInto[T Float](dst, x, g *Tensor[T]) {
	gradInto("NormCDFGradInto", dst, x, g, vmath.NormCDFGrad32, vmath.NormCDFGrad64)
}

// unaryInto checks the shapes (and that dst is x or apart from it) and
// runs the kernel of T's width.
func unaryInto[T Float](op string, dst, x *Tensor[T], f32 func(dst, x []float32), f64 func(dst, x []float64)) {
	mapCheck(op, dst, x)
	n := len(dst.data)
	if n == 0 {
		return
	}
	if is32[T]() {
		f32(asF32(dst.data), asF32(x.data[:n]))
		return
	}
	f64(asF64(dst.data), asF64(x.data[:n]))
}

// gradInto is unaryInto for the derivative kernels.
func gradInto[T Float](op string, dst, x, g *Tensor[T], f32 func(dst, x, g []float32), f64 func(dst, x, g []float64)) {
	mapCheck(op, dst, x, g)
	n := len(dst.data)
	if n == 0 {
		return
	}
	if is32[T]() {
		f32(asF32(dst.data), asF32(x.data[:n]), asF32(g.data[:n]))
		return
	}
	f64(asF64(dst.data), asF64(x.data[:n]), asF64(g.data[:n]))
}

// is32 reports whether T is 4 bytes wide (float32 or a type defined on it).
func is32[T Float]() bool {
	var z T
	return unsafe.Sizeof(z) == 4
}

// asF32 and asF64 view a non-empty slice of T as the float type of its
// width (T may be a type defined on float32 or float64).
func asF32[T Float](s []T) []float32 { return unsafe.Slice((*float32)(unsafe.Pointer(&s[0])), len(s)) }

func asF64[T Float](s []T) []float64 { return unsafe.Slice((*float64)(unsafe.Pointer(&s[0])), len(s)) }

// newLike returns an uninitialized-looking (zeroed) tensor of t's shape.
func newLike[T Float](t *Tensor[T]) *Tensor[T] {
	return &Tensor[T]{data: make([]T, len(t.data)), shape: append([]int{}, t.shape...)}
}

// mapInto returns into(new tensor, t): the allocating form of a kernel.
func mapInto[T Float](t *Tensor[T], into func(dst, x *Tensor[T])) *Tensor[T] {
	out := newLike(t)
	into(out, t)
	return out
}

// sigmoidInto and tanhInto are the bodies of SigmoidInto and TanhInto.
func sigmoidInto[T Float](op string, dst, x *Tensor[T]) {
	unaryInto(op, dst, x, vmath.Sigmoid32, vmath.Sigmoid64)
}

func tanhInto[T Float](op string, dst, x *Tensor[T]) {
	unaryInto(op, dst, x, vmath.Tanh32, vmath.Tanh64)
}
