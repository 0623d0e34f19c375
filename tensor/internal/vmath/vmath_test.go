package vmath

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"testing"
)

// ulpErr is the error of got against ref in ulps of scale in the target
// precision (float32 or float64). NaN must meet NaN; an infinity met by a
// finite value counts the distance to the overflow threshold.
func ulpErr(got, ref, scale, slack float64, f64 bool) float64 {
	mant, emax, minUlp := 23, 127, 0x1p-149
	if f64 {
		mant, emax, minUlp = 52, 1023, 0x1p-1074
	}
	switch {
	case math.IsNaN(ref) || math.IsNaN(got):
		if math.IsNaN(ref) && math.IsNaN(got) {
			return 0
		}
		return math.Inf(1)
	case got == ref:
		return 0
	case math.IsInf(ref, 0) || math.IsInf(got, 0):
		fin, inf := ref, got
		if math.IsInf(ref, 0) {
			fin, inf = got, ref
		}
		if math.IsInf(fin, 0) || math.Signbit(fin) != math.Signbit(inf) {
			return math.Inf(1)
		}
		return max(0, (2-math.Abs(fin)*math.Ldexp(1, -emax))*math.Ldexp(1, mant))
	}
	_, e := math.Frexp(math.Abs(scale))
	ulp := max(math.Ldexp(1, e-1-mant), minUlp)
	if scale == 0 {
		ulp = minUlp
	}
	return max(0, math.Abs(got-ref)-slack) / ulp
}

// points fills x (and g) with the sweep's points for a domain: a quarter
// log-uniform magnitudes over the whole domain, a quarter uniform over
// [-big, big], and the rest log-uniform over [2^-10, big], where the
// function does its work; g is in ±[½, 2).
func points(rng *rand.Rand, d domain, x, g []float64) {
	// ranges[neg] holds the log-uniform draws for one sign: over the whole
	// domain, and over where the function does its work.
	var ranges [2][2]logU
	for neg, big := range []float64{d.big, cmp.Or(d.negBig, d.big)} {
		ranges[neg] = [2]logU{newLogU(d.tiny, big), newLogU(min(0x1p-10, big/2), big)}
	}
	for i := range x {
		var v float64
		neg := 0
		if !d.positive && rng.IntN(2) == 0 {
			neg = 1
		}
		switch rng.IntN(4) {
		case 0:
			v = ranges[neg][0].draw(rng)
		case 1:
			v = ranges[neg][0].hi * rng.Float64()
		default:
			v = ranges[neg][1].draw(rng)
		}
		if neg == 1 {
			v = -v
		}
		x[i] = v
		if g != nil {
			g[i] = (0.5 + 1.5*rng.Float64()) * float64(1-2*rng.IntN(2))
		}
	}
}

// logU draws magnitudes log-uniformly in [lo, hi]: a binade uniformly,
// then a number uniformly in it. It keeps the binades' exponents, which
// the sweeps would otherwise recompute for each of their 10^7 points.
type logU struct {
	lo, hi float64
	e, n   int // the binades are [2^(e+j-1), 2^(e+j)) for j in [0, n)
}

func newLogU(lo, hi float64) logU {
	_, a := math.Frexp(lo)
	_, b := math.Frexp(hi)
	return logU{lo: lo, hi: hi, e: a, n: b - a + 1}
}

func (l logU) draw(rng *rand.Rand) float64 {
	m := 0.5 + 0.5*rng.Float64()
	e := l.e + rng.IntN(l.n)
	var v float64
	if e > -1022 && e < 1024 { // m·2^e is normal: scaling by 2^e is exact, as Ldexp's is
		v = m * math.Float64frombits(uint64(e+1023)<<52)
	} else {
		v = math.Ldexp(m, e)
	}
	return min(max(v, l.lo), l.hi)
}

