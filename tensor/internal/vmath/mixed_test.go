package vmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// mixedInputs returns n float32s: random values over a wide range, with
// the special values of exp and of a quotient in the first ones.
func mixedInputs(rng *rand.Rand, n int) []float32 {
	specials := []float32{0, float32(math.Copysign(0, -1)), 1, -1, float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), -1e9, 88.7, -103.9, -87.3, 0x1p-149, -0x1p-149, math.MaxFloat32, -math.MaxFloat32}
	x := make([]float32, n)
	for i := range x {
		switch {
		case i < len(specials):
			x[i] = specials[i]
		case i%3 == 0:
			x[i] = float32(rng.NormFloat64() * 30)
		default:
			x[i] = float32(-rng.ExpFloat64() * 5)
		}
	}
	return x
}

// TestExpShift32to64 checks that every path gives the bits of Exp64 of
// float64(x[i]) - p, for every length up to 70 and a long slice, in place
// of nothing (the types differ) but at every offset of the tail.
func TestExpShift32to64(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 7))
	for _, n := range append(lengths(), 4099) {
		x := mixedInputs(rng, n)
		for _, p := range []float64{0, 1.5, -7.25, 88, float64(float32(0.1))} {
			want := make([]float64, n)
			for i, v := range x {
				want[i] = float64(v) - p
			}
			Exp64(want, want)
			got := make([]float64, n)
			ExpShift32to64(got, x, p)
			checkBits64(t, "ExpShift32to64", n, got, want)
			port := make([]float64, n)
			expShift32to64Go(port, x, p)
			checkBits64(t, "expShift32to64Go", n, port, want)
			for _, f := range expShift32to64Impls() {
				asm := make([]float64, n)
				k := f(asm, x, p)
				expShift32to64Go(asm[k:], x[k:], p)
				checkBits64(t, "expShift32to64 assembly", n, asm, want)
			}
		}
	}
}

// TestQuoRound64to32 checks every path against the definition
// float32(float64(float32(x[i])) / p).
func TestQuoRound64to32(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	for _, n := range append(lengths(), 4099) {
		x32 := mixedInputs(rng, n)
		x := make([]float64, n)
		for i, v := range x32 {
			x[i] = float64(v) * (1 + rng.Float64()*0x1p-20) // not a float32
			if i%5 == 0 {
				x[i] = math.Exp(float64(v)) // softmax's numerators, some subnormal as float32
			}
		}
		for _, p := range []float64{1, 1.75, 3, 1e10, 7.000000000000001, math.Inf(1), math.NaN(), 0} {
			want := make([]float32, n)
			for i, v := range x {
				want[i] = float32(float64(float32(v)) / p)
			}
			got := make([]float32, n)
			QuoRound64to32(got, x, p)
			checkBits32(t, "QuoRound64to32", n, got, want)
			port := make([]float32, n)
			quoRound64to32Go(port, x, p)
			checkBits32(t, "quoRound64to32Go", n, port, want)
			for _, f := range quoRound64to32Impls() {
				asm := make([]float32, n)
				k := f(asm, x, p)
				quoRound64to32Go(asm[k:], x[k:], p)
				checkBits32(t, "quoRound64to32 assembly", n, asm, want)
			}
		}
	}
}

func lengths() []int {
	var ns []int
	for n := 0; n <= 70; n++ {
		ns = append(ns, n)
	}
	return ns
}

func checkBits64(t *testing.T, name string, n int, got, want []float64) {
	t.Helper()
	for i := range want {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
			t.Fatalf("%s, n = %d: element %d is %v, want %v", name, n, i, got[i], want[i])
		}
	}
}

func checkBits32(t *testing.T, name string, n int, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
			t.Fatalf("%s, n = %d: element %d is %v, want %v", name, n, i, got[i], want[i])
		}
	}
}

// TestMixedLengthMismatch checks the panic of the mixed kernels.
func TestMixedLengthMismatch(t *testing.T) {
	defer func() {
		if _, ok := recover().(*LengthError); !ok {
			t.Error("ExpShift32to64 with slices of different lengths did not panic with a *LengthError")
		}
	}()
	ExpShift32to64(make([]float64, 3), make([]float32, 4), 0)
}

