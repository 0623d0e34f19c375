package main

import (
	"fmt"
	"math"
)

// The algorithms. Each builder function works for both precisions, picking
// its constants with b.pick; "f64" and "f32" below refer to the two.

const (
	log2e      = 1.4426950408889634
	sqrt1_2    = 0.7071067811865476
	sqrt1_2lo  = -4.833646656726457e-17 // 1/√2 - sqrt1_2
	invSqrt2Pi = 0.3989422804014327     // 1/√(2π)
	twoSqrtPi  = 1.1283791670955126     // 2/√π
	geluK      = 0.7978845608028654     // √(2/π)
	geluC      = 0.044715
	ln2hi64    = 0x1.62e42fee00000p-1 // ln 2 to 32 bits: k·ln2hi is exact
	ln2lo64    = 0x1.a39ef35793c76p-33
	ln2hi32    = 0x1.62e4p-1 // ln 2 to 16 bits
)

// magic is 1.5·2^52 (f64) or 1.5·2^23 (f32): adding it to a number of
// magnitude below 2^51 (2^22) rounds it to an integer, which then sits in
// the low bits of the sum.
func (b *B) magic() float64 { return b.pick(0x1.8p52, 0x1.8p23) }
func (b *B) bias() float64  { return b.pick(1023, 127) }
func (b *B) mant() int      { return int(b.pick(52, 23)) }

// ln2lo is ln 2 - ln2hi in the program's precision.
func (b *B) ln2() (hi, lo float64) {
	if b.p.f64 {
		return ln2hi64, ln2lo64
	}
	return ln2hi32, float64(float32(math.Ln2 - ln2hi32))
}

// reduce returns k = round(x/ln 2) as a float and r = x - k·ln 2 (Cody and
// Waite: k·ln2hi is exact, so is x - k·ln2hi).
func (b *B) reduce(x val) (kf, r val) {
	m := b.C(b.magic())
	t := b.MulAdd(x, b.C(log2e), m)
	kf = b.Sub(t, m)
	hi, lo := b.ln2()
	r = b.MulAdd(kf, b.C(-hi), x)
	r = b.MulAdd(kf, b.C(-lo), r)
	return kf, r
}

// pow2 is 2^(k + off) for an integer-valued float k with k + off in the
// normal exponent range.
func (b *B) pow2(kf val, off float64) val {
	t := b.Add(kf, b.C(b.magic()+b.bias()+off))
	return b.Shl(t, b.mant())
}

// expOf returns e^x with every special case (x may be anything).
// Range: x is clamped to [-746, 710] (f64) or [-104, 89] (f32), beyond
// which the result is 0 or +Inf anyway; NaN stays NaN through the clamp.
// k is split in two halves so that 2^k1·2^k2 reaches the subnormal results
// with one rounding.
func (b *B) expOf(x val) val {
	xc := b.Clamp(x, b.pick(-746, -104), b.pick(710, 89))
	kf, r := b.reduce(xc)
	var c []float64
	if b.p.f64 {
		c = taylorExp(0, 13)
	} else {
		c = taylorExp(0, 7)
	}
	p := b.Poly(r, c)
	mb := b.C(b.magic() + b.bias())
	t1 := b.MulAdd(kf, b.C(0.5), mb)
	k1 := b.Sub(t1, mb)
	k2 := b.Sub(kf, k1)
	t2 := b.Add(k2, mb)
	s1, s2 := b.Shl(t1, b.mant()), b.Shl(t2, b.mant())
	return b.Mul(b.Mul(p, s1), s2)
}

// expm1Of returns e^x - 1 without its sign-of-zero fix-up: (expm1(±0) is +0
// here). It computes 2·(2^(k-1)·q + (2^(k-1) - ½)) with q = expm1(r), which
// is 2^k·q + 2^k - 1 without the overflow of 2^1024.
func (b *B) expm1Of(x val) val {
	xc := b.Clamp(x, b.pick(-45, -20), b.pick(710, 89))
	kf, r := b.reduce(xc)
	var c []float64
	if b.p.f64 {
		c = taylorExp(2, 13)
	} else {
		c = taylorExp(2, 8)
	}
	q := b.MulAdd(b.Mul(r, r), b.Poly(r, c), r)
	s := b.pow2(kf, -1)
	h := b.MulAdd(s, q, b.Sub(s, b.C(0.5)))
	return b.Add(h, h)
}

