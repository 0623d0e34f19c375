package vmath

import "math"

// The references the tests measure the kernels against, in float64 with
// package math. Where math's own result would carry more than its usual
// ulp of error they are corrected: e^(-x²) and e^(-x²/2) use an exact split
// of x² (x·x rounds by up to 2^-53 relative, which e^(-x²) turns into an
// error of x²·2^-53, 400 ulps at x = 27), and Φ(x) = ½erfc(-x/√2) corrects
// the rounding of x/√2 to first order.

// expNegSqRef returns e^(-h·x²) for h = 1 or ½.
func expNegSqRef(x, h float64) float64 {
	if math.Abs(x) > 1e100 {
		return 0
	}
	hi := x * x
	lo := math.FMA(x, x, -hi)
	e := math.Exp(-h * hi)
	return e - e*h*lo
}

// normCDFRef is Φ(x).
func normCDFRef(x float64) float64 {
	if math.Abs(x) > 1e100 {
		return max(0, math.Copysign(1, x))
	}
	const s, sLo = 0.7071067811865476, -4.833646656726457e-17 // 1/√2 = s + sLo
	z := -x * s
	dz := math.FMA(-x, s, -z) + -x*sLo // the rounding error of z
	ec := math.Erfc(z)
	if ec == 0 {
		return 0
	}
	// d/dz erfc(z) = -2/√π·e^(-z²); correct to first order.
	d := -2 / math.SqrtPi * expNegSqRef(x, 0.5)
	return 0.5 * (ec + d*dz)
}

// expRef is math.Exp, which on amd64 overflows from x ≈ 709.44 instead
// of 709.78; above 700 it is computed as 2^1000·e^(x - 1000·ln 2).
func expRef(x float64) float64 {
	if x > 700 && x < 710 {
		const ln2Hi, ln2Lo = 0x1.62e42fee00000p-1, 0x1.a39ef35793c76p-33
		k := math.Round(x / math.Ln2)
		return math.Ldexp(math.Exp(x-k*ln2Hi-k*ln2Lo), int(k))
	}
	return math.Exp(x)
}

