package tensor

import (
	"fmt"
	"math"
)

// This file holds the elementwise math functions and activations beyond the
// basic arithmetic: roots, logs and exponentials accurate near 0, the smooth
// activations (Softplus, GELU, SiLU, ELU), trigonometry, clamping, the
// broadcasting Maximum, Minimum, PowTensor and Where. Log1p, Expm1, Erf,
// NormCDF and the activations run the vectorized kernels of transcend.go
// (error bounds in ulps stated in tensor/internal/vmath); the others
// compute in float64 and round once to T. NaN inputs give NaN outputs.

// Sqrt returns √t elementwise (NaN below 0).
func Sqrt[T Float](t *Tensor[T]) *Tensor[T] { return elemMap64(t, math.Sqrt) }

// Abs returns |t| elementwise.
func Abs[T Float](t *Tensor[T]) *Tensor[T] { return elemMap64(t, math.Abs) }

// Sign returns -1, 0 or 1 elementwise by the sign of t (0 for ±0, NaN for
// NaN): the derivative of Abs with the subgradient 0 at the kink, as in
// PyTorch.
func Sign[T Float](t *Tensor[T]) *Tensor[T] {
	return Map(t, func(v T) T {
		switch {
		case v > 0:
			return 1
		case v < 0:
			return -1
		case v == 0:
			return 0
		}
		return v // NaN
	})
}

// Log1p returns log(1 + t) elementwise, accurate for t near 0 where
// Log(1 + t) loses every digit of t below the rounding of 1 + t.
func Log1p[T Float](t *Tensor[T]) *Tensor[T] { return mapInto(t, Log1pInto[T]) }

// Expm1 returns e^t - 1 elementwise, accurate for t near 0.
func Expm1[T Float](t *Tensor[T]) *Tensor[T] { return mapInto(t, Expm1Into[T]) }

// Sin returns the sine of t elementwise.
func Sin[T Float](t *Tensor[T]) *Tensor[T] { return elemMap64(t, math.Sin) }

// Cos returns the cosine of t elementwise.
func Cos[T Float](t *Tensor[T]) *Tensor[T] { return elemMap64(t, math.Cos) }

// Softplus returns log(1 + e^t) elementwise, computed as
// log1p(e^-|t|) + max(t, 0) so that it never overflows and is exact for
// large |t| (Softplus(1000) = 1000, Softplus(-1000) = 0).
func Softplus[T Float](t *Tensor[T]) *Tensor[T] { return mapInto(t, SoftplusInto[T]) }

// LeakyReLU returns t where t > 0 and slope·t elsewhere.
func LeakyReLU[T Float](t *Tensor[T], slope T) *Tensor[T] {
	return Map(t, func(v T) T {
		if v > 0 {
			return v
		}
		return slope * v
	})
}

// ELU returns t where t > 0 and alpha·(e^t - 1) elsewhere (computed with
// Expm1, so it is accurate near 0).
func ELU[T Float](t *Tensor[T], alpha T) *Tensor[T] {
	a := float64(alpha)
	return elemMap64(t, func(v float64) float64 {
		if v > 0 {
			return v
		}
		return a * math.Expm1(v)
	})
}

// NormCDF returns Φ(t), the standard normal cumulative distribution
// function, elementwise. It is computed as erfc(-t/√2)/2, which keeps full
// relative accuracy in the lower tail where 1 + erf(t/√2) would cancel.
func NormCDF[T Float](t *Tensor[T]) *Tensor[T] { return mapInto(t, NormCDFInto[T]) }

// Erf returns the error function of t elementwise.
func Erf[T Float](t *Tensor[T]) *Tensor[T] { return mapInto(t, ErfInto[T]) }

// GELU returns the Gaussian error linear unit t·Φ(t) elementwise, in its
// exact form with the normal CDF Φ (PyTorch's approximate='none').
func GELU[T Float](t *Tensor[T]) *Tensor[T] { return mapInto(t, GELUInto[T]) }

// GELUTanh returns the tanh approximation of GELU,
// t/2·(1 + tanh(√(2/π)·(t + 0.044715·t³))), elementwise (PyTorch's
// approximate='tanh'). It is evaluated as t·σ(2u), u = √(2/π)·(t +
// 0.044715·t³), which is the same function without the cancellation of
// 1 + tanh(u) for negative t.
func GELUTanh[T Float](t *Tensor[T]) *Tensor[T] { return mapInto(t, GELUTanhInto[T]) }

// SiLU returns the sigmoid linear unit (swish) t·σ(t) elementwise.
func SiLU[T Float](t *Tensor[T]) *Tensor[T] { return mapInto(t, SiLUInto[T]) }