// logParts splits u > 0 (normal) into u = 2^e·(1+f) with 1+f in [√½, √2),
// returning e as a float and f.
func (b *B) logParts(u val) (ef, f val) {
	var mantMask, one, magicBits uint64
	if b.p.f64 {
		mantMask, one, magicBits = 1<<52-1, 0x3ff0000000000000, 0x4330000000000000
	} else {
		mantMask, one, magicBits = 1<<23-1, 0x3f800000, 0x4b000000
	}
	eb := b.Or(b.Shr(u, b.mant()), b.Bits(magicBits)) // 2^52 + biased exponent
	ef = b.Sub(eb, b.C(b.pick(0x1p52, 0x1p23)+b.bias()))
	m := b.Or(b.And(u, b.Bits(mantMask)), b.Bits(one))
	big := b.Lt(b.C(math.Sqrt2), m)
	m = b.Sel(big, b.Mul(m, b.C(0.5)), m)
	ef = b.Sel(big, b.Add(ef, b.C(1)), ef)
	return ef, b.Sub(m, b.C(1))
}

// log1pKernel returns log(1+f) - f + hfsq parts: with s = f/(2+f),
// log(1+f) = f - hfsq + s·(hfsq + R), hfsq = f²/2, R = Σ 2s^2k/(2k+1).
// It returns s·(hfsq+R)+add and hfsq, so that the caller forms
// e·ln2hi + (f - (hfsq - y)).
func (b *B) logTail(ef, f, add val) val {
	s := b.Div(f, b.Add(f, b.C(2)))
	z := b.Mul(s, s)
	var c []float64
	if b.p.f64 {
		c = atanhSeries(11)
	} else {
		c = atanhSeries(5)
	}
	r := b.Mul(z, b.Poly(z, c))
	hfsq := b.Mul(b.Mul(f, f), b.C(0.5))
	hi, lo := b.ln2()
	y := b.MulAdd(s, b.Add(hfsq, r), b.MulAdd(ef, b.C(lo), add))
	return b.MulAdd(ef, b.C(hi), b.Sub(f, b.Sub(hfsq, y)))
}

// logOf is the natural logarithm with its special cases.
func (b *B) logOf(x val) val {
	sub := b.Lt(x, b.C(b.pick(0x1p-1022, 0x1p-126)))
	scale := b.pick(54, 24)
	xs := b.Sel(sub, b.Mul(x, b.C(math.Ldexp(1, int(scale)))), x)
	ef, f := b.logParts(xs)
	ef = b.Sel(sub, b.Sub(ef, b.C(scale)), ef)
	res := b.logTail(ef, f, b.C(0))
	ok := b.MAnd(b.Lt(b.C(0), x), b.Lt(x, b.C(math.Inf(1))))
	sp := b.Sel(b.Eq(x, b.C(0)), b.C(math.Inf(-1)), b.Sel(b.Lt(x, b.C(0)), b.C(math.NaN()), x))
	return b.Sel(ok, res, sp)
}

// log1pOf is log(1+x) with its special cases: log(u) for u = 1+x rounded,
// plus c/u where c is the rounding error of u (zero once u is large).
func (b *B) log1pOf(x val) val {
	one := b.C(1)
	u := b.Add(x, one)
	ef, f := b.logParts(u)
	c1 := b.Sub(one, b.Sub(u, x))
	c2 := b.Sub(x, b.Sub(u, one))
	c := b.Div(b.Sel(b.Le(b.C(2), ef), c1, c2), u)
	c = b.Sel(b.Le(b.C(b.pick(54, 25)), ef), b.C(0), c)
	res := b.logTail(ef, f, c)
	res = b.Sel(b.Eq(x, b.C(0)), x, res)
	ok := b.MAnd(b.Lt(b.C(-1), x), b.Lt(x, b.C(math.Inf(1))))
	sp := b.Sel(b.Eq(x, b.C(-1)), b.C(math.Inf(-1)), b.Sel(b.Lt(x, b.C(-1)), b.C(math.NaN()), x))
	return b.Sel(ok, res, sp)
}

// sigmoidParts returns σ(x) and σ(-x) = 1-σ(x), both with full relative
// accuracy: with e = e^-|x| and d = 1/(1+e), they are d and e·d.
func (b *B) sigmoidParts(x val) (s, sm val) {
	e := b.expOf(b.Neg(b.Abs(x)))
	d := b.Div(b.C(1), b.Add(e, b.C(1)))
	ed := b.Mul(e, d)
	neg := b.Lt(x, b.C(0))
	return b.Sel(neg, ed, d), b.Sel(neg, d, ed)
}

// tanhOf is sign(x)·(-m)/(m+2) with m = expm1(-2|x|).
func (b *B) tanhOf(x val) val {
	a := b.Abs(x)
	m := b.expm1Of(b.Neg(b.Add(a, a)))
	r := b.Div(b.Neg(m), b.Add(m, b.C(2)))
	return b.Or(b.Abs(r), b.SignOf(x))
}

