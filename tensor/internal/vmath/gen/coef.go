package main

// Chebyshev coefficients of Q(y) = erfc(z)·e^(z²)/t with t = K/(K+z), on
// t ∈ [tmin, 1] mapped linearly onto y ∈ [-1, 1]: erfc(z) = e^(-z²)·t·Q(y).
// They were computed by interpolation at 60 Chebyshev nodes in 60-digit
// arithmetic (coefs.py in this directory, with mpmath) and truncated; the
// first dropped term is 1.5e-19 (float64 set) and 3.6e-10 (float32 set),
// against Q ≥ 0.14.
var (
	erfcCheb64 = []float64{
		0x1.bb7ac8371a2e2p-2, 0x1.80a86ab0d6948p-2, 0x1.16e16c0daeeb1p-3, 0x1.552f85a7cda78p-5,
		0x1.5f4d0019c5d80p-7, 0x1.2bdf0360639dcp-9, 0x1.998cf0920957ep-12, 0x1.9a835fae139a5p-15,
		0x1.b978f7e0ba9e7p-19, -0x1.bfca47cfd9dc5p-23, -0x1.59f8208557e4bp-24, -0x1.a7117fb1cc2a4p-28,
		0x1.babd7850f71bfp-31, 0x1.a4d8d2d65cd32p-33, -0x1.3020d45a025b6p-40, -0x1.202bef0050cc9p-38,
		-0x1.caa0bf0f175bdp-43, 0x1.7b528d141be2cp-44, 0x1.1712757062a4fp-47, -0x1.0c9aa2ae71d75p-49,
		-0x1.041c19ea0ce77p-52, 0x1.af3b37c5b6c4ep-55, 0x1.ba732121e9ee6p-58, -0x1.8a1082ef386c8p-60,
	}
	erfcK64    = 4.0
	erfcTmin64 = 0x1.f81f81f81f820p-4 // K/(K+28.5)

	erfcCheb32 = []float64{
		0x1.0ab66cp-1, 0x1.745856p-2, 0x1.84ba0ep-4, 0x1.293f2ap-6, 0x1.2e4fd2p-9,
		0x1.03dc9cp-13, -0x1.fe9d26p-17, -0x1.92b41p-19, 0x1.b71a04p-25, 0x1.c24162p-25,
	}
	erfcK32    = 3.0
	erfcTmin32 = 0x1.a7b9611a7b961p-3 // K/(K+11.5)
)

// taylorExp returns 1/n! for n = from…to.
func taylorExp(from, to int) []float64 {
	var c []float64
	f := 1.0
	for n := 1; n < from; n++ {
		f *= float64(n)
	}
	for n := from; n <= to; n++ {
		if n > 0 {
			f *= float64(n)
		}
		c = append(c, 1/f)
	}
	return c
}

// atanhSeries returns 2/(2k+1) for k = 1…deg: log(1+f) = 2s + s·R(s²) with
// s = f/(2+f) and R(z) = Σ 2z^k/(2k+1).
func atanhSeries(deg int) []float64 {
	var c []float64
	for k := 1; k <= deg; k++ {
		c = append(c, 2/float64(2*k+1))
	}
	return c
}

// taylorNormCDF returns the coefficients of (Φ(x) - ½)/x as a series in x²:
// (1/√(2π))·(-1)^n / (2^n·n!·(2n+1)), n = 0…deg.
func taylorNormCDF(deg int) []float64 {
	const invSqrt2Pi = 0.3989422804014327
	c := []float64{invSqrt2Pi}
	f := 1.0
	for n := 1; n <= deg; n++ {
		f *= 2 * float64(n)
		s := 1.0
		if n%2 == 1 {
			s = -1
		}
		c = append(c, s*invSqrt2Pi/(f*float64(2*n+1)))
	}
	return c
}

// Coefficients (lowest degree first) of P(r) ≈ erf(x)/x - 1 in r = x² on
// [0, 1], for erf(x) = x + x·P(x²) below |x| = 1: Chebyshev interpolants
// from mpmath's chebyfit (coefs.py), rounded to the target type; the fits'
// errors are 1.3e-19 (float64) and 1.2e-9 (float32) against 1 + P ≥ 0.84.
var (
	erfSmall64 = []float64{
		0x1.06eba8214db69p-3, -0x1.812746b0379e6p-2, 0x1.ce2f21a042b30p-4, -0x1.b82ce31284e00p-6,
		0x1.565bcd0dbaa38p-8, -0x1.c02db3dac435fp-11, 0x1.f9a321d5b8e1ep-14, -0x1.f4d1e3183f7aep-17,
		0x1.b9df224ca4b97p-20, -0x1.5f1ecb6f0764cp-23, 0x1.f7b4bf3b13964p-27, -0x1.389d4f2641625p-30,
		0x1.05ffd737fb32ep-34,
	}
	erfSmall32 = []float64{
		0x1.06eba8p-3, -0x1.81273ep-2, 0x1.ce2d1p-4, -0x1.b7fabap-6,
		0x1.54127p-8, -0x1.a45088p-11, 0x1.4a569p-14,
	}
)

// Coefficients (lowest degree first) of the float32 GELU kernels'
// polynomials (geluParts32), each fitted by coefs.py (the last section):
// a least-squares fit of the relative error at 60 to 80 Chebyshev nodes in
// 40-digit arithmetic (close to minimax), its coefficients rounded to
// float32 one at a time from the lowest, each rounding followed by a refit
// of the higher ones, so that the roundings cost little. The errors below
// are those of the rounded coefficients in exact arithmetic, measured on
// 2001 points.
var (
	// e^r on [-0.35, 0.35] (|r| ≤ ln2/2 + 1e-5), degree 6: relative error
	// 3.9e-9 (0.07 ulp).
	geluExp32 = []float64{
		0x1p+0, 0x1p+0, 0x1.fffff8p-2, 0x1.555486p-3, 0x1.555b7cp-5, 0x1.1241bep-7, 0x1.687d4p-10,
	}
	// Φ(x) ≈ ½ + x·P(x²) on [-1, 1], degree 5 in x²: relative error
	// 3.5e-9 (0.06 ulp).
	geluPhi32 = []float64{
		0x1.988454p-2, -0x1.105856p-4, 0x1.46d2acp-7, -0x1.373a4ep-10, 0x1.df1416p-14, -0x1.08599ap-17,
	}
	// Q(y), degree 7, with Φ(-a) = e^(-a²/2)·d·Q(y), d = 1/(K+a) and
	// y = α·d + β, which maps a ∈ [1, 14.6] onto [-1, 1] (K = 3; α and β
	// are float32 numbers, and the fit is in terms of the y they give):
	// relative error 1.6e-8 (0.27 ulp).
	geluQ32 = []float64{
		0x1.6147aap-1, 0x1.1917cp-2, 0x1.2c6dbp-4, 0x1.3fcf1cp-7, -0x1.c166p-11, -0x1.f3712ep-12, 0x1.af875ep-17, 0x1.7b3e76p-16,
	}
	geluQK32     = 3.0
	geluQAlpha32 = 0x1.4b4b4cp+3  // 2K/(tmax-tmin), t = K/(K+a) from tmin (a = 14.6) to tmax (a = 1)
	geluQBeta32  = -0x1.969696p+0 // -(tmax+tmin)/(tmax-tmin)
)