// TestMax32 checks every path of Max32 against a plain loop on rows
// without NaNs, for every length up to 70 and longer ones, with the
// maximum at every position class, and that with a NaN the result is a
// NaN or an element.
func TestMax32(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 1))
	if m := Max32(nil); !math.IsInf(float64(m), -1) {
		t.Errorf("Max32(nil) = %v, want -Inf", m)
	}
	paths := append([]func([]float32) float32{Max32, max32Go}, max32Impls()...)
	for _, n := range append(lengths()[1:], 255, 256, 257, 4099) {
		for trial := range 4 {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(-rng.ExpFloat64()*10 - 1)
			}
			switch trial {
			case 1:
				x[n-1] = 5
			case 2:
				x[rng.IntN(n)] = float32(math.Inf(1))
			case 3:
				x[0] = -1e30
			}
			want := x[0]
			for _, v := range x {
				want = max(want, v)
			}
			for k, f := range paths {
				if got := f(x); got != want {
					t.Fatalf("path %d, n = %d, trial %d: max %v, want %v", k, n, trial, got, want)
				}
			}
			x[rng.IntN(n)] = float32(math.NaN())
			for k, f := range paths {
				got := f(x)
				if got == got && !slicesContains(x, got) {
					t.Fatalf("path %d, n = %d with a NaN: %v, neither NaN nor an element", k, n, got)
				}
			}
		}
	}
}

func slicesContains(x []float32, v float32) bool {
	for _, e := range x {
		if e == v {
			return true
		}
	}
	return false
}

// TestMul32AndMulSubP32 checks every path of the float32 row kernels of
// softmax's backward against their definitions, also in place.
func TestMul32AndMulSubP32(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 11))
	for _, n := range append(lengths(), 4099) {
		x, g := mixedInputs(rng, n), mixedInputs(rng, n)
		rng.Shuffle(n, func(i, j int) { g[i], g[j] = g[j], g[i] })
		for _, p := range []float32{0, 0.3, -2.5, float32(math.Inf(1)), float32(math.NaN())} {
			want, wantMul := make([]float32, n), make([]float32, n)
			for i := range x {
				wantMul[i] = x[i] * g[i]
				want[i] = x[i] * (g[i] - p)
			}
			got := make([]float32, n)
			Mul32(got, x, g)
			checkBits32(t, "Mul32", n, got, wantMul)
			mul32Go(got, x, g)
			checkBits32(t, "mul32Go", n, got, wantMul)
			MulSubP32(got, x, g, p)
			checkBits32(t, "MulSubP32", n, got, want)
			mulSubP32Go(got, x, g, p)
			checkBits32(t, "mulSubP32Go", n, got, want)
			inPlace := append([]float32(nil), g...)
			MulSubP32(inPlace, x, inPlace, p)
			checkBits32(t, "MulSubP32 in place", n, inPlace, want)
			for _, f := range mul32Impls() {
				clear(got)
				k := f(got, x, g)
				mul32Go(got[k:], x[k:], g[k:])
				checkBits32(t, "mul32 assembly", n, got, wantMul)
			}
			for _, f := range mulSubP32Impls() {
				clear(got)
				k := f(got, x, g, p)
				mulSubP32Go(got[k:], x[k:], g[k:], p)
				checkBits32(t, "mulSubP32 assembly", n, got, want)
			}
		}
	}
}

// TestNarrowAndQuo32 checks every path of Narrow64to32 and Quo32 against
// their definitions, Quo32 also in place.
func TestNarrowAndQuo32(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 13))
	for _, n := range append(lengths(), 4099) {
		x32 := mixedInputs(rng, n)
		x := make([]float64, n)
		for i, v := range x32 {
			x[i] = float64(v) * (1 + rng.Float64()*0x1p-20)
			if i%4 == 0 {
				x[i] = math.Exp(float64(v))
			}
		}
		want := make([]float32, n)
		for i, v := range x {
			want[i] = float32(v)
		}
		got := make([]float32, n)
		Narrow64to32(got, x)
		checkBits32(t, "Narrow64to32", n, got, want)
		narrow64to32Go(got, x)
		checkBits32(t, "narrow64to32Go", n, got, want)
		for _, f := range narrow64to32Impls() {
			clear(got)
			k := f(got, x)
			narrow64to32Go(got[k:], x[k:])
			checkBits32(t, "narrow64to32 assembly", n, got, want)
		}
		for _, p := range []float64{1, 1.75, 3, 1e10, 7.000000000000001, math.Inf(1), math.NaN(), 0} {
			for i, v := range x32 {
				want[i] = float32(float64(v) / p)
			}
			Quo32(got, x32, p)
			checkBits32(t, "Quo32", n, got, want)
			quo32Go(got, x32, p)
			checkBits32(t, "quo32Go", n, got, want)
			inPlace := append([]float32(nil), x32...)
			Quo32(inPlace, inPlace, p)
			checkBits32(t, "Quo32 in place", n, inPlace, want)
			for _, f := range quo32Impls() {
				clear(got)
				k := f(got, x32, p)
				quo32Go(got[k:], x32[k:], p)
				checkBits32(t, "quo32 assembly", n, got, want)
			}
		}
	}
}