// expNegSq returns e^(-h·x²) for h = 1 or ½, with x² split exactly into
// hi + lo so that the rounding of x² (relative 2^-53, absolute up to 1e-13
// at x = 27) does not become the result's relative error: e^(-h·hi)·(1 - h·lo).
func (b *B) expNegSq(x val, h float64) val {
	var hi, lo val
	if b.p.f64 {
		hi = b.Mul(x, x)
		lo = b.FMA(x, x, b.Neg(hi))
	} else {
		xh := b.And(x, b.Bits(0xfffff000)) // 12 significant bits: xh² is exact
		xl := b.Sub(x, xh)
		hi = b.Mul(xh, xh)
		lo = b.Mul(xl, b.Add(x, xh))
	}
	e := b.expOf(b.Mul(hi, b.C(-h)))
	if b.p.f64 {
		// |lo| ≤ 2^-53·x²: e^(-h·lo) = 1 - h·lo to far below an ulp.
		return b.MulAdd(e, b.Mul(lo, b.C(-h)), e)
	}
	// |lo| ≤ 2^-10·x² ≤ 0.13: e^(-h·lo) by its Taylor series to degree 5.
	return b.Mul(e, b.Poly(b.Mul(lo, b.C(-h)), taylorExp(0, 5)))
}

// noVal stands for an absent operand.
const noVal val = -1

// erfcOf returns erfc(z + zlo) for z ≥ 0 (or NaN) given e = e^(-(z+zlo)²),
// where zlo is a correction far below z's ulp (noVal for none):
// e·t·Q(y) with t = K/(K+z) and Q a Chebyshev series in y = 2(t-tmin)/(1-tmin) - 1.
// The rounding errors of K+z and of the division (and zlo) are carried as
// a relative correction -m of t = K·d, applied to y and to the product, so
// that both are those of the exact z + zlo to first order: the rounding of
// d was the largest error of the result (a relative error δ of t moves it
// by δ and moves Q by Q'·δy).
func (b *B) erfcOf(z, zlo, e val) val {
	k, tmin, c := erfcK64, erfcTmin64, erfcCheb64
	if !b.p.f64 {
		k, tmin, c = erfcK32, erfcTmin32, erfcCheb32
	}
	s := b.Add(z, b.C(k))
	d := b.Div(b.C(1), s)
	t := b.Mul(d, b.C(k))
	y := b.MulAdd(d, b.C(2*k/(1-tmin)), b.C(-(1+tmin)/(1-tmin)))
	// K+z = s + serr exactly (Fast2Sum on the larger and the smaller), and
	// 1/(s+serr) = d·(1 - m) to first order with m = s·d - 1 + serr·d.
	serr := b.Add(b.Sub(b.Max(z, b.C(k)), s), b.Min(z, b.C(k)))
	if zlo != noVal {
		serr = b.Add(serr, zlo)
	}
	var m val
	if b.p.f64 {
		m = b.FMA(serr, d, b.FMA(s, d, b.C(-1)))
	} else {
		// s·d - 1 to far below its ulp, from 12-bit halves whose products
		// are exact (float32 programs have no FMA).
		hm := b.Bits(0xfffff000)
		sh, dh := b.And(s, hm), b.And(d, hm)
		sl, dl := b.Sub(s, sh), b.Sub(d, dh)
		r := b.Add(b.Mul(sh, dh), b.C(-1))
		r = b.Add(b.Add(b.Add(r, b.Mul(sh, dl)), b.Mul(sl, dh)), b.Mul(sl, dl))
		m = b.Add(b.Mul(serr, d), r)
	}
	y = b.MulAdd(b.Mul(d, m), b.C(-2*k/(1-tmin)), y)
	// Clenshaw: b_k = c_k + 2y·b_{k+1} - b_{k+2}; Q = c_0 + y·b_1 - b_2.
	y2 := b.Add(y, y)
	n := len(c)
	b1 := b.C(c[n-1])
	b2 := b.MulAdd(y2, b1, b.C(c[n-2]))
	b1, b2 = b2, b1
	for i := n - 3; i >= 1; i-- {
		nb := b.Sub(b.MulAdd(y2, b1, b.C(c[i])), b2)
		b1, b2 = nb, b1
	}
	q := b.Sub(b.MulAdd(y, b1, b.C(c[0])), b2)
	p := b.Mul(t, q)
	return b.Mul(b.MulAdd(p, b.Neg(m), p), e)
}