// Clamp returns t limited to [lo, hi] elementwise: min(max(t, lo), hi),
// as in PyTorch. When lo > hi every element becomes hi. NaN stays NaN,
// and a NaN bound makes every element NaN, as in PyTorch.
func Clamp[T Float](t *Tensor[T], lo, hi T) *Tensor[T] {
	return Map(t, func(v T) T {
		if lo != lo || hi != hi {
			return lo + hi // NaN
		}
		if v < lo {
			v = lo
		}
		if v > hi {
			v = hi
		}
		return v
	})
}

// Maximum returns the elementwise maximum of a and b with NumPy
// broadcasting. A NaN in either operand gives NaN, and Maximum(-0, +0) is
// +0. It panics with a *ShapeError when the shapes do not broadcast.
func Maximum[T Float](a, b *Tensor[T]) *Tensor[T] {
	elemCheckBroadcast("Maximum", a, b)
	return Zip(a, b, func(x, y T) T { return max(x, y) })
}

// Minimum returns the elementwise minimum of a and b with NumPy
// broadcasting. A NaN in either operand gives NaN, and Minimum(-0, +0) is
// -0. It panics with a *ShapeError when the shapes do not broadcast.
func Minimum[T Float](a, b *Tensor[T]) *Tensor[T] {
	elemCheckBroadcast("Minimum", a, b)
	return Zip(a, b, func(x, y T) T { return min(x, y) })
}

// PowTensor returns base^exponent elementwise with NumPy broadcasting, with
// the special cases of math.Pow (x^0 = 1 for every x, NaN for a negative base
// and a non-integer exponent), correct for subnormal bases too (see Pow).
// It panics with a *ShapeError when the shapes do not broadcast.
func PowTensor[T Float](base, exponent *Tensor[T]) *Tensor[T] {
	elemCheckBroadcast("PowTensor", base, exponent)
	return Zip(base, exponent, func(x, y T) T { return T(pow(float64(x), float64(y))) })
}

// pow is math.Pow(x, y), also for a subnormal base x > 0 and a fractional
// y, where math.Pow goes through math.Log, which misreads subnormals on
// amd64 (Go issue 56600; 1e-310^0.25 came out 3.3 times too large): such
// a base is scaled by 2⁶⁴ first and 2^(-64y) multiplied back, both exact
// scalings, so only the two factors' roundings remain.
func pow(x, y float64) float64 {
	if x > 0 && x < 0x1p-1022 && y != math.Trunc(y) {
		return math.Pow(x*0x1p64, y) * math.Exp2(-64*y)
	}
	return math.Pow(x, y)
}

// Where returns a[i] where mask[i] is true and b[i] elsewhere, over the
// shape that a and b broadcast to; mask holds one flag per element of that
// shape in row-major order (like torch.where(mask, a, b) with the mask
// already at the broadcast shape). It panics with a *ShapeError when a and b
// do not broadcast or len(mask) does not match the broadcast shape.
func Where[T Float](mask []bool, a, b *Tensor[T]) *Tensor[T] {
	shape := elemCheckBroadcast("Where", a, b)
	n, _ := numElements(shape)
	if len(mask) != n {
		panic(shapeErr("Where", fmt.Sprintf("mask has %d elements, the broadcast shape %v has %d", len(mask), shape, n), a.shape, b.shape))
	}
	out := &Tensor[T]{data: make([]T, n), shape: shape}
	sa, sb, so := stridesIn(a.shape, shape), stridesIn(b.shape, shape), stridesIn(shape, shape)
	ia, ib := 1, 1
	if last := len(shape) - 1; last >= 0 {
		ia, ib = sa[last], sb[last]
	}
	forRows(shape, [][]int{so, sa, sb}, func(offs []int, n int) {
		dst, m := out.data[offs[0]:offs[0]+n], mask[offs[0]:offs[0]+n]
		x, y := a.data[offs[1]:], b.data[offs[2]:]
		for i := range dst {
			if m[i] {
				dst[i] = x[i*ia]
			} else {
				dst[i] = y[i*ib]
			}
		}
	})
	return out
}

// elemCheckBroadcast returns the broadcast shape of a and b, or panics with a
// *ShapeError naming op.
func elemCheckBroadcast[T Float](op string, a, b *Tensor[T]) []int {
	shape, ok := BroadcastShapes(a.shape, b.shape)
	if !ok {
		panic(shapeErr(op, "shapes do not broadcast", a.shape, b.shape))
	}
	return shape
}

// elemMap64 applies a float64 function to every element, rounding once to T.
func elemMap64[T Float](t *Tensor[T], f func(float64) float64) *Tensor[T] {
	return Map(t, func(v T) T { return T(f(float64(v))) })
}
