package vmath

import (
	"fmt"
	"math"
)

// LengthError is the panic value of a kernel called with slices of
// different lengths.
type LengthError struct {
	Op        string
	Dst, X, G int
}

func (e *LengthError) Error() string {
	return fmt.Sprintf("vmath: %s: lengths differ: dst %d, x %d, g %d", e.Op, e.Dst, e.X, e.G)
}

func checkLen(op string, dst, x, g int) {
	if dst != x || dst != g {
		panic(&LengthError{Op: op, Dst: dst, X: x, G: g})
	}
}

// impl is one implementation of a kernel, as the tests see it: a function
// that computes the longest prefix it can and returns its length.
type impl[T float32 | float64] struct {
	name, isa string
	unary     func(dst, x []T) int
	grad      func(dst, x, g []T) int
	api       func(dst, x []T)
	api3      func(dst, x, g []T)
	ulps      float64
}

// pairImpl is one implementation of a pair kernel (two results), as the
// tests see it.
type pairImpl[T float32 | float64] struct {
	name, isa string
	f         func(dst, d, x []T) int
	api       func(dst, d, x []T)
}

func pairPrefix[T float32 | float64](f func(dst, d, x []T)) func(dst, d, x []T) int {
	return func(dst, d, x []T) int { f(dst, d, x); return len(dst) }
}

func unaryPrefix[T float32 | float64](f func(dst, x []T)) func(dst, x []T) int {
	return func(dst, x []T) int { f(dst, x); return len(dst) }
}

func gradPrefix[T float32 | float64](f func(dst, x, g []T)) func(dst, x, g []T) int {
	return func(dst, x, g []T) int { f(dst, x, g); return len(dst) }
}

// The lane-wise helpers of the portable kernels, with the semantics of the
// x86 instructions the assembly uses: MINPS/MINPD return the second operand
// unless the first is less (so NaN in either gives the second), MAXPS
// likewise, and a blend picks by mask.

func minx32(a, b float32) float32 {
	if a < b {
		return a
	}
	return b
}

func maxx32(a, b float32) float32 {
	if a > b {
		return a
	}
	return b
}

func minx64(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}

func maxx64(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

func sel32(m bool, a, b float32) float32 {
	if m {
		return a
	}
	return b
}

func sel64(m bool, a, b float64) float64 {
	if m {
		return a
	}
	return b
}

// fma32 is a·b + c rounded once to float32, as VFMADD…PS computes it: the
// product is exact in float64, and the float64 sum s rounds to float32 as
// the exact sum does unless s lies on a float32 midpoint (or is a float32
// itself), where the low 28 bits of its significand are zero; only then
// does fma32Slow look at the sum's error. The portable loops of the
// float32 programs that use FMA compute the same, written out.
func fma32(a, b, c float32) float32 {
	p := float64(a) * float64(b)
	s := p + float64(c)
	if math.Float64bits(s)&(1<<28-1) != 0 {
		return float32(s)
	}
	return fma32Slow(p, float64(c), s)
}

// fma32Slow rounds s = p + c (rounded to float64, p and c exact) to
// float32 as the exact sum rounds: the sum's error (TwoSum) turns s into
// its round-to-odd value, and rounding that to float32 is then correct
// (53 ≥ 24 + 2 bits, so the double rounding is innocuous). It is kept
// out of line so that fma32 inlines.
//
//go:noinline
func fma32Slow(p, c, s float64) float32 {
	bb := s - p
	e := (p - (s - bb)) + (c - bb)
	if e != 0 && e == e { // inexact (and not NaN or infinite)
		u := math.Float64bits(s)
		if u&1 == 0 { // to odd: the neighbour of s on e's side
			if (e > 0) == (s > 0) {
				u++
			} else {
				u--
			}
		}
		s = math.Float64frombits(u)
	}
	return float32(s)
}