// erfOf: x + x·P(x²) below |x| = 1 (P fits erf(x)/x - 1, see coef.go;
// adding x last keeps the rounding of the small term x·P out of the
// leading digits), 1 - erfc(|x|) above, where erfc(|x|) < 0.16 and its
// error shrinks at least fourfold in the subtraction.
func (b *B) erfOf(x val) val {
	a := b.Abs(x)
	small := b.Lt(a, b.C(1))
	c := erfSmall64
	if !b.p.f64 {
		c = erfSmall32
	}
	ts := b.MulAdd(x, b.Poly(b.Mul(x, x), c), x)
	ac := b.Min(b.C(b.pick(6, 4.5)), a)
	big := b.Sub(b.C(1), b.erfcOf(ac, noVal, b.expNegSq(ac, 1)))
	return b.Sel(small, ts, b.Or(big, b.SignOf(x)))
}

// normCDFParts returns Φ(x) and e^(-x²/2) for x clamped to ±40 (f64) or
// ±16 (f32), where Φ has under- or overflowed to 0 or 1 and e to 0.
func (b *B) normCDFParts(x val) (phi, e val) {
	xc := b.Clamp(x, -b.pick(40, 16), b.pick(40, 16))
	e = b.expNegSq(xc, 0.5)
	a := b.Abs(xc)
	z := b.Mul(a, b.C(sqrt1_2))
	zlo := noVal
	if b.p.f64 {
		// The rounding error of z and of the constant 1/√2.
		zlo = b.FMA(a, b.C(sqrt1_2lo), b.FMA(a, b.C(sqrt1_2), b.Neg(z)))
	}
	h := b.Mul(b.erfcOf(z, zlo, e), b.C(0.5))
	phi = b.Sel(b.Lt(x, b.C(0)), h, b.Sub(b.C(1), h))
	// Below |x| = 1, ½ + x·P(x²), the Taylor series of Φ, is more accurate.
	deg := 15
	if !b.p.f64 {
		deg = 8
	}
	ts := b.MulAdd(x, b.Poly(b.Mul(x, x), taylorNormCDF(deg)), b.C(0.5))
	phi = b.Sel(b.Lt(b.Abs(x), b.C(1)), ts, phi)
	return phi, e
}

// polyFMA evaluates Σ c[i]·r^i by Horner's rule with FMAs.
func (b *B) polyFMA(r val, c []float64) val {
	p := b.C(c[len(c)-1])
	for i := len(c) - 2; i >= 0; i-- {
		p = b.FMA(p, r, b.C(c[i]))
	}
	return p
}

// geluParts32 returns Φ(x) and φ(x) = e^(-x²/2)/√(2π) for the float32
// GELU kernels, in less than half of normCDFParts' operations, with FMAs
// (single roundings; fma32 in the portable Go). With a = min(|x|, 14.5)
// (beyond which Φ(-a) and φ(a) round to 0) and e^(-a²/2) = 2^k·e^r:
//   - the reduction r = -a²/2 - k·ln 2 takes the exact -a²/2 from one FMA,
//     (-a/2)·a - k·ln2hi (k·ln2hi is exact), so that x²'s rounding (up to
//     50 ulps of e^(-a²/2) at a = 14) never enters;
//   - e^r is a polynomial of degree 6 (|r| < 0.35; coef.go's geluExp32);
//   - Φ(-a) = e^(-a²/2)·d·Q(y) for a ≥ 1, with d = 1/(K+a),
//     y = α·d + β ∈ [-1, 1] and Q of degree 7 (geluQ32): the form of
//     erfcOf's t·Q, without its compensation of d's rounding (a relative
//     error δ of d moves Φ(-a) by (1/M(a) - a)(K+a)·δ, M the Mills ratio:
//     2.1δ at a = 1, 1.9δ at 2, toward δ for large a);
//   - 2^k (k down to -152) is applied last, by one product, to the
//     normal numbers e^r·d·Q and e^r/√(2π), so that a subnormal Φ or φ is
//     rounded once;
//   - below |x| = 1, Φ(x) = ½ + x·P(x²) with P of degree 5 (geluPhi32).
//
// Φ(x) is Φ(-a) for x < 0 and 1 - Φ(-a) otherwise above |x| = 1.
func (b *B) geluParts32(x val) (phi, p val) {
	a := b.Abs(x)
	ac := b.Min(b.C(14.5), a)
	m := b.Mul(ac, b.C(-0.5))
	w := b.Mul(m, ac)
	mg := b.C(b.magic())
	kf := b.Sub(b.FMA(w, b.C(log2e), mg), mg)
	hi, lo := b.ln2()
	r := b.FMA(m, ac, b.Mul(kf, b.C(-hi))) // -a²/2 - k·ln2hi, rounded once
	r = b.FMA(kf, b.C(-lo), r)
	er := b.polyFMA(r, geluExp32)
	// 2^k exactly (a subnormal number below k = -126) for k ≥ -149, and 0
	// below, where e^r·d·Q < ½ and e^r/√(2π) < ¾ make the products round
	// to 0 anyway: 2^(k+60) (a normal number) times 2^-60.
	sc := b.Mul(b.pow2(kf, 60), b.C(0x1p-60))
	d := b.Div(b.C(1), b.Add(ac, b.C(geluQK32)))
	y := b.FMA(d, b.C(geluQAlpha32), b.C(geluQBeta32))
	q := b.polyFMA(y, geluQ32)
	sm := b.Mul(b.Mul(er, b.Mul(d, q)), sc)
	phi = b.Sel(b.Lt(x, b.C(0)), sm, b.Sub(b.C(1), sm))
	// Below |x| = 1, ½ + x·P(x²) (a fit of Φ, like the Taylor series of
	// normCDFParts): the form above would lose more to d's rounding there
	// (2.4δ at a = 0), and Q is fitted on a ≥ 1 only.
	ts := b.polyFMA(b.Mul(x, x), geluPhi32)
	phi = b.Sel(b.Lt(a, b.C(1)), b.FMA(x, ts, b.C(0.5)), phi)
	p = b.Mul(b.Mul(er, b.C(invSqrt2Pi)), sc)
	return phi, p
}

