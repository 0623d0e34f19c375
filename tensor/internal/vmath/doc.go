// Package vmath holds vectorized transcendental kernels on slices of
// float32 and float64: exp, log, log1p, expm1, tanh, sigmoid, erf, the
// normal CDF, the activations built on them (GELU, its tanh approximation,
// SiLU, softplus) and the fused derivatives that a backward pass needs
// (each times an upstream gradient g).
//
// Every kernel is written once, as a straight-line, branch-free program of
// lane-wise operations (see gen/funcs.go): range reduction and a polynomial
// for exp (Cody–Waite), an exponent/mantissa split and the atanh series for
// log, a Chebyshev series of erfc(z)·e^(z²) in t = K/(K+z) for erf and the
// normal CDF (with a near-minimax polynomial for erf below |x| = 1 and the
// Taylor series for the CDF). The float32 GELU kernels (GELU32, GELUGrad32,
// GELUAndGrad32) have a shorter program of their own with fused
// multiply-adds: e^(-x²/2) from an exact -x²/2 (one FMA) and a Taylor
// series, Φ(-|x|) as e^(-x²/2)·d·Q(α·d + β) with d = 1/(K+|x|) and Q one
// polynomial, the Taylor series of Φ below |x| = 1, and the scale 2^k
// applied last so that subnormal results are rounded once. The generator in ./gen turns each program
// into a portable Go loop (portable_*.go, always built, the only path off
// amd64 or with the purego build tag) and into AVX-512 and AVX2 assembly
// (kernels_amd64.s), chosen at run time. Both paths perform the same
// operations in the same order with the same roundings, so they give the
// same bits: float64 programs use fused multiply-adds (math.FMA in Go),
// float32 programs compute in float32 throughout and use none except the
// GELU kernels', whose portable Go computes each FMA's single rounding
// exactly (fma32: a float64 sum made round-to-odd, then rounded to
// float32). The AVX-512
// loops run the program on four to eight consecutive vectors per iteration
// (gen/funcs.go has each kernel's number), their instructions interleaved
// (staggered where the copies in lockstep would not fit in the registers), so that the long dependency chains of one
// vector overlap those of the others; each element still goes through
// exactly the program's operations.
//
// Pair kernels compute two results in one sweep: GELUAndGrad gives GELU
// and its derivative (with the bits of GELU and of GELUGrad at g = 1), for
// a forward pass that saves the derivative so that the backward pass is one
// product by g.
//
// A few row kernels serve package tensor's float32 softmax: Max32, and
// programs over arrays of mixed precision (ExpShift32to64, e^(x-m) of
// float32s in float64 with Exp64's bits; QuoRound64to32, the rounded
// quotients, and QuoRecipRound64to32 and QuoRecip32, their bits without a
// division per element (a product by 1/p corrected twice with FMA
// residuals); Mul32 and MulSubP32, the products of its derivative).
//
// Error bounds are stated per function in ulps of the result. For float32
// they are measured against the float64 functions of package math (whose
// error is far below a float32 ulp); for float64 against package math,
// which is itself within about 1 ulp of the exact result (for the normal
// CDF, GELU and the Gaussian factors of the derivatives the reference
// corrects math's rounding of x/√2 and x², see the tests). The exception
// is math.Erfc, up to 4 ulp off in the normal CDF's lower tail: the bounds
// of NormCDF64 and GELU64 include that error, and a test against exact
// values (testdata/normcdf64.txt) holds them within 6 ulp. The bounds of
// the derivative kernels, whose results pass through zero, are in ulps of
// |g| times the sum of the magnitudes of the terms. Special cases (±0, ±Inf,
// NaN, overflow and underflow) follow package math. The derivative kernels
// give g·f'(x) in IEEE arithmetic (an infinite g times a zero f'(x) is NaN);
// at x = ±Inf the derivatives of GELU, GELUTanh and SiLU are NaN, as their
// formulas 1 + Inf·0 and Inf·0 give in the engine's composed derivatives and
// in PyTorch, while those of Softplus and Erf are their limits (1 or 0, and
// 0); at huge finite x all of them are their limits.
package vmath

//go:generate go run ./gen