func sigmoidRef(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// logRef is math.Log, correct also for subnormal x (Go issue 56600: on
// amd64 math.Log ignores their leading zero bits).
func logRef(x float64) float64 {
	if x > 0 && x < 0x1p-1022 {
		return math.Log(x*0x1p54) - 54*math.Ln2
	}
	return math.Log(x)
}

const (
	geluK = 0.7978845608028654
	geluC = 0.044715
)

// refs maps each kernel to its reference: the value and the magnitude
// whose ulp the error is measured in (the value itself for the plain
// functions; |g| times the sum of the terms' magnitudes for derivatives).
var refs = map[string]func(x, g float64) (v, scale float64){
	"Exp":   func(x, _ float64) (float64, float64) { v := expRef(x); return v, v },
	"Log":   func(x, _ float64) (float64, float64) { v := logRef(x); return v, v },
	"Log1p": func(x, _ float64) (float64, float64) { v := math.Log1p(x); return v, v },
	"Expm1": func(x, _ float64) (float64, float64) {
		v := math.Expm1(x)
		if x > 700 { // math.Expm1 overflows from its own threshold, a little early
			v = expRef(x)
		}
		return v, v
	},
	"Tanh":    func(x, _ float64) (float64, float64) { v := math.Tanh(x); return v, v },
	"Sigmoid": func(x, _ float64) (float64, float64) { v := sigmoidRef(x); return v, v },
	"Erf":     func(x, _ float64) (float64, float64) { v := math.Erf(x); return v, v },
	"NormCDF": func(x, _ float64) (float64, float64) { v := normCDFRef(x); return v, v },
	"GELU":    func(x, _ float64) (float64, float64) { v := x * normCDFRef(x); return v, v },
	"GELUGrad": func(x, g float64) (float64, float64) {
		phi, t := normCDFRef(x), x*expNegSqRef(x, 0.5)/math.Sqrt(2*math.Pi) // NaN at ±Inf: Inf·0
		return g * (phi + t), math.Abs(g) * (phi + math.Abs(t))
	},
	"GELUTanh": func(x, _ float64) (float64, float64) {
		v := x * sigmoidRef(2*geluK*(x+geluC*x*x*x))
		return v, v
	},
	"GELUTanhGrad": func(x, g float64) (float64, float64) {
		w := 2 * geluK * (x + geluC*x*x*x)
		s, sm := sigmoidRef(w), sigmoidRef(-w)
		t := x * s * sm * 2 * geluK * (1 + 3*geluC*x*x)
		if math.Abs(x) > 1e100 { // s·sm is 0 long before x² overflows; NaN at ±Inf: Inf·0
			t = x * s * sm
		}
		return g * (s + t), math.Abs(g) * (s + math.Abs(t))
	},
	"SiLU": func(x, _ float64) (float64, float64) { v := x * sigmoidRef(x); return v, v },
	"SiLUGrad": func(x, g float64) (float64, float64) {
		s, t := sigmoidRef(x), x*sigmoidRef(x)*sigmoidRef(-x) // NaN at ±Inf: Inf·0
		return g * (s + t), math.Abs(g) * (s + math.Abs(t))
	},
	"Softplus": func(x, _ float64) (float64, float64) {
		v := math.Log1p(math.Exp(-math.Abs(x))) + max(x, 0)
		return v, v
	},
	"SoftplusGrad": func(x, g float64) (float64, float64) { v := g * sigmoidRef(x); return v, v },
	"ErfGrad": func(x, g float64) (float64, float64) { // g·(2/√π)·e^(-x²)
		v := g * 2 / math.SqrtPi * expNegSqRef(x, 1)
		return v, v
	},
	"NormCDFGrad": func(x, g float64) (float64, float64) { // g·e^(-x²/2)/√(2π)
		v := g / math.Sqrt(2*math.Pi) * expNegSqRef(x, 0.5)
		return v, v
	},
}

// slack returns the absolute error a kernel may add to its ulp bound at
// x, as its documentation states: the activations that multiply x by σ,
// Φ or e^(-x²/2) carry the absolute error of that factor where it is
// subnormal, times x; GELUTanh also carries the rounding of w =
// 2√(2/π)(x + 0.044715x³), magnified by |w| where the result is e^-|w|.
func slack(name string, x, ref float64, f64 bool) float64 {
	minSub, eps := 0x1p-149, 0x1p-24
	if f64 {
		minSub, eps = 0x1p-1074, 0x1p-53
	}
	a := math.Abs(x)
	if math.IsInf(a, 0) {
		return 0
	}
	switch name {
	case "SiLU", "GELU":
		return (a + 1) * minSub
	case "SiLUGrad", "GELUGrad": // times |g| < 2
		return 4 * (a + 1) * minSub
	case "GELUTanh", "GELUTanhGrad":
		w := 2 * geluK * (a + geluC*a*a*a)
		dw := 2 * geluK * (1 + 3*geluC*a*a)
		return 2*(a*dw+1)*minSub + 6*w*eps*math.Abs(ref)
	}
	return 0
}

// domain is where a kernel's sweep draws its points: magnitudes
// log-uniform in [tiny, big] and uniform in [0, big], both signs unless
// positive.
type domain struct {
	tiny, big float64
	positive  bool
	negBig    float64 // the largest negative magnitude, when not big
}

func domains(f64 bool) map[string]domain {
	pick := func(a, b float64) float64 {
		if f64 {
			return a
		}
		return b
	}
	tiny := pick(0x1p-1074, 0x1p-149)
	huge := pick(math.MaxFloat64, math.MaxFloat32)
	return map[string]domain{
		"Exp":          {tiny, pick(760, 110), false, 0},
		"Log":          {tiny, huge, true, 0},
		"Log1p":        {tiny, huge, false, 1},
		"Expm1":        {tiny, pick(720, 95), false, 0},
		"Tanh":         {tiny, pick(30, 12), false, 0},
		"Sigmoid":      {tiny, pick(760, 110), false, 0},
		"Erf":          {tiny, pick(7, 5), false, 0},
		"NormCDF":      {tiny, pick(42, 17), false, 0},
		"GELU":         {tiny, pick(42, 17), false, 0},
		"GELUGrad":     {tiny, pick(42, 17), false, 0},
		"GELUTanh":     {tiny, pick(42, 17), false, 0},
		"GELUTanhGrad": {tiny, pick(42, 17), false, 0},
		"SiLU":         {tiny, pick(760, 110), false, 0},
		"SiLUGrad":     {tiny, pick(760, 110), false, 0},
		"Softplus":     {tiny, pick(760, 110), false, 0},
		"SoftplusGrad": {tiny, pick(760, 110), false, 0},
		"ErfGrad":      {tiny, pick(29, 12), false, 0},
		"NormCDFGrad":  {tiny, pick(41, 16), false, 0},
	}
}