// geluTanhParts returns σ(w), σ(-w) for w = 2√(2/π)·(x + 0.044715x³).
func (b *B) geluTanhParts(x val) (s, sm val) {
	w := b.Mul(b.Mul(x, b.C(2*geluK)), b.MulAdd(b.Mul(x, x), b.C(geluC), b.C(1)))
	return b.sigmoidParts(w)
}

// kernel is one exported function of package vmath.
type kernel struct {
	name  string // Exp → Exp32, Exp64, exp32Go, expF32AVX2, …
	grad  bool   // takes an upstream gradient g
	doc   string // doc comment body: what it computes
	ulp32 string // stated error bound, float32
	ulp64 string // stated error bound, float64
	body  func(b *B) val
	// unroll32 and unroll64 are how many vectors the AVX-512 loops
	// interleave (0 or 1: one at a time), the fastest measured (go run
	// ./gen -unroll N writes every kernel with N, for measuring). Copies
	// that do not fit in the registers in lockstep are staggered (see
	// asmGen.body). float32: 8 was the fastest for most kernels (the
	// GELU kernels' shorter program of geluParts32 too), 6 or 4 (NormCDF:
	// its staggered copies spill no better) for the others; float64: 4,
	// faster than 2 and 3 (more was not measured).
	unroll32, unroll64 int
}

