package vmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPairKernels checks every implementation of the pair kernels (the
// portable loop, each assembly variant this CPU runs, the exported
// function) against the kernels whose bits they promise: GELUAndGrad's
// dst is GELU's, its d is GELUGrad's with g = 1, and g·d is GELUGrad's
// for any g. Lengths from 0 to 70 and a long one cover every tail.
func TestPairKernels(t *testing.T) {
	t.Run("float32", func(t *testing.T) {
		t.Parallel()
		var impls []pairImpl[float32]
		for _, p := range pairs32() {
			impls = append(impls, p, pairImpl[float32]{name: p.name, isa: "API", f: pairPrefix(p.api)})
		}
		checkPairs(t, append(impls, pairImpls32()...), GELU32, GELUGrad32, func(v float64) float32 { return float32(v) },
			func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) || a != a && b != b })
	})
	t.Run("float64", func(t *testing.T) {
		t.Parallel()
		var impls []pairImpl[float64]
		for _, p := range pairs64() {
			impls = append(impls, p, pairImpl[float64]{name: p.name, isa: "API", f: pairPrefix(p.api)})
		}
		checkPairs(t, append(impls, pairImpls64()...), GELU64, GELUGrad64, func(v float64) float64 { return v },
			func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) || a != a && b != b })
	})
}

func checkPairs[T float32 | float64](t *testing.T, impls []pairImpl[T], f func(dst, x []T), df func(dst, x, g []T), conv func(float64) T, same func(a, b T) bool) {
	rng := rand.New(rand.NewPCG(7, 11))
	specials := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, -0.5, 0x1p-149, -0x1p-149, 1e-30, -1e-30, 3, -3,
		15.9, -15.9, 16, -16, 16.5, -16.5, 27, -27, 39.9, -39.9, 40, -40, 41, -41, 1e10, -1e10, 1e30, -1e30,
		math.MaxFloat32, -math.MaxFloat32, math.Inf(1), math.Inf(-1), math.NaN()}
	lengths := []int{1000}
	for n := range 71 {
		lengths = append(lengths, n)
	}
	names := ""
	for _, im := range impls {
		names += " " + im.isa
	}
	t.Log("implementations:", names)
	for _, n := range lengths {
		x, g := make([]T, n), make([]T, n)
		for i := range x {
			switch k := rng.IntN(10); {
			case k == 0:
				x[i] = conv(specials[rng.IntN(len(specials))])
			case k < 5:
				x[i] = conv(rng.NormFloat64() * 3)
			default:
				x[i] = conv((rng.Float64()*2 - 1) * math.Ldexp(1, rng.IntN(12)-6))
			}
			g[i] = conv(rng.NormFloat64())
		}
		comparePairs(t, impls, f, df, x, g, same)
	}
}

// comparePairs checks every implementation on x against f and df: dst is
// f's, d is df's with g = 1, and g·d is df's with g.
func comparePairs[T float32 | float64](t *testing.T, impls []pairImpl[T], f func(dst, x []T), df func(dst, x, g []T), x, g []T, same func(a, b T) bool) {
	t.Helper()
	n := len(x)
	ones := make([]T, n)
	for i := range ones {
		ones[i] = 1
	}
	wantY, wantD, wantG := make([]T, n), make([]T, n), make([]T, n)
	f(wantY, x)
	df(wantD, x, ones)
	df(wantG, x, g)
	y, d := make([]T, n), make([]T, n)
	for _, im := range impls {
		m := im.f(y, d, x)
		if m < 0 || m > n || m < n&^15 {
			t.Fatalf("%s %s: n=%d: prefix %d", im.name, im.isa, n, m)
		}
		for i := range m {
			if !same(y[i], wantY[i]) || !same(d[i], wantD[i]) || !same(d[i]*g[i], wantG[i]) {
				t.Fatalf("%s %s: n=%d: x[%d]=%v: got (%v, %v, g·d %v), want (%v, %v, %v)",
					im.name, im.isa, n, i, x[i], y[i], d[i], d[i]*g[i], wantY[i], wantD[i], wantG[i])
			}
		}
	}
}

// TestPairKernelsSweep compares the pair kernels with GELU and GELUGrad
// over TestAccuracy's 10^7 points of GELU's domain per precision (as few
// as TestAccuracy's reduced sweep where that one is reduced), so that the
// pair inherits their stated bounds on as many points as they are
// checked on.
func TestPairKernelsSweep(t *testing.T) {
	n := 10_000_000
	if testing.Short() || raceEnabled || puregoBuild {
		n = 100_000
	}
	t.Run("float32", func(t *testing.T) {
		var impls []pairImpl[float32]
		for _, p := range pairs32() {
			impls = append(impls, p, pairImpl[float32]{name: p.name, isa: "API", f: pairPrefix(p.api)})
		}
		sweepPairs(t, append(impls, pairImpls32()...), GELU32, GELUGrad32, false, n,
			func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) || a != a && b != b })
	})
	t.Run("float64", func(t *testing.T) {
		var impls []pairImpl[float64]
		for _, p := range pairs64() {
			impls = append(impls, p, pairImpl[float64]{name: p.name, isa: "API", f: pairPrefix(p.api)})
		}
		sweepPairs(t, append(impls, pairImpls64()...), GELU64, GELUGrad64, true, n,
			func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) || a != a && b != b })
	})
}

func sweepPairs[T float32 | float64](t *testing.T, impls []pairImpl[T], f func(dst, x []T), df func(dst, x, g []T), f64 bool, n int, same func(a, b T) bool) {
	rng := rand.New(rand.NewPCG(1, seedOf("GELUAndGrad")))
	const chunk = 1 << 14
	xs, gs := make([]float64, chunk), make([]float64, chunk)
	x, g := make([]T, chunk), make([]T, chunk)
	for done := 0; done < n; done += chunk {
		points(rng, domains(f64)["GELU"], xs, gs)
		for i := range x {
			x[i], g[i] = T(xs[i]), T(gs[i])
		}
		comparePairs(t, impls, f, df, x, g, same)
	}
}

// TestPairKernelsInPlace checks that dst (or d) may be x.
func TestPairKernelsInPlace(t *testing.T) {
	x := make([]float32, 37)
	for i := range x {
		x[i] = float32(i)/4 - 4
	}
	wantY, wantD := make([]float32, len(x)), make([]float32, len(x))
	GELUAndGrad32(wantY, wantD, x)
	y, d := append([]float32(nil), x...), make([]float32, len(x))
	GELUAndGrad32(y, d, y)
	for i := range y {
		if y[i] != wantY[i] || d[i] != wantD[i] {
			t.Fatalf("dst = x: element %d: got (%v, %v), want (%v, %v)", i, y[i], d[i], wantY[i], wantD[i])
		}
	}
	y, d = make([]float32, len(x)), append([]float32(nil), x...)
	GELUAndGrad32(y, d, d)
	for i := range y {
		if y[i] != wantY[i] || d[i] != wantD[i] {
			t.Fatalf("d = x: element %d: got (%v, %v), want (%v, %v)", i, y[i], d[i], wantY[i], wantD[i])
		}
	}
}