func seedOf(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// sweep runs kernel k over n points of its domain, checks that the exported
// function, the portable loop and every assembly variant give the same
// bits at every point, and returns the largest error against the
// reference.
func sweep[T float32 | float64](t *testing.T, k impl[T], asm []impl[T], n int) (worst float64, at string) {
	f64 := isF64[T]()
	d := domains(f64)[k.name]
	ref := refs[k.name]
	rng := rand.New(rand.NewPCG(1, seedOf(k.name)))
	const chunk = 1 << 14
	xs, gs := make([]float64, chunk), make([]float64, chunk)
	x, g := make([]T, chunk), make([]T, chunk)
	got, port, other := make([]T, chunk), make([]T, chunk), make([]T, chunk)
	for done := 0; done < n; done += chunk {
		points(rng, d, xs, gs)
		for i := range x {
			x[i], g[i] = T(xs[i]), T(gs[i])
		}
		if k.grad != nil {
			k.api3(got, x, g)
			k.grad(port, x, g)
		} else {
			k.api(got, x)
			k.unary(port, x)
		}
		for _, a := range asm {
			var m int
			if a.grad != nil {
				m = a.grad(other, x, g)
			} else {
				m = a.unary(other, x)
			}
			if i := firstDiff(other[:m], port[:m]); i >= 0 {
				t.Fatalf("%s %s: x = %v: assembly %v, portable %v", k.name, a.isa, x[i], other[i], port[i])
			}
		}
		if i := firstDiff(got, port); i >= 0 {
			t.Fatalf("%s: x = %v: dispatched %v, portable %v", k.name, x[i], got[i], port[i])
		}
		for i := range x {
			r, s := ref(float64(x[i]), float64(g[i]))
			if e := ulpErr(float64(got[i]), r, s, slack(k.name, float64(x[i]), r, f64), f64); e > worst {
				worst = e
				at = fmt.Sprintf("x = %v, g = %v: got %v, want %v", x[i], g[i], got[i], r)
			}
		}
	}
	return worst, at
}

func isF64[T float32 | float64]() bool {
	var z T
	_, ok := any(z).(float64)
	return ok
}

// firstDiff returns the first index where a and b differ in their bits
// (any NaN matches any NaN), or -1.
func firstDiff[T float32 | float64](a, b []T) int {
	for i := range a {
		if a[i] != b[i] && !(a[i] != a[i] && b[i] != b[i]) {
			return i
		}
		if a[i] == 0 && math.Signbit(float64(a[i])) != math.Signbit(float64(b[i])) {
			return i
		}
	}
	return -1
}

// asmFor returns the assembly variants of one kernel.
func asmFor[T float32 | float64](all []impl[T], name string) []impl[T] {
	var out []impl[T]
	for _, a := range all {
		if a.name == name {
			out = append(out, a)
		}
	}
	return out
}

// TestAccuracy sweeps every kernel over 10^7 points of its domain per
// precision, asserting the stated ulp bound against the reference and
// identical bits from the exported function, the portable loop and each
// assembly variant at every point; so the bound holds for every path the
// CPU or the purego tag can select. With -short, under the race detector or
// with the purego tag (where the portable loop is the only path, and the
// ordinary run has already swept it whole) it sweeps 10^5 points.
func TestAccuracy(t *testing.T) {
	n := 10_000_000
	if testing.Short() || raceEnabled || puregoBuild {
		// Seven chunks of sweep's 1<<14 points per kernel: fewer miss
		// branches (two never reach geluGrad32Go's double-rounding fix).
		n = 100_000
	}
	t.Run("float32", func(t *testing.T) { testAccuracy(t, kernels32(), asmImpls32(), n) })
	t.Run("float64", func(t *testing.T) { testAccuracy(t, kernels64(), asmImpls64(), n) })
}

func testAccuracy[T float32 | float64](t *testing.T, ks, asm []impl[T], n int) {
	for _, k := range ks {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel() // each sweep has its own generator and buffers
			worst, at := sweep(t, k, asmFor(asm, k.name), n)
			t.Logf("%s: max error %.3f ulp at %s", k.name, worst, at)
			if worst > k.ulps {
				t.Errorf("%s: error %.3f ulp exceeds the stated %v ulp at %s", k.name, worst, k.ulps, at)
			}
		})
	}
}