var kernels = []kernel{
	{name: "Exp", unroll32: 8, unroll64: 4, doc: "e^x.", ulp32: "1.5", ulp64: "2",
		body: func(b *B) val { return b.expOf(b.x) }},
	{name: "Log", unroll32: 8, unroll64: 4, doc: "the natural logarithm of x (NaN below 0, -Inf at ±0).", ulp32: "1", ulp64: "1",
		body: func(b *B) val { return b.logOf(b.x) }},
	{name: "Log1p", unroll32: 8, unroll64: 4, doc: "log(1+x), accurate near 0.", ulp32: "1", ulp64: "1",
		body: func(b *B) val { return b.log1pOf(b.x) }},
	{name: "Expm1", unroll32: 8, unroll64: 4, doc: "e^x - 1, accurate near 0.", ulp32: "2", ulp64: "2",
		body: func(b *B) val { return b.Sel(b.Eq(b.x, b.C(0)), b.x, b.expm1Of(b.x)) }},
	{name: "Tanh", unroll32: 8, unroll64: 4, doc: "the hyperbolic tangent of x.", ulp32: "3", ulp64: "3",
		body: func(b *B) val { return b.tanhOf(b.x) }},
	{name: "Sigmoid", unroll32: 8, unroll64: 4, doc: "σ(x) = 1/(1+e^-x), computed as 1/(1+e^-|x|) or e^-|x|/(1+e^-|x|) so that it never overflows.", ulp32: "3", ulp64: "3",
		body: func(b *B) val { s, _ := b.sigmoidParts(b.x); return s }},
	{name: "Erf", unroll32: 8, unroll64: 4, doc: "the error function of x.", ulp32: "2", ulp64: "2",
		body: func(b *B) val { return b.erfOf(b.x) }},
	{name: "NormCDF", unroll32: 4, unroll64: 4, doc: "Φ(x), the standard normal CDF, as ½erfc(-x/√2) with full relative accuracy in the lower tail (e^(-x²/2) is computed from an exact split of x²).", ulp32: "8", ulp64: "9",
		body: func(b *B) val { phi, _ := b.normCDFParts(b.x); return phi }},
	{name: "GELU", unroll32: 8, unroll64: 4, doc: "x·Φ(x), the exact GELU (PyTorch's approximate='none').", ulp32: "6", ulp64: "10",
		body: func(b *B) val {
			if !b.p.f64 {
				phi, _ := b.geluParts32(b.x)
				return b.Mul(b.x, phi)
			}
			phi, _ := b.normCDFParts(b.x)
			return b.Mul(b.x, phi)
		}},
	{name: "GELUGrad", unroll32: 8, unroll64: 4, grad: true, doc: "g·(Φ(x) + x·φ(x)), the derivative of GELU times the upstream gradient g (φ is the normal density, computed at x clamped to ±40 (float64) or ±14.5 (float32), where it has underflowed to 0: huge finite x give g·1 and g·0, and ±Inf give NaN, 1 + Inf·0, as the composed derivative and PyTorch do).", ulp32: "6", ulp64: "7",
		body: func(b *B) val {
			if !b.p.f64 {
				// The unclamped x: x·φ is x·0 beyond the clamp, NaN at ±Inf.
				phi, p := b.geluParts32(b.x)
				return b.Mul(b.FMA(b.x, p, phi), b.g)
			}
			phi, e := b.normCDFParts(b.x)
			// The unclamped x: x·φ is x·0 beyond the clamp, NaN at ±Inf.
			return b.Mul(b.MulAdd(b.x, b.Mul(e, b.C(invSqrt2Pi)), phi), b.g)
		}},
	{name: "GELUTanh", unroll32: 8, unroll64: 4, doc: "x·σ(2u) with u = √(2/π)·(x + 0.044715x³), which is PyTorch's approximate='tanh' GELU x/2·(1 + tanh u) without its cancellation for negative x. For negative x, where the result is about x·e^(-2|u|), the rounding of w = 2u is magnified by |w|: add up to 6|w| ulp to the bound below there (the tests allow that; measured: 22 ulp at x = -5 in float32, 37 at x = -9 in float64).", ulp32: "3", ulp64: "3",
		body: func(b *B) val { s, _ := b.geluTanhParts(b.x); return b.Mul(b.x, s) }},
	{name: "GELUTanhGrad", unroll32: 8, unroll64: 4, grad: true, doc: "g·(σ(w) + x·σ(w)·σ(-w)·w') with w = 2u, the derivative of GELUTanh times g (w' is computed at x clamped to ±30 (float64) or ±12 (float32), where σ(w)·σ(-w) has underflowed to 0, so that x² cannot overflow: huge finite x give g·1 and g·0, and ±Inf give NaN, Inf·0, as the composed derivative and PyTorch do).", ulp32: "6", ulp64: "5",
		body: func(b *B) val {
			s, sm := b.geluTanhParts(b.x)
			lim := b.pick(30, 12)
			xc := b.Clamp(b.x, -lim, lim)
			dw := b.MulAdd(b.Mul(xc, xc), b.C(6*geluK*geluC), b.C(2*geluK))
			// The unclamped x: x·σ(w)·σ(-w) is x·0 beyond the clamp, NaN at ±Inf.
			return b.Mul(b.MulAdd(b.Mul(b.Mul(b.x, s), sm), dw, s), b.g)
		}},
	{name: "SiLU", unroll32: 8, unroll64: 4, doc: "x·σ(x), the sigmoid linear unit (swish).", ulp32: "4", ulp64: "4",
		body: func(b *B) val { s, _ := b.sigmoidParts(b.x); return b.Mul(b.x, s) }},
	{name: "SiLUGrad", unroll32: 6, unroll64: 4, grad: true, doc: "g·σ(x)·(1 + x·(1-σ(x))), the derivative of SiLU times g (huge finite x give g·1 and g·0, where 1-σ(x) or σ(x) is 0, and ±Inf give NaN, Inf·0, as the composed derivative and PyTorch do).", ulp32: "5", ulp64: "5",
		body: func(b *B) val {
			s, sm := b.sigmoidParts(b.x)
			return b.Mul(b.Mul(s, b.MulAdd(b.x, sm, b.C(1))), b.g)
		}},
	{name: "Softplus", unroll32: 8, unroll64: 4, doc: "log(1+e^x), computed as log1p(e^-|x|) + max(x, 0) so that it never overflows.", ulp32: "2", ulp64: "2",
		body: func(b *B) val {
			e := b.expOf(b.Neg(b.Abs(b.x)))
			return b.Add(b.log1pOf(e), b.Max(b.x, b.C(0)))
		}},
	{name: "SoftplusGrad", unroll32: 6, unroll64: 4, grad: true, doc: "g·σ(x), the derivative of Softplus times g.", ulp32: "4", ulp64: "4",
		body: func(b *B) val { s, _ := b.sigmoidParts(b.x); return b.Mul(s, b.g) }},
	{name: "ErfGrad", unroll32: 8, unroll64: 4, grad: true, doc: "g·(2/√π)·e^(-x²), the derivative of Erf times g.", ulp32: "5", ulp64: "4",
		body: func(b *B) val {
			xc := b.Clamp(b.x, -b.pick(28, 11), b.pick(28, 11))
			return b.Mul(b.Mul(b.expNegSq(xc, 1), b.C(twoSqrtPi)), b.g)
		}},
	{name: "NormCDFGrad", unroll32: 8, unroll64: 4, grad: true, doc: "g·φ(x) = g·e^(-x²/2)/√(2π), the derivative of NormCDF times g.", ulp32: "5", ulp64: "5",
		body: func(b *B) val {
			// Beyond the clamp e^(-x²/2) is 0 in either precision.
			xc := b.Clamp(b.x, -b.pick(40, 15), b.pick(40, 15))
			return b.Mul(b.Mul(b.expNegSq(xc, 0.5), b.C(invSqrt2Pi)), b.g)
		}},
}

