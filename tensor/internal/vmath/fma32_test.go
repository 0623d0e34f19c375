package vmath

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// TestFMA32 checks fma32, the portable float32 FMA, against the exact
// a·b + c rounded to nearest even by math/big, on random operands and on
// products that nearly cancel c, which the double rounding through
// float64 would get wrong without the round-to-odd step.
func TestFMA32(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	exact := func(a, b, c float32) float32 {
		x := new(big.Float).SetPrec(200).SetFloat64(float64(a))
		x.Mul(x, new(big.Float).SetFloat64(float64(b)))
		x.Add(x, new(big.Float).SetFloat64(float64(c)))
		f, _ := x.Float32()
		return f
	}
	r32 := func() float32 {
		return math.Float32frombits(rng.Uint32())
	}
	check := func(a, b, c float32) {
		for _, v := range []float32{a, b, c} {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return
			}
		}
		got, want := fma32(a, b, c), exact(a, b, c)
		if math.Float32bits(got) != math.Float32bits(want) && !(got == 0 && want == 0) {
			t.Fatalf("fma32(%x, %x, %x) = %x, want %x", a, b, c, got, want)
		}
	}
	rounds := 200_000
	if raceEnabled {
		// A tenth of the random rounds: big.Float reference arithmetic on
		// one goroutine, which the race detector slows and checks nothing
		// in; the double-rounding cases below always run.
		rounds = 20_000
	}
	for range rounds {
		a, b := r32(), r32()
		check(a, b, r32())
		// c near -a·b: the sum's leading bits cancel.
		p := float32(float64(a) * float64(b))
		check(a, b, -p)
		check(a, b, math.Nextafter32(-p, 0))
		// Operands in a narrow range, where halfway cases are common.
		a, b = float32(1+rng.Float64()), float32(1+rng.Float64())
		c := float32(rng.NormFloat64())
		check(a, b, c)
		check(a, b, math.Float32frombits(math.Float32bits(c)&^0xfff))
	}
	// Double-rounding cases: a·b = 1 + 2^-11 + 2^-24 is a float32 midpoint,
	// and c moves the sum off it by far less than a float64 ulp.
	check(1+0x1p-12, 1+0x1p-12, 0x1p-80)
	check(1+0x1p-12, 1+0x1p-12, -0x1p-80)
	if got := fma32(1+0x1p-12, 1+0x1p-12, 0x1p-80); got != 1+0x1p-11+0x1p-23 {
		t.Errorf("fma32 at a midpoint plus 2^-80 = %x, want %x", got, float32(1+0x1p-11+0x1p-23))
	}
	if got := fma32(float32(math.Inf(1)), 0, 1); got == got {
		t.Errorf("fma32(Inf, 0, 1) = %v, want NaN", got)
	}
	if got := fma32(2, 3, float32(math.Inf(-1))); !math.IsInf(float64(got), -1) {
		t.Errorf("fma32(2, 3, -Inf) = %v, want -Inf", got)
	}
}