// pairKernel is a kernel with two results, x's function into dst and its
// derivative into d, for a forward pass that saves the derivative for the
// backward one: each result has the bits of its kernel of the same program
// (the derivative those of the gradient kernel with g = 1, whose last
// operation is the product by g, so that g·d is that kernel's result).
type pairKernel struct {
	name     string // GELUAndGrad → GELUAndGrad32, geluAndGrad32Go, geluAndGradF32AVX512, …
	doc      string // doc comment body: what it computes
	same     string // the kernels whose bits dst and d have, for the doc
	unroll32 int    // as kernel's
	unroll64 int
	body     func(b *B) (y, d val)
}

var pairKernels = []pairKernel{
	{name: "GELUAndGrad", unroll32: 8, unroll64: 4,
		doc:  "x·Φ(x), the exact GELU, and d[i] to its derivative Φ(x) + x·φ(x), in one sweep",
		same: "GELU and GELUGrad (with g = 1): GELUGrad's result for any g is g·d",
		body: func(b *B) (val, val) {
			if !b.p.f64 {
				phi, p := b.geluParts32(b.x)
				return b.Mul(b.x, phi), b.FMA(b.x, p, phi)
			}
			phi, e := b.normCDFParts(b.x)
			// The same operations as GELU's and GELUGrad's bodies, without
			// GELUGrad's last one, the product by g.
			return b.Mul(b.x, phi), b.MulAdd(b.x, b.Mul(e, b.C(invSqrt2Pi)), phi)
		}},
}

// build returns the kernel's program for one precision.
func (k pairKernel) build(f64 bool) *prog {
	b := newB(f64, false)
	y, d := k.body(b)
	return b.finish2(y, d)
}

// mixedKernel is a float64 program over arrays of mixed precision: the row
// kernels of package tensor's float32 softmax, which works on float64
// values (see prog's src32, dst32 and hasP).
type mixedKernel struct {
	name  string // ExpShift32to64 → expShift32to64Go, expShift32to64AVX512, …
	doc   string // doc comment body: what it computes
	f32   bool   // a float32 program over float32 arrays (src32, dst32 unused)
	src32 bool   // x is []float32 (else []float64)
	dst32 bool   // dst is []float32 (else []float64)
	grad  bool   // takes a third array g
	param bool   // takes the scalar p (float64, or float32 in an f32 program)
	// unroll is how many vectors the AVX-512 loop interleaves.
	unroll int
	body   func(b *B) val
}

var mixedKernels = []mixedKernel{
	{name: "ExpShift32to64", src32: true, param: true, unroll: 4,
		doc:  "e^(float64(x[i]) - p), with the bits of Exp64 of the float64 difference.",
		body: func(b *B) val { return b.expOf(b.Sub(b.x, b.P())) }},
	{name: "QuoRound64to32", dst32: true, param: true, unroll: 4,
		doc:  "float32(float64(float32(x[i])) / p): x[i] rounded to float32, divided by p in float64 and rounded to float32 again.",
		body: func(b *B) val { return b.Div(b.Round32(b.x), b.P()) }},
	{name: "Narrow64to32", dst32: true, unroll: 4,
		doc:  "float32(x[i]).",
		body: func(b *B) val { return b.x }},
	{name: "Quo32", src32: true, dst32: true, param: true, unroll: 4,
		doc:  "float32(float64(x[i]) / p): the quotient in float64, rounded to float32.",
		body: func(b *B) val { return b.Div(b.x, b.P()) }},
	// QuoRound64to32 and Quo32 without a division per element (Markstein):
	// q = a·(1/p), then twice the exact residual r = a − q·p and q += r·(1/p).
	{name: "QuoRecipRound64to32", dst32: true, param: true, unroll: 4,
		doc:  "float32(float64(float32(x[i])) / p), QuoRound64to32's bits, with a multiplication by 1/p and two FMA corrections in place of the division; only for a finite p with 1 ≤ |p| ≤ 2^64 and x[i] whose float32 rounding is finite and not −0 (which gives +0).",
		body: func(b *B) val { return b.quoRecip(b.Round32(b.x)) }},
	{name: "QuoRecip32", src32: true, dst32: true, param: true, unroll: 4,
		doc:  "float32(float64(x[i]) / p), Quo32's bits, with a multiplication by 1/p and two FMA corrections in place of the division; only for a finite p with 1 ≤ |p| ≤ 2^64 and a finite x other than −0 (which gives +0).",
		body: func(b *B) val { return b.quoRecip(b.x) }},
	// Softmax's backward along a row: t = g·y, then y·(g - Σt).
	{name: "Mul32", f32: true, grad: true, unroll: 4,
		doc:  "x[i]·g[i], in float32.",
		body: func(b *B) val { return b.Mul(b.x, b.g) }},
	{name: "MulSubP32", f32: true, grad: true, param: true, unroll: 4,
		doc:  "x[i]·(g[i] - p), in float32 (two roundings).",
		body: func(b *B) val { return b.Mul(b.x, b.Sub(b.g, b.P())) }},
}

// quoRecip is a/p rounded once to float64, for a float32 value a (finite)
// and a finite p with 1 ≤ |p| ≤ 2^64, without a division per element.
// With y = 1/p rounded (within half an ulp), q0 = a·y is within 1.5 ulp
// of a/p; r0 = a − q0·p rounded and q1 = q0 + r0·y rounded bring it to
// within half an ulp plus a few 2^-53 of one, below 1 ulp; then Markstein's
// theorem (y within half an ulp of 1/p and q1 within 1 ulp of a/p, no
// underflow: the residual is a multiple of 2^-149·2^-64·2^-52) makes
// r1 = a − q1·p exact and q1 + r1·y rounded the correctly rounded a/p.
// The tests check it against the division for every float32 significand
// of a, for many values of p.
func (b *B) quoRecip(a val) val {
	y, np := b.PRecip(), b.PNeg()
	q := b.Mul(a, y)
	for range 2 {
		r := b.FMA(q, np, a)
		q = b.FMA(r, y, q)
	}
	return q
}

// build returns the kernel's float64 program.
func (k mixedKernel) build() *prog {
	b := &B{p: &prog{f64: !k.f32, src32: k.src32, dst32: k.dst32, hasP: k.param, hasG: k.grad}, consts: map[uint64]val{}}
	b.x = b.emit(op{code: opX})
	if k.grad {
		b.g = b.emit(op{code: opG})
	}
	return b.finish(k.body(b))
}

// params returns the Go parameter list of the kernel's slice functions
// (with the given pointer-or-slice prefix) and the names of its arguments.
func (k mixedKernel) params(slice bool) (decl, call string) {
	return k.build().params(slice)
}

// params is the Go parameter list of a program's functions over slices
// (slice) or pointers, and the list of its argument names: dst, x, then g
// and p where it has them.
func (p *prog) params(slice bool) (decl, call string) {
	ft := "float32"
	if p.f64 {
		ft = "float64"
	}
	dt, xt, pt := ft, ft, ft
	if p.dst32 {
		dt = "float32"
	}
	if p.src32 {
		xt = "float32"
	}
	kind, gname := "*", "gr" // the assembly's name, g being a register there
	if slice {
		kind, gname = "[]", "g"
	}
	decl, call = fmt.Sprintf("dst %s%s, x %s%s", kind, dt, kind, xt), "dst, x"
	if p.hasG {
		decl, call = decl+fmt.Sprintf(", %s %s%s", gname, kind, ft), call+", "+gname
	}
	if p.hasP {
		decl, call = decl+", p "+pt, call+", p"
	}
	return decl, call
}
